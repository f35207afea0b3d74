// Mentoring over the wire against the real server binary (docs/mentoring.md): the booking race
// decided by the server, the secret calendar feed (/v1/calendar/<token>.ics) with a stable UID
// and a rising SEQUENCE, revocation, and the meeting e-mails carrying the .ics.
#include <gtest/gtest.h>
#include <libical/ical.h>

#include <boost/json.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "passerelle/shared/crypto.h"
#include "passerelle/shared/ids.h"
#include "passerelle/shared/time.h"
#include "passerelle/test/peer.h"
#include "passerelle/test/raw_ws_client.h"
#include "passerelle/test/test_server.h"

using namespace passerelle::test;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

const char* kPassword = kTestPassword;

// The one op's result of a push: "applied", or the rejection's message.
std::string push1(Peer& p, json::object one) {
  auto a = p.call("push", {{"ops", json::array{std::move(one)}}});
  if (a["ok"] != true) return "push failed: " + json::serialize(a);
  const auto& r = a.at("results").as_array().at(0).as_object();
  if (r.at("status") == "applied") return "applied";
  return std::string(r.at("error").at("message").as_string());
}

int count_events(const std::string& ics) {
  icalcomponent* cal = icalparser_parse_string(ics.c_str());
  if (!cal) return -1;
  int n = icalcomponent_count_components(cal, ICAL_VEVENT_COMPONENT);
  icalcomponent_free(cal);
  return n;
}

// Mails with `needle`, waiting (bounded) for the worker pool to write them.
std::vector<std::string> mails_with(TestServer& s, const std::string& needle, std::size_t want) {
  std::vector<std::string> found;
  for (int i = 0; i < 200; ++i) {
    found.clear();
    for (const auto& m : s.mails())
      if (m.find(needle) != std::string::npos) found.push_back(m);
    if (found.size() >= want) break;
    std::this_thread::sleep_for(50ms);
  }
  return found;
}

std::string next_hour_in(std::chrono::hours ahead) {
  auto t = std::chrono::floor<std::chrono::hours>(passerelle::now_utc() + ahead);
  return passerelle::format_rfc3339(std::chrono::time_point_cast<std::chrono::milliseconds>(t));
}

class MentoringServerTest : public ::testing::Test {
 protected:
  // The race test signs one person in 50 times at once: more than --max-connections-per-user
  // (docs/limits.md) allows a real account, so that limit is off here.
  explicit MentoringServerTest(std::vector<std::string> args = {"--meeting-notice-hours", "24", "--public-url",
                                                                "https://passerelle.example",
                                                                "--max-connections-per-user", "0"})
      : server(TestServer::Options{std::move(args)}) {}

  void SetUp() override {
    ASSERT_TRUE(server.ok()) << server.last_error();
    for (auto [email, name, role] : {std::tuple{"admin@example.org", "Ada", "admin"}, {"coach@example.org", "Claire", "coach"},
                                     {"amina@example.org", "Amina", "candidate"}, {"isabelle@example.org", "Isabelle", "mentor"}})
      ASSERT_TRUE(server.create_user(email, name, role, kPassword)) << server.last_error();
    admin = sign_in(server, "admin@example.org");
    coach = sign_in(server, "coach@example.org");
    amina = sign_in(server, "amina@example.org");
    isabelle = sign_in(server, "isabelle@example.org");
    ASSERT_EQ(push1(admin, op("caseload.assign", {{"candidate_id", amina.id}, {"coach_id", coach.id}, {"thread_id", passerelle::new_id()}})),
              "applied");
    json::array fr{json::object{{"code", "fr"}, {"level", "C1"}}};
    ASSERT_EQ(push1(amina, op("career.update", {{"languages", fr}, {"time_zone", "Africa/Casablanca"}, {"occupation_code", "21231"}})),
              "applied");
    ASSERT_EQ(push1(isabelle, op("mentor.update", {{"languages", fr}, {"time_zone", "America/Toronto"}, {"capacity", 2}})), "applied");
    // Every hour of every day, in UTC: the test books real future hours whatever today is.
    json::array weekly;
    for (int d = 1; d <= 7; ++d) weekly.push_back(json::object{{"weekday", d}, {"start", "00:00"}, {"end", "24:00"}});
    ASSERT_EQ(push1(isabelle, op("availability.set", {{"availability", json::object{{"time_zone", "UTC"}, {"weekly", weekly}}}})),
              "applied");
    ASSERT_EQ(push1(coach, op("mentorship.propose", {{"id", mentorship}, {"candidate_id", amina.id}, {"mentor_id", isabelle.id}})),
              "applied");
    ASSERT_EQ(push1(isabelle, op("mentorship.respond", {{"id", mentorship}, {"accept", true}, {"thread_id", passerelle::new_id()}})),
              "applied");
  }

