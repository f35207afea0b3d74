// One WebSocket connection to a Passerelle server, asynchronous underneath: it owns an
// io_context and the one thread that runs it, so the caller's thread never waits on the
// network. Requests are matched to answers by id; server events (pokes) go to a callback.
// A bare connection (the FrameHandler constructor) does neither: it carries frames as they are
// for the sync engine, which speaks the protocol itself (builtin_transport.h).
//
// Every handler runs on the connection's I/O thread: it must return quickly, must not block on
// another call of the same connection, and must not destroy the connection.
// No Boost.Beast types appear here: the Beast/Asio/SSL templates live in connection.cpp only.
#pragma once

#include <boost/json/object.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "passerelle/outcome.h"
#include "passerelle/server_url.h"
#include "passerelle/shared/protocol.h"

namespace passerelle::client {

struct ConnectionOptions {
  ServerUrl url;
  std::string ca_file;  // an extra CA (PEM) to trust besides the system store; empty for none
  std::chrono::milliseconds connect_timeout{10'000};  // resolve, TCP, TLS and WebSocket handshakes, each
  std::chrono::milliseconds request_timeout{30'000};  // from sending a request to its answer
  std::size_t max_frame = protocol::kDefaultMaxFrame;
};

class Connection {
 public:
  using AnswerHandler = std::function<void(Outcome<boost::json::object>)>;
  using EventHandler = std::function<void(const boost::json::object&)>;
  using ClosedHandler = std::function<void(const Failure&)>;
  using FrameHandler = std::function<void(std::string)>;

  // `on_event` receives each server event frame (e.g. {"type":"poke","seq":N}); `on_closed`
  // runs once when an open connection ends for any reason other than close()/destruction.
  Connection(ConnectionOptions options, EventHandler on_event, ClosedHandler on_closed);
  // A bare connection: open() instead of connect(), send_frame() instead of request(); each
  // text frame the server sends goes to `on_frame` whole.
  struct Bare {};
  Connection(ConnectionOptions options, Bare, FrameHandler on_frame, ClosedHandler on_closed);
  // Stops the I/O thread; pending handlers are dropped, not called.
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // TCP connect, TLS handshake with certificate and host name checks (wss), WebSocket
  // handshake, then `hello` (protocol 1). `done` gets Done or a Failure whose message a person
  // understands ("cannot reach the server at ws://127.0.0.1:9: connection refused").
  void connect(std::function<void(Outcome<Done>)> done);
  // Sends {"id":..,"type":type,...fields}; `done` gets the answer's fields (without re/ok) or
  // its error (Origin::server), or a network Failure if the connection fails first.
  void request(std::string type, boost::json::object fields, AnswerHandler done);
  // A bare connection's handshakes (TCP, TLS, WebSocket) without hello; `done` as connect's.
  void open(std::function<void(Outcome<Done>)> done);
  // Sends one frame on an open bare connection; a failure to send ends it (on_closed).
  void send_frame(std::string frame);
  // Closes politely (WebSocket close frame); pending requests fail.
  void close();
  // True between a successful connect() and the end of the connection.
  bool is_open() const;

  // Blocking conveniences for command-line use. Never call them from a handler.
  Outcome<Done> connect_and_wait();
  Outcome<boost::json::object> request_and_wait(std::string type, boost::json::object fields);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace passerelle::client
