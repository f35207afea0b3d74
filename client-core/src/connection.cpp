// The client core's WebSocket: it and files/blob_transfer.cpp (HTTP) are the translation units
// that instantiate Boost.Beast, Asio and SSL templates (the library code itself is compiled
// once, in passerelle_net); tls_setup.cpp holds the TLS checks both use. Structure follows
// Beast's websocket_client_awaitable example: C++20 coroutines on one I/O thread, so all the
// state below is touched by that thread only and needs no lock.
#include "connection.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <deque>
#include <future>
#include <map>
#include <optional>
#include <thread>

#include "tls_setup.h"

namespace passerelle::client {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using boost::system::error_code;

namespace {
constexpr auto kAwait = net::use_awaitable;
// The server closes connections silent for its idle timeout; Beast pings at half this value.
constexpr std::chrono::seconds kIdleTimeout{40};

std::string seconds_text(std::chrono::milliseconds ms) {
  auto s = std::chrono::duration<double>(ms).count();
  char buf[32];
  std::snprintf(buf, sizeof buf, s == static_cast<long long>(s) ? "%.0f s" : "%.1f s", s);
  return buf;
}

std::string lowercase_first(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}
}  // namespace

struct Connection::Impl {
  using PlainWs = websocket::stream<beast::tcp_stream>;
  using TlsWs = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

  struct Pending {
    AnswerHandler done;
    std::unique_ptr<net::steady_timer> timer;
  };
  enum class State { idle, connecting, hello, open, closing, closed };

  Impl(ConnectionOptions o, EventHandler e, FrameHandler f, ClosedHandler c)
      : options(std::move(o)), on_event(std::move(e)), on_frame(std::move(f)), on_closed(std::move(c)) {
    thread = std::thread([this] {
      io.run();
      drained.set_value();
    });
  }

  // io first: destroyed last, after every object that uses it.
  net::io_context io;
  ConnectionOptions options;
  EventHandler on_event;
  FrameHandler on_frame;  // set for a bare connection
  ClosedHandler on_closed;
  net::executor_work_guard<net::io_context::executor_type> work = net::make_work_guard(io);
  ssl::context ssl_ctx{ssl::context::tls_client};
  tcp::resolver resolver{io};
  std::unique_ptr<PlainWs> plain;
  std::unique_ptr<TlsWs> tls;
  State state = State::idle;
  std::atomic<bool> open_flag{false};
  bool handlers_off = false;  // set on destruction: callers' objects may already be gone
  std::int64_t next_id = 1;
  std::map<std::int64_t, Pending> pending;
  std::deque<std::string> outbox;  // deque: push_back keeps front() valid during a write
  bool writing = false;
  std::promise<void> drained;  // set when io.run() returns
  std::thread thread;  // last: starts once everything above exists

  std::string where() const { return options.url.str(); }

  Failure unreachable(const std::string& why) const {
    return network_failure("cannot reach the server at " + where() + ": " + why);
  }

  std::string describe(const error_code& ec) const {
    if (ec == beast::error::timeout || ec == net::error::timed_out)
      return "no answer within " + seconds_text(options.connect_timeout);
    if (ec == net::error::connection_refused) return "connection refused";
    if (ec == net::error::host_not_found || ec == net::error::host_not_found_try_again)
      return "host '" + options.url.host + "' not found";
    if (ec == net::error::network_unreachable) return "network unreachable";
    if (ec == net::error::host_unreachable) return "host unreachable";
    if (ec == net::error::connection_reset) return "connection reset by the server";
    if (ec == net::error::eof || ec == net::ssl::error::stream_truncated) return "the server closed the connection";
    return lowercase_first(ec.message());
  }

  Failure tls_failure(TlsWs& ws, const error_code& ec) {
    if (auto bad_certificate = tls::certificate_failure(ws.next_layer(), ec, options.url)) return *bad_certificate;
    if (ec == beast::error::timeout) return unreachable(describe(ec));
    return network_failure("TLS handshake with the server at " + where() + " failed: " + describe(ec));
  }

  // --- connecting -----------------------------------------------------------------------------

