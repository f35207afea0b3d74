// push / pull / poke over the wire against the real server binary (docs/protocol.md, docs/sync.md).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <boost/json.hpp>

#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "passerelle/shared/ids.h"
#include "passerelle/shared/sync/wire.h"
#include "passerelle/test/peer.h"
#include "passerelle/test/raw_ws_client.h"
#include "passerelle/test/test_server.h"

using namespace passerelle::test;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

const char* kPassword = kTestPassword;

// Two coaches, two candidates, an admin and a mentor nobody is linked to.
class SyncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server.ok()) << server.last_error();
    for (auto [email, name, role, locale] :
         {std::tuple{"admin@example.org", "Sophie Tremblay", "admin", "fr"},
          {"linh@example.org", "Linh Nguyen", "coach", "en"},
          {"marc@example.org", "Marc-André Gagnon", "coach", "fr"},
          {"amina@example.org", "Amina Benali", "candidate", "fr"},
          {"carlos@example.org", "Carlos Restrepo", "candidate", "en"},
          {"priya@example.org", "Priya Singh", "mentor", "en"}})
      ASSERT_TRUE(server.create_user(email, name, role, kPassword, locale)) << server.last_error();
  }

  // The admin puts `candidate` in `coach`'s caseload; returns the thread id.
  std::string assign(Peer& admin, const Peer& candidate, const Peer& coach) {
    std::string thread = passerelle::new_id();
    auto a = push(admin, {op("caseload.assign", {{"candidate_id", candidate.id}, {"coach_id", coach.id}, {"thread_id", thread}})});
    EXPECT_EQ(a["ok"], true) << json::serialize(a);
    if (a["ok"] == true) EXPECT_EQ(a.at("results").at(0).at("status"), "applied") << json::serialize(a);
    return thread;
  }

  TestServer server;
};

}  // namespace

TEST_F(SyncTest, PushThenPullRoundTrip) {
  auto amina = sign_in(server, "amina@example.org");
  auto first = pull_all(amina);
  ASSERT_EQ(first.rows.count("profiles/" + amina.id), 1u);  // written with the account
  EXPECT_EQ(first.rows["profiles/" + amina.id].at("data").at("name"), "Amina Benali");

  auto a = push(amina, {op("profile.update", {{"country", "MA"}, {"profession", "infirmière"}})});
  ASSERT_EQ(a["ok"], true) << json::serialize(a);
  ASSERT_EQ(a.at("results").as_array().size(), 1u);
  EXPECT_EQ(a.at("results").at(0).at("status"), "applied");

  auto next = pull_all(amina, first.cursor);
  ASSERT_EQ(next.rows.size(), 1u);
  const auto& data = next.rows["profiles/" + amina.id].at("data").as_object();
  EXPECT_EQ(data.at("country"), "MA");
  EXPECT_EQ(data.at("profession"), "infirmière");
  EXPECT_GT(next.cursor, first.cursor);
  auto page = amina.call("pull", {{"cursor", next.cursor}});  // default limit
  EXPECT_EQ(page["ok"], true);
  EXPECT_TRUE(page.at("changes").as_array().empty());
  EXPECT_EQ(page.at("more"), false);
  EXPECT_FALSE(page.at("epoch").as_string().empty());

  auto m = http_get(server.port(), "/metrics");
  for (const char* needle : {"passerelle_sync_pushes_total 1", "passerelle_sync_ops_total{status=\"applied\"} 1",
                             "passerelle_sync_pulls_total", "passerelle_sync_push_duration_seconds_count 1"})
    EXPECT_NE(m.body.find(needle), std::string::npos) << needle;
}

TEST_F(SyncTest, SamePushThreeTimesAndAfterRestartAppliesOnce) {
  auto admin = sign_in(server, "admin@example.org");
  auto amina = sign_in(server, "amina@example.org");
  auto linh = sign_in(server, "linh@example.org");
  std::string thread = assign(admin, amina, linh);
  std::string message_id = passerelle::new_id();
  json::array ops{send_op(thread, "Bonjour Linh", message_id), op("profile.update", {{"country", "MA"}})};

  auto first = push(amina, ops);
  ASSERT_EQ(first["ok"], true) << json::serialize(first);
  auto cursor = pull_all(amina).cursor;
  for (int i = 0; i < 2; ++i) {
    auto replay = push(amina, ops);
    ASSERT_EQ(replay["ok"], true) << json::serialize(replay);
    EXPECT_EQ(json::serialize(replay.at("results")), json::serialize(first.at("results")));
  }
  ASSERT_TRUE(server.restart()) << server.last_error();
  amina = sign_in(server, "amina@example.org");
  auto again = push(amina, ops);
  ASSERT_EQ(again["ok"], true);
  EXPECT_EQ(json::serialize(again.at("results")), json::serialize(first.at("results")));

  auto all = pull_all(amina);
  EXPECT_EQ(all.cursor, cursor) << "a replay must not write anything";
  EXPECT_EQ(count_prefix(all, "messages"), 1u);
  EXPECT_EQ(server.count("SELECT COUNT(*) FROM sync_rows WHERE collection = 'messages'"), 1);
}

