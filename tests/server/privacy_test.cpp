// Privacy rights on the real server (docs/security.md): account.export gives a person their data
// and nothing of anyone else; account.delete erases or anonymizes it while the indicators keep
// their counts, revokes tokens and closes connections; the retention job deletes old rows.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <thread>

#include "passerelle/shared/activities/activities.h"
#include "passerelle/shared/crypto.h"
#include "passerelle/shared/ids.h"
#include "passerelle/shared/time.h"
#include "passerelle/test/eventually.h"
#include "passerelle/test/http_client.h"
#include "passerelle/test/peer.h"
#include "passerelle/test/test_server.h"

namespace {

namespace json = boost::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using passerelle::test::Peer;
using passerelle::test::TestServer;
using passerelle::test::op;
using passerelle::test::kTestPassword;

std::string pdf(const std::string& text) { return "%PDF-1.4\n% " + text + "\n%%EOF\n"; }

std::string code_of(const json::object& answer) {
  if (answer.contains("error")) return std::string(answer.at("error").at("code").as_string());
  return answer.contains("ok") && answer.at("ok") == true ? "ok" : "no answer";
}

using passerelle::test::eventually;  // the retention job runs on its own schedule

std::string first_result(const json::object& push_answer) {
  if (push_answer.contains("error")) return json::serialize(push_answer);
  return std::string(push_answer.at("results").at(0).at("status").as_string());
}

class PrivacyTest : public ::testing::Test {
 protected:
  explicit PrivacyTest(std::vector<std::string> args = {}) : server(options(std::move(args))) {}

  static TestServer::Options options(std::vector<std::string> args) {
    TestServer::Options o;
    o.extra_args = std::move(args);
    return o;
  }

  void SetUp() override {
    ASSERT_TRUE(server.ok()) << server.last_error();
    for (auto [email, role] : {std::pair{"admin@example.org", "admin"}, {"coach@example.org", "coach"},
                               {"amina@example.org", "candidate"}, {"bruno@example.org", "candidate"}})
      ASSERT_TRUE(server.create_user(email, email, role, kTestPassword)) << server.last_error();
    admin = passerelle::test::sign_in(server, "admin@example.org");
    coach = passerelle::test::sign_in(server, "coach@example.org");
    amina = passerelle::test::sign_in(server, "amina@example.org");
    bruno = passerelle::test::sign_in(server, "bruno@example.org");
    for (auto [who, thread] : {std::pair{&amina, &amina_thread}, {&bruno, &bruno_thread}})
      ASSERT_EQ(first_result(passerelle::test::push(
                    admin, {op("caseload.assign", {{"candidate_id", who->id}, {"coach_id", coach.id}, {"thread_id", *thread}})})),
                "applied");
    ASSERT_EQ(first_result(passerelle::test::push(
                  coach, {op("plan.create", {{"plan_id", plan}, {"candidate_id", amina.id},
                                             {"template_key", "quebec-skilled-worker"}, {"arrival_date", "2027-05-01"}})})),
              "applied");
    ASSERT_EQ(first_result(passerelle::test::push(amina, {op("career.update", {{"immigration_stage", "csq_received"},
                                                                                {"occupation_code", "21231"}})})),
              "applied");
    auto up = passerelle::test::http_request(server.port(), "PUT", "/v1/blobs/" + cv_sha,
                                             {{"Authorization", "Bearer " + amina.token}}, cv);
    ASSERT_EQ(up.status, 201) << up.body;
    json::array attachment{json::object{{"sha256", cv_sha}, {"name", "cv.pdf"},
                                        {"size", static_cast<std::int64_t>(cv.size())}, {"type", "application/pdf"}}};
    ASSERT_EQ(first_result(passerelle::test::push(
                  amina, {op("message.send", {{"id", amina_message}, {"thread_id", amina_thread},
                                              {"body", "amina's own words"}, {"attachments", attachment}})})),
              "applied");
    ASSERT_EQ(first_result(passerelle::test::push(coach, {passerelle::test::send_op(amina_thread, "coach to amina")})),
              "applied");
    ASSERT_EQ(first_result(passerelle::test::push(bruno, {passerelle::test::send_op(bruno_thread, "bruno's secret")})),
              "applied");
    // The coach opens Amina's file: an audit entry about her.
    ASSERT_EQ(code_of(coach.call("dashboard.open", {{"candidate_id", amina.id}})), "ok");
  }