  net::awaitable<std::optional<Failure>> open_transport() {
    error_code ec;
    if (options.url.tls)
      if (auto bad = tls::configure_context(ssl_ctx, options.ca_file)) co_return std::move(*bad);

    // The resolver has no timeout of its own: a timer cancels it.
    bool timed_out = false;
    net::steady_timer deadline(io);
    deadline.expires_after(options.connect_timeout);
    deadline.async_wait([this, &timed_out](error_code e) {
      if (!e) {
        timed_out = true;
        resolver.cancel();
      }
    });
    auto endpoints = co_await resolver.async_resolve(options.url.host, std::to_string(options.url.port),
                                                     net::redirect_error(kAwait, ec));
    deadline.cancel();
    if (timed_out) co_return unreachable("no answer within " + seconds_text(options.connect_timeout));
    if (ec) co_return unreachable(describe(ec));

    if (options.url.tls) {
      tls = std::make_unique<TlsWs>(io, ssl_ctx);
      co_return co_await handshake(*tls, endpoints);
    }
    plain = std::make_unique<PlainWs>(io);
    co_return co_await handshake(*plain, endpoints);
  }

  template <class WS>
  net::awaitable<std::optional<Failure>> handshake(WS& ws, const tcp::resolver::results_type& endpoints) {
    error_code ec;
    auto& tcp_layer = beast::get_lowest_layer(ws);
    tcp_layer.expires_after(options.connect_timeout);
    co_await tcp_layer.async_connect(endpoints, net::redirect_error(kAwait, ec));
    if (ec) co_return unreachable(describe(ec));
    // Beast writes a masked frame in pieces (its write buffer is 4 KiB): with Nagle on, every
    // piece after the first waits for the server's delayed ACK, and a 48 KiB push took 40 ms
    // more than the server spent on it (docs/benchmarks.md). Requests are whole frames anyway.
    tcp_layer.socket().set_option(tcp::no_delay(true), ec);

    if constexpr (std::is_same_v<WS, TlsWs>) {
      auto& stream = ws.next_layer();
      if (auto bad = tls::prepare_stream(stream, options.url)) co_return std::move(*bad);
      tcp_layer.expires_after(options.connect_timeout);
      co_await stream.async_handshake(ssl::stream_base::client, net::redirect_error(kAwait, ec));
      if (ec) co_return tls_failure(ws, ec);
    }

    // From here the WebSocket's own timeouts apply (handshake, idle with keep-alive pings).
    tcp_layer.expires_never();
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = options.connect_timeout;
    timeouts.idle_timeout = kIdleTimeout;
    timeouts.keep_alive_pings = true;
    ws.set_option(timeouts);
    ws.read_message_max(options.max_frame);
    ws.set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
      req.set(beast::http::field::user_agent, "passerelle-client/0.1.0");
    }));
    websocket::response_type response;
    co_await ws.async_handshake(response, options.url.host_port(), options.url.path, net::redirect_error(kAwait, ec));
    if (ec) {
      if (ec == websocket::error::upgrade_declined)
        co_return network_failure("the server at " + where() + " refused the WebSocket connection on " +
                                  options.url.path + " (HTTP " + std::to_string(response.result_int()) + ")");
      co_return unreachable(describe(ec));
    }
    ws.text(true);
    co_return std::nullopt;
  }

  void start_connect(std::function<void(Outcome<Done>)> done) {
    if (state != State::idle) {
      done(network_failure("this connection was already used; open a new one"));
      return;
    }
    state = State::connecting;
    net::co_spawn(io, open_transport(),
                  [this, done](std::exception_ptr ex, std::optional<Failure> failure) mutable {
                    if (ex) failure = network_failure("connecting to " + where() + " failed unexpectedly");
                    if (handlers_off) return;
                    if (failure) {
                      state = State::closed;
                      hard_close();
                      done(std::move(*failure));
                      return;
                    }
                    if (on_frame) {  // bare: the caller speaks the protocol
                      state = State::open;
                      open_flag = true;
                      start_read_loop();
                      done(Done{});
                      return;
                    }
                    state = State::hello;
                    start_read_loop();
                    send("hello", {{"protocol", protocol::kVersion}},
                         [this, done](Outcome<boost::json::object> answer) mutable {
                           if (!answer) {
                             Failure f = std::move(answer).failure();
                             if (f.origin == Origin::server)
                               f.error.message = "the server at " + where() + " refused this client's protocol: " +
                                                 f.error.message;
                             hard_close();
                             state = State::closed;
                             done(std::move(f));
                             return;
                           }
                           state = State::open;
                           open_flag = true;
                           done(Done{});
                         });
                  });
  }

  // --- reading and writing --------------------------------------------------------------------

  void start_read_loop() {
    auto on_exit = [](std::exception_ptr) {};
    if (tls)
      net::co_spawn(io, read_loop(*tls), on_exit);
    else
      net::co_spawn(io, read_loop(*plain), on_exit);
  }

  template <class WS>
  net::awaitable<void> read_loop(WS& ws) {
    beast::flat_buffer buffer;
    for (;;) {
      error_code ec;
      co_await ws.async_read(buffer, net::redirect_error(kAwait, ec));
      if (ec) {
        lost(ec, std::string(ws.reason().reason.data(), ws.reason().reason.size()));
        co_return;
      }
      std::string frame = beast::buffers_to_string(buffer.data());
      buffer.consume(buffer.size());
      if (ws.got_text()) dispatch(std::move(frame));
    }
  }

  void dispatch(std::string frame) {
    if (on_frame) {
      if (!handlers_off) on_frame(std::move(frame));
      return;
    }
    auto message = protocol::parse_server_message(frame);
    if (!message) return;  // unreadable frame: nothing to correlate it with
    if (message->re) {
      auto it = pending.find(*message->re);
      if (it == pending.end()) return;  // timed out already
      Pending p = std::move(it->second);
      pending.erase(it);
      p.timer->cancel();
      if (message->ok) {
        message->body.erase("re");
        message->body.erase("ok");
        p.done(std::move(message->body));
      } else {
        p.done(server_failure(*message->error));
      }
    } else if (!message->type.empty() && on_event && !handlers_off) {
      on_event(message->body);
    }
  }

  void send(std::string_view type, boost::json::object fields, AnswerHandler done) {
    std::int64_t id = next_id++;
    std::string frame = protocol::serialize_request(id, type, std::move(fields));
    if (frame.size() > options.max_frame) {
      done(usage_failure("the request is too large (" + std::to_string(frame.size()) + " bytes; the limit is " +
                         std::to_string(options.max_frame) + ")"));
      return;
    }
    Pending p{std::move(done), std::make_unique<net::steady_timer>(io)};
    p.timer->expires_after(options.request_timeout);
    p.timer->async_wait([this, id](error_code ec) {
      if (ec) return;
      auto it = pending.find(id);
      if (it == pending.end()) return;
      AnswerHandler late = std::move(it->second.done);
      pending.erase(it);
      late(network_failure("the server at " + where() + " did not answer within " +
                           seconds_text(options.request_timeout)));
    });
    pending.emplace(id, std::move(p));
    write(std::move(frame));
  }

  void write(std::string frame) {
    outbox.push_back(std::move(frame));
    if (!writing) {
      writing = true;
      auto on_exit = [](std::exception_ptr) {};
      if (tls)
        net::co_spawn(io, write_loop(*tls), on_exit);
      else
        net::co_spawn(io, write_loop(*plain), on_exit);
    }
  }

  template <class WS>
  net::awaitable<void> write_loop(WS& ws) {
    while (!outbox.empty() && state != State::closed) {
      error_code ec;
      co_await ws.async_write(net::buffer(outbox.front()), net::redirect_error(kAwait, ec));
      if (ec) {
        outbox.clear();
        writing = false;
        lost(ec, {});
        co_return;
      }
      outbox.pop_front();
    }
    writing = false;
  }

  // --- ending ---------------------------------------------------------------------------------

  void fail_all(const Failure& f) {
    auto failed = std::move(pending);
    pending.clear();
    for (auto& [id, p] : failed) {
      p.timer->cancel();
      if (!handlers_off) p.done(f);
    }
  }

  void lost(const error_code& ec, const std::string& close_reason) {
    bool was_open = state == State::open;
    if (state == State::closed || state == State::closing) {
      state = State::closed;
      return;
    }
    state = State::closed;
    open_flag = false;
    std::string why;
    if (ec == websocket::error::closed)
      why = close_reason.empty() ? "the server closed the connection" : "the server closed the connection: " + close_reason;
    else if (ec == websocket::error::message_too_big)
      why = "the server sent a message over the " + std::to_string(options.max_frame) + "-byte limit";
    else
      why = describe(ec);
    Failure f = network_failure("the connection to the server at " + where() + " was lost: " + why);
    fail_all(f);
    if (was_open && on_closed && !handlers_off) on_closed(f);
  }

  void polite_close() {
    if (state != State::open && state != State::hello) {
      hard_close();
      return;
    }
    state = State::closing;
    open_flag = false;
    fail_all(network_failure("the connection to " + where() + " was closed"));
    auto on_exit = [](std::exception_ptr) {};
    if (tls)
      net::co_spawn(io, close_ws(*tls), on_exit);
    else if (plain)
      net::co_spawn(io, close_ws(*plain), on_exit);
  }

  // Bounded by the handshake timeout, which Beast also applies to the closing handshake.
  template <class WS>
  static net::awaitable<void> close_ws(WS& ws) {
    error_code ec;
    co_await ws.async_close(websocket::close_code::normal, net::redirect_error(kAwait, ec));
  }

  void hard_close() {
    error_code ignored;
    resolver.cancel();
    if (plain) beast::get_lowest_layer(*plain).socket().close(ignored);
    if (tls) beast::get_lowest_layer(*tls).socket().close(ignored);
    open_flag = false;
  }
};

