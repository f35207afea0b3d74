// libpasserelle_client against the real passerelle-server (tests/support's TestServer):
// sign-in, resume, logout revocation, an unreachable server, invitations, and wss.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

#include "passerelle/client.h"
#include "passerelle/shared/ids.h"
#include "passerelle/test/test_server.h"
#include "temp_dir.h"

namespace passerelle::client {
namespace {

using passerelle::test::TestServer;
using testing::TempDir;

constexpr const char* kPassword = "correct horse battery";

std::unique_ptr<Client> open_client(const std::filesystem::path& dir, const std::string& url,
                                    const std::string& ca_file = "") {
  ClientOptions options;
  options.data_dir = dir;
  options.server_url = url;
  options.ca_file = ca_file;
  options.connect_timeout = std::chrono::seconds(10);
  options.request_timeout = std::chrono::seconds(20);
  auto client = Client::open(options);
  EXPECT_TRUE(client) << client.error().message;
  return client ? std::move(*client) : nullptr;
}

// The invitation token from an e-mail (its "code: <token>" line, in either language).
std::string token_from_mail(const std::string& mail) {
  std::smatch m;
  static const std::regex code(R"(code[^:\r\n]*: ?([A-Za-z0-9_-]{43}))");
  return std::regex_search(mail, m, code) ? m[1].str() : std::string();
}

class ClientWithServer : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server.ok()) << server.last_error();
    ASSERT_TRUE(server.create_user("amina@example.org", "Amina Benali", "candidate", kPassword, "fr"))
        << server.log();
  }
  TestServer server;
  TempDir dir;
};

TEST_F(ClientWithServer, LoginStoresTheSessionAndWorksOfflineAfterwards) {
  auto client = open_client(dir.path(), server.url());
  ASSERT_TRUE(client);
  auto user = client->login("Amina@Example.org ", kPassword);
  ASSERT_TRUE(user) << user.error().message;
  EXPECT_EQ(user->email, "amina@example.org");
  EXPECT_EQ(user->name, "Amina Benali");
  EXPECT_EQ(user->role, protocol::Role::candidate);
  EXPECT_TRUE(is_uuid(user->id));
  EXPECT_TRUE(std::filesystem::exists(dir / ("accounts/" + user->id + ".sqlite")));

  std::string url = server.url();
  server.kill9();  // whoami needs no server
  auto me = client->current_user();
  ASSERT_TRUE(me);
  ASSERT_TRUE(*me);
  EXPECT_EQ((*me)->user.id, user->id);
  EXPECT_EQ((*me)->server_url, url);
}

TEST_F(ClientWithServer, WrongPasswordIsUnauthenticated) {
  auto client = open_client(dir.path(), server.url());
  ASSERT_TRUE(client);
  auto user = client->login("amina@example.org", "not the password");
  ASSERT_FALSE(user);
  EXPECT_EQ(user.origin(), Origin::server);
  EXPECT_EQ(user.error().code, ErrorCode::unauthenticated);
  EXPECT_EQ(user.error().message, "wrong e-mail or password");
  auto me = client->current_user();
  ASSERT_TRUE(me);
  EXPECT_FALSE(*me);
}

TEST_F(ClientWithServer, ResumeOnANewClientAfterReconnect) {
  std::string id;
  {
    auto client = open_client(dir.path(), server.url());
    auto user = client->login("amina@example.org", kPassword);
    ASSERT_TRUE(user) << user.error().message;
    id = user->id;
  }
  // A new process-like client on the same data directory, without --server: the stored URL.
  ClientOptions options;
  options.data_dir = dir.path();
  options.fallback_server_url = "ws://127.0.0.1:1";
  auto again = Client::open(options);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ((*again)->server_url().str(), server.url());
  auto resumed = (*again)->resume();
  ASSERT_TRUE(resumed) << resumed.error().message;
  EXPECT_EQ(resumed->id, id);
  EXPECT_TRUE((*again)->is_connected());
}

TEST_F(ClientWithServer, LogoutRevokesTheTokenOnTheServer) {
  {
    auto client = open_client(dir.path(), server.url());
    ASSERT_TRUE(client->login("amina@example.org", kPassword));
  }
  // A second device holding a copy of the same session token.
  TempDir copy;
  std::filesystem::copy(dir.path(), copy.path(), std::filesystem::copy_options::recursive |
                                                     std::filesystem::copy_options::overwrite_existing);

  auto client = open_client(dir.path(), server.url());
  auto out = client->logout();
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_TRUE(out->was_signed_in);
  EXPECT_TRUE(out->revoked_on_server) << (out->server_problem ? out->server_problem->message() : "");
  auto me = client->current_user();
  ASSERT_TRUE(me);
  EXPECT_FALSE(*me);

  auto other = open_client(copy.path(), server.url());
  auto resumed = other->resume();
  ASSERT_FALSE(resumed);
  EXPECT_EQ(resumed.origin(), Origin::server);
  EXPECT_EQ(resumed.error().code, ErrorCode::unauthenticated);
  EXPECT_NE(resumed.error().message.find("log in again"), std::string::npos) << resumed.error().message;
  // The refused token is forgotten on that device too.
  auto other_me = other->current_user();
  ASSERT_TRUE(other_me);
  EXPECT_FALSE(*other_me);
}

