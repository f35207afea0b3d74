// HTTP with Boost.Beast, as connection.cpp does the WebSocket: C++20 coroutines on one
// io_context, here run on the caller's thread for the length of one transfer, so the state
// below is touched by that thread only.
#include "files/blob_transfer.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json/parse.hpp>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <vector>

#include "files/blob_http.h"
#include "files/sha256.h"
#include "passerelle/shared/messages/files.h"
#include "tls_setup.h"

namespace passerelle::client::files {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kAwait = net::use_awaitable;
constexpr auto kTick = std::chrono::milliseconds(100);
// How long an upload waits for "100 Continue" before sending its body anyway (as curl does):
// a server that refuses the file at its headers (413) answers before any byte of it is sent.
constexpr auto kContinueWait = std::chrono::seconds(1);
// Error answers are small JSON objects.
constexpr std::size_t kMaxAnswerBytes = 64 * 1024;

std::string seconds_text(std::chrono::milliseconds ms) {
  auto s = std::chrono::duration<double>(ms).count();
  char buf[32];
  std::snprintf(buf, sizeof buf, s == static_cast<long long>(s) ? "%.0f s" : "%.1f s", s);
  return buf;
}

std::string target_of(const ServerUrl& u, std::string_view sha256) { return blob_target(u, sha256); }

std::string describe(const error_code& ec, const std::string& host) {
  if (ec == net::error::connection_refused) return "connection refused";
  if (ec == net::error::host_not_found || ec == net::error::host_not_found_try_again) return "host '" + host + "' not found";
  if (ec == net::error::network_unreachable) return "network unreachable";
  if (ec == net::error::host_unreachable) return "host unreachable";
  if (ec == net::error::connection_reset) return "connection reset by the server";
  if (ec == net::error::broken_pipe) return "the server stopped reading";
  if (ec == net::error::eof || ec == http::error::end_of_stream || ec == ssl::error::stream_truncated)
    return "the server closed the connection";
  std::string m = ec.message();
  if (!m.empty()) m[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(m[0])));
  return m;
}

// One transfer: its io_context, the watchdog that enforces the timeouts and the cancellation,
// and the connection steps both directions share.
struct Session {
  explicit Session(const TransferOptions& o) : options(o), limit(o.connect_timeout) {}

  net::io_context io;
  const TransferOptions& options;
  ssl::context ssl_ctx{ssl::context::tls_client};
  tcp::resolver resolver{io};
  net::steady_timer watchdog{io};
  Clock::time_point last_progress = Clock::now();
  std::chrono::milliseconds limit;   // connect_timeout until connected, then stall_timeout
  bool connected = false;
  std::optional<Failure> stopped;    // why the watchdog ended the transfer
  bool finished = false;
  std::function<void()> close_socket;  // set once the stream exists

  std::string where() const { return http_base(options.server); }

  void progress() { last_progress = Clock::now(); }

  void finish() {
    finished = true;
    watchdog.cancel();
  }

  void stop(Failure why) {
    if (stopped) return;
    stopped = std::move(why);
    resolver.cancel();
    if (close_socket) close_socket();
  }

  void tick() {
    watchdog.expires_after(kTick);
    watchdog.async_wait([this](error_code ec) {
      if (ec || finished) return;
      auto now = Clock::now();
      if (options.cancelled && options.cancelled())
        stop(network_failure("the transfer with " + where() + " was stopped"));
      else if (now >= options.deadline)
        stop(network_failure("the transfer with " + where() + " ran out of time"));
      else if (now - last_progress > limit)
        stop(network_failure(!connected
                                 ? "cannot reach the server at " + where() + ": no answer within " + seconds_text(limit)
                                 : "the transfer with " + where() + " stalled: nothing moved for " + seconds_text(limit)));
      if (!stopped) tick();
    });
  }

  Failure lost(const error_code& ec) const {
    if (stopped) return *stopped;
    return network_failure("the connection to the server at " + where() + " was lost: " + describe(ec, options.server.host));
  }

