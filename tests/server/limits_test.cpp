// Abuse limits (docs/limits.md) and ending sessions, against the real server on loopback: each
// limit is set small on the command line, a client breaks it and gets `rate_limited` or
// `too_large` (or a refusal at the upgrade), and a well-behaved client on the same server is
// answered as if nothing happened. Time-based limits use small settings and generous bounds;
// nothing here asserts how long anything took.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

#include <atomic>
#include <map>
#include <thread>

#include "passerelle/test/peer.h"
#include "passerelle/test/raw_ws_client.h"
#include "passerelle/test/test_server.h"

using namespace passerelle::test;
namespace json = boost::json;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

// A blocking WebSocket client that can do what RawWsClient does not: connect FROM another
// loopback address (127.0.0.2: a second "remote address" for per-address limits), send extra
// upgrade headers (Origin, Sec-WebSocket-Extensions) and show the upgrade response. Every
// socket operation times out after `timeout` (SO_RCVTIMEO/SO_SNDTIMEO).
class SourceClient {
 public:
  struct Upgrade {
    bool ok = false;
    int status = 0;  // HTTP status of the answer (101 when ok)
    http::fields headers;
    std::string error;
  };

  Upgrade connect(std::uint16_t port, const std::string& source = "127.0.0.1",
                  const std::vector<std::pair<std::string, std::string>>& headers = {}, bool offer_deflate = false,
                  std::chrono::milliseconds timeout = 5s) {
    Upgrade out;
    beast::error_code ec;
    auto& sock = ws_.next_layer();
    sock.open(tcp::v4(), ec);
    if (!ec) sock.bind(tcp::endpoint(asio::ip::make_address(source), 0), ec);
    if (ec) return out.error = "bind " + source + ": " + ec.message(), out;
    timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
    ::setsockopt(sock.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(sock.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sock.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
    if (ec) return out.error = "connect: " + ec.message(), out;
    if (offer_deflate) {
      websocket::permessage_deflate pmd;
      pmd.client_enable = true;
      ws_.set_option(pmd);
    }
    ws_.set_option(websocket::stream_base::decorator([headers](websocket::request_type& req) {
      for (const auto& [name, value] : headers) req.set(name, value);
    }));
    websocket::response_type res;
    ws_.handshake(res, "127.0.0.1:" + std::to_string(port), "/v1/ws", ec);
    out.status = static_cast<int>(res.result_int());
    out.headers = res.base();
    out.ok = !ec;
    if (ec) out.error = ec.message();
    return out;
  }

  bool send(const std::string& text) {
    beast::error_code ec;
    ws_.text(true);
    ws_.write(asio::buffer(text), ec);
    return !ec;
  }

  // The next text frame; empty with `closed_code` set when the server closed instead.
  std::string read(int* closed_code = nullptr) {
    beast::flat_buffer buf;
    beast::error_code ec;
    ws_.read(buf, ec);
    if (ec) {
      if (closed_code && ec == websocket::error::closed) *closed_code = ws_.reason().code;
      return "";
    }
    return beast::buffers_to_string(buf.data());
  }

  json::object call(std::int64_t id, const std::string& type, json::object fields = {}) {
    fields["id"] = id;
    fields["type"] = type;
    if (!send(json::serialize(fields))) return {};
    for (int guard = 0; guard < 1000; ++guard) {
      std::string text = read();
      if (text.empty()) return {};
      auto v = json::parse(text).as_object();
      if (v.contains("re") && v.at("re") == id) return v;
    }
    return {};
  }

 private:
  asio::io_context ioc_;
  websocket::stream<tcp::socket> ws_{ioc_};
};

std::unique_ptr<RawWsClient> hello(TestServer& s) { return connect_hello(s); }

TestServer::Options with(std::vector<std::string> args) {
  TestServer::Options o;
  o.extra_args = std::move(args);
  return o;
}

// What a bystander does in every test: a request that needs the server, answered.
void expect_still_served(Peer& p) {
  auto a = p.call("pull", {{"cursor", 0}, {"limit", 1}});
  EXPECT_EQ(a["ok"], true) << json::serialize(a);
}

}  // namespace

// ------------------------------------------------------------------ frame size

TEST(Limits, OversizedFrameIsTooLargeThenClosedWith1009) {
  TestServer server(with({"--max-frame", "2048"}));
  ASSERT_TRUE(server.ok()) << server.last_error();
  ASSERT_TRUE(server.create_user("ana@example.org", "Ana", "candidate", kTestPassword));
  Peer bystander = sign_in(server, "ana@example.org");

  auto ws = hello(server);
  ASSERT_TRUE(ws->send_text(R"({"id":5,"type":"hello","pad":")" + std::string(3000, 'x') + "\"}"));
  auto f = ws->read();
  ASSERT_TRUE(f.is_text()) << f.error;
  EXPECT_EQ(code_of(json::parse(f.data).as_object()), "too_large") << f.data;
  auto closed = ws->read();
  EXPECT_EQ(closed.kind, RawWsClient::Frame::Kind::closed);
  EXPECT_EQ(closed.close_code, 1009);

