// PostgreSQL URLs (parsing, TLS asked by the URL, passwords kept out of logs) and the
// LISTEN/NOTIFY payloads between instances (cluster/pg_bus.h).
#include <gtest/gtest.h>

#include "cluster/pg_bus.h"
#include "passerelle/test/test_server.h"
#include "storage/database.h"
#include "storage/dialect.h"

namespace st = passerelle::server::storage;
using passerelle::server::cluster::PgBus;

TEST(PgUrl, PostgresqlUrlsParseAndTheirPasswordsAreRedacted) {
  auto u = st::parse_db_url("postgresql://passerelle:s3cret@db.internal:5433/prog?sslmode=require");
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_TRUE(u->is_postgresql());
  EXPECT_EQ(u->redacted(), "postgresql://passerelle:***@db.internal:5433/prog?sslmode=require");
  auto q = st::parse_db_url("postgres:///prog?host=/run/postgresql&password=s3cret&user=p");
  ASSERT_TRUE(q) << q.error().message;
  EXPECT_EQ(q->redacted().find("s3cret"), std::string::npos);
  EXPECT_FALSE(st::parse_db_url("postgresql://host/db?nonsense_option=1"));  // libpq refuses it
  EXPECT_FALSE(st::parse_db_url("mysql://x/y"));
  EXPECT_EQ(st::parse_db_url("sqlite:/tmp/x.db")->redacted(), "sqlite:/tmp/x.db");
}

TEST(PgUrl, SslmodeRequireReachesLibpq) {
  auto admin = passerelle::test::test_postgresql_url();
  if (!admin) GTEST_SKIP() << "no PostgreSQL: run through tests/pg/run-pg.sh";
  // The test cluster has no certificate: a URL that demands TLS must be refused by libpq,
  // which proves the URL's TLS settings are the ones used.
  std::string url = passerelle::test::create_postgresql_database();
  ASSERT_FALSE(url.empty());
  auto db = st::Database::open(url + (url.find('?') == std::string::npos ? "?" : "&") + "sslmode=require", {});
  ASSERT_FALSE(db);
  EXPECT_NE(db.error().message.find("SSL"), std::string::npos) << db.error().message;
  auto plain = st::Database::open(url + (url.find('?') == std::string::npos ? "?" : "&") + "sslmode=disable", {});
  EXPECT_TRUE(plain) << plain.error().message;
}

TEST(PgBusPayload, ManyUsersAreSplitUnderTheNotifyLimitAndRoundTrip) {
  std::vector<std::string> users;
  for (int i = 0; i < 2000; ++i) users.push_back("01900000-0000-7000-8000-" + std::to_string(100000000000LL + i));
  std::string event = R"({"type":"poke","seq":42})";
  auto parts = PgBus::payloads(users, event);
  ASSERT_GT(parts.size(), 1u);
  std::vector<std::string> back;
  for (const auto& p : parts) {
    EXPECT_LT(p.size(), 8000u);
    std::vector<std::string> u;
    std::string e;
    ASSERT_TRUE(PgBus::parse_payload(p, u, e));
    EXPECT_EQ(e, event);
    back.insert(back.end(), u.begin(), u.end());
  }
  EXPECT_EQ(back, users);
  std::vector<std::string> u;
  std::string e;
  EXPECT_FALSE(PgBus::parse_payload("not json", u, e));
  EXPECT_FALSE(PgBus::parse_payload(R"({"u":"x"})", u, e));
}
