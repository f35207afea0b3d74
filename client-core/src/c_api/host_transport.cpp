#include "host_transport.h"

#include <atomic>
#include <mutex>
#include <string>
#include <utility>

// One connection as both sides see it. Two owners: the library (until it calls the host's
// close) and the host (until it reports closed); the last one to let go frees it.
struct psl_socket {
  std::mutex m;
  std::shared_ptr<passerelle::client::SocketEvents> events;  // null once either side let go
  bool opened = false;
  std::string url;
  std::atomic<int> owners{2};
};

namespace passerelle::client {

namespace {

void release(psl_socket* s) {
  if (s->owners.fetch_sub(1) == 1) delete s;
}

class HostSocket final : public Socket {
 public:
  HostSocket(const psl_transport& t, psl_socket* s) : t_(t), s_(s) {
    handle_ = t_.open(t_.context, s_, s_->url.c_str());
  }
  ~HostSocket() override { close(); }
  void send(std::string frame) override {
    if (!closed_) t_.send(t_.context, handle_, frame.c_str(), frame.size());
  }
  void close() override {
    if (closed_) return;
    closed_ = true;
    {
      std::lock_guard lock(s_->m);
      s_->events.reset();  // the host's later reports are ignored
    }
    t_.close(t_.context, handle_);
    release(s_);
  }

 private:
  psl_transport t_;
  psl_socket* s_;
  void* handle_ = nullptr;
  bool closed_ = false;
};

class HostTransport final : public Transport {
 public:
  explicit HostTransport(const psl_transport& t) : t_(t) {}
  std::unique_ptr<Socket> open(const std::string& url, std::shared_ptr<SocketEvents> events) override {
    auto* s = new psl_socket;
    s->events = std::move(events);
    s->url = url;
    return std::make_unique<HostSocket>(t_, s);
  }

 private:
  psl_transport t_;
};

}  // namespace

std::shared_ptr<Transport> make_host_transport(const psl_transport& t) { return std::make_shared<HostTransport>(t); }

}  // namespace passerelle::client

// The host's reports. No exception leaves them (passerelle.h, "Exceptions"): what they do is
// post onto the sync's thread, and a failure to allocate drops the report.

void psl_socket_opened(psl_socket* socket) {
  if (!socket) return;
  try {
    std::lock_guard lock(socket->m);
    if (!socket->events || socket->opened) return;
    socket->opened = true;
    socket->events->opened();
  } catch (...) {
  }
}

void psl_socket_received(psl_socket* socket, const char* frame, size_t length) {
  if (!socket || (!frame && length > 0)) return;
  try {
    std::lock_guard lock(socket->m);
    if (socket->events) socket->events->received(std::string(frame ? frame : "", length));
  } catch (...) {
  }
}

void psl_socket_closed(psl_socket* socket, const char* reason) {
  if (!socket) return;
  try {
    std::lock_guard lock(socket->m);
    if (socket->events) {
      std::string why = reason && *reason ? reason : "the connection ended";
      socket->events->closed(passerelle::client::network_failure(
          socket->opened ? "the connection to the server at " + socket->url + " was lost: " + why
                         : "cannot reach the server at " + socket->url + ": " + why));
      socket->events.reset();
    }
  } catch (...) {
  }
  passerelle::client::release(socket);
}