  // Just under the limit is a frame like any other.
  auto ok = hello(server);
  auto a = ok->call(6, "frobnicate", {{"pad", std::string(1500, 'y')}});
  EXPECT_EQ(code_of(a), "bad_request");
  expect_still_served(bystander);
}

// One unfragmented, masked text frame as a client sends it, with `declared` in its header
// (the payload's size unless a test lies) and mask key 0 (the payload goes as is).
std::string text_frame_header(std::uint64_t declared) {
  std::string h = {'\x81'};  // FIN + text
  if (declared < 126) {
    h += static_cast<char>(0x80 | declared);
  } else if (declared <= 0xFFFF) {
    h += '\xFE';
    h += static_cast<char>(declared >> 8);
    h += static_cast<char>(declared & 0xFF);
  } else {
    h += '\xFF';
    for (int shift = 56; shift >= 0; shift -= 8) h += static_cast<char>((declared >> shift) & 0xFF);
  }
  return h + std::string(4, '\0');
}

// Whatever its size, an oversized frame gets the answer first: Beast must not refuse it at the
// frame header on its own (it did above twice the limit: a bare 1009, no answer). One frame
// each, not fragmented (a fragmented message was always answered). Default limit: 64 KiB.
TEST(Limits, EveryOversizedFrameWhateverItsSizeIsTooLargeThenClosedWith1009) {
  TestServer server;
  ASSERT_TRUE(server.ok()) << server.last_error();
  ASSERT_TRUE(server.create_user("ana@example.org", "Ana", "candidate", kTestPassword));
  Peer bystander = sign_in(server, "ana@example.org");

  for (std::size_t size : {std::size_t{64 * 1024 + 1}, std::size_t{200 * 1000}, std::size_t{10 * 1000 * 1000}}) {
    SCOPED_TRACE("frame of " + std::to_string(size) + " bytes");
    auto ws = hello(server);
    std::string head = R"({"id":5,"type":"hello","pad":")";
    std::string payload = head + std::string(size - head.size() - 2, 'x') + "\"}";
    ASSERT_EQ(payload.size(), size);
    ASSERT_TRUE(ws->send_raw(text_frame_header(size) + payload, 60s)) << ws->last_error();
    auto f = ws->read();
    ASSERT_TRUE(f.is_text()) << "kind " << static_cast<int>(f.kind) << " code " << f.close_code << " " << f.error;
    auto answer = json::parse(f.data).as_object();
    EXPECT_EQ(code_of(answer), "too_large") << f.data;
    EXPECT_TRUE(answer.at("re").is_null()) << f.data;
    // The server read the rest of the frame during the close handshake, which completes.
    auto closed = ws->read();
    EXPECT_EQ(closed.kind, RawWsClient::Frame::Kind::closed);
    EXPECT_EQ(closed.close_code, 1009);
  }

  // Exactly at the limit is a frame like any other.
  auto ok = hello(server);
  std::string head = R"({"id":6,"type":"frobnicate","pad":")";
  std::string at_limit = head + std::string(64 * 1024 - head.size() - 2, 'y') + "\"}";
  ASSERT_TRUE(ok->send_raw(text_frame_header(at_limit.size()) + at_limit));
  EXPECT_EQ(code_of(ok->read_answer(6)), "bad_request");
  expect_still_served(bystander);
}

