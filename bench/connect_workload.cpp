// connect: N devices each open a TCP connection, upgrade it to a WebSocket, say hello, wait for
// its answer, send auth.resume and wait for that answer, then drop the connection (RST, so no
// TIME_WAIT piles up); at most `connect_concurrency` at once. Handshake latency = TCP connect
// start to the resume answer.
//
// Every step a device takes is on the wire, as a device does it (its own socket, a fresh
// Sec-WebSocket-Key checked against the server's Sec-WebSocket-Accept, masked client frames,
// each answer read and checked before the next request). What is not here is the machinery
// of a general client: this workload drives its sockets with non-blocking calls on one epoll
// set, without Asio's and Beast's per-operation state, because the generator shares the
// server's two cores and a resume is mostly system calls. Per device it makes about 11 of
// them (socket, connect, epoll_ctl, three sends, three reads, SO_LINGER, close) where the
// Beast client made about 20 (docs/benchmarks.md, "Connect: where a resume's time goes").
#include <boost/beast/websocket/detail/hybi13.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <sstream>

#include "bench.h"
#include "passerelle/shared/protocol.h"

namespace passerelle::bench {
namespace json = boost::json;
namespace hybi = boost::beast::websocket::detail;

namespace {

// A masked client text frame (RFC 6455 5.2-5.3) holding `payload`.
void append_client_frame(std::string& out, std::string_view payload, std::uint32_t mask) {
  out += static_cast<char>(0x81);  // FIN, text
  if (payload.size() < 126) {
    out += static_cast<char>(0x80 | payload.size());
  } else {
    out += static_cast<char>(0x80 | 126);
    out += static_cast<char>((payload.size() >> 8) & 0xFF);
    out += static_cast<char>(payload.size() & 0xFF);
  }
  unsigned char key[4] = {static_cast<unsigned char>(mask >> 24), static_cast<unsigned char>(mask >> 16),
                          static_cast<unsigned char>(mask >> 8), static_cast<unsigned char>(mask)};
  out.append(reinterpret_cast<const char*>(key), 4);
  for (std::size_t i = 0; i < payload.size(); ++i)
    out += static_cast<char>(static_cast<unsigned char>(payload[i]) ^ key[i % 4]);
}

// The next complete server frame in `in` from `at`: its payload, and `at` moved past it
// (incomplete: not all of it has arrived yet). A server frame is never masked.
enum class FrameRead { incomplete, text, other, bad };
FrameRead next_frame(const std::string& in, std::size_t& at, std::string_view& payload) {
  std::size_t avail = in.size() - at;
  if (avail < 2) return FrameRead::incomplete;
  auto b0 = static_cast<unsigned char>(in[at]), b1 = static_cast<unsigned char>(in[at + 1]);
  if (b1 & 0x80) return FrameRead::bad;
  std::size_t header = 2, len = b1 & 0x7F;
  if (len == 126) {
    if (avail < 4) return FrameRead::incomplete;
    len = (static_cast<std::size_t>(static_cast<unsigned char>(in[at + 2])) << 8) | static_cast<unsigned char>(in[at + 3]);
    header = 4;
  } else if (len == 127) {
    return FrameRead::bad;  // an answer to hello or auth.resume is never that large
  }
  if (avail < header + len) return FrameRead::incomplete;
  payload = std::string_view(in).substr(at + header, len);
  at += header + len;
  if ((b0 & 0x0F) == 0x1 && (b0 & 0x80)) return FrameRead::text;
  if ((b0 & 0x0F) == 0x8) return FrameRead::bad;  // the server closed
  return FrameRead::other;                        // a ping: nothing to answer within a handshake
}

// Whether `frame` is {"re": re, "ok": true, ...}: parsed, as a device does, into a reused block.
bool answer_ok_to(std::string_view frame, std::int64_t re) {
  alignas(16) static unsigned char block[16 * 1024];
  json::monotonic_resource arena(block, sizeof block);
  json::error_code ec;
  json::value v = json::parse(frame, ec, &arena);
  if (ec || !v.is_object()) return false;
  const auto& o = v.get_object();
  auto* r = o.if_contains("re");
  return r && r->is_int64() && r->get_int64() == re && answer_ok(o);
}

struct Device {
  enum class Step { free, connecting, upgrading, hello, resuming } step = Step::free;
  int fd = -1;
  std::size_t index = 0;
  Clock::time_point t0;
  std::string in;
  std::size_t at = 0;  // parsed up to here in `in`
  hybi::sec_ws_key_type key;
};

class ConnectRun {
 public:
  ConnectRun(const World& world, const Options& o) : world_(world), o_(o) {
    for (const auto& p : world.pairs) {
      tokens_.push_back(p.candidate.token);
      tokens_.push_back(p.coach.token);
    }
    if (tokens_.empty()) tokens_.push_back(world.admin.token);
    for (const auto& t : tokens_)
      resume_payloads_.push_back(R"({"id":2,"type":"auth.resume","token":)" + json::serialize(json::value(t)) + "}");
    hello_payload_ = R"({"id":1,"type":"hello","protocol":)" + std::to_string(protocol::kVersion) + "}";
    const auto& server = world.target.server;
    host_ = server.address().to_string() + ":" + std::to_string(server.port());
    std::memcpy(&server_addr_, server.data(), server.size());
    server_len_ = static_cast<socklen_t>(server.size());
    rng_ ^= static_cast<std::uint64_t>(Clock::now().time_since_epoch().count());
  }
  ~ConnectRun() {
    for (auto& d : devices_) close_device(d);
    if (ep_ >= 0) ::close(ep_);
  }

