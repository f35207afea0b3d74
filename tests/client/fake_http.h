// A scripted HTTP peer on a loopback port, for the file transfer tests: each accepted
// connection runs the test's handler on the server's thread with plain POSIX sockets, so a
// test can answer early, stall, close, or send wrong bytes — what a real server never does
// on purpose. No Asio here: the code under test owns that side.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <thread>

namespace passerelle::client::testing {

class FakeHttp {
 public:
  // One accepted connection, seen from the server.
  class Peer {
   public:
    explicit Peer(int fd) : fd_(fd) {}
    // The request line and headers (up to the blank line); the bytes after them stay buffered.
    std::string read_head() {
      for (;;) {
        auto end = buffered_.find("\r\n\r\n");
        if (end != std::string::npos) {
          head_ = buffered_.substr(0, end + 4);
          buffered_.erase(0, end + 4);
          return head_;
        }
        if (!fill()) return {};
      }
    }
    // Exactly `n` bytes of body (fewer if the peer closes first).
    std::string read_body(std::size_t n) {
      while (buffered_.size() < n)
        if (!fill()) break;
      std::string out = buffered_.substr(0, std::min(n, buffered_.size()));
      buffered_.erase(0, out.size());
      return out;
    }
    // Waits until the client closes its side (or the socket fails).
    void wait_for_close() {
      while (fill()) buffered_.clear();
    }
    void write(std::string_view data) {
      while (!data.empty()) {
        ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
        if (n <= 0) return;
        data.remove_prefix(static_cast<std::size_t>(n));
      }
    }
    // A header's value from the last head read (case-insensitive name), "" when absent.
    std::string header(std::string_view name) const {
      std::string lower_head = lower(head_);
      std::string key = "\r\n" + lower(std::string(name)) + ":";
      auto at = lower_head.find(key);
      if (at == std::string::npos) return {};
      auto start = at + key.size();
      auto end = head_.find("\r\n", start);
      std::string v = head_.substr(start, end - start);
      v.erase(0, v.find_first_not_of(' '));
      return v;
    }
    std::string request_line() const { return head_.substr(0, head_.find("\r\n")); }

   private:
    static std::string lower(std::string s) {
      for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return s;
    }
    bool fill() {
      char buf[16384];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return false;
      buffered_.append(buf, static_cast<std::size_t>(n));
      return true;
    }
    int fd_;
    std::string buffered_, head_;
  };

  using Handler = std::function<void(Peer&)>;

  explicit FakeHttp(Handler handler) : handler_(std::move(handler)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    ::listen(listen_fd_, 8);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeHttp() {
    stop_ = true;
    thread_.join();
    ::close(listen_fd_);
  }
  FakeHttp(const FakeHttp&) = delete;
  FakeHttp& operator=(const FakeHttp&) = delete;

  std::uint16_t port() const { return port_; }
  std::string ws_url(const std::string& path = "") const { return "ws://127.0.0.1:" + std::to_string(port_) + path; }
  int connections() const { return connections_; }

  static std::string answer(int status, const std::string& reason, const std::string& body,
                            const std::string& type = "application/json") {
    return "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\nContent-Type: " + type +
           "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  }
  static std::string error(int status, const std::string& reason, const std::string& code, const std::string& message) {
    return answer(status, reason, R"({"error":{"code":")" + code + R"(","message":")" + message + R"("}})");
  }

 private:
  // Polls so the destructor's stop is seen within 50 ms, whatever the handler does.
  void serve() {
    while (!stop_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) continue;
      ++connections_;
      Peer peer(fd);
      handler_(peer);
      ::shutdown(fd, SHUT_WR);
      ::close(fd);
    }
  }

  Handler handler_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::thread thread_;
};

}  // namespace passerelle::client::testing