// A frame that declares 1 GiB and never sends it all: the answer and the close frame come after
// the first 64 KiB + 1 bytes (nothing waits for, or keeps, the whole frame), and the close,
// which would have to read the rest, ends at the handshake timeout instead of hanging.
TEST(Limits, AnOversizedFrameWhoseRestNeverComesIsAnsweredAndTheCloseTimesOut) {
  TestServer server(with({"--handshake-timeout-ms", "1000"}));
  ASSERT_TRUE(server.ok()) << server.last_error();
  ASSERT_TRUE(server.create_user("ana@example.org", "Ana", "candidate", kTestPassword));
  Peer bystander = sign_in(server, "ana@example.org");

  auto ws = hello(server);
  ASSERT_TRUE(ws->send_raw(text_frame_header(std::uint64_t{1} << 30) + std::string(200 * 1000, 'x')))
      << ws->last_error();
  auto f = ws->read();
  ASSERT_TRUE(f.is_text()) << "kind " << static_cast<int>(f.kind) << " code " << f.close_code << " " << f.error;
  EXPECT_EQ(code_of(json::parse(f.data).as_object()), "too_large") << f.data;
  // Received once the server has dropped the connection (our side waits for that).
  auto closed = ws->read(10s);
  EXPECT_EQ(closed.kind, RawWsClient::Frame::Kind::closed);
  EXPECT_EQ(closed.close_code, 1009);
  expect_still_served(bystander);
}

// ------------------------------------------------------------------ requests in flight

TEST(Limits, RequestsBeyondTheInFlightLimitAreRateLimitedAndTheConnectionSurvives) {
  TestServer server(with({"--max-requests-in-flight", "1"}));
  ASSERT_TRUE(server.ok()) << server.last_error();
  ASSERT_TRUE(server.create_user("ana@example.org", "Ana", "candidate", kTestPassword));
  Peer bystander = sign_in(server, "ana@example.org");

  // A failed sign-in is answered only after a delay (login throttling), so the first stays
  // in flight while the others arrive.
  auto ws = hello(server);
  const int n = 6;
  for (int i = 0; i < n; ++i)
    ASSERT_TRUE(ws->send_text(json::serialize(json::object{
        {"id", 100 + i}, {"type", "auth.login"}, {"email", "nobody" + std::to_string(i) + "@example.org"}, {"password", "wrong password"}})));
  // Answers come in any order (the limited ones at once): read frames until all are in.
  std::map<std::int64_t, json::object> answers;
  for (int guard = 0; guard < 100 && answers.size() < static_cast<std::size_t>(n); ++guard) {
    auto f = ws->read(15s);
    ASSERT_TRUE(f.is_text()) << "an answer is missing: " << answers.size() << " of " << n << " came";
    auto a = json::parse(f.data).as_object();
    if (a.contains("re") && a.at("re").is_int64()) answers[a.at("re").as_int64()] = a;
  }
  int limited = 0, answered = 0;
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE(answers.count(100 + i)) << "request " << i << " got no answer";
    const auto& a = answers[100 + i];
    ++answered;
    if (code_of(a) == "rate_limited") {
      ++limited;
      EXPECT_NE(message_of(a).find("waiting for an answer"), std::string::npos) << message_of(a);
    } else {
      EXPECT_EQ(code_of(a), "unauthenticated");
    }
  }
  EXPECT_EQ(answered, n);
  EXPECT_GE(limited, 1);
  // Answers came back: the connection takes requests again.
  EXPECT_EQ(code_of(ws->call(200, "auth.login", {{"email", "ana@example.org"}, {"password", kTestPassword}}, 10s)), "<ok>");
  expect_still_served(bystander);
}

// ------------------------------------------------------------------ message rates

