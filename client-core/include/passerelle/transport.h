// The sync engine's WebSocket, as its host supplies it (docs/architecture.md, "The sync engine
// and its drivers"). The engine (sync_machine.h) only says "open a socket to this URL", "send
// this frame", "close"; a Transport does it and reports back through SocketEvents. The native
// default is the built-in Beast socket (builtin_transport.h); an app may give its platform's
// WebSocket through the C API (psl_transport in passerelle.h), and the browser gives its own.
//
// No Boost.Asio or Beast type appears here: this header compiles to WebAssembly too.
#pragma once

#include <memory>
#include <string>

#include "passerelle/outcome.h"

namespace passerelle::client {

// What a socket reports. May be called from any thread (the driver moves each report onto its
// own thread); every call after closed() is ignored. opened() at most once, before any frame.
class SocketEvents {
 public:
  virtual ~SocketEvents() = default;
  virtual void opened() = 0;
  // One whole text frame (a JSON message of docs/protocol.md).
  virtual void received(std::string frame) = 0;
  // The socket failed to open or ended (the server closed it, the network failed): `why` is a
  // network Failure a person understands. Exactly once per socket, unless close() came first.
  virtual void closed(Failure why) = 0;
};

// One connection, opened by Transport::open. Its methods are called on the driver's thread.
class Socket {
 public:
  // Destroying the socket closes it too; after that it reports nothing more.
  virtual ~Socket() = default;
  // Sends one text frame; only after opened(). A failure to send is reported as closed().
  virtual void send(std::string frame) = 0;
  // Closes politely. Nothing more is reported after it returns.
  virtual void close() = 0;
};

class Transport {
 public:
  virtual ~Transport() = default;
  // Starts opening a WebSocket to `url` ("ws://host:port/v1/ws" or wss://) and returns at once;
  // the result comes through `events` (opened, or closed with the reason).
  virtual std::unique_ptr<Socket> open(const std::string& url, std::shared_ptr<SocketEvents> events) = 0;
};

}  // namespace passerelle::client
