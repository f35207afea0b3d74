// Activities over the wire against the real server binary (docs/activities.md): ten devices
// race for the last seat of a conference (one seat, nine waiting places, each device told why
// by its own registration row), a cancellation promotes the first who waits, the database's
// seat table agrees, staff actions are audited, and nobody else reads the registrations.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <set>
#include <string>

#include "passerelle/shared/activities/activities.h"
#include "passerelle/shared/ids.h"
#include "passerelle/shared/time.h"
#include "passerelle/test/peer.h"
#include "passerelle/test/raw_ws_client.h"
#include "passerelle/test/test_server.h"

using namespace passerelle::test;
namespace json = boost::json;
namespace act = passerelle::activities;
using namespace std::chrono_literals;

namespace {

std::string push1(Peer& p, json::object one) {
  auto a = p.call("push", {{"ops", json::array{std::move(one)}}});
  if (a["ok"] != true) return "push failed: " + json::serialize(a);
  const auto& r = a.at("results").as_array().at(0).as_object();
  if (r.at("status") == "applied") return "applied";
  return std::string(r.at("error").at("message").as_string());
}

std::string hour_in(std::chrono::hours ahead) {
  auto t = std::chrono::floor<std::chrono::hours>(passerelle::now_utc() + ahead);
  return passerelle::format_rfc3339(std::chrono::time_point_cast<std::chrono::milliseconds>(t));
}

std::string text(const json::object& row, const char* key) {
  auto* v = row.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

class ActivitiesServerTest : public ::testing::Test {
 protected:
  // Twelve candidates each sign in once, and the race opens ten connections at once.
  ActivitiesServerTest() : server(TestServer::Options{{"--max-connections-per-user", "0"}}) {}

  void SetUp() override {
    ASSERT_TRUE(server.ok()) << server.last_error();
    ASSERT_TRUE(server.create_user("admin@example.org", "Ada", "admin", kTestPassword)) << server.last_error();
    ASSERT_TRUE(server.create_user("coach@example.org", "Claire", "coach", kTestPassword)) << server.last_error();
    admin = sign_in(server, "admin@example.org");
    coach = sign_in(server, "coach@example.org");
    for (int i = 0; i < 12; ++i) {
      std::string email = "cand" + std::to_string(i) + "@example.org";
      ASSERT_TRUE(server.create_user(email, "Candidate " + std::to_string(i), "candidate", kTestPassword));
      cands.push_back(sign_in(server, email));
      ASSERT_EQ(push1(admin, op("caseload.assign", {{"candidate_id", cands.back().id}, {"coach_id", coach.id},
                                                    {"thread_id", passerelle::new_id()}})),
                "applied");
    }
  }

  json::object my_registration(Peer& p) {
    auto row = pulled_row(pull_all(p), "activity_registrations", act::registration_id(activity, p.id));
    return row.value_or(json::object{});
  }

  TestServer server;
  Peer admin, coach;
  std::vector<Peer> cands;
  std::string activity = passerelle::new_id();
};

}  // namespace

TEST_F(ActivitiesServerTest, TenDevicesRaceForTheLastSeatOneSeatNineWaitEachToldWhy) {
  ASSERT_EQ(push1(coach, op("activity.create", {{"id", activity}, {"kind", "conference"}, {"title", "Conférence TI"},
                                                {"start", hour_in(72h)}, {"end", hour_in(74h)}, {"time_zone", "America/Toronto"},
                                                {"place", "Montréal"}, {"capacity", 3}, {"audience", "all"}})),
            "applied");
  // Two seats go first; the last one is raced for.
  for (int i = 0; i < 2; ++i) ASSERT_EQ(push1(cands[i], op("activity.register", {{"activity_id", activity}})), "applied");
  // Every request is on the wire before any answer is read.
  for (int i = 2; i < 12; ++i) {
    json::object req{{"id", 700 + i}, {"type", "push"}, {"ops", json::array{op("activity.register", {{"activity_id", activity}})}}};
    ASSERT_TRUE(cands[i].ws->send_text(json::serialize(req)));
  }
  for (int i = 2; i < 12; ++i) {
    auto a = cands[i].ws->read_answer(700 + i, 20s);  // skips pokes
    ASSERT_EQ(a["ok"], true) << json::serialize(a);
    EXPECT_EQ(a.at("results").as_array().at(0).at("status"), "applied") << "a registration is recorded either way";
  }
  int seats = 0;
  std::string raced_winner;
  std::set<std::int64_t> positions;
  std::map<std::int64_t, int> who_waits;
  for (int i = 2; i < 12; ++i) {
    auto r = my_registration(cands[i]);
    std::string status = text(r, "status");
    if (status == "confirmed") {
      ++seats;
      raced_winner = cands[i].id;
      EXPECT_EQ(text(r, "reason"), "seat");
    } else {
      EXPECT_EQ(status, "waitlisted");
      EXPECT_EQ(text(r, "reason"), "full");
      std::int64_t pos = r.at("position").as_int64();
      positions.insert(pos);
      who_waits[pos] = i;
      // What her app shows, in her language: why she waits and where.
      EXPECT_NE(act::registration_text(r, passerelle::protocol::Locale::fr).find("complète"), std::string::npos);
    }
  }
  EXPECT_EQ(seats, 1);
  EXPECT_EQ(positions, (std::set<std::int64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_EQ(server.count("SELECT COUNT(*) FROM activity_seats WHERE activity_id = '" + activity + "'"), 3);
  EXPECT_EQ(server.count("SELECT MAX(seat) FROM activity_seats WHERE activity_id = '" + activity + "'"), 3);

  // The seat holder from the race cancels: the first who waits gets the seat, told why.
  Peer* winner = nullptr;
  for (auto& c : cands)
    if (c.id == raced_winner) winner = &c;
  ASSERT_TRUE(winner);
  ASSERT_EQ(push1(*winner, op("activity.unregister", {{"activity_id", activity}})), "applied");
  auto first = my_registration(cands[static_cast<std::size_t>(who_waits[1])]);
  EXPECT_EQ(text(first, "status"), "confirmed");
  EXPECT_EQ(text(first, "reason"), "promoted");
  auto second = my_registration(cands[static_cast<std::size_t>(who_waits[2])]);
  EXPECT_EQ(second.at("position").as_int64(), 1) << "everyone behind moves up one place";
  EXPECT_EQ(server.count("SELECT COUNT(*) FROM activity_seats WHERE activity_id = '" + activity + "'"), 3);
  EXPECT_EQ(server.count("SELECT COUNT(*) FROM activity_seats WHERE activity_id = '" + activity + "' AND candidate_id = '" +
                         cands[static_cast<std::size_t>(who_waits[1])].id + "'"),
            1);

  // A candidate reads her own registration only; the roster is staff's.
  auto seen = pull_all(cands[0]);
  EXPECT_EQ(count_prefix(seen, "activity_registrations"), 1u);
  EXPECT_EQ(count_prefix(seen, "activity_rosters"), 0u);
  auto staff = pull_all(coach);
  EXPECT_EQ(count_prefix(staff, "activity_registrations"), 12u);
  EXPECT_EQ(count_prefix(staff, "activity_rosters"), 1u);

  // Cancelling the activity frees every seat in the table too; staff actions are audited.
  ASSERT_EQ(push1(coach, op("activity.cancel", {{"id", activity}})), "applied");
  EXPECT_EQ(text(my_registration(cands[0]), "reason"), "activity_cancelled");
  EXPECT_EQ(server.count("SELECT COUNT(*) FROM activity_seats WHERE activity_id = '" + activity + "'"), 0);
  EXPECT_EQ(server.count("SELECT COUNT(*) FROM audit_log WHERE action = 'activity.create' AND target_id = '" + activity + "'"), 1);
  EXPECT_EQ(server.count("SELECT COUNT(*) FROM audit_log WHERE action = 'activity.cancel' AND target_id = '" + activity + "'"), 1);
  EXPECT_EQ(server.count("SELECT COUNT(*) FROM audit_log WHERE action = 'activity.register'"), 0)
      << "a candidate's own registration is not audited";
}

TEST_F(ActivitiesServerTest, StaffRegisteringSomeoneIsAuditedAndAnOfflineRegistrationArrivesOnce) {
  ASSERT_EQ(push1(coach, op("activity.create", {{"id", activity}, {"kind", "conference"}, {"title", "Forum"},
                                                {"start", hour_in(72h)}, {"end", hour_in(74h)}, {"time_zone", "America/Toronto"},
                                                {"video_url", "https://meet.example.org/forum"}, {"capacity", 1},
                                                {"audience", "invited"},
                                                {"candidate_ids", json::array{cands[0].id, cands[1].id}}})),
            "applied");
  ASSERT_EQ(push1(coach, op("activity.register", {{"activity_id", activity}, {"candidate_id", cands[1].id}})), "applied");
  EXPECT_EQ(server.count("SELECT COUNT(*) FROM audit_log WHERE action = 'activity.register' AND target_id = '" + cands[1].id + "'"),
            1);
  // The same op pushed three times (a device that lost the answers) registers once.
  auto one = op("activity.register", {{"activity_id", activity}});
  for (int i = 0; i < 3; ++i) ASSERT_EQ(push1(cands[0], one), "applied");
  auto r = my_registration(cands[0]);
  EXPECT_EQ(text(r, "status"), "waitlisted");
  EXPECT_EQ(r.at("position").as_int64(), 1);
  EXPECT_EQ(count_prefix(pull_all(cands[0]), "activity_registrations"), 1u);
  // Someone not invited neither sees it nor can register.
  EXPECT_EQ(count_prefix(pull_all(cands[2]), "activities"), 0u);
  EXPECT_EQ(push1(cands[2], op("activity.register", {{"activity_id", activity}})), "no such activity");
}

// Exactly once in the audit log too: a staff op pushed again after a lost answer (the same
// (user, op_id)) is answered from its record and runs nothing, so it writes no second entry.
// Attendance (activity.attendance) is recorded from an hour before the start.
TEST_F(ActivitiesServerTest, ARetriedStaffOpIsAuditedOnceAndAttendanceIsRecorded) {
  auto soon = std::chrono::floor<std::chrono::minutes>(passerelle::now_utc() + 30min);
  std::string start = passerelle::format_rfc3339(std::chrono::time_point_cast<std::chrono::milliseconds>(soon));
  std::string end = passerelle::format_rfc3339(std::chrono::time_point_cast<std::chrono::milliseconds>(soon + 2h));
  auto create = op("activity.create", {{"id", activity}, {"kind", "conference"}, {"title", "Forum"}, {"start", start},
                                       {"end", end}, {"time_zone", "America/Toronto"}, {"place", "Laval"},
                                       {"capacity", 5}, {"audience", "all"}});
  auto reg = op("activity.register", {{"activity_id", activity}, {"candidate_id", cands[1].id}});
  auto came = op("activity.attendance", {{"activity_id", activity}, {"candidate_id", cands[1].id}, {"attended", true}});
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(push1(coach, create), "applied");
    ASSERT_EQ(push1(coach, reg), "applied");
    ASSERT_EQ(push1(coach, came), "applied");
  }
  auto audited = [&](const std::string& action) {
    return server.count("SELECT COUNT(*) FROM audit_log WHERE action = '" + action + "'");
  };
  EXPECT_EQ(audited("activity.create"), 1);
  EXPECT_EQ(audited("activity.register"), 1);
  EXPECT_EQ(audited("activity.attendance"), 1);
  // Her device reads that she came; the registration's readers are unchanged.
  auto r = pulled_row(pull_all(cands[1]), "activity_registrations", act::registration_id(activity, cands[1].id));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->at("attended"), true);
  EXPECT_FALSE(pulled_row(pull_all(cands[2]), "activity_registrations", act::registration_id(activity, cands[1].id)));
  // A candidate cannot record it; someone not registered is not found.
  EXPECT_EQ(push1(cands[1], op("activity.attendance", {{"activity_id", activity}, {"candidate_id", cands[1].id},
                                                       {"attended", true}})),
            "only the organizer or an admin records attendance");
  EXPECT_EQ(push1(coach, op("activity.attendance", {{"activity_id", activity}, {"candidate_id", cands[3].id},
                                                    {"attended", true}})),
            "this candidate is not registered to this activity");
}

// An activity open to every candidate is read through the candidates' role audience: a
// candidate who is online, on nobody's list, is poked when it is announced (she learnt of it
// only at her next pull before), and her pull then has it.
TEST_F(ActivitiesServerTest, AnActivityOpenToEveryCandidateIsPokedToCandidatesOnline) {
  ASSERT_TRUE(server.create_user("outsider@example.org", "Olga", "candidate", kTestPassword));
  Peer outsider = sign_in(server, "outsider@example.org");
  auto announced = coach.call("push", {{"ops", json::array{op("activity.create",
      {{"id", activity}, {"kind", "conference"}, {"title", "Conférence TI"}, {"start", hour_in(72h)},
       {"end", hour_in(74h)}, {"time_zone", "America/Toronto"}, {"place", "Montréal"}, {"capacity", 30},
       {"audience", "all"}})}}});
  ASSERT_EQ(announced["ok"], true) << json::serialize(announced);
  auto poke = read_poke(*outsider.ws, 10s);
  ASSERT_TRUE(poke) << "a candidate online was not told of an activity open to every candidate";
  EXPECT_TRUE(pulled_row(pull_all(outsider, 0), "activities", activity).has_value());
}
