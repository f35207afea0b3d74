// Listener, HTTP session and WebSocket session over plain TCP or TLS (the Beast/Asio/SSL
// templates of the server, kept in this one translation unit to keep builds fast).
#include "server.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/http/message_generator.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/ssl.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <future>
#include <list>
#include <thread>
#include <type_traits>

#include "../log.h"
#include "passerelle/shared/sync/collections.h"

namespace passerelle::server::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

template <class S>
constexpr bool kIsTls = std::is_same_v<S, TlsStream>;

// A small per-connection outgoing queue: beyond this the peer is not reading (1008 "too slow").
constexpr std::size_t kMaxQueuedFrames = 1024;
constexpr std::size_t kMaxQueuedBytes = 8 * 1024 * 1024;
// The read buffer an idle connection keeps: about two of Beast's reads from the socket (it
// reads 1,536 bytes at a time, a private constant of websocket::stream).
constexpr std::size_t kKeptReadBuffer = 4 * 1024;

struct Shared {
  const ServeConfig& config;
  Dispatcher& dispatcher;
  Hub& hub;
  Metrics& metrics;
  const HttpRoutes& routes;
  // Browser origins allowed to open a WebSocket (normalize_origin form; "*": any). Set by
  // start() before the first accept, read-only after.
  std::vector<std::string> allowed_origins;
};

// A request without Origin comes from a non-browser client (the apps, the CLI): nothing to
// check. A browser always sends it on a WebSocket upgrade, and a page of another site must not
// speak our protocol with the user's browser (cross-site WebSocket hijacking).
bool origin_allowed(const Shared& shared, std::string_view origin) {
  if (origin.empty()) return true;
  std::string normalized = normalize_origin(origin);
  for (const auto& allowed : shared.allowed_origins)
    if (allowed == "*" || (!normalized.empty() && allowed == normalized)) return true;
  return false;
}

// The origin of a URL: "https://host:port" without path, for the default allowlist.
std::string origin_of_url(const std::string& url) {
  auto sep = url.find("://");
  if (sep == std::string::npos) return "";
  auto end = url.find_first_of("/?#", sep + 3);
  return normalize_origin(url.substr(0, end));
}

constexpr std::size_t kDefaultBodyLimit = 16 * 1024;

const char* kBuiltinPage =
    "<!doctype html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\">"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    "<title>Passerelle</title></head>\n<body style=\"font-family:sans-serif;max-width:40em;margin:3em auto\">"
    "<h1>Passerelle</h1>\n<p>Le tableau de bord des coachs arrive bientôt.</p>\n"
    "<p lang=\"en\">The coach dashboard is coming soon.</p>\n</body></html>\n";

// ---------------------------------------------------------------- HTTP answers

std::string_view mime_type(const std::filesystem::path& p) {
  std::string ext = p.extension().string();
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ext == ".html" || ext == ".htm") return "text/html; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".json") return "application/json";
  if (ext == ".webmanifest") return "application/manifest+json";
  if (ext == ".wasm") return "application/wasm";  // WebAssembly.instantiateStreaming requires it
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".jpg" || ext == ".jpeg") return "image/jpeg";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".woff2") return "font/woff2";
  if (ext == ".txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size() || !std::isxdigit(static_cast<unsigned char>(s[i + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(s[i + 2])))
      return std::nullopt;
    out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
    i += 2;
  }
  return out;
}

// Maps a request path to a file under `root`, refusing anything that could escape it.
std::optional<std::filesystem::path> resolve_static(const std::string& root, std::string_view path) {
  namespace fs = std::filesystem;
  auto decoded = percent_decode(path);
  if (!decoded || decoded->empty() || decoded->front() != '/') return std::nullopt;
  std::string rel = decoded->substr(1);
  if (rel.find('\0') != std::string::npos || rel.find('\\') != std::string::npos) return std::nullopt;
  for (const auto& part : fs::path(rel))
    if (part == ".." || part == ".") return std::nullopt;
  if (rel.empty() || rel.back() == '/') rel += "index.html";
  std::error_code ec;
  fs::path base = fs::canonical(root, ec);
  if (ec) return std::nullopt;
  fs::path full = fs::weakly_canonical(base / rel, ec);
  if (ec) return std::nullopt;
  auto [b, f] = std::mismatch(base.begin(), base.end(), full.begin(), full.end());
  if (b != base.end()) return std::nullopt;  // outside the root (e.g. through a symlink)
  if (!fs::is_regular_file(full, ec)) return std::nullopt;
  return full;
}

// The WebAssembly core's files, served under /app/ from --wasm-dir.
bool is_core_file(std::string_view name) {
  for (std::string_view f : {"passerelle.mjs", "worker.mjs", "opfs_pool.mjs", "passerelle-core.mjs", "passerelle-core.wasm"})
    if (name == f) return true;
  return false;
}

// Whether an Accept-Encoding header takes gzip (and does not refuse it with q=0).
bool accepts_gzip(std::string_view header) {
  std::size_t at = 0;
  while (at < header.size()) {
    std::size_t end = header.find(',', at);
    std::string_view item = header.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at);
    at = end == std::string_view::npos ? header.size() : end + 1;
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    std::string_view name = item.substr(0, item.find(';'));
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    if (name != "gzip" && name != "*") continue;
    auto q = item.find("q=");
    if (q != std::string_view::npos && std::strtod(std::string(item.substr(q + 2)).c_str(), nullptr) <= 0) return false;
    return true;
  }
  return false;
}

