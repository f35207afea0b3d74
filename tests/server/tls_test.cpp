// wss:// with a self-signed certificate made at test time by the openssl CLI.
#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <boost/json.hpp>

#include "passerelle/test/raw_ws_client.h"
#include "passerelle/test/test_server.h"

using namespace passerelle::test;

namespace {
bool make_cert(const std::string& dir) {
  auto r = run_process({"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-days", "2", "-subj", "/CN=localhost", "-addext",
                        "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", dir + "/key.pem", "-out",
                        dir + "/cert.pem"});
  return r.exit_code == 0;
}
}  // namespace

TEST(Tls, WssWorksAndOldTlsIsRefused) {
  TempDir certs;
  ASSERT_TRUE(make_cert(certs.path()));
  TestServer server({{"--tls-cert", certs.path() + "/cert.pem", "--tls-key", certs.path() + "/key.pem"}});
  ASSERT_TRUE(server.ok()) << server.last_error();
  EXPECT_EQ(server.url().rfind("wss://", 0), 0u);

  RawWsClient ws;
  ASSERT_TRUE(ws.connect_tls(server.port(), {certs.path() + "/cert.pem"})) << ws.last_error();
  auto a = ws.call(1, "hello", {{"protocol", 1}});
  EXPECT_EQ(a["ok"], true) << boost::json::serialize(a);

  RawWsClient old;
  RawWsClient::TlsOptions opts{certs.path() + "/cert.pem"};
  opts.max_version = TLS1_1_VERSION;
  EXPECT_FALSE(old.connect_tls(server.port(), opts));

  // Plain ws:// against the TLS port does not get a WebSocket.
  RawWsClient plain;
  EXPECT_FALSE(plain.connect(server.port(), "/v1/ws", std::chrono::seconds(3)));
}

// The profile (docs/limits.md) seen through `openssl s_client`, in one quick test that needs
// no testssl: what Mozilla's intermediate profile allows is accepted, its neighbours are not.
// (tests/tls/run-testssl.sh checks every cipher, curve and protocol.)
TEST(Tls, OnlyTheIntermediateProfileIsNegotiated) {
  TempDir certs;
  ASSERT_TRUE(make_cert(certs.path()));  // ECDSA P-256
  TestServer server({{"--tls-cert", certs.path() + "/cert.pem", "--tls-key", certs.path() + "/key.pem"}});
  ASSERT_TRUE(server.ok()) << server.last_error();
  auto handshake = [&](std::vector<std::string> options) {
    std::vector<std::string> argv = {"/usr/bin/openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(server.port()),
                                     "-servername", "localhost"};
    argv.insert(argv.end(), options.begin(), options.end());
    auto r = run_process(argv, "", std::chrono::seconds(20));
    return r.exit_code == 0 && r.out.find("Cipher is (NONE)") == std::string::npos;
  };
  EXPECT_TRUE(handshake({"-tls1_3"}));
  EXPECT_TRUE(handshake({"-tls1_3", "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256"}));
  EXPECT_TRUE(handshake({"-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"}));
  EXPECT_TRUE(handshake({"-tls1_2", "-cipher", "ECDHE-ECDSA-CHACHA20-POLY1305"}));
  EXPECT_TRUE(handshake({"-tls1_2", "-cipher", "ECDHE-ECDSA-AES256-GCM-SHA384"}));
  // TLS 1.3 key exchange groups: the profile's three, nothing else.
  EXPECT_TRUE(handshake({"-tls1_3", "-groups", "X25519"}));
  EXPECT_TRUE(handshake({"-tls1_3", "-groups", "secp384r1"}));
  EXPECT_FALSE(handshake({"-tls1_3", "-groups", "secp521r1"}));
  EXPECT_FALSE(handshake({"-tls1_3", "-groups", "ffdhe3072"}));
  // CBC and SHA-1 suites, TLS 1.1: refused.
  EXPECT_FALSE(handshake({"-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA"}));
  EXPECT_FALSE(handshake({"-tls1_2", "-cipher", "ECDHE-ECDSA-AES256-SHA384"}));
  EXPECT_FALSE(handshake({"-tls1_1", "-cipher", "ALL:@SECLEVEL=0"}));
}