TEST_F(SyncTest, Kill9WhilePushesInFlightThenRetriedOpsApplyOnce) {
  auto admin = sign_in(server, "admin@example.org");
  auto amina = sign_in(server, "amina@example.org");
  auto linh = sign_in(server, "linh@example.org");
  std::string thread = assign(admin, amina, linh);

  constexpr int kPushes = 40;
  std::vector<json::array> pushes;
  std::set<std::string> message_ids;
  for (int i = 0; i < kPushes; ++i) {
    json::array ops;
    for (int j = 0; j < 3; ++j) {
      std::string id = passerelle::new_id();
      message_ids.insert(id);
      ops.push_back(send_op(thread, "message " + std::to_string(i) + "." + std::to_string(j), id));
    }
    pushes.push_back(std::move(ops));
  }
  // Fire every push without waiting, read a few answers, then crash the server.
  for (int i = 0; i < kPushes; ++i)
    ASSERT_TRUE(amina.ws->send_text(json::serialize(json::object{{"id", 1000 + i}, {"type", "push"}, {"ops", pushes[i]}})));
  std::set<std::int64_t> acknowledged;
  while (acknowledged.size() < 5) {
    auto f = amina.ws->read(10s);
    ASSERT_TRUE(f.is_text());
    auto v = json::parse(f.data).as_object();
    if (v.contains("re") && v.at("ok") == true) acknowledged.insert(v.at("re").as_int64());
  }
  server.kill9();
  ASSERT_TRUE(server.start()) << server.last_error();

  amina = sign_in(server, "amina@example.org");
  for (int i = 0; i < kPushes; ++i) {
    auto a = push(amina, pushes[i]);
    ASSERT_EQ(a["ok"], true) << json::serialize(a);
    for (const auto& r : a.at("results").as_array()) EXPECT_EQ(r.at("status"), "applied") << json::serialize(r);
  }
  auto all = pull_all(amina);
  std::set<std::string> seen;
  for (const auto& [key, change] : all.rows)
    if (key.rfind("messages/", 0) == 0) seen.insert(std::string(change.at("id").as_string()));
  EXPECT_EQ(seen, message_ids);
  EXPECT_EQ(server.count("SELECT COUNT(*) FROM sync_rows WHERE collection = 'messages'"),
            static_cast<long long>(message_ids.size()));
  EXPECT_EQ(server.count("SELECT COUNT(*) FROM sync_ops WHERE name = 'message.send'"),
            static_cast<long long>(message_ids.size()));
}

TEST_F(SyncTest, CoachIsPokedWhenTheirCandidateWritesAndAStrangerIsNot) {
  auto admin = sign_in(server, "admin@example.org");
  auto amina = sign_in(server, "amina@example.org");
  auto linh = sign_in(server, "linh@example.org");
  auto stranger = sign_in(server, "carlos@example.org");
  std::string thread = assign(admin, amina, linh);
  auto assigned = read_poke(*linh.ws, 5s);
  ASSERT_TRUE(assigned) << "the assignment changed rows the coach sees";

  auto a = push(amina, {send_op(thread, "Bonjour, j'ai reçu mon CSQ !")});
  ASSERT_EQ(a["ok"], true) << json::serialize(a);
  std::int64_t message_seq = pull_all(amina).cursor;  // nothing else was written since
  ASSERT_GT(message_seq, assigned->at("seq").as_int64());
  // A failed read closes a RawWsClient, so wait for the poke carrying the message's seq
  // (the assignment's pokes come first) instead of timing reads out.
  std::optional<json::object> poke;
  while ((poke = read_poke(*linh.ws, 5s)) && poke->at("seq").as_int64() < message_seq) {
  }
  ASSERT_TRUE(poke);
  EXPECT_EQ(poke->at("seq").as_int64(), message_seq);
  EXPECT_EQ(count_prefix(pull_all(linh, 0), "messages"), 1u);

  // The stranger's first poke must be about their own later write, never about the message.
  ASSERT_EQ(push(stranger, {op("profile.update", {{"country", "CO"}})})["ok"], true);
  auto own = read_poke(*stranger.ws, 5s);
  ASSERT_TRUE(own);
  EXPECT_GT(own->at("seq").as_int64(), message_seq) << "carlos was poked about a thread he is not in";
  EXPECT_EQ(count_prefix(pull_all(stranger), "messages"), 0u);
}