  json::object run() {
    auto begin = Clock::now();
    ep_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (ep_ < 0) return {{"errors", o_.connect_n}, {"first_error", std::string("epoll_create1: ") + std::strerror(errno)}};
    devices_.resize(std::max<std::size_t>(1, std::min(o_.connect_concurrency, o_.connect_n)));
    for (auto& d : devices_) free_.push_back(&d);
    launch_free();
    Progress progress(o_, "connect", [&] {
      return std::to_string(finished_) + "/" + std::to_string(o_.connect_n) + " resumed, " +
             fmt(static_cast<double>(finished_) / seconds_since(begin)) + " conn/s, errors " + std::to_string(errors_);
    });
    auto deadline = begin + std::chrono::seconds(300);
    epoll_event events[256];
    while (finished_ < o_.connect_n && Clock::now() < deadline) {
      progress.tick();
      int n = ::epoll_wait(ep_, events, 256, 100);
      if (n < 0 && errno != EINTR) break;
      for (int k = 0; k < n; ++k) on_event(*static_cast<Device*>(events[k].data.ptr), events[k].events);
      // Only now are the finished devices' places taken again: an event of this batch for a
      // connection that has just ended then finds its device closed, not a new connection.
      launch_free();
    }
    bool completed = finished_ == o_.connect_n;
    double elapsed = seconds_since(begin);
    progress.done();
    json::object r{{"n", o_.connect_n},
                   {"concurrency", o_.connect_concurrency},
                   {"completed", completed},
                   {"seconds", elapsed},
                   {"conns_per_s", static_cast<double>(finished_ - errors_) / elapsed}};
    put_latency(r, "handshake", latency_);
    r["errors"] = errors_ + (completed ? 0 : o_.connect_n - finished_);
    if (!first_error_.empty()) r["first_error"] = first_error_;
    return r;
  }

 private:
  static std::string fmt(double v) {
    std::ostringstream s;
    s.setf(std::ios::fixed);
    s.precision(0);
    s << v;
    return s.str();
  }

  std::uint32_t next_mask() {  // xorshift64: the masks need no more than to vary
    rng_ ^= rng_ << 13;
    rng_ ^= rng_ >> 7;
    rng_ ^= rng_ << 17;
    return static_cast<std::uint32_t>(rng_ >> 16);
  }

