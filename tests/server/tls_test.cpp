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