TEST_F(SyncTest, EachPullReturnsOnlyTheCallersRows) {
  auto admin = sign_in(server, "admin@example.org");
  auto amina = sign_in(server, "amina@example.org");
  auto carlos = sign_in(server, "carlos@example.org");
  auto linh = sign_in(server, "linh@example.org");
  auto marc = sign_in(server, "marc@example.org");
  auto priya = sign_in(server, "priya@example.org");
  std::string t1 = assign(admin, amina, marc);
  std::string t2 = assign(admin, carlos, linh);
  ASSERT_EQ(push(amina, {send_op(t1, "Bonjour Marc-André")})["ok"], true);
  ASSERT_EQ(push(marc, {send_op(t1, "Bienvenue Amina")})["ok"], true);
  ASSERT_EQ(push(carlos, {send_op(t2, "Hi Linh")})["ok"], true);

  auto keys = [](const Pulled& p) {
    std::set<std::string> out;
    for (const auto& [k, v] : p.rows)
      if (v.at("deleted") == false) out.insert(k);
    return out;
  };
  auto a = pull_all(amina), c = pull_all(carlos), l = pull_all(linh), m = pull_all(marc), p = pull_all(priya);
  std::set<std::string> expected{"profiles/" + amina.id, "profiles/" + marc.id, "threads/" + t1};
  for (const auto& k : keys(m))
    if (k.rfind("messages/", 0) == 0) expected.insert(k);
  EXPECT_EQ(keys(a), expected);
  EXPECT_EQ(count_prefix(a, "messages"), 2u);
  EXPECT_EQ(count_prefix(m, "messages"), 2u);
  EXPECT_EQ(count_prefix(c, "messages"), 1u);
  EXPECT_EQ(count_prefix(l, "messages"), 1u);
  EXPECT_EQ(keys(p), std::set<std::string>{"profiles/" + priya.id});
  for (const auto& k : keys(a)) EXPECT_EQ(keys(c).count(k), 0u) << k;
  // Two coaches share only the program's plan templates (read by every coach), nothing personal.
  for (const auto& k : keys(l))
    if (k.rfind("templates/", 0) != 0) EXPECT_EQ(keys(m).count(k), 0u) << k;
  EXPECT_EQ(keys(l).count("templates/quebec-skilled-worker"), 1u);
  EXPECT_EQ(keys(l).count("profiles/" + carlos.id), 1u);
  EXPECT_EQ(keys(l).count("profiles/" + amina.id), 0u);
  EXPECT_EQ(keys(m).count("threads/" + t1), 1u);
  EXPECT_EQ(keys(m).count("threads/" + t2), 0u);
}

TEST_F(SyncTest, SmallPagesCoverEverythingOnce) {
  auto admin = sign_in(server, "admin@example.org");
  auto amina = sign_in(server, "amina@example.org");
  auto marc = sign_in(server, "marc@example.org");
  std::string thread = assign(admin, amina, marc);
  json::array ops;
  for (int i = 0; i < 23; ++i) ops.push_back(send_op(thread, "message " + std::to_string(i)));
  ASSERT_EQ(push(amina, ops)["ok"], true);

  auto whole = pull_all(amina, 0, 1000);
  EXPECT_EQ(whole.pages, 1);
  for (std::int64_t limit : {1, 2, 7}) {
    auto paged = pull_all(amina, 0, limit);
    EXPECT_EQ(paged.changes, static_cast<int>(whole.rows.size())) << "limit " << limit << ": a row came twice";
    EXPECT_EQ(paged.rows.size(), whole.rows.size());
    EXPECT_EQ(paged.cursor, whole.cursor);
    EXPECT_GE(paged.pages, static_cast<int>(whole.rows.size() / limit));
  }
  EXPECT_EQ(count_prefix(whole, "messages"), 23u);
}