  void close_device(Device& d) {
    if (d.fd >= 0) {
      linger l{1, 0};  // RST: no TIME_WAIT piles up
      ::setsockopt(d.fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
      ::close(d.fd);  // also takes it out of the epoll set
    }
    d.fd = -1;
    d.step = Device::Step::free;
    d.in.clear();
    d.at = 0;
  }

  void finish(Device& d, bool ok, std::string_view why = {}) {
    if (ok) {
      latency_.record(static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - d.t0).count()));
    } else {
      ++errors_;
      if (first_error_.empty()) first_error_ = std::string(why);
    }
    ++finished_;
    close_device(d);
    free_.push_back(&d);
  }

  void launch_free() {
    while (!free_.empty() && started_ < o_.connect_n) {
      Device* d = free_.back();
      free_.pop_back();
      launch(*d);  // a device that fails at once is back in free_
    }
  }

  void fail_errno(Device& d, const char* what) { finish(d, false, std::string(what) + ": " + std::strerror(errno)); }

  // Each piece is small (a few hundred bytes at most) and the device has nothing else in
  // flight, so an open socket's buffer takes it whole.
  bool send_all(Device& d, const std::string& data) {
    ssize_t n = ::send(d.fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n == static_cast<ssize_t>(data.size())) return true;
    if (n < 0) fail_errno(d, "send");
    else finish(d, false, "send: short write");
    return false;
  }