// `file`.gz when it exists and is at least as new as `file`.
std::optional<std::filesystem::path> fresh_gzip_copy(const std::filesystem::path& file) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path gz = file;
  gz += ".gz";
  if (!fs::is_regular_file(gz, ec)) return std::nullopt;
  auto gz_time = fs::last_write_time(gz, ec);
  if (ec) return std::nullopt;
  auto file_time = fs::last_write_time(file, ec);
  if (ec || gz_time < file_time) return std::nullopt;
  return gz;
}

// A validator for a static file: its size and modification time, which change with each build.
std::string static_etag(const std::filesystem::path& file, std::uint64_t size) {
  std::error_code ec;
  auto mtime = std::filesystem::last_write_time(file, ec);
  auto ticks = ec ? 0 : static_cast<long long>(mtime.time_since_epoch().count());
  char buf[64];
  std::snprintf(buf, sizeof buf, "\"%llx-%llx\"", static_cast<unsigned long long>(size), static_cast<unsigned long long>(ticks));
  return buf;
}

template <class Body>
void common_headers(http::response<Body>& res, bool keep_alive) {
  res.set(http::field::server, "passerelle/" PASSERELLE_VERSION);
  res.set("X-Content-Type-Options", "nosniff");
  res.keep_alive(keep_alive);
}

http::message_generator text_response(const http::request<http::string_body>& req, http::status status,
                                      std::string body, std::string_view type = "text/plain; charset=utf-8") {
  http::response<http::string_body> res{status, req.version()};
  common_headers(res, req.keep_alive());
  res.set(http::field::content_type, type);
  if (req.method() != http::verb::head) res.body() = std::move(body);
  res.prepare_payload();
  if (req.method() == http::verb::head) res.content_length(body.size());
  return res;
}

http::message_generator handle_http(const Shared& shared, http::request<http::string_body>&& req) {
  shared.metrics.http_request();
  std::string_view target = req.target();
  std::string_view path = target.substr(0, target.find_first_of("?#"));
  if (req.method() != http::verb::get && req.method() != http::verb::head) {
    auto res = text_response(req, http::status::method_not_allowed, "method not allowed\n");
    return res;
  }
  if (path == "/healthz") return text_response(req, http::status::ok, "ok\n");
  if (path == "/metrics")
    return text_response(req, http::status::ok, shared.metrics.render(), "text/plain; version=0.0.4; charset=utf-8");
  if (path == "/v1/ws") {
    http::response<http::string_body> res{http::status::upgrade_required, req.version()};
    common_headers(res, req.keep_alive());
    res.set(http::field::upgrade, "websocket");
    res.set(http::field::connection, "Upgrade");
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    res.body() = "this endpoint speaks WebSocket only\n";
    res.prepare_payload();
    return res;
  }
  // The phone app (web/app/, docs/app.md): an invitation e-mail's older link, the core's files
  // from the wasm build, and its History API routes, which all open the app's one page.
  if (path == "/invite" || path == "/app") {
    std::string to = path == "/app" ? "/app/" : "/app/invite";  // the browser keeps the #token
    http::response<http::string_body> res{http::status::found, req.version()};
    common_headers(res, req.keep_alive());
    res.set(http::field::location, to);
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    if (req.method() != http::verb::head) res.body() = "moved to " + to + "\n";
    res.prepare_payload();
    return res;
  }
  std::optional<std::filesystem::path> file = resolve_static(shared.config.web_root, path);
  if (!file && path.rfind("/app/", 0) == 0) {
    std::string_view rest = path.substr(5);
    if (is_core_file(rest)) file = resolve_static(shared.config.wasm_dir, path.substr(4));
    else if (rest.find('.') == std::string_view::npos) file = resolve_static(shared.config.web_root, "/app/index.html");
  }
  if (file) {
    // A gzip copy beside the file (scripts/build.sh makes one of the 2 MB .wasm) is sent to a
    // browser that takes it, unless it is older than the file (a rebuild without its copy).
    std::optional<std::filesystem::path> gzipped;
    if (accepts_gzip(req[http::field::accept_encoding])) gzipped = fresh_gzip_copy(*file);
    const std::filesystem::path& sent = gzipped ? *gzipped : *file;
    http::file_body::value_type body;
    beast::error_code ec;
    body.open(sent.string().c_str(), beast::file_mode::scan, ec);
    if (!ec) {
      auto size = body.size();
      // Kept by the browser and a service worker, revalidated on each use (docs/operations.md,
      // "Static files"): a new build is picked up at once, an unchanged file costs a 304.
      std::string etag = static_etag(sent, size);
      auto cache_headers = [&](auto& res) {
        res.set(http::field::content_type, mime_type(*file));
        res.set(http::field::cache_control, "no-cache");
        res.set(http::field::etag, etag);
        res.set(http::field::vary, "Accept-Encoding");
        if (gzipped) res.set(http::field::content_encoding, "gzip");
      };
      if (req[http::field::if_none_match] == etag) {
        http::response<http::empty_body> not_modified{http::status::not_modified, req.version()};
        common_headers(not_modified, req.keep_alive());
        cache_headers(not_modified);
        return not_modified;
      }
      http::response<http::file_body> res{std::piecewise_construct, std::make_tuple(std::move(body)),
                                          std::make_tuple(http::status::ok, req.version())};
      common_headers(res, req.keep_alive());
      cache_headers(res);
      res.content_length(size);
      if (req.method() == http::verb::head) {
        http::response<http::empty_body> head{http::status::ok, req.version()};
        common_headers(head, req.keep_alive());
        cache_headers(head);
        head.content_length(size);
        return head;
      }
      return res;
    }
  }
  if (path == "/" || path == "/index.html")
    return text_response(req, http::status::ok, kBuiltinPage, "text/html; charset=utf-8");
  return text_response(req, http::status::not_found, "not found\n");
}