TEST_F(SyncTest, DeleteLeavesATombstoneAndCompactionMakesOldCursorsResync) {
  auto admin = sign_in(server, "admin@example.org");
  auto amina = sign_in(server, "amina@example.org");
  auto marc = sign_in(server, "marc@example.org");
  std::string thread = assign(admin, amina, marc);
  std::string message_id = passerelle::new_id();
  ASSERT_EQ(push(amina, {send_op(thread, "à effacer", message_id)})["ok"], true);
  auto before = pull_all(marc);
  ASSERT_EQ(before.rows.count("messages/" + message_id), 1u);

  auto del = push(amina, {op("message.delete", {{"id", message_id}})});
  ASSERT_EQ(del["ok"], true);
  EXPECT_EQ(del.at("results").at(0).at("status"), "applied") << json::serialize(del);
  auto after = pull_all(marc, before.cursor);
  ASSERT_EQ(after.rows.count("messages/" + message_id), 1u);
  EXPECT_EQ(after.rows["messages/" + message_id].at("deleted"), true);
  EXPECT_FALSE(after.rows["messages/" + message_id].contains("data"));

  // Beside the running server, as an operator would.
  auto r = run_process({server_binary(), "admin", "compact", "--db", server.db_url(), "--older-than-days", "0"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("horizon"), std::string::npos);
  for (std::int64_t old : {before.cursor, after.cursor}) {
    auto a = marc.call("pull", {{"cursor", old}});
    ASSERT_EQ(a["ok"], true) << json::serialize(a);
    EXPECT_EQ(a.at("resync"), true) << "cursor " << old << ": " << json::serialize(a);
    EXPECT_EQ(a.at("cursor"), 0);
  }
  auto fresh = pull_all(marc, 0);
  EXPECT_EQ(fresh.rows.count("messages/" + message_id), 0u);
  EXPECT_EQ(fresh.rows.count("threads/" + thread), 1u);
}

TEST_F(SyncTest, RejectedOpDoesNotStopTheNextOne) {
  auto admin = sign_in(server, "admin@example.org");
  auto amina = sign_in(server, "amina@example.org");
  auto carlos = sign_in(server, "carlos@example.org");
  auto marc = sign_in(server, "marc@example.org");
  std::string thread = assign(admin, amina, marc);
  auto a = push(carlos, {send_op(thread, "intrusion"), op("profile.update", {{"country", "CO"}})});
  ASSERT_EQ(a["ok"], true) << json::serialize(a);
  const auto& results = a.at("results").as_array();
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].at("status"), "rejected");
  EXPECT_EQ(results[0].at("error").at("code"), "not_found");  // another's thread: like an unknown id
  EXPECT_EQ(results[1].at("status"), "applied");
  auto mine = pull_all(carlos);
  EXPECT_EQ(mine.rows["profiles/" + carlos.id].at("data").at("country"), "CO");
  EXPECT_EQ(count_prefix(pull_all(marc), "messages"), 0u);
}

TEST_F(SyncTest, BadInputGetsTheRightErrorNamingTheFieldAndTheServerStaysUp) {
  auto anon = connect_hello(server);
  EXPECT_EQ(code_of(anon->call(5, "push", {{"ops", json::array{op("profile.update", {{"country", "MA"}})}}})),
            "unauthenticated");
  EXPECT_EQ(code_of(anon->call(6, "pull", {{"cursor", 0}})), "unauthenticated");

  auto amina = sign_in(server, "amina@example.org");
  auto expect_bad = [&](const std::string& type, json::object fields, const std::string& field) {
    auto a = amina.call(type, std::move(fields));
    EXPECT_EQ(code_of(a), "bad_request") << field << ": " << json::serialize(a);
    EXPECT_NE(message_of(a).find(field), std::string::npos) << field << ": " << message_of(a);
  };
  expect_bad("push", {}, "ops");
  expect_bad("push", {{"ops", "nope"}}, "ops");
  expect_bad("push", {{"ops", json::array{}}}, "ops");
  json::array many;
  for (int i = 0; i < 101; ++i) many.push_back(op("profile.update", {{"country", "MA"}}));
  expect_bad("push", {{"ops", many}}, "ops");
  expect_bad("push", {{"ops", json::array{op("profile.update", {{"country", "MA"}}, "not-a-uuid")}}}, "ops[0].op_id");
  json::object args_not_object{{"op_id", passerelle::new_id()}, {"name", "profile.update"}, {"args", 3}};
  expect_bad("push", {{"ops", json::array{op("profile.update", {{"country", "MA"}}), args_not_object}}}, "ops[1].args");
  expect_bad("push", {{"ops", json::array{op("profile.update", {{"country", "MA"}})}}, {"after", "7"}}, "after");
  expect_bad("push", {{"ops", json::array{op("profile.update", {{"country", "MA"}})}}, {"after", 1.5}}, "after");
  expect_bad("pull", {}, "cursor");
  expect_bad("pull", {{"cursor", -1}}, "cursor");
  expect_bad("pull", {{"cursor", "0"}}, "cursor");
  expect_bad("pull", {{"cursor", 0}, {"limit", 0}}, "limit");
  expect_bad("pull", {{"cursor", 0}, {"limit", 5000}}, "limit");
  expect_bad("pull", {{"cursor", 0}, {"limit", 2001}}, "limit");  // one past kMaxPullLimit
  expect_bad("pull", {{"cursor", 0}, {"full_horizon", -3}}, "full_horizon");

  // An unknown mutator is the op's own rejection, not the push's.
  auto unknown = push(amina, {op("no.such.mutator", {})});
  ASSERT_EQ(unknown["ok"], true) << json::serialize(unknown);
  EXPECT_EQ(unknown.at("results").at(0).at("status"), "rejected");

  // Nothing above was recorded, and the connection and server still work.
  EXPECT_EQ(server.count("SELECT COUNT(*) FROM sync_ops WHERE name = 'profile.update'"), 0);
  EXPECT_EQ(pull_all(amina).rows.size(), 1u);
  EXPECT_EQ(http_get(server.port(), "/healthz").status, 200);
}

