// --trusted-proxies: which X-Forwarded-For entries are believed (docs/limits.md).
#include <gtest/gtest.h>

#include <vector>

#include "config.h"
#include "net/trusted_proxies.h"

using passerelle::server::net::TrustedProxies;

namespace {
TrustedProxies proxies(std::string_view list) {
  auto p = TrustedProxies::parse(list);
  EXPECT_TRUE(p.ok()) << list;
  return p ? *p : TrustedProxies{};
}
}  // namespace

TEST(TrustedProxies, AddressesAndNetworksOfBothFamilies) {
  auto p = proxies(" 127.0.0.1, 10.0.0.0/8,fd00::/8 , ::1, 192.0.2.128/25");
  EXPECT_TRUE(p.trusts("127.0.0.1"));
  EXPECT_FALSE(p.trusts("127.0.0.2"));
  EXPECT_TRUE(p.trusts("10.200.3.4"));
  EXPECT_FALSE(p.trusts("11.0.0.1"));
  EXPECT_TRUE(p.trusts("192.0.2.200"));
  EXPECT_FALSE(p.trusts("192.0.2.127"));  // the prefix cuts inside a byte
  EXPECT_TRUE(p.trusts("fd12:3456::1"));
  EXPECT_TRUE(p.trusts("::1"));
  EXPECT_FALSE(p.trusts("::2"));
  EXPECT_TRUE(p.trusts("::ffff:10.1.2.3"));  // a dual-stack socket's view of an IPv4 peer
  EXPECT_FALSE(p.trusts("not an address"));
  EXPECT_TRUE(proxies("0.0.0.0/0").trusts("203.0.113.9"));
  EXPECT_FALSE(proxies("0.0.0.0/0").trusts("2001:db8::1"));
}

TEST(TrustedProxies, BadEntriesAreRefusedByName) {
  for (const char* bad : {"localhost", "10.0.0.0/33", "::1/129", "10.0.0.0/", "10.0.0.0/x", "1.2.3", "127.0.0.1, nope"}) {
    auto p = TrustedProxies::parse(bad);
    ASSERT_FALSE(p.ok()) << bad;
    EXPECT_EQ(p.error().code, passerelle::ErrorCode::bad_request);
    EXPECT_NE(p.error().message.find(std::string(bad).substr(std::string(bad).rfind(' ') + 1)), std::string::npos)
        << p.error().message;
  }
  EXPECT_TRUE(TrustedProxies::parse("").value().empty());
}

TEST(TrustedProxies, TheClientIsTheFirstUntrustedHopFromTheRight) {
  auto p = proxies("127.0.0.1, 10.0.0.0/8");
  struct Case {
    const char* why;
    const char* peer;
    const char* forwarded_for;
    const char* client;
  };
  for (const Case& c : std::vector<Case>{
           {"nginx on 127.0.0.1 appended the address it saw", "127.0.0.1", "198.51.100.7", "198.51.100.7"},
           {"a balancer (10.0.0.2) saw the client, nginx the balancer", "127.0.0.1", "198.51.100.7, 10.0.0.2", "198.51.100.7"},
           {"what the client wrote itself is never believed", "127.0.0.1", "6.6.6.6, 198.51.100.7", "198.51.100.7"},
           {"...even through two proxies", "127.0.0.1", "6.6.6.6,198.51.100.7,10.1.1.1", "198.51.100.7"},
           {"a peer that is no proxy: its header is ignored", "203.0.113.5", "10.0.0.9", "203.0.113.5"},
           {"no header", "127.0.0.1", "", "127.0.0.1"},
           {"empty entries", "127.0.0.1", " , ", "127.0.0.1"},
           {"garbage: the last hop vouched for", "127.0.0.1", "198.51.100.7, unknown", "127.0.0.1"},
           {"garbage further left", "127.0.0.1", "unknown, 10.0.0.2", "10.0.0.2"},
           {"IPv4 with a port", "127.0.0.1", "198.51.100.7:5678", "198.51.100.7"},
           {"IPv6 in brackets with a port, canonical form", "127.0.0.1", "[2001:DB8:0::1]:443", "2001:db8::1"},
           {"IPv6, canonical form", "127.0.0.1", "2001:db8:0:0::7", "2001:db8::7"},
           {"every hop trusted: the leftmost", "127.0.0.1", "10.0.0.3, 10.0.0.2", "10.0.0.3"},
       })
    EXPECT_EQ(p.client_address(c.peer, c.forwarded_for), c.client) << c.why;
  EXPECT_EQ(TrustedProxies{}.client_address("127.0.0.1", "198.51.100.7"), "127.0.0.1") << "nobody trusted";
}

TEST(TrustedProxies, TheServeFlagParsesTheListAndRefusesBadEntries) {
  auto ok = passerelle::server::parse_args({"serve", "--trusted-proxies", "127.0.0.1,::1"});
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(ok->serve.trusted_proxies.trusts("::1"));
  EXPECT_TRUE(passerelle::server::parse_args({"serve"})->serve.trusted_proxies.empty());
  auto bad = passerelle::server::parse_args({"serve", "--trusted-proxies", "127.0.0.1,nginx"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("nginx"), std::string::npos) << bad.error().message;
  EXPECT_NE(bad.error().message.find("--trusted-proxies"), std::string::npos) << bad.error().message;
  EXPECT_FALSE(passerelle::server::parse_args({"serve", "--trusted-proxies", ","}).ok());
}
