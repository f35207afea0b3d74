// The `passerelle` CLI as a process, in the cases that need no server.
#include <gtest/gtest.h>

#include <fstream>

#include "loopback.h"
#include "run_cli.h"
#include "temp_dir.h"

namespace passerelle::client {
namespace {

using testing::LoopbackPort;
using testing::run_cli;
using testing::TempDir;

const std::string kCli = PASSERELLE_CLI_PATH;

TEST(CliOffline, HelpListsCommandsAndExitCodes) {
  auto r = run_cli(kCli, {"--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* word : {"login", "whoami", "logout", "accept-invite", "--server", "--data", "--ca-file",
                           "exit codes", "3  the server cannot be reached"})
    EXPECT_NE(r.out.find(word), std::string::npos) << word;
  EXPECT_TRUE(r.err.empty());
}

TEST(CliOffline, CommandHelp) {
  auto r = run_cli(kCli, {"login", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("usage: passerelle [global options] login [--email E]"), std::string::npos) << r.out;
}

TEST(CliOffline, Version) {
  auto r = run_cli(kCli, {"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.rfind("passerelle ", 0), 0u) << r.out;
}

TEST(CliOffline, UnknownCommandIsAUsageError) {
  TempDir dir;
  auto r = run_cli(kCli, {"--data", dir.path().string(), "frobnicate"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "passerelle: unknown command 'frobnicate' (see passerelle --help)\n");
}

TEST(CliOffline, UnknownFlagIsAUsageError) {
  TempDir dir;
  auto r = run_cli(kCli, {"--data", dir.path().string(), "whoami", "--colour"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err.rfind("passerelle: unknown option '--colour'", 0), 0u) << r.err;
}

TEST(CliOffline, MissingFlagValueAndMissingCommand) {
  EXPECT_EQ(run_cli(kCli, {"--server"}).exit_code, 2);
  TempDir dir;
  auto r = run_cli(kCli, {"--data", dir.path().string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no command given"), std::string::npos);
}

TEST(CliOffline, BadUrlIsAUsageError) {
  TempDir dir;
  auto r = run_cli(kCli, {"--server", "ftp://example.org", "--data", dir.path().string(), "login", "--email",
                          "amina@example.org"},
                   "a password\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "passerelle: 'ftp://example.org' is not a server address: the scheme must be ws, wss, http or https\n");
}

TEST(CliOffline, UnreachableServerExits3) {
  LoopbackPort closed(false);
  TempDir dir;
  std::string url = "ws://127.0.0.1:" + std::to_string(closed.port());
  auto r = run_cli(kCli, {"--server", url, "--data", dir.path().string(), "login", "--email", "amina@example.org"},
                   "a password\n");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.err, "passerelle: cannot reach the server at " + url + ": connection refused\n");
}

TEST(CliOffline, LoginWithoutEmailOnAPipeIsAUsageError) {
  TempDir dir;
  auto r = run_cli(kCli, {"--data", dir.path().string(), "login"}, "a password\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--email"), std::string::npos);
}

TEST(CliOffline, WhoamiWhenNobodyIsSignedIn) {
  TempDir dir;
  auto r = run_cli(kCli, {"--data", dir.path().string(), "whoami"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "not signed in\n");
}

TEST(CliOffline, DataDirFromEnvironment) {
  TempDir dir;
  auto r = run_cli(kCli, {"whoami"}, "", {{"PASSERELLE_DATA", (dir / "from-env").string()}});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(std::filesystem::exists(dir / "from-env" / "device.sqlite"));
}

TEST(CliOffline, DamagedDataIsExit4) {
  TempDir dir;
  { std::ofstream(dir / "device.sqlite") << "not a database, not at all, just text of some length.........."; }
  auto r = run_cli(kCli, {"--data", dir.path().string(), "whoami"});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_EQ(r.err.rfind("passerelle: the device file ", 0), 0u) << r.err;
}

}  // namespace
}  // namespace passerelle::client
