// `passerelle-server admin migrate-db`: moving the demo program from SQLite to PostgreSQL keeps
// every row of every table and every device's sync cursor (same epoch, seq and horizon: the next
// pull continues, no resync). Runs under tests/pg/run-pg.sh; skips without it.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "passerelle/shared/ids.h"
#include "passerelle/test/peer.h"
#include "passerelle/test/test_server.h"

using namespace passerelle::test;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {
const char* kTables[] = {"users", "sessions", "invitations", "sync_rows", "sync_audience", "sync_ops",
                         "sync_meta", "sync_epoch", "sync_scope_members", "files", "file_owners", "file_refs", "message_inbox",
                         "mail_digests"};
const char* kAmina = "amina.benali@demo.passerelle.quebec";
const char* kPassword = "demo-candidate-2026";
}  // namespace

TEST(MigrateDb, DemoProgramMovesFromSqliteToPostgresqlKeepingEveryRowAndCursor) {
  if (!test_postgresql_url()) GTEST_SKIP() << "no PostgreSQL: run through tests/pg/run-pg.sh";
  TestServer::Options lite_options;
  lite_options.extra_args = {"--demo"};
  TempDir lite_dir;  // SQLite, whatever PASSERELLE_TEST_DB says
  const std::string lite_file = lite_dir.path() + "/demo.sqlite";
  lite_options.db = "sqlite:" + lite_file;
  TestServer lite(lite_options);
  ASSERT_TRUE(lite.ok()) << lite.last_error();

  // A device of Amina's syncs on SQLite, and writes once.
  Peer amina = sign_in(lite, kAmina, kPassword);
  auto before = pull_all(amina);
  ASSERT_GT(before.cursor, 0);
  std::string thread;
  for (const auto& [key, change] : before.rows)
    if (key.rfind("threads/", 0) == 0) thread = std::string(change.at("id").as_string());
  ASSERT_FALSE(thread.empty());
  std::string written = passerelle::new_id();
  ASSERT_EQ(push(amina, {send_op(thread, "Écrit avant le déménagement", written)}).at("results").at(0).at("status"), "applied");
  before = pull_all(amina, before.cursor);  // the device's cursor, as it would keep it
  auto epoch_answer = amina.call("pull", {{"cursor", before.cursor}});
  std::string epoch = std::string(epoch_answer.at("epoch").as_string());
  std::string token = amina.token;
  amina.ws.reset();
  ASSERT_EQ(lite.stop(), 0);

  std::string error;
  std::string pg = create_postgresql_database(&error);
  ASSERT_FALSE(pg.empty()) << error;
  auto r = run_process({server_binary(), "admin", "migrate-db", "--from", lite.db_url(), "--to", pg}, {}, 60s);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const char* t : kTables) {
    std::string q = std::string("SELECT COUNT(*) FROM ") + t;
    EXPECT_EQ(postgresql_count(pg, q), sqlite_count(lite_file, q)) << t;
  }
  EXPECT_GT(postgresql_count(pg, "SELECT COUNT(*) FROM users"), 10);
  for (const char* key : {"seq", "horizon"}) {
    std::string q = std::string("SELECT value FROM sync_meta WHERE key = '") + key + "'";
    EXPECT_EQ(postgresql_count(pg, q), sqlite_count(lite_file, q)) << key;
  }
  // A second run refuses to copy into a database that now holds a program.
  auto twice = run_process({server_binary(), "admin", "migrate-db", "--from", lite.db_url(), "--to", pg}, {}, 60s);
  EXPECT_NE(twice.exit_code, 0);

  TestServer::Options pg_options;
  pg_options.db = pg;
  TestServer moved(pg_options);
  ASSERT_TRUE(moved.ok()) << moved.last_error();
  // The device resumes its session (tokens moved too) and pulls from its old cursor: same
  // epoch, no resync, nothing new.
  Peer device;
  device.ws = std::make_unique<RawWsClient>();
  ASSERT_TRUE(device.ws->connect(moved.port()));
  ASSERT_EQ(device.ws->call(1, "hello", {{"protocol", 1}})["ok"], true);
  auto resumed = device.ws->call(2, "auth.resume", {{"token", token}});
  ASSERT_EQ(resumed["ok"], true) << json::serialize(resumed);
  auto page = device.call("pull", {{"cursor", before.cursor}});
  ASSERT_EQ(page["ok"], true) << json::serialize(page);
  EXPECT_FALSE(page.contains("resync") && page.at("resync") == true) << json::serialize(page);
  EXPECT_EQ(std::string(page.at("epoch").as_string()), epoch);
  EXPECT_TRUE(page.at("changes").as_array().empty()) << json::serialize(page);
  EXPECT_EQ(page.at("cursor"), before.cursor);
  // A full pull on PostgreSQL shows exactly what the device had from SQLite.
  auto full = pull_all(device, 0);
  EXPECT_TRUE(pulled_row(full, "messages", written));
  EXPECT_GE(full.rows.size(), 1u);
  // New writes continue the same log.
  std::string after = passerelle::new_id();
  ASSERT_EQ(push(device, {send_op(thread, "Écrit après le déménagement", after)}).at("results").at(0).at("status"), "applied");
  auto next = pull_all(device, before.cursor);
  EXPECT_TRUE(pulled_row(next, "messages", after));
  EXPECT_EQ(next.rows.size(), 2u) << "the new message and the thread's last_n";
}
