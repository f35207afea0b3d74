#include "passerelle/server_url.h"

#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "passerelle/outcome.h"

namespace passerelle::client {

namespace {
constexpr std::string_view kDefaultPath = "/v1/ws";

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool valid_host_char(unsigned char c) { return std::isalnum(c) || c == '-' || c == '.' || c == '_'; }
}  // namespace

Result<ServerUrl> ServerUrl::parse(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return Error{ErrorCode::bad_request, "'" + std::string(text) + "' is not a server address: " + std::string(why)};
  };
  if (text.empty()) return Error{ErrorCode::bad_request, "the server address is empty"};
  auto sep = text.find("://");
  if (sep == std::string_view::npos) return bad("it must start with ws://, wss://, http:// or https://");
  ServerUrl url;
  std::string scheme = lower(text.substr(0, sep));
  if (scheme == "ws" || scheme == "http")
    url.tls = false;
  else if (scheme == "wss" || scheme == "https")
    url.tls = true;
  else
    return bad("the scheme must be ws, wss, http or https");

  std::string_view rest = text.substr(sep + 3);
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  std::string_view tail = rest.substr(authority.size());
  if (authority.find('@') != std::string_view::npos) return bad("user names or passwords do not belong in it");
  if (tail.find_first_of("?#") != std::string_view::npos) return bad("it must not have a query or a fragment");

  std::string_view host;
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return bad("an IPv6 address must end with ']'");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("unexpected text after the IPv6 address");
      port_text = after.substr(1);
      if (port_text.empty()) return bad("the port is empty");
    }
    boost::system::error_code ec;
    auto addr = boost::asio::ip::make_address(std::string(host), ec);
    if (ec || !addr.is_v6()) return bad("'" + std::string(host) + "' is not an IPv6 address");
  } else {
    auto colon = authority.rfind(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) return bad("the port is empty");
    }
    if (host.find(':') != std::string_view::npos) return bad("an IPv6 address must be written in brackets");
    if (!std::all_of(host.begin(), host.end(), valid_host_char)) return bad("the host name has invalid characters");
  }
  if (host.empty()) return bad("the host is missing");
  url.host = lower(host);

  if (!port_text.empty()) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || value == 0 || value > 65535)
      return bad("the port must be a number from 1 to 65535");
    url.port = static_cast<std::uint16_t>(value);
  } else {
    url.port = url.tls ? 443 : 80;
  }

  url.path = (tail.empty() || tail == "/") ? std::string(kDefaultPath) : std::string(tail);
  return url;
}

bool ServerUrl::host_is_ip() const {
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  return !ec;
}

std::string ServerUrl::host_port() const {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string ServerUrl::str() const {
  bool v6 = host.find(':') != std::string::npos;
  std::string out = tls ? "wss://" : "ws://";
  out += v6 ? "[" + host + "]" : host;
  if (port != (tls ? 443 : 80)) out += ":" + std::to_string(port);
  if (path != kDefaultPath) out += path;
  return out;
}

}  // namespace passerelle::client