  // Resolve, TCP, and for https the TLS handshake with its certificate and host name checks.
  template <class Stream>
  net::awaitable<std::optional<Failure>> connect(Stream& stream) {
    error_code ec;
    auto endpoints = co_await resolver.async_resolve(options.server.host, std::to_string(options.server.port),
                                                     net::redirect_error(kAwait, ec));
    if (stopped) co_return stopped;
    if (ec) co_return network_failure("cannot reach the server at " + where() + ": " + describe(ec, options.server.host));
    co_await beast::get_lowest_layer(stream).async_connect(endpoints, net::redirect_error(kAwait, ec));
    if (stopped) co_return stopped;
    if (ec) co_return network_failure("cannot reach the server at " + where() + ": " + describe(ec, options.server.host));
    if constexpr (std::is_same_v<Stream, tls::Stream>) {
      if (auto bad = tls::prepare_stream(stream, options.server)) co_return bad;
      co_await stream.async_handshake(ssl::stream_base::client, net::redirect_error(kAwait, ec));
      if (stopped) co_return stopped;
      if (ec) {
        if (auto bad = tls::certificate_failure(stream, ec, options.server)) co_return bad;
        co_return network_failure("TLS handshake with the server at " + where() + " failed: " +
                                  describe(ec, options.server.host));
      }
    }
    progress();
    connected = true;
    limit = options.stall_timeout;
    co_return std::nullopt;
  }

  template <class Request>
  void common_headers(Request& req) {
    req.set(http::field::host, options.server.host_port());
    req.set(http::field::user_agent, "passerelle-client/0.1.0");
    req.set(http::field::authorization, "Bearer " + options.token);
    req.set(http::field::connection, "close");
  }

  // Runs `flow(stream)` (a coroutine) on a plain or TLS stream, to its end, on this thread.
  template <class Flow>
  std::optional<Failure> run(Flow flow) {
    if (options.server.tls)
      if (auto bad = tls::configure_context(ssl_ctx, options.ca_file)) return bad;
    std::optional<Failure> crashed;
    auto on_exit = [&](std::exception_ptr ex) {
      if (ex) crashed = network_failure("the transfer with " + where() + " failed unexpectedly");
    };
    if (options.server.tls) {
      tls::Stream stream(io, ssl_ctx);
      close_socket = [&] {
        error_code ignored;
        beast::get_lowest_layer(stream).socket().close(ignored);
      };
      net::co_spawn(io, flow(stream), on_exit);
      tick();
      io.run();
      close_socket = nullptr;
    } else {
      beast::tcp_stream stream(io);
      close_socket = [&] {
        error_code ignored;
        stream.socket().close(ignored);
      };
      net::co_spawn(io, flow(stream), on_exit);
      tick();
      io.run();
      close_socket = nullptr;
    }
    return crashed;
  }
};

// --- PUT ----------------------------------------------------------------------------------------

struct PutState {
  explicit PutState(net::io_context& io) : continue_wait(io) {}
  net::steady_timer continue_wait;  // the body waits on it for "100 Continue"
  bool writing = false, reading = false;
  std::optional<Failure> failure;   // before the request was out: nothing to read
  std::optional<std::pair<unsigned, std::string>> answer;
  error_code read_error, write_error;
};

template <class Stream>
net::awaitable<void> read_answers(Session& s, Stream& stream, PutState& st) {
  beast::flat_buffer buffer;
  for (;;) {
    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxAnswerBytes);
    error_code ec;
    co_await http::async_read(stream, buffer, parser, net::redirect_error(kAwait, ec));
    if (ec) {
      st.read_error = ec;
      break;
    }
    s.progress();
    auto& res = parser.get();
    if (res.result() == http::status::continue_) {
      st.continue_wait.cancel();  // send the body now
      continue;
    }
    st.answer.emplace(res.result_int(), std::move(res.body()));
    break;
  }
  st.reading = false;
  st.continue_wait.cancel();
  // An answer (or a broken connection) while the body is still going: nobody reads the rest.
  if (st.writing && s.close_socket) s.close_socket();
  if (!st.writing) s.finish();
}