  TestServer server;
  Peer admin, coach, amina, isabelle;
  std::string mentorship = passerelle::new_id();
};

}  // namespace

TEST_F(MentoringServerTest, FiftyClientsRequestTheSameSlotAtOnceExactlyOneMeeting) {
  std::string slot = next_hour_in(48h);
  std::vector<Peer> devices;
  for (int i = 0; i < 50; ++i) devices.push_back(sign_in(server, "amina@example.org"));
  // Every request is on the wire before any answer is read.
  for (int i = 0; i < 50; ++i) {
    json::object req{{"id", 500 + i},
                     {"type", "push"},
                     {"ops", json::array{op("meeting.request", {{"id", passerelle::new_id()}, {"mentorship_id", mentorship}, {"start", slot}})}}};
    ASSERT_TRUE(devices[static_cast<std::size_t>(i)].ws->send_text(json::serialize(req)));
  }
  int applied = 0, taken = 0;
  for (int i = 0; i < 50; ++i) {
    auto a = devices[static_cast<std::size_t>(i)].ws->read_answer(500 + i, 20s);  // skips pokes
    ASSERT_EQ(a["ok"], true) << json::serialize(a);
    const auto& r = a.at("results").as_array().at(0).as_object();
    if (r.at("status") == "applied") ++applied;
    else {
      std::string msg(r.at("error").at("message").as_string());
      // Either the slot is taken, or (once two are booked: never here) the quota; alternatives are named.
      if (msg.find("already taken; next free slots: ") != std::string::npos) ++taken;
    }
  }
  EXPECT_EQ(applied, 1);
  EXPECT_EQ(taken, 49);
  EXPECT_EQ(server.count("SELECT COUNT(*) FROM sync_rows WHERE collection = 'meetings'"), 1);
}

TEST_F(MentoringServerTest, FeedShowsTheMeetingWithStableUidRisingSequenceAndRevocationHidesIt) {
  std::string token = passerelle::new_token();
  ASSERT_EQ(push1(amina, op("calendar.feed.set", {{"token_hash", passerelle::sha256_hex(token)}})), "applied");
  std::string path = "/v1/calendar/" + token + ".ics";
  auto empty = http_get(server.port(), path);
  EXPECT_EQ(empty.status, 200);
  EXPECT_EQ(count_events(empty.body), 0);

  std::string meeting = passerelle::new_id();
  ASSERT_EQ(push1(amina, op("meeting.request", {{"id", meeting}, {"mentorship_id", mentorship}, {"start", next_hour_in(48h)}})),
            "applied");
  auto one = http_get(server.port(), path);
  ASSERT_EQ(one.status, 200);
  EXPECT_NE(one.body.find("UID:" + meeting + "@passerelle\r\n"), std::string::npos) << one.body;
  EXPECT_NE(one.body.find("SEQUENCE:0\r\n"), std::string::npos);
  EXPECT_EQ(count_events(one.body), 1);

  ASSERT_EQ(push1(isabelle, op("meeting.reschedule", {{"id", meeting}, {"start", next_hour_in(72h)}})), "applied");
  auto moved = http_get(server.port(), path);
  EXPECT_NE(moved.body.find("UID:" + meeting + "@passerelle\r\n"), std::string::npos);
  EXPECT_NE(moved.body.find("SEQUENCE:1\r\n"), std::string::npos);

  ASSERT_EQ(push1(amina, op("meeting.cancel", {{"id", meeting}, {"reason", "empêchement"}})), "applied");
  auto cancelled = http_get(server.port(), path);
  EXPECT_NE(cancelled.body.find("SEQUENCE:2\r\n"), std::string::npos);
  EXPECT_NE(cancelled.body.find("STATUS:CANCELLED\r\n"), std::string::npos);

  // Someone else's token, a malformed one, a revoked one: all 404, the same answer.
  EXPECT_EQ(http_get(server.port(), "/v1/calendar/" + passerelle::new_token() + ".ics").status, 404);
  EXPECT_EQ(http_get(server.port(), "/v1/calendar/../../etc/passwd").status, 404);
  ASSERT_EQ(push1(amina, op("calendar.feed.revoke", json::object{})), "applied");
  EXPECT_EQ(http_get(server.port(), path).status, 404);
  // The token itself was never stored, only its hash.
  EXPECT_EQ(server.count("SELECT COUNT(*) FROM sync_rows WHERE data LIKE '%" + token + "%'"), 0);
}

