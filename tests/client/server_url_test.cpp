#include "passerelle/server_url.h"

#include <gtest/gtest.h>

namespace passerelle::client {
namespace {

TEST(ServerUrl, PlainWithPort) {
  auto url = ServerUrl::parse("ws://127.0.0.1:8080");
  ASSERT_TRUE(url) << url.error().message;
  EXPECT_FALSE(url->tls);
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_EQ(url->port, 8080);
  EXPECT_EQ(url->path, "/v1/ws");
  EXPECT_EQ(url->str(), "ws://127.0.0.1:8080");
  EXPECT_EQ(url->host_port(), "127.0.0.1:8080");
  EXPECT_TRUE(url->host_is_ip());
}

TEST(ServerUrl, TlsDefaultPortAndCaseFolding) {
  auto url = ServerUrl::parse("WSS://Passerelle.Example.ORG/");
  ASSERT_TRUE(url) << url.error().message;
  EXPECT_TRUE(url->tls);
  EXPECT_EQ(url->host, "passerelle.example.org");
  EXPECT_EQ(url->port, 443);
  EXPECT_EQ(url->str(), "wss://passerelle.example.org");
  EXPECT_FALSE(url->host_is_ip());
}

TEST(ServerUrl, HttpSchemesAreAliases) {
  auto plain = ServerUrl::parse("http://localhost:81");
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->tls);
  EXPECT_EQ(plain->str(), "ws://localhost:81");
  auto secure = ServerUrl::parse("https://localhost");
  ASSERT_TRUE(secure);
  EXPECT_TRUE(secure->tls);
  EXPECT_EQ(secure->port, 443);
}

TEST(ServerUrl, Ipv6AndCustomPath) {
  auto url = ServerUrl::parse("https://[::1]:8443/passerelle/v1/ws");
  ASSERT_TRUE(url) << url.error().message;
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->port, 8443);
  EXPECT_EQ(url->path, "/passerelle/v1/ws");
  EXPECT_EQ(url->host_port(), "[::1]:8443");
  EXPECT_EQ(url->str(), "wss://[::1]:8443/passerelle/v1/ws");
  // The canonical form parses back to the same address.
  auto again = ServerUrl::parse(url->str());
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *url);
}

TEST(ServerUrl, BadAddressesNameTheProblem) {
  struct Case {
    const char* text;
    const char* says;
  } cases[] = {
      {"", "empty"},
      {"127.0.0.1:8080", "must start with ws://"},
      {"ftp://example.org", "scheme must be ws, wss, http or https"},
      {"ws://", "host is missing"},
      {"ws://:8080", "host is missing"},
      {"ws://host:0", "port must be a number from 1 to 65535"},
      {"ws://host:65536", "port must be a number from 1 to 65535"},
      {"ws://host:80x", "port must be a number"},
      {"ws://host:", "port is empty"},
      {"ws://user:pw@host", "user names or passwords"},
      {"ws://host/v1/ws?x=1", "query or a fragment"},
      {"ws://[::1", "must end with ']'"},
      {"ws://[nothost]:80", "not an IPv6 address"},
      {"ws://::1", "in brackets"},
      {"ws://ho st", "invalid characters"},
  };
  for (const auto& c : cases) {
    auto url = ServerUrl::parse(c.text);
    ASSERT_FALSE(url) << c.text;
    EXPECT_EQ(url.error().code, ErrorCode::bad_request);
    EXPECT_NE(url.error().message.find(c.says), std::string::npos) << c.text << " -> " << url.error().message;
  }
}

}  // namespace
}  // namespace passerelle::client