// ---------------------------------------------------------------- WebSocket session

// How a connection ends in ordinary life: the close handshake, or the peer gone without one
// (a closed app, a phone off the network). After the peer's close frame Beast answers and shuts
// the socket down; a client that closed its socket right after sending its close frame (the
// CLI does, once its sync is over) makes that shutdown fail with "Transport endpoint is not
// connected". None of these is an error of the server or the peer: connection_closed says it.
bool peer_went_away(const beast::error_code& ec) {
  return ec == websocket::error::closed || ec == asio::error::operation_aborted || ec == asio::error::eof ||
         ec == asio::error::not_connected || ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == ssl::error::stream_truncated;
}

template <class Stream>
class WsSession : public Connection, public std::enable_shared_from_this<WsSession<Stream>> {
 public:
  // `remote` has already been admitted by hub.admit_address(); the session gives its place back.
  WsSession(Stream&& stream, Shared& shared, std::string remote)
      : ws_(std::move(stream)), shared_(shared), remote_(std::move(remote)), close_timer_(ws_.get_executor()) {}
  ~WsSession() override { shared_.hub.release_address(remote_); }

  void run(http::request<http::string_body> req) {
    websocket::stream_base::timeout t;
    t.handshake_timeout = std::chrono::milliseconds(shared_.config.handshake_timeout_ms);
    t.idle_timeout = std::chrono::milliseconds(shared_.config.idle_timeout_ms);
    t.keep_alive_pings = true;  // pings at idle/2; a peer silent for idle_timeout is closed
    ws_.set_option(t);
    // No compression, whatever the client offers: a compressed frame could inflate far past
    // --max-frame in memory (a "zip bomb"), and compressing secrets beside attacker-chosen text
    // leaks them (CRIME/BREACH). Beast's default is off already; this says it.
    websocket::permessage_deflate no_deflate;
    no_deflate.server_enable = false;
    no_deflate.client_enable = false;
    ws_.set_option(no_deflate);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "passerelle/" PASSERELLE_VERSION); }));
    // No limit in Beast: Beast refuses a message over its limit at the frame header, with a
    // bare 1009 and no answer. We enforce max_frame ourselves instead (do_read never asks for
    // more than max_frame + 1 bytes, whatever the header declares), so every oversized message,
    // of any size, gets its too_large answer before the close. Memory stays bounded: the rest
    // of an oversized frame is read and discarded by the close handshake in small pieces.
    ws_.read_message_max(0);
    ws_.auto_fragment(false);
    ws_.async_accept(req, beast::bind_front_handler(&WsSession::on_accept, this->shared_from_this()));
  }

  // Dispatched, not posted: an answer made on the strand itself (hello, a refused frame) is
  // queued at once instead of waiting for another turn of the I/O thread's queue; one from
  // another thread (a worker, the writer) is posted to the strand as before.
  void deliver(std::string text, StateChange change) override {
    asio::dispatch(ws_.get_executor(), [self = this->shared_from_this(), text = std::move(text),
                                    change = std::move(change)]() mutable {
      if (change) {
        std::string before = self->state_.user ? self->state_.user->id : "";
        std::string token_before = self->state_.token_hash;
        change(self->state_);
        std::string after = self->state_.user ? self->state_.user->id : "";
        if ((before != after || token_before != self->state_.token_hash) && self->registered_)
          self->shared_.hub.set_user(self.get(), after, self->state_.token_hash,
                                     self->state_.user ? passerelle::sync::role_audience(self->state_.user->role) : "");
      }
      self->enqueue(std::move(text));
    });
  }

  void send_event(std::string text) override {
    asio::post(ws_.get_executor(),
               [self = this->shared_from_this(), text = std::move(text)]() mutable { self->enqueue(std::move(text)); });
  }

  void shut_down() override {
    asio::post(ws_.get_executor(), [self = this->shared_from_this()] {
      self->begin_close(websocket::close_reason(websocket::close_code::going_away, "server shutting down"));
    });
  }

  void end_session(std::string user_id, std::string token_hash, std::string reason) override {
    asio::post(ws_.get_executor(), [self = this->shared_from_this(), user_id = std::move(user_id),
                                    token_hash = std::move(token_hash), reason = std::move(reason)]() mutable {
      auto& st = self->state_;
      if (!st.user || st.user->id != user_id) return;
      if (!token_hash.empty() && st.token_hash != token_hash) return;
      log::info("session_ended", {{"remote", self->remote_}, {"user_id", user_id}, {"reason", reason}});
      // Signed out at once: requests still arriving before the close are unauthenticated.
      st.user.reset();
      st.token_hash.clear();
      if (self->registered_) self->shared_.hub.set_user(self.get(), "");
      if (reason.size() > 120) reason.resize(120);  // a close reason fits in 123 bytes
      self->begin_close(websocket::close_reason(websocket::close_code::policy_error, reason));
    });
  }

 private:
  void on_accept(beast::error_code ec) {
    if (ec) {
      log::info("ws_handshake_failed", {{"remote", remote_}, {"error", ec.message()}});
      return;
    }
    registered_ = true;
    shared_.metrics.connection_opened();
    shared_.hub.add(this->shared_from_this());
    log::info("connection_opened", {{"remote", remote_}, {"tls", kIsTls<Stream>}});
    do_read();
  }

  void do_read() {
    std::size_t max = shared_.config.max_frame;
    std::size_t room = max + 1 > buffer_.size() ? max + 1 - buffer_.size() : 1;
    ws_.async_read_some(buffer_, room, beast::bind_front_handler(&WsSession::on_read, this->shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec) {
      if (!peer_went_away(ec)) log::info("connection_error", {{"remote", remote_}, {"error", ec.message()}});
      return finish();
    }
    if (closing_) return;  // a close is under way; the close operation reads the rest
    if (buffer_.size() > shared_.config.max_frame) {
      enqueue(shared_.dispatcher.protocol_error(
          std::nullopt, Error{ErrorCode::too_large, "frame larger than " + std::to_string(shared_.config.max_frame) +
                                                        " bytes; closing the connection"}));
      buffer_.consume(buffer_.size());
      return begin_close(websocket::close_reason(websocket::close_code::too_big, "message too big"));
    }
    if (!ws_.is_message_done()) return do_read();
    if (ws_.got_binary()) {
      if (auto wait = shared_.dispatcher.take_frame(state_, remote_))
        enqueue(shared_.dispatcher.protocol_error(std::nullopt, Dispatcher::rate_error(*wait)));
      else
        enqueue(shared_.dispatcher.protocol_error(
            std::nullopt, Error{ErrorCode::unsupported, "binary frames are not supported; send JSON text frames"}));
    } else {
      std::string frame = beast::buffers_to_string(buffer_.data());
      shared_.dispatcher.dispatch(frame, state_, remote_, this->shared_from_this());
    }
    buffer_.consume(buffer_.size());
    // A connection mostly waits: after a large message (a push of 100 ops is ~48 KiB) its read
    // buffer goes back to Beast's usual read size instead of staying at its largest for the
    // connection's life. Below that size it is kept: Beast's next read asks for it at once.
    if (buffer_.capacity() > kKeptReadBuffer) buffer_.shrink_to_fit();
    do_read();
  }

  void enqueue(std::string text) {
    if (finished_ || closing_) return;
    if (queue_.size() >= kMaxQueuedFrames || queued_bytes_ + text.size() > kMaxQueuedBytes) {
      log::warn("connection_too_slow", {{"remote", remote_}, {"queued", queue_.size()}});
      // Keep only the frame being written (its buffer is in use).
      while (queue_.size() > (writing_ ? 1u : 0u)) {
        queued_bytes_ -= queue_.back().size();
        queue_.pop_back();
      }
      return begin_close(websocket::close_reason(websocket::close_code::policy_error, "too slow"));
    }
    queued_bytes_ += text.size();
    queue_.push_back(std::move(text));
    if (!writing_) do_write();
  }

  void do_write() {
    writing_ = true;
    ws_.text(true);
    ws_.async_write(asio::buffer(queue_.front()),
                    beast::bind_front_handler(&WsSession::on_write, this->shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    writing_ = false;
    queued_bytes_ -= queue_.front().size();
    queue_.pop_front();
    if (ec) {
      queue_.clear();
      queued_bytes_ = 0;
      return finish_transport();
    }
    if (!queue_.empty()) return do_write();
    if (close_reason_ && !close_started_) do_close();
  }

  // Closes once the queued frames are out. A peer that never reads cannot hold us: the
  // socket is torn down after the handshake timeout regardless.
  void begin_close(websocket::close_reason reason) {
    if (finished_ || closing_) return;
    closing_ = true;
    close_reason_ = reason;
    close_timer_.expires_after(std::chrono::milliseconds(shared_.config.handshake_timeout_ms));
    close_timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (!ec) self->finish_transport();
    });
    if (!writing_ && queue_.empty()) do_close();
  }

  void do_close() {
    close_started_ = true;
    ws_.async_close(*close_reason_, [self = this->shared_from_this()](beast::error_code) {
      self->close_timer_.cancel();
      self->finish();
    });
  }

  void finish_transport() {
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
    finish();
  }

  void finish() {
    if (finished_) return;
    finished_ = true;
    close_timer_.cancel();
    if (!registered_) return;
    shared_.hub.remove(this);
    shared_.metrics.connection_closed();
    boost::json::object f{{"remote", remote_}};
    if (state_.user) f["user_id"] = state_.user->id;
    if (close_reason_) f["code"] = static_cast<int>(close_reason_->code);
    log::info("connection_closed", std::move(f));
  }

  websocket::stream<Stream> ws_;
  Shared& shared_;
  std::string remote_;
  asio::steady_timer close_timer_;
  beast::flat_buffer buffer_;
  // A list, not a deque: an empty std::deque already holds a map and a 512-byte block, and an
  // idle connection's queue is empty.
  std::list<std::string> queue_;
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool closing_ = false;
  bool close_started_ = false;
  bool finished_ = false;
  bool registered_ = false;
  std::optional<websocket::close_reason> close_reason_;
  SessionState state_;
};