TEST_F(MentoringServerTest, MeetingEmailsCarryTheIcsToBothPeopleRequestThenCancel) {
  std::string meeting = passerelle::new_id();
  ASSERT_EQ(push1(amina, op("meeting.request", {{"id", meeting}, {"mentorship_id", mentorship}, {"start", next_hour_in(48h)}})),
            "applied");
  auto requests = mails_with(server, "method=REQUEST", 2);
  ASSERT_EQ(requests.size(), 2u) << server.log();
  bool to_amina = false, to_isabelle = false;
  for (const auto& m : requests) {
    to_amina |= m.find("To: amina@example.org") != std::string::npos;
    to_isabelle |= m.find("To: isabelle@example.org") != std::string::npos;
    EXPECT_NE(m.find("Content-Type: multipart/mixed"), std::string::npos);
    EXPECT_NE(m.find("Content-Type: text/calendar; charset=UTF-8; method=REQUEST"), std::string::npos);
  }
  EXPECT_TRUE(to_amina && to_isabelle);
  // A refused request mails nothing.
  EXPECT_NE(push1(amina, op("meeting.request", {{"id", passerelle::new_id()}, {"mentorship_id", mentorship}, {"start", next_hour_in(1h)}}))
                .find("24 h ahead"),
            std::string::npos);
  ASSERT_EQ(push1(isabelle, op("meeting.cancel", {{"id", meeting}})), "applied");
  auto cancels = mails_with(server, "method=CANCEL", 2);
  EXPECT_EQ(cancels.size(), 2u);
  EXPECT_EQ(mails_with(server, "method=", 4).size(), 4u);
}

TEST_F(MentoringServerTest, ClosingTheMentorshipMailsTheCancelOfItsUpcomingMeetings) {
  std::string meeting = passerelle::new_id();
  ASSERT_EQ(push1(amina, op("meeting.request", {{"id", meeting}, {"mentorship_id", mentorship}, {"start", next_hour_in(48h)}})),
            "applied");
  ASSERT_EQ(mails_with(server, "method=REQUEST", 2).size(), 2u) << server.log();
  ASSERT_EQ(push1(coach, op("mentorship.complete", {{"id", mentorship}, {"reason", "Amina a trouvé un emploi"}})), "applied");
  auto cancels = mails_with(server, "method=CANCEL", 2);
  EXPECT_EQ(cancels.size(), 2u) << server.log();
}

// Reminders go out shortly before a meeting, once, to both people (the 1-hour one here: the
// server accepts a meeting within the hour when its notice is 0).
class MeetingReminderTest : public MentoringServerTest {
 protected:
  MeetingReminderTest()
      : MentoringServerTest({"--meeting-notice-hours", "0", "--reminder-scan-seconds", "1", "--public-url",
                             "https://passerelle.example"}) {}
};

TEST_F(MeetingReminderTest, OneHourReminderGoesOnceToBothWithTheIcs) {
  std::string start = next_hour_in(std::chrono::hours(1));
  if (passerelle::parse_rfc3339(start).value() - passerelle::now_utc() < std::chrono::minutes(1))
    start = next_hour_in(std::chrono::hours(2));  // too close to the hour: the next one (then no 1-hour reminder yet)
  bool within_hour = passerelle::parse_rfc3339(start).value() - passerelle::now_utc() <= std::chrono::hours(1);
  std::string meeting = passerelle::new_id();
  ASSERT_EQ(push1(amina, op("meeting.request", {{"id", meeting}, {"mentorship_id", mentorship}, {"start", start}})), "applied");
  if (!within_hour) GTEST_SKIP() << "the next slot is more than an hour away at this minute";
  // Both people write French here (the accounts' locale): the body says the meeting is near.
  const std::string needle = "Votre rencontre commence dans moins d";
  auto reminders = mails_with(server, needle, 2);
  EXPECT_EQ(reminders.size(), 2u) << server.log();
  for (const auto& m : reminders) EXPECT_NE(m.find("text/calendar"), std::string::npos);
  // More scans pass: nothing more.
  std::this_thread::sleep_for(2500ms);
  std::size_t after = 0;
  for (const auto& m : server.mails()) after += m.find(needle) != std::string::npos;
  EXPECT_EQ(after, 2u);
  EXPECT_EQ(server.count("SELECT COUNT(*) FROM meeting_reminders"), 1);
}
