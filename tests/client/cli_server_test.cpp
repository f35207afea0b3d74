// The `passerelle` CLI as a process against the real server.
#include <gtest/gtest.h>

#include <fstream>

#include <chrono>
#include <regex>
#include <thread>

#include "passerelle/client.h"

#include "passerelle/test/test_server.h"
#include "run_cli.h"
#include "temp_dir.h"

namespace passerelle::client {
namespace {

using passerelle::test::TestServer;
using testing::run_cli;
using testing::TempDir;

const std::string kCli = PASSERELLE_CLI_PATH;

class CliWithServer : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server.ok()) << server.last_error();
    ASSERT_TRUE(server.create_user("sami@example.org", "Sami Haddad", "mentor", "correct horse battery", "en"));
  }
  testing::CliResult cli(std::vector<std::string> args, const std::string& input = "") {
    args.insert(args.begin(), {"--data", dir.path().string()});
    return run_cli(kCli, args, input);
  }
  TestServer server;
  TempDir dir;
};

TEST_F(CliWithServer, LoginWhoamiLogout) {
  auto login = cli({"--server", server.url(), "login", "--email", "sami@example.org"}, "correct horse battery\n");
  ASSERT_EQ(login.exit_code, 0) << login.err;
  EXPECT_EQ(login.out, "signed in as Sami Haddad <sami@example.org> (mentor) on " + server.url() + "\n");
  EXPECT_TRUE(login.err.empty()) << login.err;

  // whoami is offline: no --server, and the server is not even needed.
  auto whoami = cli({"whoami"});
  ASSERT_EQ(whoami.exit_code, 0) << whoami.err;
  EXPECT_EQ(whoami.out, "name:   Sami Haddad\ne-mail: sami@example.org\nrole:   mentor\nserver: " + server.url() + "\n");

  // logout finds the server from device.sqlite.
  auto logout = cli({"logout"});
  ASSERT_EQ(logout.exit_code, 0) << logout.err;
  EXPECT_EQ(logout.out, "signed out\n");
  EXPECT_TRUE(logout.err.empty()) << logout.err;

  auto after = cli({"whoami"});
  EXPECT_EQ(after.exit_code, 1);
  EXPECT_EQ(after.out, "not signed in\n");
}