TEST(Limits, PerUserMessageRateLimitsThatUserOnEveryConnectionOnly) {
  TestServer server(with({"--user-message-rate", "1", "--user-message-burst", "5"}));
  ASSERT_TRUE(server.ok()) << server.last_error();
  ASSERT_TRUE(server.create_user("ana@example.org", "Ana", "candidate", kTestPassword));
  ASSERT_TRUE(server.create_user("bo@example.org", "Bo", "candidate", kTestPassword));
  Peer flooder = sign_in(server, "ana@example.org");
  Peer same_user = sign_in(server, "ana@example.org");
  Peer bystander = sign_in(server, "bo@example.org");

  json::object limited;
  for (int i = 0; i < 30 && limited.empty(); ++i) {
    auto a = flooder.call("pull", {{"cursor", 0}, {"limit", 1}});
    ASSERT_FALSE(a.empty());
    if (code_of(a) == "rate_limited") limited = a;
  }
  ASSERT_FALSE(limited.empty()) << "30 requests at once were never limited";
  ASSERT_TRUE(limited.at("error").as_object().contains("retry_after_ms"));
  auto wait = limited.at("error").at("retry_after_ms").as_int64();
  EXPECT_GT(wait, 0);
  // Per user: the same person's other connection is limited too ...
  EXPECT_EQ(code_of(same_user.call("pull", {{"cursor", 0}, {"limit", 1}})), "rate_limited");
  // ... someone else is not.
  expect_still_served(bystander);
  // The limited connection stays open and is served again once the bucket has refilled.
  std::this_thread::sleep_for(std::chrono::milliseconds(wait + 300));
  expect_still_served(flooder);
}

TEST(Limits, PerAddressMessageRateLimitsThatAddressOnly) {
  TestServer server(with({"--address-message-rate", "1", "--address-message-burst", "10"}));
  ASSERT_TRUE(server.ok()) << server.last_error();
  ASSERT_TRUE(server.create_user("bo@example.org", "Bo", "candidate", kTestPassword));

  SourceClient flooder;
  auto up = flooder.connect(server.port(), "127.0.0.2");
  ASSERT_TRUE(up.ok) << up.error;
  Peer bystander = sign_in(server, "bo@example.org");  // from 127.0.0.1
  int limited = 0;
  for (int i = 0; i < 30; ++i) {
    auto a = flooder.call(i + 1, i == 0 ? "hello" : "frobnicate", {{"protocol", 1}});
    ASSERT_FALSE(a.empty()) << "frame " << i << " got no answer";
    if (code_of(a) == "rate_limited") ++limited;
  }
  EXPECT_GE(limited, 5);  // 30 frames against a burst of 10: most are over
  expect_still_served(bystander);
}

// ------------------------------------------------------------------ connection counts