TEST(SyncDemo, DemoSeedsCaseloadsAndConversationsOnce) {
  TestServer server({{"--demo"}});
  ASSERT_TRUE(server.ok()) << server.last_error();
  EXPECT_NE(server.log().find("--data /tmp/amina login --email amina.benali@demo.passerelle.quebec"), std::string::npos);
  auto check = [&] {
    auto amina = sign_in(server, "amina.benali@demo.passerelle.quebec", "demo-candidate-2026");
    auto mine = pull_all(amina);
    EXPECT_EQ(count_prefix(mine, "threads"), 1u);
    EXPECT_GE(count_prefix(mine, "messages"), 3u);
    const auto& profile = mine.rows["profiles/" + amina.id].at("data").as_object();
    EXPECT_EQ(profile.at("country"), "MA");
    ASSERT_TRUE(profile.contains("coach_id"));
    EXPECT_EQ(mine.rows.count("profiles/" + std::string(profile.at("coach_id").as_string())), 1u);
    bool french = false;
    for (const auto& [k, v] : mine.rows)
      if (k.rfind("messages/", 0) == 0 && std::string(v.at("data").at("body").as_string()).find("CSQ") != std::string::npos)
        french = true;
    EXPECT_TRUE(french);
    auto coach = sign_in(server, "coach.gagnon@demo.passerelle.quebec", "demo-coach-2026");
    auto seen = pull_all(coach);
    EXPECT_EQ(count_prefix(seen, "threads"), 3u);
    // Mentoring is ready to match: every mentor's profile and availability, the career profiles
    // of her own three candidates (no other coach's).
    EXPECT_EQ(count_prefix(seen, "mentor_profiles"), 3u);
    EXPECT_EQ(count_prefix(seen, "career_profiles"), 3u);
    EXPECT_EQ(count_prefix(seen, "availability"), 3u);
  };
  check();
  ASSERT_TRUE(server.restart()) << server.last_error();
  check();
  EXPECT_EQ(server.count("SELECT COUNT(*) FROM sync_rows WHERE collection = 'threads'"), 5);
  EXPECT_EQ(server.count("SELECT COUNT(*) FROM sync_rows WHERE collection = 'mentor_profiles'"), 3);
}

TEST_F(SyncTest, CoachesReadTemplatesAndBuildAPlanTheCandidateWorksOn) {
  auto admin = sign_in(server, "admin@example.org");
  auto linh = sign_in(server, "linh@example.org");
  auto marc = sign_in(server, "marc@example.org");
  auto amina = sign_in(server, "amina@example.org");
  auto priya = sign_in(server, "priya@example.org");
  assign(admin, amina, linh);
  // The shipped template reaches every coach (role audience), and no candidate or mentor.
  EXPECT_EQ(pull_all(linh).rows.count("templates/quebec-skilled-worker"), 1u);
  EXPECT_EQ(pull_all(marc).rows.count("templates/quebec-skilled-worker"), 1u);
  EXPECT_EQ(pull_all(amina).rows.count("templates/quebec-skilled-worker"), 0u);
  EXPECT_EQ(pull_all(priya).rows.count("templates/quebec-skilled-worker"), 0u);

  std::string plan = passerelle::new_id();
  json::object create{{"plan_id", plan}, {"candidate_id", amina.id}, {"template_key", "quebec-skilled-worker"},
                      {"arrival_date", "2027-05-01"}};
  auto refused = push(marc, {op("plan.create", create)});
  EXPECT_EQ(refused.at("results").at(0).at("status"), "rejected") << "not Marc's candidate";
  auto created = push(linh, {op("plan.create", create)});
  ASSERT_EQ(created.at("results").at(0).at("status"), "applied") << json::serialize(created);

  auto seen = pull_all(amina);
  ASSERT_EQ(seen.rows.count("plans/" + plan), 1u);
  EXPECT_EQ(count_prefix(seen, "plan_steps"), 30u);
  std::string first = std::string(seen.rows["plans/" + plan].at("data").at("step_ids").at(0).as_string());
  EXPECT_EQ(seen.rows["plan_steps/" + first].at("data").at("due_date"), "2026-07-05");  // 300 days before
  EXPECT_EQ(count_prefix(pull_all(marc), "plan_steps"), 0u);
  EXPECT_EQ(count_prefix(pull_all(priya), "plan_steps"), 0u);
  EXPECT_EQ(pull_all(admin).rows.count("plans/" + plan), 1u) << "admins read every plan";

  auto done = push(amina, {op("step.set_status", {{"id", first}, {"status", "done"}})});
  EXPECT_EQ(done.at("results").at(0).at("status"), "applied");
  auto reopen = push(amina, {op("step.set_status", {{"id", first}, {"status", "todo"}})});
  EXPECT_EQ(reopen.at("results").at(0).at("status"), "rejected");
  EXPECT_EQ(reopen.at("results").at(0).at("error").at("code"), "forbidden");
  auto coach_view = pull_all(linh);
  EXPECT_EQ(coach_view.rows["plan_steps/" + first].at("data").at("status"), "done");
  EXPECT_EQ(coach_view.rows["plan_steps/" + first].at("data").at("history").at(0).at("by").as_string(), amina.id);
}

