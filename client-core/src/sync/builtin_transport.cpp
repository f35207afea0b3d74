#include "sync/builtin_transport.h"

#include <utility>

namespace passerelle::client {

namespace {

class BuiltinSocket final : public Socket {
 public:
  BuiltinSocket(ConnectionOptions options, std::shared_ptr<SocketEvents> events)
      : connection_(std::move(options), Connection::Bare{}, Connection::FrameHandler([events](std::string frame) {
                      events->received(std::move(frame));
                    }),
                    Connection::ClosedHandler([events](const Failure& why) { events->closed(why); })) {
    connection_.open([events](Outcome<Done> opened) {
      if (opened)
        events->opened();
      else
        events->closed(std::move(opened).failure());
    });
  }
  // ~Connection stops its I/O thread: no report comes after it.
  void send(std::string frame) override { connection_.send_frame(std::move(frame)); }
  void close() override { connection_.close(); }

 private:
  Connection connection_;
};

// A URL that does not parse: nothing to connect to.
class RefusedSocket final : public Socket {
 public:
  void send(std::string) override {}
  void close() override {}
};

class BuiltinTransport final : public Transport {
 public:
  explicit BuiltinTransport(ConnectionOptions options) : options_(std::move(options)) {}
  std::unique_ptr<Socket> open(const std::string& url, std::shared_ptr<SocketEvents> events) override {
    auto parsed = ServerUrl::parse(url);
    if (!parsed) {
      events->closed(usage_failure(parsed.error().message));
      return std::make_unique<RefusedSocket>();
    }
    ConnectionOptions o = options_;
    o.url = *parsed;
    return std::make_unique<BuiltinSocket>(std::move(o), std::move(events));
  }

 private:
  ConnectionOptions options_;
};

}  // namespace

std::shared_ptr<Transport> make_builtin_transport(ConnectionOptions options) {
  return std::make_shared<BuiltinTransport>(std::move(options));
}

}  // namespace passerelle::client