TEST_F(ClientWithServer, ServerDownIsACannotReachError) {
  auto client = open_client(dir.path(), server.url());
  ASSERT_TRUE(client->login("amina@example.org", kPassword));
  std::string url = server.url();
  server.kill9();

  auto fresh = open_client(dir.path(), url);
  auto resumed = fresh->resume();
  ASSERT_FALSE(resumed);
  EXPECT_EQ(resumed.origin(), Origin::network);
  EXPECT_EQ(resumed.error().message, "cannot reach the server at " + url + ": connection refused");
  // An unreachable server is no reason to forget the session.
  auto me = fresh->current_user();
  ASSERT_TRUE(me);
  EXPECT_TRUE(*me);

  // The first client's open connection notices the loss on its next request.
  auto answer = client->request("auth.logout", {});
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.origin(), Origin::network);

  // Logout still removes the session locally and says the server was not told.
  auto out = fresh->logout();
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_TRUE(out->was_signed_in);
  EXPECT_FALSE(out->revoked_on_server);
  ASSERT_TRUE(out->server_problem);
  EXPECT_EQ(out->server_problem->origin, Origin::network);
}

TEST_F(ClientWithServer, AcceptInviteOnceThenConflict) {
  ASSERT_TRUE(server.create_user("coach@example.org", "Claire Coach", "coach", kPassword, "fr"));
  auto coach = open_client(dir.path(), server.url());
  ASSERT_TRUE(coach->login("coach@example.org", kPassword));
  auto invited = coach->request("invite.create", {{"email", "new@example.org"}, {"role", "candidate"}, {"locale", "en"}});
  ASSERT_TRUE(invited) << invited.error().message;

  auto mails = server.mails();
  ASSERT_EQ(mails.size(), 1u);
  std::string token = token_from_mail(mails[0]);
  ASSERT_EQ(token.size(), 43u) << mails[0];

  TempDir device2;
  auto newcomer = open_client(device2.path(), server.url());
  auto user = newcomer->accept_invite(token, "Nadia Nouvelle", "a long new password");
  ASSERT_TRUE(user) << user.error().message;
  EXPECT_EQ(user->email, "new@example.org");
  EXPECT_EQ(user->name, "Nadia Nouvelle");
  EXPECT_EQ(user->role, protocol::Role::candidate);
  EXPECT_EQ(user->locale, protocol::Locale::en);
  auto me = newcomer->current_user();
  ASSERT_TRUE(me && *me);
  EXPECT_EQ((*me)->user.id, user->id);

  TempDir device3;
  auto again = open_client(device3.path(), server.url());
  auto second = again->accept_invite(token, "Someone Else", "another long password");
  ASSERT_FALSE(second);
  EXPECT_EQ(second.origin(), Origin::server);
  EXPECT_EQ(second.error().code, ErrorCode::conflict);
}

// --- wss with a certificate made by the openssl CLI at test time --------------------------------

class ClientWithTlsServer : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    certs_ = new TempDir("passerelle-client-tls");
    cert_ = (certs_->path() / "cert.pem").string();
    key_ = (certs_->path() / "key.pem").string();
    std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost"
                      " -addext subjectAltName=DNS:localhost,IP:127.0.0.1"
                      " -keyout " + key_ + " -out " + cert_ + " >/dev/null 2>&1";
    generated_ = std::system(cmd.c_str()) == 0;
  }
  static void TearDownTestSuite() {
    delete certs_;
    certs_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(generated_) << "the openssl command failed";
    TestServer::Options options;
    options.extra_args = {"--tls-cert", cert_, "--tls-key", key_};
    server_ = std::make_unique<TestServer>(options);
    ASSERT_TRUE(server_->ok()) << server_->last_error();
    ASSERT_TRUE(server_->create_user("amina@example.org", "Amina Benali", "candidate", kPassword));
  }
  std::string wss_url() const { return "wss://127.0.0.1:" + std::to_string(server_->port()); }

  static inline TempDir* certs_ = nullptr;
  static inline std::string cert_, key_;
  static inline bool generated_ = false;
  std::unique_ptr<TestServer> server_;
  TempDir dir;
};

TEST_F(ClientWithTlsServer, VerifiedWithTheExtraCaFile) {
  auto client = open_client(dir.path(), wss_url(), cert_);
  auto user = client->login("amina@example.org", kPassword);
  ASSERT_TRUE(user) << user.error().message;
  EXPECT_EQ(user->name, "Amina Benali");
}

TEST_F(ClientWithTlsServer, HostNameIsVerifiedToo) {
  auto client = open_client(dir.path(), "wss://localhost:" + std::to_string(server_->port()), cert_);
  auto user = client->login("amina@example.org", kPassword);
  ASSERT_TRUE(user) << user.error().message;
}

TEST_F(ClientWithTlsServer, RefusedWithoutTheCaFile) {
  auto client = open_client(dir.path(), wss_url());
  auto user = client->login("amina@example.org", kPassword);
  ASSERT_FALSE(user);
  EXPECT_EQ(user.origin(), Origin::network);
  EXPECT_NE(user.error().message.find("TLS certificate verification failed for host 127.0.0.1"), std::string::npos)
      << user.error().message;
}

TEST_F(ClientWithTlsServer, PlainWebSocketToATlsServerFailsClearly) {
  auto client = open_client(dir.path(), "ws://127.0.0.1:" + std::to_string(server_->port()));
  auto user = client->login("amina@example.org", kPassword);
  ASSERT_FALSE(user);
  EXPECT_EQ(user.origin(), Origin::network);
  EXPECT_NE(user.error().message.find("cannot reach the server at ws://127.0.0.1:"), std::string::npos)
      << user.error().message;
}

}  // namespace
}  // namespace passerelle::client