TEST(ServerTemplates, ImportTemplateCommand) {
  TempDir dir;
  std::string db = "sqlite:" + dir.path() + "/db.sqlite";
  std::string tpl = std::string(PASSERELLE_SOURCE_DIR) + "/server/templates/quebec-skilled-worker.json";
  auto first = run_process({server_binary(), "admin", "import-template", "--db", db, tpl});
  EXPECT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.out.find("published template quebec-skilled-worker version 1"), std::string::npos) << first.out;
  auto again = run_process({server_binary(), "admin", "import-template", tpl, "--db", db});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("already current"), std::string::npos) << again.out;
  auto missing = run_process({server_binary(), "admin", "import-template", "--db", db});
  EXPECT_EQ(missing.exit_code, 2);
  std::ofstream(dir.path() + "/bad.json")
      << R"({"key":"x","title":{"fr":"a","en":"b"},"steps":[{"key":"s","category":"magic","title":{"fr":"a","en":"b"},"due_offset_days":1}]})";
  auto bad = run_process({server_binary(), "admin", "import-template", "--db", db, dir.path() + "/bad.json"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("field 'template.steps[0].category' is not a known category"), std::string::npos) << bad.err;
}

namespace {
// A second session of `peer` whose hello asks for pokes that carry the change.
std::unique_ptr<RawWsClient> live_session(TestServer& server, const Peer& peer) {
  auto ws = std::make_unique<RawWsClient>();
  EXPECT_TRUE(ws->connect(server.port())) << ws->last_error();
  auto hello = ws->call(1, "hello", {{"protocol", 1}, {"live_rows", true}});
  EXPECT_EQ(hello["live_rows"], true) << json::serialize(hello);
  auto resumed = ws->call(2, "auth.resume", {{"token", peer.token}});
  EXPECT_EQ(resumed["ok"], true) << json::serialize(resumed);
  return ws;
}
}  // namespace

// The carried poke is exactly what a pull from its `prev` returns (the same rows, seqs and
// data), for every reader; a session that did not ask gets the plain poke.
TEST_F(SyncTest, ACarriedPokeHoldsWhatAPullFromItsPrevReturns) {
  auto admin = sign_in(server, "admin@example.org");
  auto amina = sign_in(server, "amina@example.org");
  auto linh = sign_in(server, "linh@example.org");
  std::string thread = assign(admin, amina, linh);
  std::int64_t before = pull_all(linh).cursor;
  auto linh_live = live_session(server, linh);
  auto amina_live = live_session(server, amina);

  std::string id = passerelle::new_id();
  auto a = push(amina, {send_op(thread, "Bonjour Linh", id)});
  ASSERT_EQ(a["ok"], true) << json::serialize(a);
  std::int64_t end = pull_all(amina).cursor;

  // The plain session (the assignment's poke comes first): a poke with no changes.
  std::optional<json::object> plain;
  while ((plain = read_poke(*linh.ws, 5s)) && plain->at("seq").as_int64() < end) {
  }
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->at("seq").as_int64(), end);
  EXPECT_FALSE(plain->contains("changes"));

  for (auto* ws : {linh_live.get(), amina_live.get()}) {
    // The assignment's poke is sent after its push is answered, so a session opened right after
    // that answer may still get it: only the message's poke is the subject here.
    std::optional<json::object> poke;
    while ((poke = read_poke(*ws, 5s)) && poke->at("seq").as_int64() < end) {
    }
    ASSERT_TRUE(poke);
    EXPECT_EQ(poke->at("seq").as_int64(), end);
    ASSERT_TRUE(poke->contains("changes") && poke->contains("prev")) << json::serialize(*poke);
    std::int64_t prev = poke->at("prev").as_int64();
    EXPECT_LE(prev, end);
    if (ws == linh_live.get()) EXPECT_LE(prev, before) << "linh's last change came before her pull";
    // Who is this session's user? The poke's rows are the same for both (the thread's audience).
    Peer& reader = ws == linh_live.get() ? linh : amina;
    auto pulled = pull_all(reader, prev);
    std::map<std::string, json::object> carried;
    for (const auto& c : poke->at("changes").as_array())
      carried[std::string(c.at("collection").as_string()) + "/" + std::string(c.at("id").as_string())] = c.as_object();
    EXPECT_EQ(carried, pulled.rows) << json::serialize(*poke);
    EXPECT_EQ(carried.count("messages/" + id), 1u);
  }
}