Connection::Connection(ConnectionOptions options, EventHandler on_event, ClosedHandler on_closed)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(on_event), nullptr, std::move(on_closed))) {}

Connection::Connection(ConnectionOptions options, Bare, FrameHandler on_frame, ClosedHandler on_closed)
    : impl_(std::make_unique<Impl>(std::move(options), nullptr, std::move(on_frame), std::move(on_closed))) {}

Connection::~Connection() {
  Impl* impl = impl_.get();
  auto drained = impl->drained.get_future();
  // Close everything and let pending operations finish (operation_aborted) so their coroutine
  // frames unwind and free the stream; stopping the io_context would leave them suspended and
  // leak it (LeakSanitizer showed it). Beast's keep-alive timer is turned off first, or it
  // would keep the io_context busy until its next ping.
  net::post(impl->io, [impl] {
    impl->handlers_off = true;
    websocket::stream_base::timeout off{websocket::stream_base::none(), websocket::stream_base::none(), false};
    if (impl->plain) impl->plain->set_option(off);
    if (impl->tls) impl->tls->set_option(off);
    impl->hard_close();
    for (auto& [id, p] : impl->pending)
      if (p.timer) p.timer->cancel();
  });
  impl->work.reset();
  if (drained.wait_for(std::chrono::seconds(2)) != std::future_status::ready) impl->io.stop();  // never expected
  impl->thread.join();
}