template <class Stream>
net::awaitable<void> put_flow(Session& s, Stream& stream, PutState& st, const std::filesystem::path& file,
                              std::string target) {
  if (auto f = co_await s.connect(stream)) {
    st.failure = std::move(f);
    s.finish();
    co_return;
  }
  http::request<http::file_body> req{http::verb::put, target, 11};
  s.common_headers(req);
  req.set(http::field::content_type, "application/octet-stream");
  req.set(http::field::expect, "100-continue");
  error_code ec;
  req.body().open(file.c_str(), beast::file_mode::scan, ec);
  if (ec) {
    st.failure = local_failure(Error{ErrorCode::internal, "cannot read " + file.string() + ": " + ec.message()});
    s.finish();
    co_return;
  }
  req.prepare_payload();
  http::request_serializer<http::file_body> sr{req};
  co_await http::async_write_header(stream, sr, net::redirect_error(kAwait, ec));
  if (ec) {
    st.failure = s.lost(ec);
    s.finish();
    co_return;
  }
  s.progress();
  st.writing = st.reading = true;
  net::co_spawn(s.io, read_answers(s, stream, st), [](std::exception_ptr) {});

  st.continue_wait.expires_after(kContinueWait);
  co_await st.continue_wait.async_wait(net::redirect_error(kAwait, ec));
  while (!sr.is_done() && st.reading && !s.stopped) {
    co_await http::async_write_some(stream, sr, net::redirect_error(kAwait, ec));
    if (ec) {
      st.write_error = ec;
      break;
    }
    s.progress();
  }
  st.writing = false;
  if (!st.reading) s.finish();
}

// --- GET ----------------------------------------------------------------------------------------

struct GetState {
  std::optional<Failure> failure;
  std::int64_t bytes = 0;
};

template <class Stream>
net::awaitable<void> get_flow(Session& s, Stream& stream, GetState& st, std::string target, std::string sha256,
                              const std::filesystem::path& out, std::uint64_t max_bytes) {
  auto done = [&](std::optional<Failure> f) {
    st.failure = std::move(f);
    s.finish();
  };
  if (auto f = co_await s.connect(stream)) co_return done(std::move(f));
  http::request<http::empty_body> req{http::verb::get, target, 11};
  s.common_headers(req);
  error_code ec;
  co_await http::async_write(stream, req, net::redirect_error(kAwait, ec));
  if (ec) co_return done(s.lost(ec));
  s.progress();

  beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(max_bytes);
  co_await http::async_read_header(stream, buffer, parser, net::redirect_error(kAwait, ec));
  // A Content-Length over the limit is refused with the header, before any byte is stored.
  auto over_limit = [&] {
    return server_failure(
        Error{ErrorCode::too_large, "the server sent more than " + std::to_string(max_bytes) + " bytes for the file " + sha256});
  };
  if (ec == http::error::body_limit) co_return done(over_limit());
  if (ec) co_return done(s.lost(ec));
  s.progress();
  unsigned status = parser.get().result_int();
  bool ok = status == 200;
  if (!ok) parser.body_limit(kMaxAnswerBytes);

  int fd = -1;
  if (ok) {
    fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
      co_return done(local_failure(Error{ErrorCode::internal, "cannot create " + out.string() + ": " + std::strerror(errno)}));
  }
  Sha256 hash;
  std::string answer;
  std::vector<char> buf(64 * 1024);
  std::optional<Failure> failure;
  while (!parser.is_done()) {
    parser.get().body().data = buf.data();
    parser.get().body().size = buf.size();
    // One read of the socket at a time: each one that brings bytes counts as progress.
    co_await http::async_read_some(stream, buffer, parser, net::redirect_error(kAwait, ec));
    if (ec == http::error::need_buffer) ec = {};
    std::size_t got = buf.size() - parser.get().body().size;
    if (got > 0) s.progress();
    if (ok) {
      std::string_view chunk(buf.data(), got);
      hash.update(chunk);
      st.bytes += static_cast<std::int64_t>(got);
      while (!chunk.empty()) {
        ssize_t n = ::write(fd, chunk.data(), chunk.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
          failure = local_failure(Error{ErrorCode::internal, "cannot write " + out.string() + ": " + std::strerror(errno)});
          break;
        }
        chunk.remove_prefix(static_cast<std::size_t>(n));
      }
      if (failure) break;
    } else {
      answer.append(buf.data(), got);
    }
    if (ec == http::error::body_limit) {
      failure = over_limit();
      break;
    }
    if (ec) {
      failure = s.lost(ec);
      break;
    }
  }
  if (fd >= 0) {
    if (!failure && ::fsync(fd) != 0)
      failure = local_failure(Error{ErrorCode::internal, "cannot sync " + out.string() + ": " + std::strerror(errno)});
    ::close(fd);
  }
  if (failure) co_return done(std::move(failure));
  if (!ok) co_return done(answer_failure(status, answer));
  if (hash.hex() != sha256)
    co_return done(server_failure(
        Error{ErrorCode::internal, "the server sent a file whose SHA-256 is not " + sha256 + "; it was not kept"}));
  done(std::nullopt);
}

}  // namespace

