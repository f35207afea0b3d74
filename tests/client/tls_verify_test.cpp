// The client core verifies the server's certificate (client-core/src/tls_setup.*): a
// certificate that names another host, or a self-signed certificate that is not in the
// client's trust store, ends the sign-in with a network failure that says so, and nothing is
// sent. Certificates are made at test time by the openssl CLI; servers run on loopback.
// (client_integration_test.cpp has the cases that succeed: the right CA file and host name.)
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "passerelle/client.h"
#include "passerelle/test/test_server.h"
#include "temp_dir.h"

namespace passerelle::client {
namespace {

using passerelle::test::TestServer;
using testing::TempDir;

constexpr const char* kPassword = "correct horse battery";

// A self-signed certificate (its own CA) for these subject alternative names.
bool make_cert(const std::filesystem::path& dir, const std::string& name, const std::string& san) {
  std::string cmd = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=" +
                    name + " -addext subjectAltName=" + san + " -keyout " + (dir / (name + ".key")).string() +
                    " -out " + (dir / (name + ".pem")).string() + " >/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0;
}

class ClientCertificateChecks : public ::testing::Test {
 protected:
  // The server presents `name`'s certificate.
  void start(const std::string& name) {
    TestServer::Options options;
    options.extra_args = {"--tls-cert", (certs.path() / (name + ".pem")).string(), "--tls-key",
                          (certs.path() / (name + ".key")).string()};
    server = std::make_unique<TestServer>(options);
    ASSERT_TRUE(server->ok()) << server->last_error();
    ASSERT_TRUE(server->create_user("amina@example.org", "Amina Benali", "candidate", kPassword));
  }

  // Signs in through `url`, trusting `ca` (a file in certs, or nothing but the system store).
  Outcome<UserInfo> sign_in(const std::string& url, const std::string& ca) {
    ClientOptions options;
    options.data_dir = data.path() / std::to_string(++clients);
    options.server_url = url;
    if (!ca.empty()) options.ca_file = (certs.path() / (ca + ".pem")).string();
    options.connect_timeout = std::chrono::seconds(10);
    options.request_timeout = std::chrono::seconds(20);
    auto client = Client::open(options);
    EXPECT_TRUE(client) << client.error().message;
    return (*client)->login("amina@example.org", kPassword);
  }

  std::string port() const { return std::to_string(server->port()); }

  TempDir certs{"passerelle-tls-verify"};
  TempDir data{"passerelle-tls-verify-data"};
  std::unique_ptr<TestServer> server;
  int clients = 0;
};

void expect_refused(const Outcome<UserInfo>& user, const std::string& host) {
  ASSERT_FALSE(user);
  EXPECT_EQ(user.origin(), Origin::network);
  EXPECT_NE(user.error().message.find("TLS certificate verification failed for host " + host), std::string::npos)
      << user.error().message;
}

TEST_F(ClientCertificateChecks, ACertificateForAnotherHostIsRefusedEvenWhenTrusted) {
  ASSERT_TRUE(make_cert(certs.path(), "other", "DNS:other.example"));
  start("other");
  expect_refused(sign_in("wss://localhost:" + port(), "other"), "localhost");
  expect_refused(sign_in("wss://127.0.0.1:" + port(), "other"), "127.0.0.1");
}

TEST_F(ClientCertificateChecks, AnIpAddressMustBeNamedAsAnAddress) {
  // Names "localhost" only: good for wss://localhost, not for wss://127.0.0.1.
  ASSERT_TRUE(make_cert(certs.path(), "localhost", "DNS:localhost"));
  start("localhost");
  auto ok = sign_in("wss://localhost:" + port(), "localhost");
  ASSERT_TRUE(ok) << ok.error().message;
  expect_refused(sign_in("wss://127.0.0.1:" + port(), "localhost"), "127.0.0.1");
}

TEST_F(ClientCertificateChecks, ASelfSignedCertificateOutsideTheTrustStoreIsRefused) {
  ASSERT_TRUE(make_cert(certs.path(), "localhost", "DNS:localhost,IP:127.0.0.1"));
  ASSERT_TRUE(make_cert(certs.path(), "stranger", "DNS:localhost,IP:127.0.0.1"));  // same names, other key
  start("localhost");
  // Only the system store: the self-signed certificate is in none of it.
  expect_refused(sign_in("wss://localhost:" + port(), ""), "localhost");
  // An extra CA that did not sign it: no better.
  expect_refused(sign_in("wss://localhost:" + port(), "stranger"), "localhost");
  // Control: trusted, it works (the refusals above were about trust, not about the server).
  auto ok = sign_in("wss://localhost:" + port(), "localhost");
  EXPECT_TRUE(ok) << ok.error().message;
}

}  // namespace
}  // namespace passerelle::client