TEST(Limits, ConnectionsPerAddressBeyondTheLimitGet429) {
  TestServer server(with({"--max-connections-per-address", "2"}));
  ASSERT_TRUE(server.ok()) << server.last_error();
  ASSERT_TRUE(server.create_user("bo@example.org", "Bo", "candidate", kTestPassword));

  auto first = std::make_unique<SourceClient>();
  SourceClient second, third;
  ASSERT_TRUE(first->connect(server.port(), "127.0.0.2").ok);
  ASSERT_TRUE(second.connect(server.port(), "127.0.0.2").ok);
  auto refused = third.connect(server.port(), "127.0.0.2");
  EXPECT_FALSE(refused.ok);
  EXPECT_EQ(refused.status, 429);
  EXPECT_FALSE(refused.headers[http::field::retry_after].empty());

  Peer bystander = sign_in(server, "bo@example.org");  // another address: admitted
  expect_still_served(bystander);

  // A place comes back when a connection ends.
  first.reset();
  bool admitted = false;
  for (int i = 0; i < 50 && !admitted; ++i) {
    SourceClient again;
    admitted = again.connect(server.port(), "127.0.0.2").ok;
    if (!admitted) std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(admitted);
}

// Behind a trusted proxy the per-address limit counts the clients it names in
// X-Forwarded-For; anyone else's header counts for nothing (docs/limits.md).
TEST(Limits, BehindATrustedProxyEachForwardedClientHasItsOwnLimit) {
  TestServer server(with({"--max-connections-per-address", "1", "--trusted-proxies", "127.0.0.1"}));
  ASSERT_TRUE(server.ok()) << server.last_error();
  auto via_proxy = [](const std::string& client) {
    return std::vector<std::pair<std::string, std::string>>{{"X-Forwarded-For", "6.6.6.6, " + client}};
  };
  SourceClient a, b, a_again;
  auto first = a.connect(server.port(), "127.0.0.1", via_proxy("198.51.100.1"));
  ASSERT_TRUE(first.ok) << first.error;
  auto second = b.connect(server.port(), "127.0.0.1", via_proxy("198.51.100.2"));
  EXPECT_TRUE(second.ok) << "another client behind the same proxy: " << second.error;
  auto third = a_again.connect(server.port(), "127.0.0.1", via_proxy("198.51.100.1"));
  EXPECT_EQ(third.status, 429) << "the same forwarded client twice";

  // 127.0.0.2 is no proxy of ours: what it writes in the header is ignored.
  SourceClient spoofer, spoofer_again;
  ASSERT_TRUE(spoofer.connect(server.port(), "127.0.0.2", via_proxy("198.51.100.3")).ok);
  EXPECT_EQ(spoofer_again.connect(server.port(), "127.0.0.2", via_proxy("198.51.100.4")).status, 429);

  // The log names the forwarded client, never what the client wrote left of it.
  std::string log = server.log();
  EXPECT_NE(log.find("\"remote\":\"198.51.100.1\""), std::string::npos);
  EXPECT_NE(log.find("\"remote\":\"198.51.100.2\""), std::string::npos);
  EXPECT_EQ(log.find("6.6.6.6"), std::string::npos);
  EXPECT_EQ(log.find("198.51.100.3"), std::string::npos);
}

TEST(Limits, WithoutTrustedProxiesForwardedForIsIgnored) {
  TestServer server(with({"--max-connections-per-address", "1"}));
  ASSERT_TRUE(server.ok()) << server.last_error();
  SourceClient a, b;
  ASSERT_TRUE(a.connect(server.port(), "127.0.0.1", {{"X-Forwarded-For", "198.51.100.1"}}).ok);
  EXPECT_EQ(b.connect(server.port(), "127.0.0.1", {{"X-Forwarded-For", "198.51.100.2"}}).status, 429);
}

TEST(Limits, ConnectionsPerUserBeyondTheLimitCannotSignIn) {
  TestServer server(with({"--max-connections-per-user", "2"}));
  ASSERT_TRUE(server.ok()) << server.last_error();
  ASSERT_TRUE(server.create_user("ana@example.org", "Ana", "candidate", kTestPassword));
  ASSERT_TRUE(server.create_user("bo@example.org", "Bo", "candidate", kTestPassword));
  Peer one = sign_in(server, "ana@example.org");
  auto two = std::make_unique<Peer>(sign_in(server, "ana@example.org"));

  auto ws = hello(server);
  auto login = ws->call(2, "auth.login", {{"email", "ana@example.org"}, {"password", kTestPassword}}, 10s);
  EXPECT_EQ(code_of(login), "rate_limited") << json::serialize(login);
  EXPECT_NE(message_of(login).find("open connections"), std::string::npos);
  EXPECT_EQ(code_of(ws->call(3, "auth.resume", {{"token", one.token}}, 10s)), "rate_limited");

  Peer bystander = sign_in(server, "bo@example.org");
  expect_still_served(bystander);
  expect_still_served(one);

  two->ws->close();
  two.reset();
  bool signed_in = false;
  for (int i = 0; i < 50 && !signed_in; ++i) {
    signed_in = code_of(ws->call(10 + i, "auth.resume", {{"token", one.token}}, 10s)) == "<ok>";
    if (!signed_in) std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(signed_in);
}

// ------------------------------------------------------------------ slow and silent peers

TEST(Limits, HeadersSentOneByteAtATimeAreCutAtTheHandshakeTimeout) {
  TestServer server(with({"--handshake-timeout-ms", "500"}));
  ASSERT_TRUE(server.ok()) << server.last_error();
  ASSERT_TRUE(server.create_user("bo@example.org", "Bo", "candidate", kTestPassword));
  Peer bystander = sign_in(server, "bo@example.org");

  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(server.port());
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  // Slowloris: a header that never ends, one byte every 20 ms: each byte is progress, so only
  // a deadline on the whole handshake cuts it.
  std::string endless = "GET /v1/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
  bool cut = false;
  auto give_up = std::chrono::steady_clock::now() + 20s;
  for (std::size_t i = 0; std::chrono::steady_clock::now() < give_up && !cut; ++i) {
    char byte = i < endless.size() ? endless[i] : 'a';
    if (::send(fd, &byte, 1, MSG_NOSIGNAL) != 1) cut = true;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 20) > 0) {
      char buf[256];
      if (::recv(fd, buf, sizeof buf, 0) <= 0) cut = true;
    }
  }
  ::close(fd);
  EXPECT_TRUE(cut) << "a byte-at-a-time request was still being read after 20 s";
  expect_still_served(bystander);
}