Outcome<StoredBlob> put_blob(const TransferOptions& options, const std::filesystem::path& file, std::string_view sha256) {
  Session s(options);
  PutState st(s.io);
  std::string target = target_of(options.server, sha256);
  auto crashed = s.run([&](auto& stream) { return put_flow(s, stream, st, file, target); });
  if (crashed) return std::move(*crashed);
  if (st.failure) return std::move(*st.failure);
  if (!st.answer) return s.lost(st.read_error ? st.read_error : st.write_error);
  auto& [status, body] = *st.answer;
  if (status != 200 && status != 201) return answer_failure(status, body);
  StoredBlob blob{std::string(sha256), 0, "", status == 201};
  error_code ec;
  auto v = boost::json::parse(body, ec);
  if (!ec && v.is_object()) {
    auto& o = v.get_object();
    if (auto* size = o.if_contains("size"); size && size->is_int64()) blob.size = size->get_int64();
    if (auto* type = o.if_contains("type"); type && type->is_string()) blob.type = type->get_string();
    if (auto* h = o.if_contains("sha256"); h && h->is_string() && h->get_string() != sha256)
      return server_failure(Error{ErrorCode::internal, "the server stored another file than " + std::string(sha256)});
  }
  return blob;
}

Outcome<std::int64_t> get_blob(const TransferOptions& options, std::string_view sha256, const std::filesystem::path& out,
                               std::uint64_t max_bytes) {
  if (!passerelle::files::is_sha256_hex(sha256))
    return usage_failure("'" + std::string(sha256) + "' is not a file hash (64 lower-case hex digits)");
  Session s(options);
  GetState st;
  std::string target = target_of(options.server, sha256);
  auto crashed = s.run([&](auto& stream) {
    return get_flow(s, stream, st, target, std::string(sha256), out, max_bytes);
  });
  if (crashed) return std::move(*crashed);
  if (st.failure) return std::move(*st.failure);
  return st.bytes;
}

// --- POST (the cohort upload) -------------------------------------------------------------------

struct PostState {
  std::optional<Failure> failure;
  std::optional<std::pair<unsigned, std::string>> answer;
};

template <class Stream>
net::awaitable<void> post_flow(Session& s, Stream& stream, PostState& st, std::string target, std::string content_type,
                               std::string body) {
  auto done = [&](std::optional<Failure> f) {
    st.failure = std::move(f);
    s.finish();
  };
  if (auto f = co_await s.connect(stream)) co_return done(std::move(f));
  http::request<http::string_body> req{http::verb::post, target, 11};
  s.common_headers(req);
  req.set(http::field::content_type, content_type);
  req.body() = std::move(body);
  req.prepare_payload();
  error_code ec;
  co_await http::async_write(stream, req, net::redirect_error(kAwait, ec));
  if (ec) co_return done(s.lost(ec));
  s.progress();
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(16 << 20);  // a report of 2,000 rows
  co_await http::async_read(stream, buffer, parser, net::redirect_error(kAwait, ec));
  if (ec) co_return done(s.lost(ec));
  st.answer.emplace(parser.get().result_int(), std::move(parser.get().body()));
  s.finish();
}

Outcome<boost::json::object> post_for_json(const TransferOptions& options, std::string_view path_and_query,
                                           std::string_view content_type, std::string body) {
  Session s(options);
  PostState st;
  std::string base = http_base(options.server);
  auto slash = base.find('/', base.find("//") + 2);
  std::string target = (slash == std::string::npos ? "" : base.substr(slash)) + std::string(path_and_query);
  auto crashed = s.run([&](auto& stream) {
    return post_flow(s, stream, st, target, std::string(content_type), std::move(body));
  });
  if (crashed) return std::move(*crashed);
  if (st.failure) return std::move(*st.failure);
  if (!st.answer) return s.lost(error_code());
  auto& [status, text] = *st.answer;
  if (status != 200) return answer_failure(status, text);
  error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) return server_failure(Error{ErrorCode::internal, "the server's answer is not a JSON object"});
  return std::move(v.get_object());
}

}  // namespace passerelle::client::files