// ---------------------------------------------------------------- HTTP session

template <class Stream>
class HttpSession : public std::enable_shared_from_this<HttpSession<Stream>> {
 public:
  template <class... Args>
  HttpSession(Shared& shared, std::string remote, Args&&... args)
      : stream_(std::forward<Args>(args)...), shared_(shared), remote_(std::move(remote)) {}

  void run() {
    asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if constexpr (kIsTls<Stream>) {
        beast::get_lowest_layer(self->stream_).expires_after(self->handshake_timeout());
        self->stream_.async_handshake(ssl::stream_base::server, [self](beast::error_code ec) {
          if (ec) return log::info("tls_handshake_failed", {{"remote", self->remote_}, {"error", ec.message()}});
          self->do_read();
        });
      } else {
        self->do_read();
      }
    });
  }

 private:
  std::chrono::milliseconds handshake_timeout() const {
    return std::chrono::milliseconds(shared_.config.handshake_timeout_ms);
  }

  // The TCP peer, or the client a trusted proxy names (--trusted-proxies). Repeated
  // X-Forwarded-For fields count as one list, in order (RFC 9110).
  std::string client_address(const http::request<http::string_body>& req) const {
    const auto& proxies = shared_.config.trusted_proxies;
    if (proxies.empty()) return remote_;
    std::string forwarded;
    for (auto range = req.equal_range("X-Forwarded-For"); range.first != range.second; ++range.first) {
      if (!forwarded.empty()) forwarded += ',';
      forwarded.append(range.first->value());
    }
    return proxies.client_address(remote_, forwarded);
  }

  void do_read() {
    parser_.emplace();
    parser_->header_limit(16 * 1024);
    // No limit while reading the headers (Beast would refuse a large Content-Length there with
    // a bare error); on_header applies the route's limit and answers 413 itself.
    parser_->body_limit(boost::none);
    // The first request must arrive within the handshake timeout; keep-alive waits idle_timeout.
    beast::get_lowest_layer(stream_).expires_after(
        first_ ? handshake_timeout() : std::chrono::milliseconds(shared_.config.idle_timeout_ms));
    first_ = false;
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&HttpSession::on_header, this->shared_from_this()));
  }

  // The headers are in: pick the body limit of the route before reading any of the body, so
  // an oversized upload is refused at once and never stored, even in part.
  void on_header(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream) return do_shutdown();
    if (ec) {
      if (ec == beast::error::timeout) log::info("http_timeout", {{"remote", remote_}});
      return;
    }
    const auto& req = parser_->get();
    std::string_view target = req.target();
    route_ = shared_.routes.find(target.substr(0, target.find_first_of("?#")));
    std::size_t limit = route_ ? route_->max_body : kDefaultBodyLimit;
    auto declared = parser_->content_length();
    if (declared && *declared > limit) {
      shared_.metrics.http_request();
      return refuse_too_large(*declared, limit);
    }
    parser_->body_limit(limit);
    if (parser_->is_done()) return on_read({}, 0);
    if (route_ && beast::iequals(req[http::field::expect], "100-continue")) {
      // The client waits for this before sending a large body (curl does, so does ours).
      auto cont = std::make_shared<http::response<http::empty_body>>(http::status::continue_, req.version());
      return http::async_write(stream_, *cont, [self = this->shared_from_this(), cont](beast::error_code ec, std::size_t) {
        if (!ec) self->read_body();
      });
    }
    read_body();
  }

  // Reads the body piece by piece; the idle timeout restarts with each piece, so a slow but
  // moving upload goes on and a stalled one is dropped.
  void read_body() {
    beast::get_lowest_layer(stream_).expires_after(std::chrono::milliseconds(shared_.config.idle_timeout_ms));
    http::async_read_some(stream_, buffer_, *parser_,
                          [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
                            if (ec == http::error::body_limit) {
                              auto limit = self->route_ ? self->route_->max_body : kDefaultBodyLimit;
                              return self->refuse_too_large(limit + 1, limit);
                            }
                            if (ec || self->parser_->is_done()) return self->on_read(ec, n);
                            self->read_body();
                          });
  }

  void refuse_too_large(std::uint64_t size, std::size_t limit) {
    HttpAnswer a = error_answer(Error{ErrorCode::too_large, "the request body is " + std::to_string(size) +
                                                                " bytes or more; at most " + std::to_string(limit) +
                                                                " bytes are accepted here"});
    write_answer(std::move(a), false);
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream) return do_shutdown();
    if (ec) {
      if (ec == beast::error::timeout) log::info("http_timeout", {{"remote", remote_}});
      return;  // the stream closes when the session is destroyed
    }
    auto req = parser_->release();
    std::string_view target = req.target();
    std::string_view path = target.substr(0, target.find_first_of("?#"));
    // Per request, not per connection: a proxy sends many clients' requests on one connection.
    std::string client = client_address(req);
    if (websocket::is_upgrade(req) && path == "/v1/ws") {
      if (!origin_allowed(shared_, req[http::field::origin])) {
        log::warn("ws_origin_refused", {{"remote", client}, {"origin", std::string(req[http::field::origin])}});
        return write_answer(refusal(http::status::forbidden, "this page's origin may not open a Passerelle connection\n"), false);
      }
      if (!shared_.hub.admit_address(client, shared_.config.max_connections_per_address)) {
        log::warn("ws_too_many_connections", {{"remote", client}});
        HttpAnswer a = refusal(http::status::too_many_requests, "too many connections from this address\n");
        a.headers.emplace_back("Retry-After", "10");
        return write_answer(std::move(a), false);
      }
      beast::get_lowest_layer(stream_).expires_never();  // the WebSocket has its own timeouts
      std::make_shared<WsSession<Stream>>(std::move(stream_), shared_, client)->run(std::move(req));
      return;
    }
    bool keep_alive = req.keep_alive();
    if (route_) {
      shared_.metrics.http_request();
      HttpRequest in = route_request(req, path, client);
      head_ = req.method() == http::verb::head;
      // No deadline while the handler works (it may wait on the disk); the answer comes back
      // to this session's strand.
      beast::get_lowest_layer(stream_).expires_never();
      auto executor = stream_.get_executor();
      route_->handler(std::move(in), [self = this->shared_from_this(), executor, keep_alive](HttpAnswer a) {
        asio::post(executor, [self, a = std::move(a), keep_alive]() mutable { self->write_answer(std::move(a), keep_alive); });
      });
      return;
    }
    beast::async_write(stream_, handle_http(shared_, std::move(req)),
                       [self = this->shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
                         if (ec) return;
                         if (!keep_alive) return self->do_shutdown();
                         self->do_read();
                       });
  }

  static HttpAnswer refusal(http::status status, std::string text) {
    HttpAnswer a;
    a.status = static_cast<unsigned>(status);
    a.content_type = "text/plain; charset=utf-8";
    a.body = std::move(text);
    return a;
  }

  void write_answer(HttpAnswer a, bool keep_alive) {
    beast::get_lowest_layer(stream_).expires_after(std::chrono::milliseconds(shared_.config.idle_timeout_ms));
    auto decorate = [&](auto& res) {
      common_headers(res, keep_alive);
      res.set(http::field::content_type, a.content_type);
      for (const auto& [name, value] : a.headers) res.set(name, value);
    };
    auto after = [self = this->shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
      if (ec) return;
      if (!keep_alive) return self->finish_after_refusal();
      self->do_read();
    };
    if (a.stream) {
      auto res = std::make_shared<http::response<http::empty_body>>(static_cast<http::status>(a.status), 11);
      decorate(*res);
      if (head_) {
        res->chunked(true);
        return http::async_write(stream_, *res, [res, after](beast::error_code ec, std::size_t n) { after(ec, n); });
      }
      res->chunked(true);
      auto sr = std::make_shared<http::response_serializer<http::empty_body>>(*res);
      return http::async_write_header(
          stream_, *sr, [self = this->shared_from_this(), res, sr, next = std::move(a.stream), after](beast::error_code ec, std::size_t) {
            if (ec) return;
            self->write_pieces(std::move(next), after);
          });
    }
    if (!a.file.empty()) {
      http::file_body::value_type body;
      beast::error_code ec;
      body.open(a.file.string().c_str(), beast::file_mode::scan, ec);
      if (!ec && head_) {
        auto res = std::make_shared<http::response<http::empty_body>>(static_cast<http::status>(a.status), 11);
        decorate(*res);
        res->content_length(body.size());
        return http::async_write(stream_, *res, [res, after](beast::error_code ec, std::size_t n) { after(ec, n); });
      }
      if (!ec) {
        auto res = std::make_shared<http::response<http::file_body>>(
            std::piecewise_construct, std::make_tuple(std::move(body)),
            std::make_tuple(static_cast<http::status>(a.status), 11));
        decorate(*res);
        res->prepare_payload();
        return http::async_write(stream_, *res, [res, after](beast::error_code ec, std::size_t n) { after(ec, n); });
      }
      a = error_answer(Error{ErrorCode::internal, "the file could not be read"});
    }
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(a.status), 11);
    decorate(*res);
    res->body() = std::move(a.body);
    res->prepare_payload();
    http::async_write(stream_, *res, [res, after](beast::error_code ec, std::size_t n) { after(ec, n); });
  }

  // A streamed answer's pieces, each asked for once the one before is sent (so one piece at a
  // time is held), as chunks; "" sends the last chunk, nullopt cuts the connection.
  template <class After>
  void write_pieces(NextPiece next, After after) {
    // The piece may take a while (the disk): no deadline meanwhile, as for any handler.
    beast::get_lowest_layer(stream_).expires_never();
    auto executor = stream_.get_executor();
    auto source = std::make_shared<NextPiece>(std::move(next));
    (*source)([self = this->shared_from_this(), executor, source, after](std::optional<std::string> piece) {
      asio::post(executor, [self, source, after, piece = std::move(piece)]() mutable {
        self->write_piece(std::move(*source), std::move(piece), after);
      });
    });
  }

  template <class After>
  void write_piece(NextPiece next, std::optional<std::string> piece, After after) {
    beast::get_lowest_layer(stream_).expires_after(std::chrono::milliseconds(shared_.config.idle_timeout_ms));
    if (!piece) return do_shutdown();
    if (piece->empty())
      return asio::async_write(stream_, http::make_chunk_last(),
                               [after](beast::error_code ec, std::size_t n) { after(ec, n); });
    auto text = std::make_shared<std::string>(std::move(*piece));
    asio::async_write(stream_, http::make_chunk(asio::buffer(*text)),
                      [self = this->shared_from_this(), text, next = std::move(next), after](beast::error_code ec, std::size_t) mutable {
                        if (ec) return;
                        self->write_pieces(std::move(next), after);
                      });
  }

  // After answering without reading the whole body (413): stop sending, then read and drop
  // what the client still sends for a moment, so that closing does not reset the connection
  // before the client has read the answer.
  void finish_after_refusal() {
    do_shutdown();
    if constexpr (!kIsTls<Stream>) {  // TLS: the close_notify exchange of do_shutdown owns the stream
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(2));
      drain_ = std::make_shared<std::array<char, 16 * 1024>>();
      drain();
    }
  }

  void drain() {
    beast::get_lowest_layer(stream_).async_read_some(
        asio::buffer(*drain_), [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
          if (!ec) self->drain();
        });
  }

  void do_shutdown() {
    if constexpr (kIsTls<Stream>) {
      beast::get_lowest_layer(stream_).expires_after(handshake_timeout());
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {});
    } else {
      beast::error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    }
  }

  Stream stream_;
  Shared& shared_;
  std::string remote_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  const HttpRoute* route_ = nullptr;
  bool head_ = false;
  std::shared_ptr<std::array<char, 16 * 1024>> drain_;
  bool first_ = true;
};

