#include "passerelle/test/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace passerelle::test {

HttpResult http_request(std::uint16_t port, const std::string& method, const std::string& target,
                        const std::map<std::string, std::string>& headers, const std::string& body,
                        std::chrono::milliseconds timeout) {
  HttpResult out;
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return out.error = "socket failed", out;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    out.error = std::string("connect: ") + std::strerror(errno);
    return out;
  }
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
  if (!body.empty() || method == "PUT" || method == "POST") req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  req += "\r\n";
  req += body;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto left_ms = [&] {
    return static_cast<int>(std::max<long long>(
        0, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count()));
  };
  // Write what the server takes; it may answer and stop reading early (413): then read.
  std::size_t sent = 0;
  while (sent < req.size()) {
    pollfd p{fd, POLLOUT | POLLIN, 0};
    if (::poll(&p, 1, left_ms()) <= 0) break;
    if (p.revents & POLLIN) break;  // an early answer
    ssize_t n = ::send(fd, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  std::string raw;
  char buf[16384];
  while (true) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, left_ms()) <= 0) {
      out.error = "timed out reading the answer";
      break;
    }
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    raw.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  auto head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos) {
    if (out.error.empty()) out.error = "no complete answer (" + std::to_string(raw.size()) + " bytes)";
    return out;
  }
  std::string head = raw.substr(0, head_end);
  auto line_end = head.find("\r\n");
  std::string status_line = head.substr(0, line_end);
  if (status_line.size() >= 12) out.status = std::atoi(status_line.c_str() + 9);
  std::size_t at = line_end == std::string::npos ? head.size() : line_end + 2;
  while (at < head.size()) {
    auto e = head.find("\r\n", at);
    if (e == std::string::npos) e = head.size();
    std::string line = head.substr(at, e - at);
    auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      out.headers[name] = value;
    }
    at = e + 2;
  }
  out.body = raw.substr(head_end + 4);
  out.content_type = out.headers["content-type"];
  if (out.headers["transfer-encoding"] == "chunked") {
    // Chunks (hex size, CRLF, data, CRLF) up to the last one (size 0); an answer cut before it
    // is an error, as a client would see it.
    std::string chunked = std::move(out.body), body;
    std::size_t at = 0;
    out.body.clear();
    for (;;) {
      auto eol = chunked.find("\r\n", at);
      if (eol == std::string::npos) return out.error = "chunked answer cut short", out;
      std::size_t size = std::strtoul(chunked.substr(at, eol - at).c_str(), nullptr, 16);
      at = eol + 2;
      if (size == 0) break;
      if (at + size + 2 > chunked.size()) return out.error = "chunked answer cut short", out;
      body.append(chunked, at, size);
      at += size + 2;
    }
    out.body = std::move(body);
  }
  return out;
}

}  // namespace passerelle::test