// Old devices (no live_rows in hello) and new ones beside them: each gets its own kind of poke
// for the same commit, and the push answer tells a live pusher a carried poke follows.
TEST_F(SyncTest, APusherThatAskedForCarriedPokesIsToldOneFollows) {
  auto admin = sign_in(server, "admin@example.org");
  auto amina = sign_in(server, "amina@example.org");
  auto linh = sign_in(server, "linh@example.org");
  std::string thread = assign(admin, amina, linh);
  auto live = live_session(server, amina);
  std::string id = passerelle::new_id();
  auto answer = live->call(3, "push", {{"ops", json::array{send_op(thread, "Bonjour", id)}}});
  ASSERT_EQ(answer["ok"], true) << json::serialize(answer);
  EXPECT_EQ(answer["live_rows"], true);
  auto poke = read_poke(*live, 5s);
  ASSERT_TRUE(poke && poke->contains("changes"));
  bool found = false;
  for (const auto& c : poke->at("changes").as_array()) found |= c.at("id").as_string() == id;
  EXPECT_TRUE(found) << json::serialize(*poke);
  // A push that changes nothing (the message id is taken: rejected) promises no poke.
  auto again = live->call(4, "push", {{"ops", json::array{send_op(thread, "Bonjour", id)}}});
  ASSERT_EQ(again["ok"], true) << json::serialize(again);
  EXPECT_EQ(again.at("results").at(0).at("status"), "rejected");
  EXPECT_FALSE(again.contains("live_rows"));
}

// The push window (docs/protocol.md, `push`): hello announces it; pushes sent without waiting,
// each naming the one it follows, are applied in the order sent, answered in that order, once.
namespace {

// Sends `pushes` on `p`'s connection without waiting, each (after the first) naming the one
// before it; returns the answers by request id, and the ids in the order they were answered.
std::pair<std::map<std::int64_t, json::object>, std::vector<std::int64_t>> pipeline(Peer& p, const std::vector<json::array>& pushes,
                                                                                 std::int64_t first_id) {
  for (std::size_t i = 0; i < pushes.size(); ++i) {
    json::object req{{"id", first_id + static_cast<std::int64_t>(i)}, {"type", "push"}, {"ops", pushes[i]}};
    if (i > 0) req["after"] = first_id + static_cast<std::int64_t>(i) - 1;
    EXPECT_TRUE(p.ws->send_text(json::serialize(req)));
  }
  std::map<std::int64_t, json::object> answers;
  std::vector<std::int64_t> order;
  while (answers.size() < pushes.size()) {
    auto f = p.ws->read(10s);
    if (!f.is_text()) {
      ADD_FAILURE() << "no answer";
      break;
    }
    auto v = json::parse(f.data).as_object();
    if (!v.contains("re")) continue;  // a poke
    order.push_back(v.at("re").as_int64());
    answers[v.at("re").as_int64()] = std::move(v);
  }
  return {std::move(answers), std::move(order)};
}

}  // namespace

TEST_F(SyncTest, PipelinedPushesAreAnsweredInOrderAndAppliedOnceInTheOrderSent) {
  auto ws = std::make_unique<RawWsClient>();
  ASSERT_TRUE(ws->connect(server.port()));
  auto answer = ws->call(1, "hello", {{"protocol", 1}});
  EXPECT_EQ(answer["push_window"], passerelle::sync::kPushWindow) << json::serialize(answer);

  auto admin = sign_in(server, "admin@example.org");
  auto amina = sign_in(server, "amina@example.org");
  auto linh = sign_in(server, "linh@example.org");
  std::string thread = assign(admin, amina, linh);
  std::vector<json::array> pushes;
  std::vector<std::string> ids;
  for (int i = 0; i < 12; ++i) {
    json::array ops;
    for (int j = 0; j < 5; ++j) {
      ids.push_back(passerelle::new_id());
      ops.push_back(send_op(thread, "m" + std::to_string(i) + "." + std::to_string(j), ids.back()));
    }
    pushes.push_back(std::move(ops));
  }
  auto [answers, order] = pipeline(amina, pushes, 100);
  std::vector<std::int64_t> sent_order;
  for (int i = 0; i < 12; ++i) sent_order.push_back(100 + i);
  EXPECT_EQ(order, sent_order) << "answered in the order sent";
  for (auto& [re, a] : answers) {
    ASSERT_EQ(a["ok"], true) << json::serialize(a);
    for (const auto& r : a.at("results").as_array()) EXPECT_EQ(r.at("status"), "applied");
  }
  // The change log in the order sent: each message's seq above the one sent before it.
  auto all = pull_all(amina);
  std::int64_t last = 0;
  for (const auto& id : ids) {
    auto it = all.rows.find("messages/" + id);
    ASSERT_NE(it, all.rows.end());
    EXPECT_GT(it->second.at("seq").as_int64(), last);
    last = it->second.at("seq").as_int64();
  }
  // The same window again: every op answered from its record, nothing written.
  auto [again, again_order] = pipeline(amina, pushes, 200);
  for (auto& [re, a] : again) EXPECT_EQ(json::serialize(a.at("results")), json::serialize(answers.at(re - 100).at("results")));
  EXPECT_EQ(pull_all(amina).cursor, all.cursor);
  EXPECT_EQ(server.count("SELECT COUNT(*) FROM sync_rows WHERE collection = 'messages'"), static_cast<long long>(ids.size()));
}