// ---------------------------------------------------------------- listener

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(asio::io_context& ioc, Shared& shared, ssl::context* tls) : ioc_(ioc), acceptor_(ioc), shared_(shared), tls_(tls) {}

  Status open(const tcp::endpoint& endpoint) {
    beast::error_code ec;
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    // Set once here, not on each accepted socket: Linux copies TCP_NODELAY from the listening
    // socket to every connection accepted from it. A resume is about thirty system calls on
    // the server; this is one of them (docs/benchmarks.md, "Connect: where a resume's time goes").
    if (!ec) acceptor_.set_option(tcp::no_delay(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
      return Status(ErrorCode::internal, "cannot listen on " + endpoint.address().to_string() + ":" +
                                             std::to_string(endpoint.port()) + ": " + ec.message());
    return Status::Ok();
  }

  tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }

  void start() { do_accept(); }

  void stop() {
    asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ec;
      self->acceptor_.close(ec);
    });
  }

 private:
  // The peer's address comes with the accepted socket (accept() fills it in), not from a
  // getpeername() call of its own.
  void do_accept() {
    acceptor_.async_accept(asio::make_strand(ioc_), peer_,
                           beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
  }

  void on_accept(beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
      // E.g. out of file descriptors: log and keep serving the connections we have.
      log::warn("accept_failed", {{"error", ec.message()}});
      auto timer = std::make_shared<asio::steady_timer>(ioc_, std::chrono::milliseconds(50));
      timer->async_wait([self = shared_from_this(), timer](beast::error_code) { self->do_accept(); });
      return;
    }
    std::string remote = peer_.address().to_string();
    if (tls_)
      std::make_shared<HttpSession<TlsStream>>(shared_, remote, std::move(socket), *tls_)->run();
    else
      std::make_shared<HttpSession<PlainStream>>(shared_, remote, std::move(socket))->run();
    do_accept();
  }

  asio::io_context& ioc_;
  tcp::acceptor acceptor_;
  tcp::endpoint peer_;  // filled by the accept in progress (one at a time)
  Shared& shared_;
  ssl::context* tls_;
};