  fs::path file_on_disk(const std::string& sha) const {
    return fs::path(server.data_dir()) / "files" / sha.substr(0, 2) / sha;
  }

  TestServer server;
  Peer admin, coach, amina, bruno;
  std::string amina_thread = passerelle::new_id(), bruno_thread = passerelle::new_id();
  std::string plan = passerelle::new_id(), amina_message = passerelle::new_id();
  std::string cv = pdf("Amina's CV"), cv_sha = passerelle::sha256_hex(cv);
};

TEST_F(PrivacyTest, ExportHoldsTheirDataTheirFilesWhoOpenedTheirFileAndNothingOfOthers) {
  auto a = amina.call("account.export");
  ASSERT_EQ(code_of(a), "ok") << json::serialize(a);
  const json::object& x = a.at("export").as_object();
  std::string text = json::serialize(x);
  EXPECT_EQ(x.at("account").at("email"), "amina@example.org");
  EXPECT_EQ(x.at("rows").at("profiles").as_array().size(), 1u);
  EXPECT_EQ(x.at("rows").at("career_profiles").at(0).at("immigration_stage"), "csq_received");
  EXPECT_EQ(x.at("rows").at("plans").at(0).at("id"), json::value(plan));
  EXPECT_GE(x.at("rows").at("plan_steps").as_array().size(), 2u);
  // Her messages and the coach's messages to her; nothing of Bruno's.
  EXPECT_NE(text.find("amina's own words"), std::string::npos);
  EXPECT_NE(text.find("coach to amina"), std::string::npos);
  EXPECT_EQ(text.find("bruno's secret"), std::string::npos);
  EXPECT_EQ(text.find(bruno.id), std::string::npos) << "nothing names Bruno";
  // Never a secret.
  EXPECT_EQ(text.find("password"), std::string::npos);
  EXPECT_EQ(text.find("token"), std::string::npos);
  EXPECT_EQ(text.find(passerelle::sha256_hex(amina.token)), std::string::npos);
  // Her files, by hash, downloadable with her token.
  ASSERT_EQ(x.at("files").as_array().size(), 1u);
  EXPECT_EQ(x.at("files").at(0).at("sha256"), json::value(cv_sha));
  auto file = passerelle::test::http_request(server.port(), "GET", std::string(x.at("files").at(0).at("download").as_string()),
                                             {{"Authorization", "Bearer " + amina.token}});
  EXPECT_EQ(file.status, 200);
  EXPECT_EQ(file.body, cv);
  // Who opened her file, and this export itself, without the other person's address.
  bool opened = false, exported = false;
  for (const auto& e : x.at("audit").as_array()) {
    if (e.at("action") == "candidate.open" && e.at("actor_id") == json::value(coach.id)) opened = true;
    if (e.at("action") == "account.export" && e.at("actor_id") == json::value(amina.id)) exported = true;
    EXPECT_FALSE(e.as_object().contains("remote_address"));
  }
  EXPECT_TRUE(opened);
  EXPECT_TRUE(exported);
  // The export is audited for admins too.
  auto log = admin.call("audit.list", {{"action", "account.export"}, {"target_id", amina.id}});
  ASSERT_EQ(code_of(log), "ok");
  EXPECT_EQ(log.at("entries").as_array().size(), 1u);
  // Someone else's export: the same answer as an unknown account.
  auto other = bruno.call("account.export", {{"user_id", amina.id}});
  auto unknown = bruno.call("account.export", {{"user_id", passerelle::new_id()}});
  EXPECT_EQ(code_of(other), "not_found");
  EXPECT_EQ(json::serialize(other.at("error")), json::serialize(unknown.at("error")));
}

TEST_F(PrivacyTest, DeleteErasesTheirDataKeepsTheCountsRevokesTokensAndClosesConnections) {
  auto before = coach.call("dashboard.indicators");
  ASSERT_EQ(code_of(before), "ok");
  Peer phone = passerelle::test::sign_in(server, "amina@example.org");  // a second device, online
  EXPECT_EQ(code_of(amina.call("account.delete", {{"password", "not the password"}})), "forbidden");
  EXPECT_EQ(code_of(amina.call("account.delete")), "bad_request") << "the password confirms it";

  auto gone = amina.call("account.delete", {{"password", kTestPassword}});
  ASSERT_EQ(code_of(gone), "ok") << json::serialize(gone);
  // The other device hears it, then is closed.
  bool told = false, closed = false;
  for (int i = 0; i < 20 && !closed; ++i) {
    auto f = phone.ws->read(5s);
    if (f.kind == passerelle::test::RawWsClient::Frame::Kind::text && f.data.find("\"account_deleted\"") != std::string::npos)
      told = true;
    if (f.kind == passerelle::test::RawWsClient::Frame::Kind::closed) closed = true;
    if (f.kind == passerelle::test::RawWsClient::Frame::Kind::timeout) break;
  }
  EXPECT_TRUE(told);
  EXPECT_TRUE(closed);
  // No way back in.
  auto again = passerelle::test::connect_hello(server);
  auto resumed = again->call(5, "auth.resume", {{"token", phone.token}});
  EXPECT_EQ(code_of(resumed), "unauthenticated");
  // The device is told why, so that it wipes its copy (docs/security.md).
  EXPECT_EQ(json::serialize(resumed["error"]),
            json::serialize(json::object{{"code", "unauthenticated"}, {"message", "this account was deleted"},
                                         {"account_deleted", true}}));
  EXPECT_EQ(code_of(again->call(6, "auth.login", {{"email", "amina@example.org"}, {"password", kTestPassword}})),
            "unauthenticated");

  // Erased: her words, her career profile, her CV (row, catalog and disk), her e-mail.
  EXPECT_EQ(server.count("SELECT COUNT(*) FROM sync_rows WHERE data LIKE '%amina''s own words%'"), 0);
  EXPECT_EQ(server.count("SELECT COUNT(*) FROM sync_rows WHERE data LIKE '%coach to amina%'"), 0) << "her conversation";
  EXPECT_EQ(server.count("SELECT COUNT(*) FROM sync_rows WHERE data LIKE '%csq_received%'"), 0);
  EXPECT_EQ(server.count("SELECT COUNT(*) FROM files WHERE sha256 = '" + cv_sha + "'"), 0);
  EXPECT_FALSE(fs::exists(file_on_disk(cv_sha)));
  EXPECT_EQ(server.count("SELECT COUNT(*) FROM users WHERE email = 'amina@example.org'"), 0);
  EXPECT_EQ(server.count("SELECT COUNT(*) FROM sessions WHERE user_id = '" + amina.id + "' AND revoked_at IS NULL"), 0);
  // Bruno's data is untouched.
  EXPECT_EQ(server.count("SELECT COUNT(*) FROM sync_rows WHERE data LIKE '%bruno''s secret%'"), 1);

  // The program still counts her: same indicators, a nameless line in the caseload.
  auto after = coach.call("dashboard.indicators");
  ASSERT_EQ(code_of(after), "ok");
  EXPECT_EQ(after.at("indicators").at("candidates"), before.at("indicators").at("candidates"));
  EXPECT_EQ(json::serialize(after.at("indicators").at("plan_completion")), json::serialize(before.at("indicators").at("plan_completion")));
  auto caseload = coach.call("dashboard.caseload");
  bool listed = false;
  for (const auto& c : caseload.at("candidates").as_array())
    if (c.at("candidate_id") == json::value(amina.id)) {
      listed = true;
      EXPECT_EQ(c.at("name"), "");
    }
  EXPECT_TRUE(listed);
  // The coach's devices got the erasure: the message is a tombstone for them.
  auto seen = passerelle::test::pull_all(coach);
  EXPECT_FALSE(passerelle::test::pulled_row(seen, "messages", amina_message).has_value());

  // Audited; and an admin erases Bruno's account the same way (no password needed).
  auto log = admin.call("audit.list", {{"action", "account.delete"}});
  ASSERT_EQ(log.at("entries").as_array().size(), 1u);
  EXPECT_EQ(log.at("entries").at(0).at("target_id"), json::value(amina.id));
  EXPECT_EQ(code_of(coach.call("account.delete", {{"user_id", bruno.id}})), "not_found");
  EXPECT_EQ(code_of(admin.call("account.delete", {{"user_id", bruno.id}})), "ok");
  EXPECT_EQ(code_of(admin.call("account.delete", {{"user_id", bruno.id}})), "not_found") << "already erased";
  EXPECT_EQ(server.count("SELECT COUNT(*) FROM sync_rows WHERE data LIKE '%bruno''s secret%'"), 0);
}

// Employers (docs/employers.md): an employer proposed her reads her card; her export holds her
// consent and card; erasing her account takes the card off the employer's device and her name
// off the proposal, which the program still counts. Consent changes are audited.
TEST_F(PrivacyTest, ErasingAConsentingCandidateTakesHerCardOffEmployersDevices) {
  ASSERT_TRUE(server.create_user("rh@acme.example", "Julie Roy", "employer", kTestPassword)) << server.last_error();
  Peer julie = passerelle::test::sign_in(server, "rh@acme.example");
  std::string need = passerelle::new_id(), proposal = passerelle::new_id();
  ASSERT_EQ(first_result(passerelle::test::push(julie, {op("employer.update", {{"organization", "Acme"}}),
                                                        op("need.create", {{"id", need}, {"title", "Developer"}})})),
            "applied");
  ASSERT_EQ(first_result(passerelle::test::push(amina, {op("consent.give", {{"summary", "amina's summary for employers"}})})),
            "applied");
  ASSERT_EQ(first_result(passerelle::test::push(
                coach, {op("proposal.create", {{"id", proposal}, {"need_id", need}, {"candidate_id", amina.id}})})),
            "applied");
  auto before = passerelle::test::pull_all(julie);
  ASSERT_TRUE(passerelle::test::pulled_row(before, "candidate_cards", amina.id).has_value());
  auto x = amina.call("account.export");
  ASSERT_EQ(code_of(x), "ok");
  EXPECT_EQ(x.at("export").at("rows").at("employer_consents").at(0).at("status"), "given");
  EXPECT_EQ(x.at("export").at("rows").at("candidate_cards").at(0).at("summary"), "amina's summary for employers");
  auto log = admin.call("audit.list", {{"action", "consent.give"}});
  ASSERT_EQ(log.at("entries").as_array().size(), 1u);
  EXPECT_EQ(log.at("entries").at(0).at("target_id"), json::value(amina.id));

  ASSERT_EQ(code_of(amina.call("account.delete", {{"password", kTestPassword}})), "ok");
  auto after = passerelle::test::pull_all(julie, before.cursor);
  auto card = after.rows.find("candidate_cards/" + amina.id);
  ASSERT_NE(card, after.rows.end()) << "a tombstone reaches the employer's device";
  EXPECT_EQ(card->second.at("deleted"), true);
  EXPECT_EQ(server.count("SELECT COUNT(*) FROM sync_rows WHERE data LIKE '%amina''s summary%'"), 0);
  EXPECT_EQ(server.count("SELECT COUNT(*) FROM sync_rows WHERE collection = 'employer_proposals' AND data LIKE '%" +
                         amina.id + "%' AND data LIKE '%\"candidate_name\":\"\"%'"),
            1)
      << "the proposal stays, nameless";
}

// Activities (docs/activities.md, docs/security.md): her export lists her registrations, her
// agenda and the activities; erasing her removes her agenda and leaves her registration counted
// (seat, attendance) without her name, which also leaves the schedule and the employer's sheet.
TEST_F(PrivacyTest, ActivityRegistrationsAreExportedAndErasedWithoutHerName) {
  ASSERT_TRUE(server.create_user("rh@acme.example", "Julie Roy", "employer", kTestPassword)) << server.last_error();
  Peer julie = passerelle::test::sign_in(server, "rh@acme.example");
  std::string activity = passerelle::new_id();
  auto at = [](std::chrono::hours ahead) {
    auto t = std::chrono::floor<std::chrono::hours>(passerelle::now_utc() + ahead);
    return passerelle::format_rfc3339(std::chrono::time_point_cast<std::chrono::milliseconds>(t));
  };
  ASSERT_EQ(first_result(passerelle::test::push(
                coach, {op("activity.create", {{"id", activity}, {"kind", "speed_jobbing"}, {"title", "Speed jobbing"},
                                               {"start", at(72h)}, {"end", at(74h)}, {"time_zone", "America/Toronto"},
                                               {"place", "Laval"}, {"capacity", 10}, {"audience", "all"},
                                               {"employer_ids", json::array{julie.id}}})})),
            "applied");
  for (Peer* who : {&amina, &bruno})
    ASSERT_EQ(first_result(passerelle::test::push(*who, {op("activity.register", {{"activity_id", activity}})})), "applied");
  ASSERT_EQ(first_result(passerelle::test::push(coach, {op("activity.schedule", {{"id", activity}})})), "applied");

  auto x = amina.call("account.export");
  ASSERT_EQ(code_of(x), "ok");
  const auto& rows = x.at("export").at("rows");
  ASSERT_EQ(rows.at("activity_registrations").as_array().size(), 1u) << "hers only";
  EXPECT_EQ(rows.at("activity_registrations").at(0).at("candidate_id"), json::value(amina.id));
  ASSERT_EQ(rows.at("activity_agendas").as_array().size(), 1u);
  EXPECT_EQ(rows.at("activity_agendas").at(0).at("user_id"), json::value(amina.id));
  ASSERT_EQ(rows.at("activities").as_array().size(), 1u);
  EXPECT_EQ(rows.at("activities").at(0).at("id"), json::value(activity));

  auto before = passerelle::test::pull_all(julie);
  ASSERT_EQ(code_of(amina.call("account.delete", {{"password", kTestPassword}})), "ok");
  std::string reg = passerelle::activities::registration_id(activity, amina.id);
  EXPECT_EQ(server.count("SELECT COUNT(*) FROM sync_rows WHERE collection = 'activity_registrations' AND deleted = 0 AND id = '" +
                         reg + "' AND data LIKE '%\"candidate_name\":\"\"%' AND data LIKE '%\"status\":\"confirmed\"%'"),
            1)
      << "her registration stays counted, nameless";
  EXPECT_EQ(server.count("SELECT COUNT(*) FROM sync_rows WHERE collection = 'activity_agendas' AND deleted = 0 AND id = '" +
                         passerelle::activities::agenda_id(activity, amina.id) + "'"),
            0)
      << "her agenda is gone";
  EXPECT_EQ(server.count("SELECT COUNT(*) FROM sync_rows WHERE collection LIKE 'activit%' AND deleted = 0 AND data LIKE "
                         "'%amina@example.org%'"),
            0)
      << "her name is in no registration, schedule or agenda";
  EXPECT_GE(server.count("SELECT COUNT(*) FROM sync_rows WHERE collection LIKE 'activit%' AND deleted = 0 AND data LIKE "
                         "'%bruno@example.org%'"),
            3)
      << "Bruno's registration, the schedule and Julie's agenda keep his name";
  // The employer's device gets her sheet without Amina's name.
  auto after = passerelle::test::pull_all(julie, before.cursor);
  auto sheet = after.rows.find("activity_agendas/" + passerelle::activities::agenda_id(activity, julie.id));
  ASSERT_NE(sheet, after.rows.end());
  EXPECT_EQ(json::serialize(sheet->second).find("amina@example.org"), std::string::npos);
}

class RetentionTest : public PrivacyTest {
 protected:
  RetentionTest()
      : PrivacyTest({"--retention-scan-seconds", "1", "--retention-message-days", "30", "--retention-file-days", "1",
                     "--retention-audit-days", "30", "--retention-deleted-account-days", "30",
                     "--retention-session-days", "30"}) {}
};

TEST_F(RetentionTest, TheJobDeletesRowsOlderThanTheirPeriodAndKeepsTheRest) {
  auto seen = passerelle::test::pull_all(amina);
  auto row = passerelle::test::pulled_row(seen, "messages", amina_message);
  ASSERT_TRUE(row);
  std::string sent(row->at("sent_at").as_string());
  // Age Amina's message (and so her CV's last reference), every audit entry, one session, and
  // Bruno's erased account, to long ago.
  ASSERT_TRUE(server.execute("UPDATE sync_rows SET data = replace(data, '\"sent_at\":\"" + sent +
                             "\"', '\"sent_at\":\"2001-01-01T00:00:00.000Z\"') WHERE collection = 'messages' AND id = '" +
                             amina_message + "'"))
      << server.last_error();
  ASSERT_TRUE(server.execute("UPDATE files SET created_at_ms = 1000")) << server.last_error();
  ASSERT_TRUE(server.execute("UPDATE audit_log SET at_ms = 1000")) << server.last_error();
  Peer old_device = passerelle::test::sign_in(server, "coach@example.org");
  ASSERT_EQ(code_of(old_device.call("auth.logout")), "ok");
  ASSERT_TRUE(server.execute("UPDATE sessions SET revoked_at = '2001-01-01T00:00:00.000Z' WHERE token_hash = '" +
                             passerelle::sha256_hex(old_device.token) + "'"));
  ASSERT_EQ(code_of(admin.call("account.delete", {{"user_id", bruno.id}})), "ok");
  ASSERT_TRUE(server.execute("UPDATE users SET deleted_at = '2001-01-01T00:00:00.000Z' WHERE id = '" + bruno.id + "'"));

  EXPECT_TRUE(eventually([&] {
    return server.count("SELECT COUNT(*) FROM sync_rows WHERE collection = 'messages' AND deleted = 0 AND id = '" +
                        amina_message + "'") == 0;
  })) << server.log();
  EXPECT_TRUE(eventually([&] { return server.count("SELECT COUNT(*) FROM files") == 0; }));
  EXPECT_TRUE(eventually([&] { return !fs::exists(file_on_disk(cv_sha)); }));
  EXPECT_TRUE(eventually([&] { return server.count("SELECT COUNT(*) FROM audit_log WHERE at_ms = 1000") == 0; }));
  EXPECT_TRUE(eventually([&] { return server.count("SELECT COUNT(*) FROM users WHERE id = '" + bruno.id + "'") == 0; }));
  EXPECT_TRUE(eventually([&] {
    return server.count("SELECT COUNT(*) FROM sessions WHERE token_hash = '" + passerelle::sha256_hex(old_device.token) + "'") == 0;
  }));
  // What is recent stays: the coach's message, Amina's account and live sessions, the plan.
  EXPECT_EQ(server.count("SELECT COUNT(*) FROM sync_rows WHERE data LIKE '%coach to amina%' AND deleted = 0"), 1);
  EXPECT_EQ(server.count("SELECT COUNT(*) FROM users WHERE id = '" + amina.id + "'"), 1);
  EXPECT_EQ(code_of(amina.call("pull", {{"cursor", 0}})), "ok");
  EXPECT_EQ(server.count("SELECT COUNT(*) FROM sync_rows WHERE collection = 'plans' AND deleted = 0"), 1);
  // Amina's devices get the deletion at their next pull.
  auto after = passerelle::test::pull_all(amina);
  EXPECT_FALSE(passerelle::test::pulled_row(after, "messages", amina_message).has_value());
}

}  // namespace