void Connection::connect(std::function<void(Outcome<Done>)> done) {
  net::post(impl_->io, [impl = impl_.get(), done = std::move(done)]() mutable { impl->start_connect(std::move(done)); });
}

void Connection::request(std::string type, boost::json::object fields, AnswerHandler done) {
  net::post(impl_->io, [impl = impl_.get(), type = std::move(type), fields = std::move(fields),
                        done = std::move(done)]() mutable {
    if (impl->state != Impl::State::open) {
      done(network_failure("not connected to the server at " + impl->where()));
      return;
    }
    impl->send(type, std::move(fields), std::move(done));
  });
}

void Connection::open(std::function<void(Outcome<Done>)> done) { connect(std::move(done)); }

void Connection::send_frame(std::string frame) {
  net::post(impl_->io, [impl = impl_.get(), frame = std::move(frame)]() mutable {
    if (impl->state == Impl::State::open) impl->write(std::move(frame));
  });
}

void Connection::close() {
  net::post(impl_->io, [impl = impl_.get()] { impl->polite_close(); });
}

bool Connection::is_open() const { return impl_->open_flag; }

Outcome<Done> Connection::connect_and_wait() {
  std::promise<Outcome<Done>> promise;
  auto future = promise.get_future();
  connect([&promise](Outcome<Done> r) { promise.set_value(std::move(r)); });
  return future.get();
}

Outcome<boost::json::object> Connection::request_and_wait(std::string type, boost::json::object fields) {
  std::promise<Outcome<boost::json::object>> promise;
  auto future = promise.get_future();
  request(std::move(type), std::move(fields),
          [&promise](Outcome<boost::json::object> r) { promise.set_value(std::move(r)); });
  return future.get();
}

}  // namespace passerelle::client
