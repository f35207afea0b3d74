// Fuzz target: the server's HTTP and WebSocket entry, fed from bytes over an in-memory stream.
//
// The Beast sessions of server/src/net/server.cpp are private to that file and tied to TCP
// sockets, so this target drives the layers under them the way the sessions do, with the
// real server behind them (every request handler and HTTP route registered as in `serve`, a
// SQLite database seeded with the demo program, worker pool, writer, mailer into a temp dir):
//
//  1. the bytes go into Beast's http::request_parser with the session's limits (16 KiB of
//     headers; after the headers, the body limit of the route HttpRoutes::find picks, 413 when
//     the declared length is over it);
//  2. a request to a feature route (/v1/blobs/, /v1/export/, /v1/calendar/) goes to its real
//     handler, which must answer (within 10 s) with a valid status;
//  3. a WebSocket upgrade of /v1/ws is accepted by websocket::stream<beast::test::stream> with
//     the session's options; the rest of the input is the client's frames, read with the
//     session's frame limit (too_large answer over it, unsupported for binary frames), and each
//     text message goes to the real Dispatcher, whose answer must come (within 10 s) and be a
//     server frame whose "re" is the request's id (or null when the frame had none).
//
// Not covered: the built-in answers of server.cpp (/healthz, /metrics, static files) and the
// sessions' timers and write queues. "@TOKEN@" in the input is replaced by a session token of
// the demo coach, so seeds reach the signed-in paths. The database keeps what earlier inputs
// wrote (a server lives on); each input is one new connection.
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <future>
#include <mutex>
#include <thread>
#include <unistd.h>

#include "demo.h"
#include "../../server/src/files/file_store.h"  // not client-core/src/files/, also on the path
#include "fuzz_target.h"
#include "net/http_routes.h"
#include "handlers/register_all.h"
#include "services.h"

namespace passerelle::fuzz {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace fs = std::filesystem;
using namespace passerelle::server;

namespace {

constexpr auto kAnswerWait = std::chrono::seconds(10);
constexpr std::size_t kDefaultBodyLimit = 16 * 1024;  // server.cpp's limit for other paths

// The protocol side of one WebSocket connection: answers are collected for the harness, which
// plays the strand (it applies state changes in order, between frames).
class RecordingConnection : public net::Connection {
 public:
  void deliver(std::string text, net::StateChange change) override {
    std::lock_guard lock(mutex_);
    answers_.push_back({std::move(text), std::move(change)});
    cv_.notify_all();
  }
  void send_event(std::string) override {}
  void shut_down() override {}
  void end_session(std::string, std::string, std::string) override {}

  std::optional<std::pair<std::string, net::StateChange>> next_answer() {
    std::unique_lock lock(mutex_);
    if (!cv_.wait_for(lock, kAnswerWait, [&] { return !answers_.empty(); })) return std::nullopt;
    auto a = std::move(answers_.front());
    answers_.pop_front();
    return a;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::pair<std::string, net::StateChange>> answers_;
};

// The server's parts as `serve` builds them, made once per process.
struct Harness {
  fs::path dir = fs::temp_directory_path() / ("passerelle-fuzz-server-" + std::to_string(::getpid()));
  ServeConfig config;
  std::unique_ptr<storage::Database> db;
  Metrics metrics;
  net::Hub hub;
  net::Dispatcher dispatcher{metrics};
  WorkerPool workers{2};
  std::unique_ptr<mail::Mailer> mailer;
  auth::LoginThrottle throttle;
  server::sync::PushChains push_chains;
  std::optional<files::FileStore> file_store;
  net::HttpRoutes routes;
  asio::io_context timers;
  asio::executor_work_guard<asio::io_context::executor_type> timers_work{timers.get_executor()};
  std::thread timer_thread{[this] { timers.run(); }};
  std::unique_ptr<Services> services;
  std::string coach_token;

  Harness() {
    std::error_code ec;
    fs::remove_all(dir, ec);
    fs::create_directories(dir);
    config.db = "sqlite:" + (dir / "db.sqlite").string();
    config.mail_dir = (dir / "outbox").string();
    config.files_dir = (dir / "files").string();
    config.scrypt_log2n = 10;  // the cheapest scrypt allowed: logins are part of the input
    config.public_url = "http://127.0.0.1:8080";
    storage::Database::Options options;
    options.read_connections = 2;
    auto opened = storage::Database::open(config.db, options);
    check(opened.ok(), "cannot open the fuzz database");
    db = std::move(*opened);
    check(seed_demo(*db, auth::ScryptParams{config.scrypt_log2n, 8, 1}).ok(), "cannot seed the demo program");
    mailer = std::make_unique<mail::Mailer>(config.mail_dir, "");
    auto fstore = files::FileStore::open(config.files_dir);
    check(fstore.ok(), "cannot open the file store");
    file_store.emplace(std::move(*fstore));
    auto decoy = auth::hash_password("decoy password", auth::ScryptParams{config.scrypt_log2n, 8, 1});
    check(decoy.ok(), "cannot hash the decoy password");
    services = std::make_unique<Services>(Services{
        config, *db, workers, *mailer, hub, metrics, throttle, push_chains,
        [this](std::chrono::milliseconds delay, std::function<void()> fn) {
          auto timer = std::make_shared<asio::steady_timer>(timers, delay);
          timer->async_wait([timer, fn = std::move(fn)](boost::system::error_code) { fn(); });
        },
        *decoy});
    handlers::register_all(dispatcher, routes, *services, *file_store);
    coach_token = sign_in("coach.gagnon@demo.passerelle.quebec", "demo-coach-2026");
  }

