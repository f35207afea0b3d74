// A server address as a person types it: ws://host[:port][/path], wss://..., with http:// and
// https:// accepted as aliases of ws:// and wss://. The WebSocket path defaults to /v1/ws.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "passerelle/shared/error.h"

namespace passerelle::client {

struct ServerUrl {
  bool tls = false;        // wss:// or https://
  std::string host;        // without IPv6 brackets
  std::uint16_t port = 0;  // explicit or the scheme's default (80/443)
  std::string path;        // "/v1/ws" unless the URL names another path

  // Canonical text: "ws://127.0.0.1:8080", port omitted when it is the default, path omitted
  // when it is /v1/ws. Stored in device.sqlite and shown in messages.
  std::string str() const;
  // "host:port" as sent in the HTTP Host header (IPv6 in brackets).
  std::string host_port() const;
  bool host_is_ip() const;

  // Errors are bad_request with a message naming the problem, e.g.
  // "'ftp://x' is not a server address: the scheme must be ws, wss, http or https".
  static Result<ServerUrl> parse(std::string_view text);

  friend bool operator==(const ServerUrl&, const ServerUrl&) = default;
};

}  // namespace passerelle::client