TEST_F(CliWithServer, WrongPasswordExits1) {
  auto r = cli({"--server", server.url(), "login", "--email=sami@example.org"}, "not the password\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "passerelle: wrong e-mail or password\n");
  EXPECT_TRUE(r.out.empty());
}

TEST_F(CliWithServer, LogoutWhileServerIsDownWarnsAndStillSignsOut) {
  ASSERT_EQ(cli({"--server", server.url(), "login", "--email", "sami@example.org"}, "correct horse battery\n").exit_code, 0);
  server.kill9();
  auto r = cli({"logout"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "signed out on this device\n");
  EXPECT_NE(r.err.find("passerelle: warning: the server was not told"), std::string::npos) << r.err;
  EXPECT_EQ(cli({"whoami"}).exit_code, 1);
}

TEST_F(CliWithServer, AcceptInviteFromTheMailedToken) {
  ASSERT_TRUE(server.create_user("coach@example.org", "Claire Coach", "coach", "correct horse battery"));
  // The coach invites through the library.
  ClientOptions options;
  TempDir coach_dir;
  options.data_dir = coach_dir.path();
  options.server_url = server.url();
  auto coach = Client::open(options);
  ASSERT_TRUE(coach);
  ASSERT_TRUE((*coach)->login("coach@example.org", "correct horse battery"));
  ASSERT_TRUE((*coach)->request("invite.create", {{"email", "new@example.org"}, {"role", "candidate"}, {"locale", "fr"}}));
  auto mails = server.mails();
  ASSERT_EQ(mails.size(), 1u);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(mails[0], m, std::regex(R"(code[^:\r\n]*: ?([A-Za-z0-9_-]{43}))"))) << mails[0];
  std::string token = m[1].str();

  auto r = cli({"--server", server.url(), "accept-invite", "--token", token, "--name", "Nadia Nouvelle"},
               "a long new password\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("welcome, Nadia Nouvelle"), std::string::npos) << r.out;

  TempDir other;
  auto again = run_cli(kCli, {"--data", other.path().string(), "--server", server.url(), "accept-invite", token,
                              "--name", "Someone Else"},
                       "another long password\n");
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_EQ(again.err.rfind("passerelle: ", 0), 0u);
}

// `passerelle invite` and `passerelle invitations` (issue 27): invite, list, resend (the old
// code dies), revoke (the new one dies too); a mentor may not invite.
TEST_F(CliWithServer, InviteListResendAndRevokeFromTheCommandLine) {
  ASSERT_TRUE(server.create_user("coach@example.org", "Claire Coach", "coach", "correct horse battery"));
  ASSERT_EQ(cli({"--server", server.url(), "login", "--email", "coach@example.org"}, "correct horse battery\n").exit_code, 0);
  auto invited = cli({"invite", "--email", "nadia@example.org", "--role", "candidate", "--name", "Nadia N", "--locale", "en"});
  ASSERT_EQ(invited.exit_code, 0) << invited.err;
  EXPECT_EQ(invited.out.rfind("invited nadia@example.org as candidate (invitation ", 0), 0u) << invited.out;
  auto token_of = [](const std::string& mail) {
    std::smatch m;
    return std::regex_search(mail, m, std::regex(R"(code[^:\r\n]*: ?([A-Za-z0-9_-]{43}))")) ? m[1].str() : std::string();
  };
  std::string first = token_of(server.mails().back());
  auto list = cli({"invitations"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("\tpending\tcandidate\tnadia@example.org\tNadia N\tby Claire Coach\t"), std::string::npos) << list.out;
  std::string id = list.out.substr(0, list.out.find('\t'));

  auto resent = cli({"invitations", "--resend", id});
  ASSERT_EQ(resent.exit_code, 0) << resent.err;
  std::string second = token_of(server.mails().back());
  ASSERT_NE(first, second);
  TempDir a, b;
  auto old_link = run_cli(kCli, {"--data", a.path().string(), "--server", server.url(), "accept-invite", first, "--name", "N"},
                          "a long new password\n");
  EXPECT_EQ(old_link.exit_code, 1) << old_link.out;
  ASSERT_EQ(cli({"invitations", "--revoke", id}).exit_code, 0);
  auto revoked = run_cli(kCli, {"--data", b.path().string(), "--server", server.url(), "accept-invite", second, "--name", "N"},
                         "a long new password\n");
  EXPECT_EQ(revoked.exit_code, 1);
  EXPECT_NE(revoked.err.find("revoked"), std::string::npos) << revoked.err;
  EXPECT_NE(cli({"invitations", "--status", "revoked"}).out.find("nadia@example.org"), std::string::npos);
  EXPECT_EQ(cli({"invitations", "--revoke", id, "--resend", id}).exit_code, 2);
  EXPECT_EQ(cli({"invite", "--email", "x@example.org"}).exit_code, 2) << "no role";
  auto staff = cli({"invite", "--email", "boss@example.org", "--role", "admin"});
  EXPECT_EQ(staff.exit_code, 1) << "a coach cannot invite an admin";
  EXPECT_NE(staff.err.find("a coach cannot invite an admin"), std::string::npos) << staff.err;
}

// `passerelle invite-cohort FILE [--send]`: the rows not sent with their reason, then queued.
TEST_F(CliWithServer, InviteACohortFromACsvFile) {
  ASSERT_TRUE(server.create_user("coach@example.org", "Claire Coach", "coach", "correct horse battery"));
  ASSERT_EQ(cli({"--server", server.url(), "login", "--email", "coach@example.org"}, "correct horse battery\n").exit_code, 0);
  auto csv = dir.path() / "cohort.csv";
  {
    std::ofstream out(csv, std::ios::binary);
    out << "email,name\r\nok1@example.org,Un\r\nnot-an-email,Deux\r\nok1@example.org,Trois\r\nok2@example.org,\"Quatre, Q\"\r\n";
  }
  auto check = cli({"invite-cohort", csv.string()});
  ASSERT_EQ(check.exit_code, 0) << check.err;
  EXPECT_EQ(check.out,
            "row 2\tnot-an-email\tinvalid_email\te-mail 'not-an-email' is not a valid e-mail address\n"
            "row 3\tok1@example.org\tduplicate_in_file\tsame e-mail as row 1\n"
            "ready: 2 of 4 invitation(s); send them with --send\n");
  auto sent = cli({"invite-cohort", csv.string(), "--send"});
  ASSERT_EQ(sent.exit_code, 0) << sent.err;
  EXPECT_NE(sent.out.find("queued 2 of 4 invitation(s)"), std::string::npos) << sent.out;
  {
    std::ofstream out(csv, std::ios::binary | std::ios::trunc);
    out << "mail\nx@example.org\n";
  }
  auto bad = cli({"invite-cohort", csv.string(), "--send"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("unknown column"), std::string::npos) << bad.err;
}

// Ordinary CLI runs end their connections normally: the server logs each close, and no
// connection_error (it used to log "Transport endpoint is not connected" for every sync, so a
// real error drowned among them).
TEST_F(CliWithServer, OrdinarySyncsLogNoConnectionError) {
  ASSERT_EQ(cli({"--server", server.url(), "login", "--email", "sami@example.org"}, "correct horse battery\n").exit_code, 0);
  for (int i = 0; i < 5; ++i) {
    auto r = cli({"sync"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  ASSERT_EQ(cli({"status"}).exit_code, 0);
  auto count = [](const std::string& log, const std::string& event) {
    std::size_t n = 0;
    for (auto at = log.find(event); at != std::string::npos; at = log.find(event, at + 1)) ++n;
    return n;
  };
  // The server logs a close a moment after the client is gone: wait (bounded) for all of them.
  std::string log;
  for (int i = 0; i < 100; ++i) {
    log = server.log();
    if (count(log, "\"event\":\"connection_closed\"") >= count(log, "\"event\":\"connection_opened\"")) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_GE(count(log, "\"event\":\"connection_opened\""), 6u) << log;
  EXPECT_EQ(count(log, "\"event\":\"connection_closed\""), count(log, "\"event\":\"connection_opened\"")) << log;
  EXPECT_EQ(count(log, "\"event\":\"connection_error\""), 0u) << log;
}

}  // namespace
}  // namespace passerelle::client
