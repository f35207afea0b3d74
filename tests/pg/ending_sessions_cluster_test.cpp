// Ending sessions across instances (docs/limits.md): two passerelle-server instances on one
// PostgreSQL; an admin on instance A disables an account, and that person's connection on
// instance B is closed (1008) through the LISTEN/NOTIFY relay, and its token is refused on B.
// Runs under tests/pg/run-pg.sh; skips without PostgreSQL.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "passerelle/test/peer.h"
#include "passerelle/test/test_server.h"

using namespace passerelle::test;
namespace json = boost::json;
using namespace std::chrono_literals;

TEST(ClusterSessions, DisablingOnOneInstanceClosesTheConnectionsOnTheOther) {
  if (!test_postgresql_url()) GTEST_SKIP() << "no PostgreSQL: run through tests/pg/run-pg.sh";
  std::string error;
  std::string db = create_postgresql_database(&error);
  ASSERT_FALSE(db.empty()) << error;
  TempDir files;
  TestServer::Options o;
  o.db = db;
  o.extra_args = {"--files-dir", files.path(), "--threads", "1"};
  TestServer a(o), b(o);
  ASSERT_TRUE(a.ok()) << a.last_error();
  ASSERT_TRUE(b.ok()) << b.last_error();
  ASSERT_TRUE(a.create_user("admin@example.org", "Sophie Tremblay", "admin", kTestPassword)) << a.last_error();
  ASSERT_TRUE(a.create_user("amina@example.org", "Amina Benali", "candidate", kTestPassword)) << a.last_error();
  ASSERT_TRUE(a.create_user("bo@example.org", "Bo", "candidate", kTestPassword)) << a.last_error();

  Peer admin = sign_in(a, "admin@example.org");
  Peer amina_on_b = sign_in(b, "amina@example.org");
  Peer bo_on_b = sign_in(b, "bo@example.org");

  auto done = admin.call("account.update", {{"user_id", amina_on_b.id}, {"disabled", true}});
  ASSERT_EQ(code_of(done), "<ok>") << json::serialize(done);
  EXPECT_EQ(done["closed_connections"], 0);  // none on A: hers is on B

  int close_code = -1;
  for (int i = 0; i < 100; ++i) {
    auto f = amina_on_b.ws->read(15s);
    if (f.kind == RawWsClient::Frame::Kind::closed) {
      close_code = f.close_code;
      break;
    }
    if (f.kind != RawWsClient::Frame::Kind::text) break;  // events (pokes) may come first
  }
  EXPECT_EQ(close_code, 1008) << "B's log:\n" << b.log();

  auto fresh = connect_hello(b);
  EXPECT_EQ(code_of(fresh->call(5, "auth.resume", {{"token", amina_on_b.token}}, 10s)), "unauthenticated");
  auto still = bo_on_b.call("pull", {{"cursor", 0}, {"limit", 1}});
  EXPECT_EQ(still["ok"], true) << json::serialize(still);
}
