// `passerelle password`, `password reset` and `sessions` as processes against the real server,
// and the C++ API beneath them (docs/security.md, "Passwords and sessions").
#include <gtest/gtest.h>

#include <regex>
#include <thread>

#include "passerelle/client.h"
#include "passerelle/test/test_server.h"
#include "run_cli.h"
#include "temp_dir.h"

namespace passerelle::client {
namespace {

using namespace std::chrono_literals;
using passerelle::test::TestServer;
using testing::run_cli;
using testing::TempDir;

const std::string kCli = PASSERELLE_CLI_PATH;
const std::string kPassword = "correct horse battery";
const std::string kNewPassword = "a brand new passphrase";

class PasswordCli : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server.ok()) << server.last_error();
    ASSERT_TRUE(server.create_user("sami@example.org", "Sami Haddad", "mentor", kPassword, "en"));
  }
  testing::CliResult cli(const TempDir& dir, std::vector<std::string> args, const std::string& input = "") {
    args.insert(args.begin(), {"--data", dir.path().string(), "--server", server.url()});
    return run_cli(kCli, args, input);
  }
  void login(const TempDir& dir, const std::string& password = kPassword) {
    auto r = cli(dir, {"login", "--email", "sami@example.org"}, password + "\n");
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  // The code of the latest reset e-mail, waiting (bounded) for it.
  std::string mailed_code(std::size_t mails_before) {
    for (int i = 0; i < 200 && server.mails().size() <= mails_before; ++i) std::this_thread::sleep_for(50ms);
    auto mails = server.mails();
    if (mails.size() <= mails_before) return {};
    std::smatch m;
    if (!std::regex_search(mails.back(), m, std::regex(R"(--code ([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}))"))) return {};
    return m[1];
  }
  TestServer server;
  TempDir phone, laptop;
};

TEST_F(PasswordCli, ChangingThePasswordKeepsThisDeviceAndEndsTheOthers) {
  login(phone);
  login(laptop);
  auto wrong = cli(phone, {"password"}, "not my password\n" + kNewPassword + "\n");
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_EQ(wrong.err, "passerelle: the current password is wrong\n");

  auto changed = cli(phone, {"password"}, kPassword + "\n" + kNewPassword + "\n");
  ASSERT_EQ(changed.exit_code, 0) << changed.err;
  EXPECT_EQ(changed.out, "password changed; 1 other session ended (this device stays signed in)\n");

  auto list = cli(phone, {"sessions"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("passerelle CLI on "), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("[this device]"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("from 127.0.0.1"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("\n1 session\n"), std::string::npos) << list.out;

  auto ended = cli(laptop, {"sessions"});
  EXPECT_EQ(ended.exit_code, 1) << ended.out;
  EXPECT_NE(ended.err.find("log in again"), std::string::npos) << ended.err;
  login(laptop, kNewPassword);
}

TEST_F(PasswordCli, ShortNewPasswordIsAUsageError) {
  login(phone);
  auto r = cli(phone, {"password"}, kPassword + "\nshort\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("at least 10 characters"), std::string::npos) << r.err;
  auto missing = cli(phone, {"password"}, kPassword + "\n");
  EXPECT_EQ(missing.exit_code, 2) << missing.err;
}

TEST_F(PasswordCli, ResetByEmailThenCode) {
  login(laptop);
  auto before = server.mails().size();
  auto asked = cli(phone, {"password", "reset", "--email", "sami@example.org"});
  ASSERT_EQ(asked.exit_code, 0) << asked.err;
  auto unknown = cli(phone, {"password", "reset", "--email", "nobody@example.org"});
  ASSERT_EQ(unknown.exit_code, 0) << unknown.err;
  EXPECT_EQ(std::regex_replace(asked.out, std::regex("sami@example.org"), "E"),
            std::regex_replace(unknown.out, std::regex("nobody@example.org"), "E"));
  std::string code = mailed_code(before);
  ASSERT_FALSE(code.empty()) << server.log();

  auto reset = cli(phone, {"password", "reset", "--code", code}, kNewPassword + "\n");
  ASSERT_EQ(reset.exit_code, 0) << reset.err;
  EXPECT_EQ(reset.out, "password changed; every session of the account ended: log in again\n");
  auto again = cli(phone, {"password", "reset", "--code", code}, "yet another passphrase\n");
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("unknown, used or expired"), std::string::npos) << again.err;

  EXPECT_EQ(cli(laptop, {"sessions"}).exit_code, 1) << "the reset ended the laptop's session";
  EXPECT_EQ(cli(phone, {"login", "--email", "sami@example.org"}, kPassword + "\n").exit_code, 1);
  login(phone, kNewPassword);

  auto neither = cli(phone, {"password", "reset"});
  EXPECT_EQ(neither.exit_code, 2);
}

TEST_F(PasswordCli, EndingAnotherDevicesSession) {
  login(phone);
  login(laptop);
  auto list = cli(phone, {"sessions"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  // Each session is "<id>  <device>[  [this device]]"; the laptop's is the one not marked.
  std::regex line(R"(([0-9a-f-]{36})  [^\n]*)");
  std::string other;
  for (std::sregex_iterator it(list.out.begin(), list.out.end(), line), end; it != end; ++it)
    if (it->str().find("[this device]") == std::string::npos) other = (*it)[1];
  ASSERT_FALSE(other.empty()) << list.out;
  auto ended = cli(phone, {"sessions", "--end", other});
  ASSERT_EQ(ended.exit_code, 0) << ended.err;
  EXPECT_EQ(ended.out, "session " + other + " ended\n");
  EXPECT_EQ(cli(laptop, {"sessions"}).exit_code, 1);
  EXPECT_EQ(cli(phone, {"sessions"}).exit_code, 0);
  EXPECT_EQ(cli(phone, {"sessions", "--end", other}).exit_code, 1) << "already ended";
}

TEST(PasswordApi, TheClientEndsItsOwnSessionAndForgetsIt) {
  TestServer server;
  ASSERT_TRUE(server.ok()) << server.last_error();
  ASSERT_TRUE(server.create_user("ines@example.org", "Inès", "candidate", kPassword));
  TempDir dir;
  ClientOptions options;
  options.data_dir = dir.path();
  options.server_url = server.url();
  options.device_name = "Inès's phone";
  auto client = Client::open(options);
  ASSERT_TRUE(client) << client.failure().message();
  ASSERT_TRUE((*client)->login("ines@example.org", kPassword));
  auto list = (*client)->sessions();
  ASSERT_TRUE(list) << list.failure().message();
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].device, "Inès's phone");
  EXPECT_TRUE((*list)[0].current);
  EXPECT_EQ((*list)[0].address, "127.0.0.1");

  auto changed = (*client)->change_password(kPassword, kNewPassword);
  ASSERT_TRUE(changed) << changed.failure().message();
  EXPECT_EQ(*changed, 0);
  auto wrong = (*client)->change_password("not the password", "another long password");
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.origin(), Origin::server);
  EXPECT_EQ(wrong.error().code, ErrorCode::forbidden);

  ASSERT_TRUE((*client)->end_session((*list)[0].id));
  auto me = (*client)->current_user();
  ASSERT_TRUE(me);
  EXPECT_FALSE(me->has_value()) << "ending this device's own session signs it out";
  auto after = (*client)->sessions();
  ASSERT_FALSE(after);
  EXPECT_EQ(after.error().code, ErrorCode::unauthenticated);
}

}  // namespace
}  // namespace passerelle::client