// Mozilla's "intermediate" TLS profile (https://ssl-config.mozilla.org/, guidelines v5.7):
// TLS 1.2 and 1.3 only; for TLS 1.2 only these AEAD suites with forward secrecy; the three
// TLS 1.3 suites; key exchange on X25519, P-256 or P-384 (ffdhe2048 for the DHE suites); no
// compression (CRIME), no renegotiation, no session tickets; and the CLIENT's cipher order,
// as the profile says (every suite on the list is strong, and the client knows whether it has
// AES hardware). tests/tls/run-testssl.sh checks all of this from the outside.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305";
constexpr const char* kTls13Suites = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
constexpr const char* kGroups = "X25519:prime256v1:secp384r1";

// The DHE suites' group: RFC 7919 ffdhe2048, as the profile says (not a generated prime).
Status use_ffdhe2048(SSL_CTX* native) {
  EVP_PKEY_CTX* pctx = EVP_PKEY_CTX_new_from_name(nullptr, "DH", nullptr);
  EVP_PKEY* params = nullptr;
  char group[] = "ffdhe2048";
  OSSL_PARAM settings[] = {OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0), OSSL_PARAM_construct_end()};
  bool ok = pctx && EVP_PKEY_paramgen_init(pctx) == 1 && EVP_PKEY_CTX_set_params(pctx, settings) == 1 &&
            EVP_PKEY_paramgen(pctx, &params) == 1;
  EVP_PKEY_CTX_free(pctx);
  if (!ok || SSL_CTX_set0_tmp_dh_pkey(native, params) != 1) {  // takes ownership on success
    EVP_PKEY_free(params);
    return Status(ErrorCode::internal, "cannot set up the ffdhe2048 group for TLS");
  }
  return Status::Ok();
}

