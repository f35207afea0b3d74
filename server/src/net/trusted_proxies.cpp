#include "trusted_proxies.h"

#include <arpa/inet.h>

#include <cstring>

#include <optional>

namespace passerelle::server::net {

namespace {

using Bytes = std::array<std::uint8_t, 16>;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// An address as the sixteen bytes of IPv6 (IPv4 mapped); `is_v4` says which it was written as.
std::optional<Bytes> parse_address(std::string_view text, bool* is_v4 = nullptr) {
  if (text.empty() || text.size() > 45) return std::nullopt;
  std::string s(text);
  Bytes b{};
  in_addr v4{};
  if (::inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    b[10] = b[11] = 0xff;
    std::memcpy(&b[12], &v4, 4);
    if (is_v4) *is_v4 = true;
    return b;
  }
  in6_addr v6{};
  if (::inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    std::memcpy(b.data(), &v6, 16);
    if (is_v4) *is_v4 = false;
    return b;
  }
  return std::nullopt;
}

bool is_v4_mapped(const Bytes& b) {
  for (int i = 0; i < 10; ++i)
    if (b[i] != 0) return false;
  return b[10] == 0xff && b[11] == 0xff;
}

std::string format_address(const Bytes& b) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (is_v4_mapped(b)) ::inet_ntop(AF_INET, &b[12], buf, sizeof buf);
  else ::inet_ntop(AF_INET6, b.data(), buf, sizeof buf);
  return buf;
}

// One X-Forwarded-For entry: an address, maybe with a port ("192.0.2.1:5678", "[2001:db8::1]:443").
std::optional<Bytes> parse_forwarded_entry(std::string_view e) {
  e = trim(e);
  if (!e.empty() && e.front() == '[') {
    auto close = e.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    return parse_address(e.substr(1, close - 1));
  }
  if (auto colon = e.find(':'); colon != std::string_view::npos && e.find(':', colon + 1) == std::string_view::npos)
    e = e.substr(0, colon);  // IPv4 with a port (an IPv6 address has several colons)
  return parse_address(e);
}

bool matches(const Bytes& address, const Bytes& network, int prefix) {
  int full = prefix / 8, rest = prefix % 8;
  for (int i = 0; i < full; ++i)
    if (address[i] != network[i]) return false;
  if (rest == 0) return true;
  auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (address[full] & mask) == (network[full] & mask);
}

}  // namespace

Result<TrustedProxies> TrustedProxies::parse(std::string_view list) {
  TrustedProxies out;
  while (!list.empty()) {
    auto comma = list.find(',');
    std::string_view entry = trim(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    if (entry.empty()) continue;
    auto bad = [&] {
      return Error{ErrorCode::bad_request, "\"" + std::string(entry) +
                                               "\" is not an IP address or network (e.g. 127.0.0.1, ::1, 10.0.0.0/8)"};
    };
    std::string_view address = entry;
    int prefix = -1;
    if (auto slash = entry.find('/'); slash != std::string_view::npos) {
      address = entry.substr(0, slash);
      std::string_view bits = entry.substr(slash + 1);
      if (bits.empty() || bits.size() > 3 || bits.find_first_not_of("0123456789") != std::string_view::npos)
        return bad();
      prefix = std::stoi(std::string(bits));
    }
    bool v4 = false;
    auto bytes = parse_address(address, &v4);
    if (!bytes) return bad();
    int max = v4 ? 32 : 128;
    if (prefix > max) return bad();
    Network n;
    n.bytes = *bytes;
    n.prefix = (prefix < 0 ? max : prefix) + (v4 ? 96 : 0);
    out.networks_.push_back(n);
  }
  return out;
}

bool TrustedProxies::trusts(std::string_view address) const {
  auto b = parse_address(address);
  if (!b) return false;
  for (const auto& n : networks_)
    if (matches(*b, n.bytes, n.prefix)) return true;
  return false;
}

std::string TrustedProxies::client_address(std::string_view peer, std::string_view forwarded_for) const {
  std::string client(peer);
  if (networks_.empty() || !trusts(peer)) return client;
  while (!forwarded_for.empty()) {
    auto comma = forwarded_for.rfind(',');
    std::string_view entry = comma == std::string_view::npos ? forwarded_for : forwarded_for.substr(comma + 1);
    forwarded_for = comma == std::string_view::npos ? std::string_view() : forwarded_for.substr(0, comma);
    if (trim(entry).empty()) continue;
    auto hop = parse_forwarded_entry(entry);
    if (!hop) break;  // not an address: believe nothing written before it
    client = format_address(*hop);
    if (!trusts(client)) break;
  }
  return client;
}

}  // namespace passerelle::server::net
