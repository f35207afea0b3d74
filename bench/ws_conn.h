// One load-generator connection: a Beast WebSocket client speaking the JSON protocol. Many of
// them share one io_context run by one thread (no strands needed), so thousands of connections
// cost one thread. Requests carry ids; answers are matched by `re`, events go to on_event.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>
#include <unordered_map>

namespace passerelle::bench {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

// Where connections go and where they come from: the 127.0.0.x source address of connection i
// changes every `per_source` connections, so N may exceed one address's ephemeral ports.
struct Target {
  tcp::endpoint server;
  std::size_t per_source = 20000;
  asio::ip::address_v4 source_for(std::size_t i) const;
  // More instances of the same server (one database): connection i goes to instance i modulo
  // their number, so chat's sides alternate and each pair's two devices sit on two instances.
  std::vector<tcp::endpoint> other_instances;
  const tcp::endpoint& server_for(std::size_t i) const {
    std::size_t k = i % (1 + other_instances.size());
    return k == 0 ? server : other_instances[k - 1];
  }
};

class WsConn : public std::enable_shared_from_this<WsConn> {
 public:
  using Answer = std::function<void(const boost::json::object& frame)>;  // whole answer frame
  using Failed = std::function<void(const std::string& what)>;

  WsConn(asio::io_context& io, std::size_t read_limit = 16 * 1024 * 1024);

  // TCP connect from `source`, WebSocket upgrade at /v1/ws; then reads until closed.
  void connect(const tcp::endpoint& server, const asio::ip::address_v4& source, std::function<void()> connected);
  // Sends {"id":..,"type":..,...fields}; `answer` runs with the answer frame (ok or not).
  void request(std::string_view type, boost::json::object fields, Answer answer);
  // The same with the fields already serialized: `"name":value,...` (no braces), or empty.
  void request_text(std::string_view type, std::string_view fields, Answer answer);
  // Sends an already serialized frame (the echo workload) and expects any frame back.
  void send_raw(std::string frame);
  // hello, then auth.resume with `token`: `done(true)` once signed in. `live_rows`: the hello
  // asks for pokes that carry the change (docs/sync.md, "Live").
  void hello_resume(const std::string& token, std::function<void(bool ok)> done, bool live_rows = false);
  // Resets the TCP connection at once (no close handshake, no TIME_WAIT on this side).
  void abort();

  std::function<void(const boost::json::object& event)> on_event;  // frames without "re"
  std::function<void(std::string_view frame)> on_raw;               // every frame, unparsed (echo)
  Failed on_failure;                                                // connect/read/write errors
  // Frames are parsed into a block reused for the next frame: the objects passed to answers
  // and on_event live only during the call (copying one copies that storage along: do not).
  bool scratch_frames = false;
  bool open() const { return open_; }

 private:
  void read_next();
  void write_next();
  void fail(const std::string& what);

  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  boost::beast::flat_buffer buffer_;
  std::deque<std::string> out_;
  bool writing_ = false;
  bool open_ = false;
  bool failed_ = false;
  std::int64_t next_id_ = 1;
  std::unordered_map<std::int64_t, Answer> pending_;
};

// {"ok":true} answer?
bool answer_ok(const boost::json::object& frame);
// "code: message" of a failed answer, for error reports.
std::string answer_error(const boost::json::object& frame);

}  // namespace passerelle::bench