  std::string sign_in(const std::string& email, const std::string& password) {
    auto conn = std::make_shared<RecordingConnection>();
    net::SessionState state;
    std::string token;
    for (const auto& frame : {protocol::serialize_request(1, "hello", {{"protocol", 1}}),
                              protocol::serialize_request(2, "auth.login", {{"email", email}, {"password", password}})}) {
      dispatcher.dispatch(frame, state, "127.0.0.1", conn);
      auto answer = conn->next_answer();
      check(answer.has_value(), "no answer while signing in");
      if (answer->second) answer->second(state);
      auto m = protocol::parse_server_message(answer->first);
      check(m.ok() && m->ok, "signing in failed: " + answer->first);
      if (auto* t = m->body.if_contains("token"); t && t->is_string()) token = std::string(t->get_string());
    }
    check(!token.empty(), "no token in the login answer");
    return token;
  }
};

Harness& harness() {
  static Harness* h = new Harness;  // lives as long as the process: threads stop with it
  return *h;
}

std::string with_token(std::string_view input, const std::string& token) {
  std::string out(input);
  for (std::size_t at = out.find("@TOKEN@"); at != std::string::npos; at = out.find("@TOKEN@", at + token.size()))
    out.replace(at, 7, token);
  return out;
}

// One text message through the Dispatcher, as WsSession::on_read hands it over.
void dispatch_frame(Harness& h, const std::string& frame, net::SessionState& state,
                    const std::shared_ptr<RecordingConnection>& conn) {
  std::optional<std::int64_t> id;
  (void)protocol::parse_request(frame, &id);  // the id the answer must carry
  h.dispatcher.dispatch(frame, state, "127.0.0.1", conn);
  auto answer = conn->next_answer();
  check(answer.has_value(), "a request got no answer within 10 s: " + frame.substr(0, 200));
  if (answer->second) answer->second(state);
  auto m = protocol::parse_server_message(answer->first);
  check(m.ok(), "an answer is not a valid server frame: " + answer->first);
  check(m->re == id, "an answer's re is not the request's id: " + answer->first);
}

void websocket_frames(Harness& h, http::request<http::string_body> req, std::string_view frames) {
  asio::io_context ioc;
  beast::test::stream server_end(ioc);
  auto client_end = beast::test::connect(server_end);
  websocket::stream<beast::test::stream> ws(std::move(server_end));
  const std::size_t max = h.config.max_frame;
  ws.read_message_max(0);  // as WsSession: the session, not Beast, enforces max_frame
  ws.auto_fragment(false);
  beast::error_code ec;
  ws.accept(req, ec);
  if (ec) return;
  ws.next_layer().append(frames);
  client_end.close();  // after the frames, the peer is gone: reads end

  auto conn = std::make_shared<RecordingConnection>();
  net::SessionState state;
  beast::flat_buffer buffer;
  for (;;) {
    std::size_t room = max + 1 > buffer.size() ? max + 1 - buffer.size() : 1;
    ws.read_some(buffer, room, ec);
    if (ec) return;
    if (buffer.size() > max) return;  // the session answers too_large and closes with 1009
    if (!ws.is_message_done()) continue;
    if (!ws.got_binary()) dispatch_frame(h, beast::buffers_to_string(buffer.data()), state, conn);
    buffer.consume(buffer.size());
  }
}

void feature_route(Harness& h, const net::HttpRoute& route, http::request<http::string_body>& req,
                   std::string_view path) {
  std::string_view target = req.target();
  net::HttpRequest in = net::route_request(req, path, "127.0.0.1");
  auto answered = std::make_shared<std::promise<net::HttpAnswer>>();
  auto future = answered->get_future();
  auto once = std::make_shared<std::once_flag>();
  route.handler(std::move(in), [answered, once](net::HttpAnswer a) {
    std::call_once(*once, [&] { answered->set_value(std::move(a)); });
  });
  check(future.wait_for(kAnswerWait) == std::future_status::ready,
        "an HTTP route gave no answer within 10 s: " + std::string(target.substr(0, 200)));
  auto a = future.get();
  check(a.status >= 200 && a.status <= 599, "an HTTP route answered status " + std::to_string(a.status));
}

}  // namespace

void http_ws_entry(std::string_view raw) {
  Harness& h = harness();
  std::string input = with_token(raw, h.coach_token);

  http::request_parser<http::string_body> parser;
  parser.header_limit(16 * 1024);
  parser.body_limit(boost::none);
  parser.eager(false);  // stop after the headers, as async_read_header does
  beast::error_code ec;
  std::size_t used = 0;
  bool header_checked = false;
  while (used < input.size() && !parser.is_done()) {
    std::size_t n = parser.put(asio::buffer(input.data() + used, input.size() - used), ec);
    if (ec == http::error::need_more) break;
    if (ec) return;  // the session drops a connection whose request does not parse
    used += n;
    if (parser.is_header_done() && !header_checked) {
      header_checked = true;
      std::string_view target = parser.get().target();
      const net::HttpRoute* route = h.routes.find(target.substr(0, target.find_first_of("?#")));
      std::size_t limit = route ? route->max_body : kDefaultBodyLimit;
      if (auto declared = parser.content_length(); declared && *declared > limit) return;  // 413 at the headers
      parser.body_limit(limit);
      parser.eager(true);
    }
    if (n == 0) break;
  }
  if (!parser.is_done()) return;  // the session would wait for more, then time out
  auto req = parser.release();
  std::string_view target = req.target();
  std::string_view path = target.substr(0, target.find_first_of("?#"));
  if (websocket::is_upgrade(req) && path == "/v1/ws")
    return websocket_frames(h, std::move(req), std::string_view(input).substr(used));
  if (const net::HttpRoute* r = h.routes.find(path)) feature_route(h, *r, req, path);
}

}  // namespace passerelle::fuzz

PASSERELLE_FUZZ_TARGET(http_ws_entry)