  void launch(Device& d) {
    std::size_t i = started_++;
    d.index = i;
    d.t0 = Clock::now();
    d.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (d.fd < 0) return fail_errno(d, "socket");
    auto source = world_.target.source_for(i);
    if (source != asio::ip::address_v4::loopback()) {
      // connect() picks the port per destination, so one source address is not limited to
      // one bound port per ephemeral number (as the Beast client did).
      int one = 1;
      ::setsockopt(d.fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
      sockaddr_in from{};
      from.sin_family = AF_INET;
      from.sin_addr.s_addr = htonl(source.to_uint());
      if (::bind(d.fd, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0) return fail_errno(d, "bind");
    }
    if (::connect(d.fd, reinterpret_cast<const sockaddr*>(&server_addr_), server_len_) != 0 && errno != EINPROGRESS)
      return fail_errno(d, "connect");
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLET;
    ev.data.ptr = &d;
    if (::epoll_ctl(ep_, EPOLL_CTL_ADD, d.fd, &ev) != 0) return fail_errno(d, "epoll_ctl");
    d.step = Device::Step::connecting;
    // Over loopback the TCP handshake is usually over already: the upgrade goes at once. A
    // socket still connecting refuses it with EAGAIN, and it goes when epoll says writable.
    send_upgrade(d);
  }

  void send_upgrade(Device& d) {
    hybi::make_sec_ws_key(d.key);
    out_.clear();
    out_ += "GET /v1/ws HTTP/1.1\r\nHost: ";
    out_ += host_;
    out_ += "\r\nUpgrade: websocket\r\nConnection: upgrade\r\nSec-WebSocket-Key: ";
    out_.append(d.key.data(), d.key.size());
    out_ += "\r\nSec-WebSocket-Version: 13\r\nUser-Agent: passerelle-bench\r\n\r\n";
    ssize_t n = ::send(d.fd, out_.data(), out_.size(), MSG_NOSIGNAL);
    if (n == static_cast<ssize_t>(out_.size())) {
      d.step = Device::Step::upgrading;
      return;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;  // still connecting
    if (n < 0) return fail_errno(d, "connect");
    finish(d, false, "send: short write");
  }

  void send_frame(Device& d, std::string_view payload, Device::Step next) {
    out_.clear();
    append_client_frame(out_, payload, next_mask());
    if (send_all(d, out_)) d.step = next;
  }

  void on_event(Device& d, std::uint32_t events) {
    if (d.fd < 0) return;
    if (d.step == Device::Step::connecting) {
      if (events & (EPOLLERR | EPOLLHUP)) {
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(d.fd, SOL_SOCKET, SO_ERROR, &err, &len);
        return finish(d, false, std::string("connect: ") + std::strerror(err ? err : ECONNRESET));
      }
      if (!(events & EPOLLOUT)) return;
      send_upgrade(d);
      if (d.step != Device::Step::upgrading) return;
    }
    if (!(events & (EPOLLIN | EPOLLERR | EPOLLHUP))) return;
    // Read what has arrived. A short read leaves the socket empty; with edge-triggered epoll any
    // later data raises a new event, so no read is made only to hear EAGAIN.
    for (;;) {
      std::size_t had = d.in.size();
      d.in.resize(had + 2048);
      ssize_t n = ::recv(d.fd, d.in.data() + had, 2048, 0);
      if (n < 0) {
        d.in.resize(had);
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        return fail_errno(d, "read");
      }
      d.in.resize(had + static_cast<std::size_t>(n));
      if (n == 0) return finish(d, false, "read: the server closed the connection");
      if (n < 2048) break;
    }
    parse(d);
  }

  void parse(Device& d) {
    if (d.step == Device::Step::upgrading) {
      auto end = d.in.find("\r\n\r\n");
      if (end == std::string::npos) return;
      std::string_view head = std::string_view(d.in).substr(0, end + 2);
      if (head.substr(0, 13) != "HTTP/1.1 101 ") return finish(d, false, "handshake: no 101 Switching Protocols");
      hybi::sec_ws_accept_type accept;
      hybi::make_sec_ws_accept(accept, boost::beast::string_view(d.key.data(), d.key.size()));
      std::string line = "\r\nSec-WebSocket-Accept: " + std::string(accept.data(), accept.size()) + "\r\n";
      if (!contains_ignoring_name_case(head, line)) return finish(d, false, "handshake: wrong Sec-WebSocket-Accept");
      d.at = end + 4;
      send_frame(d, hello_payload_, Device::Step::hello);
    }
    while ((d.step == Device::Step::hello || d.step == Device::Step::resuming)) {
      std::string_view payload;
      FrameRead f = next_frame(d.in, d.at, payload);
      if (f == FrameRead::incomplete) return;
      if (f == FrameRead::bad) return finish(d, false, "read: unexpected frame");
      if (f == FrameRead::other) continue;
      if (d.step == Device::Step::hello) {
        if (!answer_ok_to(payload, 1)) return finish(d, false, "hello refused");
        send_frame(d, resume_payloads_[d.index % resume_payloads_.size()], Device::Step::resuming);
      } else {
        return finish(d, answer_ok_to(payload, 2), "auth.resume refused");
      }
    }
  }

  // Header names are case-insensitive (Beast writes "Sec-WebSocket-Accept"); the value is not.
  static bool contains_ignoring_name_case(std::string_view head, std::string_view line) {
    auto colon = line.find(':');
    for (std::size_t at = head.find("\r\n"); at != std::string_view::npos; at = head.find("\r\n", at + 2)) {
      std::string_view rest = head.substr(at);
      if (rest.size() < line.size()) return false;
      bool same = true;
      for (std::size_t k = 0; k < line.size() && same; ++k) {
        char a = rest[k], b = line[k];
        if (k < colon) same = std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
        else same = a == b;
      }
      if (same) return true;
    }
    return false;
  }

  const World& world_;
  const Options& o_;
  std::vector<std::string> tokens_;
  std::vector<std::string> resume_payloads_;
  std::string hello_payload_;
  std::string host_;
  sockaddr_storage server_addr_{};
  socklen_t server_len_ = 0;
  std::uint64_t rng_ = 0x9E3779B97F4A7C15ull;
  int ep_ = -1;
  std::vector<Device> devices_;
  std::vector<Device*> free_;
  std::string out_;
  Histogram latency_;
  std::size_t started_ = 0, finished_ = 0, errors_ = 0;
  std::string first_error_;
};

}  // namespace

json::object run_connect(Loop&, const World& world, const Options& o) { return ConnectRun(world, o).run(); }

}  // namespace passerelle::bench
