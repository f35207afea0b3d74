// A blocking HTTP/1.1 client for tests, over a plain loopback socket: one request per
// connection (Connection: close), every wait bounded. Enough to drive /v1/blobs/ and friends
// without a second Beast build in the tests.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

namespace passerelle::test {

struct HttpResult {
  int status = 0;  // 0 when no answer was read (see error)
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string content_type;  // the Content-Type header
  std::string error;
};

HttpResult http_request(std::uint16_t port, const std::string& method, const std::string& target,
                        const std::map<std::string, std::string>& headers = {}, const std::string& body = {},
                        std::chrono::milliseconds timeout = std::chrono::seconds(10));

// A GET without headers.
inline HttpResult http_get(std::uint16_t port, const std::string& target,
                           std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  return http_request(port, "GET", target, {}, {}, timeout);
}

}  // namespace passerelle::test