Status configure_tls(ssl::context& ctx, const ServeConfig& config) {
  SSL_CTX* native = ctx.native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_max_proto_version(native, TLS1_3_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET |
                                  SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1);
  SSL_CTX_clear_options(native, SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1) return Status(ErrorCode::internal, "cannot set the TLS cipher list");
  if (SSL_CTX_set_ciphersuites(native, kTls13Suites) != 1)
    return Status(ErrorCode::internal, "cannot set the TLS 1.3 cipher suites");
  if (SSL_CTX_set1_groups_list(native, kGroups) != 1) return Status(ErrorCode::internal, "cannot set the TLS groups");
  if (auto st = use_ffdhe2048(native); !st) return st;
  beast::error_code ec;
  ctx.use_certificate_chain_file(config.tls_cert, ec);
  if (ec) return Status(ErrorCode::internal, "cannot load --tls-cert " + config.tls_cert + ": " + ec.message());
  ctx.use_private_key_file(config.tls_key, ssl::context::pem, ec);
  if (ec) return Status(ErrorCode::internal, "cannot load --tls-key " + config.tls_key + ": " + ec.message());
  if (SSL_CTX_check_private_key(native) != 1)
    return Status(ErrorCode::internal, "--tls-key does not match --tls-cert");
  return Status::Ok();
}

}  // namespace

