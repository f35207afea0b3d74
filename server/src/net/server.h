// The network front: one port serving HTTP (healthz, metrics, static files) and the
// WebSocket protocol at /v1/ws, plain or TLS. Boost.Beast style: a listener accepts into a
// strand per connection; an HTTP session upgrades to a WebSocket session. All Beast/Asio/SSL
// templates live in server.cpp (this header stays light for the rest of the server).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "../config.h"
#include "../metrics.h"
#include "dispatcher.h"
#include "http_routes.h"
#include "hub.h"
#include "passerelle/shared/error.h"

namespace passerelle::server::net {

class Server {
 public:
  Server(const ServeConfig& config, Dispatcher& dispatcher, Hub& hub, Metrics& metrics, const HttpRoutes& routes);
  ~Server();  // stop()

  // Loads TLS (if configured), binds and listens; nothing is accepted until start(). Called
  // apart from start() so that what depends on the port bound (the default public URL, with
  // --listen ...:0) can be settled before anything copies the configuration.
  Status bind();
  // bind() if not done yet, then accepts on `config.threads` I/O threads. The allowed origins
  // are read from the configuration here (its public URL included).
  Status start();
  // The address actually bound, "HOST:PORT" (the port is real even with --listen ...:0); after bind().
  std::string address() const;
  // The port actually bound; 0 before bind().
  std::uint16_t port() const;
  // Runs `fn` on an I/O thread after `delay`. Thread-safe.
  void schedule(std::chrono::milliseconds delay, std::function<void()> fn);
  // Blocks until SIGINT or SIGTERM.
  void wait_for_signal();
  // Stops accepting new connections. Thread-safe.
  void stop_accepting();
  // Stops the I/O threads (pending handlers are dropped) and joins them. Idempotent.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace passerelle::server::net
