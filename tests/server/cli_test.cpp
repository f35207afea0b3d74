#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>

#include "passerelle/test/test_server.h"

using namespace passerelle::test;

TEST(Cli, HelpAndVersionExitZero) {
  for (auto args : std::vector<std::vector<std::string>>{{"--help"}, {"serve", "--help"}, {"admin", "--help"},
                                                          {"admin", "create", "--help"}, {"admin", "compact", "--help"},
                                                          {"--version"}}) {
    args.insert(args.begin(), server_binary());
    auto r = run_process(args);
    EXPECT_EQ(r.exit_code, 0) << args[1];
    EXPECT_FALSE(r.out.empty());
  }
  auto r = run_process({server_binary(), "serve", "--help"});
  EXPECT_NE(r.out.find("--ready-file"), std::string::npos);
  EXPECT_NE(r.out.find("--tombstone-days"), std::string::npos);
  EXPECT_NE(run_process({server_binary(), "admin", "compact", "--help"}).out.find("--older-than-days"), std::string::npos);
}

// The top-level help names every command an operator needs (docs/operations.md lists them).
TEST(Cli, TopHelpListsEveryCommand) {
  auto r = run_process({server_binary(), "--help"});
  ASSERT_EQ(r.exit_code, 0);
  for (const char* command : {"serve", "admin create", "admin compact", "admin import-template", "admin migrate-db"})
    EXPECT_NE(r.out.find(command), std::string::npos) << command << " missing from:\n" << r.out;
  auto m = run_process({server_binary(), "admin", "migrate-db", "--help"});
  EXPECT_EQ(m.exit_code, 0);
  EXPECT_NE(m.out.find("--from"), std::string::npos) << m.out;
}

// A mistyped source is an error: nothing is created, neither the target nor the source's folder.
TEST(Cli, MigrateDbFromAMissingSqliteFileExitsTwoAndCreatesNothing) {
  TempDir dir;
  std::string missing = dir.path() + "/no-such-folder/passerelle.db";
  std::string target = dir.path() + "/target.db";
  auto r = run_process({server_binary(), "admin", "migrate-db", "--from", "sqlite:" + missing, "--to", "sqlite:" + target});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find(missing), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/no-such-folder"));
  EXPECT_FALSE(std::filesystem::exists(target));
  // The same with the folder present but the file mistyped.
  std::filesystem::create_directory(dir.path() + "/data");
  r = run_process({server_binary(), "admin", "migrate-db", "--from", "sqlite:" + dir.path() + "/data/pasarelle.db",
                   "--to", "sqlite:" + target});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/data/pasarelle.db"));
  EXPECT_FALSE(std::filesystem::exists(target));
}

TEST(Cli, AdminCompactWithoutAServer) {
  TempDir dir;
  std::string db = "sqlite:" + dir.path() + "/db.sqlite";
  auto r = run_process({server_binary(), "admin", "compact", "--db", db, "--older-than-days", "0"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("horizon is now 1"), std::string::npos) << r.out;
  EXPECT_EQ(run_process({server_binary(), "admin", "compact", "--db", db}).exit_code, 0);
  EXPECT_EQ(run_process({server_binary(), "admin", "compact", "--db", db, "--older-than-days", "-1"}).exit_code, 2);
  EXPECT_EQ(run_process({server_binary(), "serve", "--tombstone-days", "0"}).exit_code, 2);
}

TEST(Cli, UsageErrorsExitTwo) {
  auto r = run_process({server_binary(), "serve", "--no-such-flag"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--no-such-flag"), std::string::npos);
  EXPECT_EQ(run_process({server_binary(), "serve", "--threads", "zero"}).exit_code, 2);
  EXPECT_EQ(run_process({server_binary()}).exit_code, 2);
}

TEST(Cli, AdminCreate) {
  TempDir dir;
  std::string db = "sqlite:" + dir.path() + "/sub/db.sqlite";
  auto base = [&](std::string role) {
    return std::vector<std::string>{server_binary(), "admin", "create", "--db", db, "--email", "a@example.org",
                                    "--name", "Sophie Tremblay", "--role", role, "--scrypt-log2n", "10"};
  };
  EXPECT_EQ(run_process(base("king"), "long enough password\n").exit_code, 2);
  auto short_pw = run_process(base("admin"), "short\n");
  EXPECT_EQ(short_pw.exit_code, 2);
  EXPECT_NE(short_pw.err.find("10 characters"), std::string::npos);
  auto ok = run_process(base("admin"), "long enough password\n");
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  auto dup = run_process(base("admin"), "long enough password\n");
  EXPECT_EQ(dup.exit_code, 1);
  EXPECT_NE(dup.err.find("already"), std::string::npos);
}

TEST(Cli, AdminCreateBesideARunningServer) {
  TestServer server;
  ASSERT_TRUE(server.ok()) << server.last_error();
  EXPECT_TRUE(server.create_user("m@example.org", "Priya Singh", "mentor", "long enough password", "en"))
      << server.last_error();
}

TEST(Cli, NewerSchemaIsRefusedWithExitOne) {
  TempDir dir;
  std::string db = "sqlite:" + dir.path() + "/db.sqlite";
  ASSERT_EQ(run_process({server_binary(), "admin", "create", "--db", db, "--email", "a@example.org", "--name", "A",
                         "--role", "admin", "--scrypt-log2n", "10"},
                        "long enough password\n")
                .exit_code,
            0);
  sqlite3* handle = nullptr;
  ASSERT_EQ(sqlite3_open((dir.path() + "/db.sqlite").c_str(), &handle), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(handle, "INSERT INTO schema_migrations VALUES(999,'future','x')", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(handle);
  auto r = run_process({server_binary(), "serve", "--listen", "127.0.0.1:0", "--db", db});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("999"), std::string::npos) << r.err;
}