struct Server::Impl {
  Impl(const ServeConfig& c, Dispatcher& d, Hub& h, Metrics& m, const HttpRoutes& r)
      : config(c), shared{c, d, h, m, r}, ioc(static_cast<int>(c.threads)), signals(ioc, SIGINT, SIGTERM) {}
  const ServeConfig& config;
  Shared shared;
  asio::io_context ioc;
  asio::signal_set signals;
  std::optional<ssl::context> tls;
  std::shared_ptr<Listener> listener;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::vector<std::thread> threads;
  std::string address;
  std::uint16_t port = 0;
  std::promise<int> signal_promise;
};

Server::Server(const ServeConfig& config, Dispatcher& dispatcher, Hub& hub, Metrics& metrics, const HttpRoutes& routes)
    : impl_(std::make_unique<Impl>(config, dispatcher, hub, metrics, routes)) {}

Server::~Server() { stop(); }

Status Server::bind() {
  auto& im = *impl_;
  if (im.listener) return Status::Ok();
  if (im.config.tls()) {
    im.tls.emplace(ssl::context::tls_server);
    if (auto st = configure_tls(*im.tls, im.config); !st) return st;
  }
  beast::error_code ec;
  auto addr = asio::ip::make_address(im.config.listen_host, ec);
  if (ec) {
    tcp::resolver resolver(im.ioc);
    auto results = resolver.resolve(im.config.listen_host, std::to_string(im.config.listen_port), ec);
    if (ec || results.empty())
      return Status(ErrorCode::bad_request, "cannot resolve --listen host '" + im.config.listen_host + "'");
    addr = results.begin()->endpoint().address();
  }
  auto listener = std::make_shared<Listener>(im.ioc, im.shared, im.tls ? &*im.tls : nullptr);
  if (auto st = listener->open(tcp::endpoint(addr, im.config.listen_port)); !st) return st;
  im.listener = std::move(listener);
  auto ep = im.listener->local_endpoint();
  std::string host = ep.address().is_v6() ? "[" + ep.address().to_string() + "]" : ep.address().to_string();
  im.address = host + ":" + std::to_string(ep.port());
  im.port = ep.port();
  return Status::Ok();
}

Status Server::start() {
  auto& im = *impl_;
  if (auto st = bind(); !st) return st;
  RequestLimits limits;
  limits.max_in_flight = im.config.max_requests_in_flight;
  limits.user_rate = im.config.user_message_rate;
  limits.user_burst = im.config.user_message_burst;
  limits.address_rate = im.config.address_message_rate;
  limits.address_burst = im.config.address_message_burst;
  im.shared.dispatcher.set_limits(limits);
  im.shared.allowed_origins = im.config.allowed_origins;
  if (im.shared.allowed_origins.empty()) {
    // The dashboard is served here, so its pages have the server's own origin: the public URL,
    // or the address it listens on (which may differ from the public URL's host).
    for (const auto& url : {im.config.public_url, std::string(im.config.tls() ? "https://" : "http://") + im.address})
      if (auto o = origin_of_url(url); !o.empty()) im.shared.allowed_origins.push_back(o);
  }
  im.signals.async_wait([&im](beast::error_code ec, int sig) {
    if (!ec) im.signal_promise.set_value(sig);
  });
  im.listener->start();
  im.work.emplace(im.ioc.get_executor());
  for (unsigned i = 0; i < std::max(1u, im.config.threads); ++i) im.threads.emplace_back([&im] { im.ioc.run(); });
  return Status::Ok();
}

std::string Server::address() const { return impl_->address; }

std::uint16_t Server::port() const { return impl_->port; }

void Server::schedule(std::chrono::milliseconds delay, std::function<void()> fn) {
  auto timer = std::make_shared<asio::steady_timer>(impl_->ioc, delay);
  timer->async_wait([timer, fn = std::move(fn)](beast::error_code) { fn(); });
}

void Server::wait_for_signal() {
  int sig = impl_->signal_promise.get_future().get();
  log::info("signal", {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
}

void Server::stop_accepting() {
  if (impl_->listener) impl_->listener->stop();
}

void Server::stop() {
  auto& im = *impl_;
  if (im.threads.empty()) return;
  im.work.reset();
  im.ioc.stop();
  for (auto& t : im.threads) t.join();
  im.threads.clear();
}

}  // namespace passerelle::server::net
