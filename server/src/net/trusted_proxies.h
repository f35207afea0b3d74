// The reverse proxies whose X-Forwarded-For the server believes (--trusted-proxies).
//
// Behind nginx every connection comes from the proxy, so the per-address limits, the logs and
// the audit log would see a single client. With the proxy trusted they see the address it
// reports instead. A header from anyone else is ignored: a client cannot choose its own
// address, and an address a client wrote in the header is believed only as far as a trusted
// proxy vouches for it.
//
//   auto proxies = TrustedProxies::parse("127.0.0.1, 10.0.0.0/8");
//   std::string who = proxies->client_address(peer, "198.51.100.7, 10.0.0.2");  // "198.51.100.7"
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "passerelle/shared/error.h"

namespace passerelle::server::net {

class TrustedProxies {
 public:
  // A comma-separated list of addresses and CIDR networks, IPv4 or IPv6 ("127.0.0.1, ::1,
  // 10.0.0.0/8"). bad_request names the first bad entry. An empty list trusts nobody.
  static Result<TrustedProxies> parse(std::string_view list);

  bool empty() const { return networks_.empty(); }
  bool trusts(std::string_view address) const;

  // The address of the client behind a request that reached us from `peer` (the TCP peer's
  // address) carrying `forwarded_for` (the X-Forwarded-For values joined by commas; empty if
  // none). The header is read from the right, one hop at a time, only while the hop that
  // wrote it is trusted; the first address not trusted is the client. An entry that is not
  // an address stops the walk at the hop before it. Addresses come back in canonical form.
  std::string client_address(std::string_view peer, std::string_view forwarded_for) const;

 private:
  struct Network {
    std::array<std::uint8_t, 16> bytes{};  // IPv4 as IPv4-mapped IPv6, so one comparison serves both
    int prefix = 128;
  };
  std::vector<Network> networks_;
};

}  // namespace passerelle::server::net
