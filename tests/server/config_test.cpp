#include <gtest/gtest.h>

#include "config.h"

using namespace passerelle::server;

TEST(Config, ServeDefaults) {
  auto p = parse_args({"serve"});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->serve.listen_host, "127.0.0.1");
  EXPECT_EQ(p->serve.listen_port, 8080);
  EXPECT_EQ(p->serve.scrypt_log2n, 17);
  EXPECT_EQ(p->serve.max_frame, 65536u);
  EXPECT_EQ(p->serve.public_url, "http://127.0.0.1:8080");
  EXPECT_TRUE(p->serve.public_url_is_default);
  EXPECT_GE(p->serve.threads, 1u);
}

// With --listen ...:0 `serve` derives the default public URL again from the port it bound
// (tests/server/invite_test.cpp checks the e-mails' links); a given --public-url is kept.
TEST(Config, DefaultPublicUrlNamesThePortBound) {
  auto p = parse_args({"serve", "--listen", "[::1]:0"});
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_TRUE(p->serve.public_url_is_default);
  EXPECT_EQ(default_public_url(p->serve, 43210), "http://[::1]:43210");
  auto given = parse_args({"serve", "--listen", "127.0.0.1:0", "--public-url", "https://p.example.org/"});
  ASSERT_TRUE(given.ok()) << given.error().message;
  EXPECT_FALSE(given->serve.public_url_is_default);
  EXPECT_EQ(given->serve.public_url, "https://p.example.org");
}

TEST(Config, BadValuesAndUnknownFlagsAreUsageErrors) {
  EXPECT_FALSE(parse_args({"serve", "--nope"}).ok());
  EXPECT_FALSE(parse_args({"serve", "--scrypt-log2n", "9"}).ok());
  EXPECT_FALSE(parse_args({"serve", "--listen", "localhost"}).ok());
  EXPECT_FALSE(parse_args({"serve", "--threads"}).ok());
  EXPECT_FALSE(parse_args({"serve", "--tls-cert", "x.pem"}).ok());
  EXPECT_FALSE(parse_args({"admin", "create", "--email", "a@b.c", "--name", "A", "--role", "king"}).ok());
  EXPECT_FALSE(parse_args({"admin", "create", "--email", "a@b.c"}).ok());
  EXPECT_FALSE(parse_args({}).ok());
}

TEST(Config, HelpEverywhere) {
  for (auto args : std::vector<std::vector<std::string>>{{"--help"}, {"serve", "--help"}, {"admin", "--help"},
                                                          {"admin", "create", "--help"}}) {
    auto p = parse_args(args);
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p->command, ParsedArgs::Command::help);
    EXPECT_FALSE(p->help_text.empty());
  }
  auto serve = parse_args({"serve", "--help"});
  EXPECT_NE(serve->help_text.find("--scrypt-log2n"), std::string::npos);
}

TEST(Config, PostgresqlPoolAndMigrateDb) {
  auto p = parse_args({"serve", "--db", "postgresql://p@127.0.0.1/prog?sslmode=require", "--db-pool", "12"});
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->serve.db, "postgresql://p@127.0.0.1/prog?sslmode=require");
  EXPECT_EQ(p->serve.db_pool, 12u);
  EXPECT_EQ(parse_args({"serve"})->serve.db_pool, 0u) << "0: the default (threads + 2, 2..8)";
  EXPECT_FALSE(parse_args({"serve", "--db-pool", "0"}).ok());
  auto m = parse_args({"admin", "migrate-db", "--from", "sqlite:a.db", "--to", "postgresql:///b"});
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->command, ParsedArgs::Command::admin_migrate_db);
  EXPECT_EQ(m->migrate_db.from, "sqlite:a.db");
  EXPECT_EQ(m->migrate_db.to, "postgresql:///b");
  EXPECT_FALSE(parse_args({"admin", "migrate-db", "--from", "sqlite:a.db"}).ok());
}