namespace {
// A raw TCP peer that completes the WebSocket upgrade and then never sends a byte (no frame, no
// pong). Reads what the server sends until it closes; false if it was not closed by `timeout`.
struct SilentPeer {
  bool upgraded = false, pinged = false, closed = false;
};
SilentPeer run_silent_peer(std::uint16_t port, std::chrono::milliseconds timeout) {
  SilentPeer out;
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return out;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string upgrade = "GET /v1/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::send(fd, upgrade.data(), upgrade.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(upgrade.size())) {
    ::close(fd);
    return out;
  }
  std::string got;
  auto give_up = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < give_up) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char buf[512];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      out.closed = true;
      break;
    }
    got.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  auto head_end = got.find("\r\n\r\n");
  out.upgraded = got.rfind("HTTP/1.1 101", 0) == 0 && head_end != std::string::npos;
  // Server frames are not masked: a ping starts with 0x89 (FIN + opcode 9).
  if (out.upgraded) out.pinged = got.find('\x89', head_end + 4) != std::string::npos;
  return out;
}
}  // namespace

TEST(Limits, SilentPeerIsPingedThenClosedAtTheIdleTimeoutWhileAnActiveOneIsServed) {
  TestServer server(with({"--idle-timeout-ms", "600"}));
  ASSERT_TRUE(server.ok()) << server.last_error();
  auto active = hello(server);
  std::atomic<bool> done{false};
  SilentPeer silent;
  std::thread peer([&] {
    silent = run_silent_peer(server.port(), 20s);
    done = true;
  });
  int answered = 0, asked = 0;
  for (std::int64_t id = 2; !done && asked < 400; ++id, ++asked) {
    if (code_of(active->call(id, "hello", {{"protocol", 1}})) == "unsupported") ++answered;  // a second hello
    std::this_thread::sleep_for(50ms);
  }
  peer.join();
  EXPECT_TRUE(silent.upgraded);
  EXPECT_TRUE(silent.pinged) << "the server closed the silent peer without pinging it first";
  EXPECT_TRUE(silent.closed) << "a silent peer was still open after 20 s";
  EXPECT_EQ(answered, asked);
  EXPECT_EQ(code_of(active->call(1000, "hello", {{"protocol", 1}})), "unsupported");  // still open
}

// ------------------------------------------------------------------ Origin and compression

TEST(Limits, BrowserOriginsOutsideTheAllowlistGet403AndClientsWithoutOriginPass) {
  TestServer server;
  ASSERT_TRUE(server.ok()) << server.last_error();
  SourceClient evil;
  auto refused = evil.connect(server.port(), "127.0.0.1", {{"Origin", "https://evil.example"}});
  EXPECT_FALSE(refused.ok);
  EXPECT_EQ(refused.status, 403);

  SourceClient own;  // the dashboard, served by this server
  auto up = own.connect(server.port(), "127.0.0.1", {{"Origin", "http://127.0.0.1:" + std::to_string(server.port())}});
  EXPECT_TRUE(up.ok) << up.error;
  EXPECT_EQ(own.call(1, "hello", {{"protocol", 1}})["ok"], true);

  SourceClient app;  // no Origin: not a browser
  EXPECT_TRUE(app.connect(server.port()).ok);
  EXPECT_EQ(app.call(1, "hello", {{"protocol", 1}})["ok"], true);
}