TEST_F(SyncTest, APushBehindAFailedOneFailsTooAndRunsNothing) {
  if (server.on_postgresql()) GTEST_SKIP() << "the failure is made with a SQLite trigger";
  auto admin = sign_in(server, "admin@example.org");
  auto amina = sign_in(server, "amina@example.org");
  auto linh = sign_in(server, "linh@example.org");
  std::string thread = assign(admin, amina, linh);
  // A storage failure for one message: the push that writes it throws on the writer.
  ASSERT_TRUE(server.execute("CREATE TRIGGER boom BEFORE INSERT ON sync_rows WHEN NEW.data LIKE '%boom%'"
                             " BEGIN SELECT RAISE(ABORT, 'boom'); END"))
      << server.last_error();
  std::vector<json::array> pushes{{send_op(thread, "first")}, {send_op(thread, "boom")}, {send_op(thread, "third")},
                                  {send_op(thread, "fourth")}};
  auto [answers, order] = pipeline(amina, pushes, 300);
  EXPECT_EQ(order, (std::vector<std::int64_t>{300, 301, 302, 303}));
  EXPECT_EQ(answers[300]["ok"], true) << json::serialize(answers[300]);
  for (std::int64_t re : {301, 302, 303}) {
    EXPECT_EQ(answers[re]["ok"], false) << json::serialize(answers[re]);
    EXPECT_EQ(answers[re].at("error").at("code"), "internal");
  }
  EXPECT_EQ(server.count("SELECT COUNT(*) FROM sync_rows WHERE collection = 'messages'"), 1)
      << "the pushes behind the failed one did not run before it";
  // Pushed again as a device does after the failure (a new window: nothing to follow), the ops
  // behind it run, in order.
  ASSERT_TRUE(server.execute("DROP TRIGGER boom")) << server.last_error();
  auto [retried, retried_order] = pipeline(amina, {pushes[1], pushes[2], pushes[3]}, 400);
  for (auto& [re, a] : retried) EXPECT_EQ(a["ok"], true) << json::serialize(a);
  EXPECT_EQ(server.count("SELECT COUNT(*) FROM sync_rows WHERE collection = 'messages'"), 4);
}

TEST_F(SyncTest, APushNamingAPushThatNeverReachedTheServerRunsNothing) {
  auto admin = sign_in(server, "admin@example.org");
  auto amina = sign_in(server, "amina@example.org");
  auto linh = sign_in(server, "linh@example.org");
  std::string thread = assign(admin, amina, linh);
  auto before = server.count("SELECT COUNT(*) FROM sync_rows WHERE collection = 'messages'");
  // Its predecessor was lost on the way (or never sent): running it could put it before that one.
  auto a = amina.call("push", {{"ops", json::array{send_op(thread, "orphan")}}, {"after", 987654}});
  EXPECT_EQ(a["ok"], false) << json::serialize(a);
  EXPECT_EQ(code_of(a), "internal");
  EXPECT_EQ(server.count("SELECT COUNT(*) FROM sync_rows WHERE collection = 'messages'"), before);
  // Another device's push is not this one's predecessor either, even with the right id.
  auto linh_push = pipeline(linh, {{send_op(thread, "linh's")}}, 500);
  ASSERT_EQ(linh_push.first[500]["ok"], true) << json::serialize(linh_push.first[500]);
  auto b = amina.call("push", {{"ops", json::array{send_op(thread, "follows linh")}}, {"after", 500}});
  EXPECT_EQ(b["ok"], false) << json::serialize(b);
  EXPECT_EQ(server.count("SELECT COUNT(*) FROM sync_rows WHERE collection = 'messages'"), before + 1);
}

TEST(SyncPushWindow, TheWindowAnnouncedStaysWithinTheRequestsInFlightAllowed) {
  TestServer server(TestServer::Options{{"--max-requests-in-flight", "2"}});
  ASSERT_TRUE(server.ok()) << server.last_error();
  RawWsClient ws;
  ASSERT_TRUE(ws.connect(server.port()));
  auto answer = ws.call(1, "hello", {{"protocol", 1}});
  EXPECT_EQ(answer["push_window"], 2) << json::serialize(answer);
}