TEST(Limits, AllowedOriginsFlagReplacesTheDefault) {
  TestServer server(with({"--allowed-origins", "https://dash.example.org,https://Admin.Example.org:443"}));
  ASSERT_TRUE(server.ok()) << server.last_error();
  for (const char* origin : {"https://dash.example.org", "https://admin.example.org"}) {
    SourceClient c;
    EXPECT_TRUE(c.connect(server.port(), "127.0.0.1", {{"Origin", origin}}).ok) << origin;
  }
  for (std::string origin : {std::string("https://dash.example.org.evil.example"), std::string("http://dash.example.org"),
                             "http://127.0.0.1:" + std::to_string(server.port()), std::string("null")}) {
    SourceClient c;
    auto up = c.connect(server.port(), "127.0.0.1", {{"Origin", origin}});
    EXPECT_EQ(up.status, 403) << origin;
  }
}

TEST(Limits, PermessageDeflateIsNeverNegotiated) {
  TestServer server;
  ASSERT_TRUE(server.ok()) << server.last_error();
  SourceClient c;
  auto up = c.connect(server.port(), "127.0.0.1", {}, /*offer_deflate=*/true);
  ASSERT_TRUE(up.ok) << up.error;
  EXPECT_EQ(up.status, 101);
  EXPECT_TRUE(up.headers[http::field::sec_websocket_extensions].empty())
      << up.headers[http::field::sec_websocket_extensions];
  EXPECT_EQ(c.call(1, "hello", {{"protocol", 1}})["ok"], true);
}

// ------------------------------------------------------------------ ending sessions

namespace {
int read_close_code(RawWsClient& ws) {
  for (int i = 0; i < 100; ++i) {
    auto f = ws.read(10s);
    if (f.kind == RawWsClient::Frame::Kind::closed) return f.close_code;
    if (f.kind != RawWsClient::Frame::Kind::text) return -1;  // timeout or error: not closed
  }
  return -1;
}
}  // namespace

TEST(EndingSessions, LogoutClosesTheOtherConnectionsOfThatTokenOnly) {
  TestServer server;
  ASSERT_TRUE(server.ok()) << server.last_error();
  ASSERT_TRUE(server.create_user("ana@example.org", "Ana", "candidate", kTestPassword));
  Peer laptop = sign_in(server, "ana@example.org");
  Peer laptop_tab;  // the same token on a second connection (another tab)
  laptop_tab.ws = hello(server);
  ASSERT_EQ(code_of(laptop_tab.call("auth.resume", {{"token", laptop.token}})), "<ok>");
  Peer phone = sign_in(server, "ana@example.org");  // another device, its own token

  EXPECT_EQ(code_of(laptop.call("auth.logout")), "<ok>");
  EXPECT_EQ(read_close_code(*laptop_tab.ws), 1008);
  // The connection that signed out stays open, signed out.
  EXPECT_EQ(code_of(laptop.call("pull", {{"cursor", 0}})), "unauthenticated");
  expect_still_served(phone);

  auto fresh = hello(server);
  EXPECT_EQ(code_of(fresh->call(5, "auth.resume", {{"token", laptop.token}}, 10s)), "unauthenticated");
  EXPECT_EQ(code_of(fresh->call(6, "auth.resume", {{"token", phone.token}}, 10s)), "<ok>");
}

TEST(EndingSessions, DisablingAnAccountRevokesItsTokensAndClosesItsConnections) {
  TestServer server;
  ASSERT_TRUE(server.ok()) << server.last_error();
  ASSERT_TRUE(server.create_user("admin@example.org", "Ada", "admin", kTestPassword));
  ASSERT_TRUE(server.create_user("coach@example.org", "Cole", "coach", kTestPassword));
  ASSERT_TRUE(server.create_user("ana@example.org", "Ana", "candidate", kTestPassword));
  ASSERT_TRUE(server.create_user("bo@example.org", "Bo", "candidate", kTestPassword));
  Peer admin = sign_in(server, "admin@example.org");
  Peer coach = sign_in(server, "coach@example.org");
  Peer phone = sign_in(server, "ana@example.org");
  Peer laptop = sign_in(server, "ana@example.org");
  Peer bystander = sign_in(server, "bo@example.org");

  // Only an admin, never on their own account, only a known account.
  EXPECT_EQ(code_of(coach.call("account.update", {{"user_id", phone.id}, {"disabled", true}})), "forbidden");
  EXPECT_EQ(code_of(admin.call("account.update", {{"user_id", admin.id}, {"disabled", true}})), "forbidden");
  EXPECT_EQ(code_of(admin.call("account.update", {{"user_id", "0190c0de-0000-7000-8000-000000000000"}, {"disabled", true}})),
            "not_found");
  EXPECT_EQ(code_of(admin.call("account.update", {{"user_id", phone.id}})), "bad_request");
  EXPECT_EQ(code_of(admin.call("account.update", {{"user_id", phone.id}, {"role", "overlord"}})), "bad_request");
  expect_still_served(phone);  // refused changes changed nothing

  auto a = admin.call("account.update", {{"user_id", phone.id}, {"disabled", true}});
  ASSERT_EQ(code_of(a), "<ok>") << json::serialize(a);
  EXPECT_EQ(a["disabled"], true);
  EXPECT_EQ(a["revoked_sessions"], 2);
  EXPECT_EQ(a["closed_connections"], 2);
  EXPECT_EQ(read_close_code(*phone.ws), 1008);
  EXPECT_EQ(read_close_code(*laptop.ws), 1008);
  expect_still_served(bystander);
  expect_still_served(coach);

  auto fresh = hello(server);
  EXPECT_EQ(code_of(fresh->call(5, "auth.resume", {{"token", phone.token}}, 10s)), "unauthenticated");
  EXPECT_EQ(code_of(fresh->call(6, "auth.resume", {{"token", laptop.token}}, 10s)), "unauthenticated");
  EXPECT_EQ(code_of(fresh->call(7, "auth.login", {{"email", "ana@example.org"}, {"password", kTestPassword}}, 10s)),
            "unauthenticated");
  EXPECT_EQ(server.count("SELECT COUNT(*) FROM audit_log WHERE action = 'account.update' AND target_id = '" + phone.id + "'"), 1);

  // Enabled again: she signs in anew (her old tokens stay revoked).
  ASSERT_EQ(code_of(admin.call("account.update", {{"user_id", phone.id}, {"disabled", false}})), "<ok>");
  EXPECT_EQ(code_of(fresh->call(8, "auth.resume", {{"token", phone.token}}, 10s)), "unauthenticated");
  EXPECT_EQ(code_of(fresh->call(9, "auth.login", {{"email", "ana@example.org"}, {"password", kTestPassword}}, 10s)), "<ok>");
}

TEST(EndingSessions, ChangingARoleEndsTheSessionsAndTheNewRoleShowsAtTheNextSignIn) {
  TestServer server;
  ASSERT_TRUE(server.ok()) << server.last_error();
  ASSERT_TRUE(server.create_user("admin@example.org", "Ada", "admin", kTestPassword));
  ASSERT_TRUE(server.create_user("ana@example.org", "Ana", "candidate", kTestPassword));
  Peer admin = sign_in(server, "admin@example.org");
  Peer ana = sign_in(server, "ana@example.org");

  auto a = admin.call("account.update", {{"user_id", ana.id}, {"role", "mentor"}});
  ASSERT_EQ(code_of(a), "<ok>") << json::serialize(a);
  EXPECT_EQ(a.at("user").at("role"), "mentor");
  EXPECT_EQ(read_close_code(*ana.ws), 1008);
  auto fresh = hello(server);
  EXPECT_EQ(code_of(fresh->call(5, "auth.resume", {{"token", ana.token}}, 10s)), "unauthenticated");
  auto login = fresh->call(6, "auth.login", {{"email", "ana@example.org"}, {"password", kTestPassword}}, 10s);
  ASSERT_EQ(code_of(login), "<ok>");
  EXPECT_EQ(login.at("user").at("role"), "mentor");
  // The profile row devices sync says so too.
  Peer again;
  again.ws = std::move(fresh);
  auto pulled = pull_all(again);
  auto profile = pulled_row(pulled, "profiles", ana.id);
  ASSERT_TRUE(profile);
  EXPECT_EQ(profile->at("role"), "mentor");

  // The same role again changes nothing and ends nothing.
  auto same = admin.call("account.update", {{"user_id", ana.id}, {"role", "mentor"}});
  EXPECT_EQ(same["changed"], false);
  EXPECT_EQ(same["closed_connections"], 0);
  expect_still_served(again);
}
