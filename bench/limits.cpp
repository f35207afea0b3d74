// The ceilings of this machine, measured in the same run as the server: `echo` (the transport:
// a minimal Beast WebSocket server that answers every frame with itself, no database) and
// `storage` (a raw SQLite insert loop, WAL, synchronous=FULL, commits in batches, rows the size
// of a chat message's row). The server's figures are reported as ratios to these.
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <sqlite3.h>

#include <thread>

#include "bench.h"
#include "passerelle/shared/ids.h"
#include "passerelle/shared/protocol.h"

namespace passerelle::bench {
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace json = boost::json;

namespace {

// One echo session: accept, then read a frame, write it back, read the next (one op chain, so
// it needs no strand even on several threads).
class EchoSession : public std::enable_shared_from_this<EchoSession> {
 public:
  explicit EchoSession(tcp::socket s) : ws_(std::move(s)) {}
  void start() {
    ws_.async_accept([self = shared_from_this()](beast::error_code ec) {
      if (!ec) self->read();
    });
  }

 private:
  void read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return;
      self->ws_.text(self->ws_.got_text());
      self->ws_.async_write(self->buffer_.data(), [self](beast::error_code ec, std::size_t) {
        if (ec) return;
        self->buffer_.consume(self->buffer_.size());
        self->read();
      });
    });
  }
  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
};

// The echo endpoint on 127.0.0.1:0 with as many I/O threads as the real server (one per core).
class EchoServer {
 public:
  EchoServer() : acceptor_(io_, tcp::endpoint(asio::ip::address_v4::loopback(), 0)) {
    accept();
    unsigned n = std::max(1u, std::thread::hardware_concurrency());
    for (unsigned i = 0; i < n; ++i) threads_.emplace_back([this] { io_.run(); });
  }
  ~EchoServer() {
    io_.stop();
    for (auto& t : threads_) t.join();
  }
  tcp::endpoint endpoint() const { return acceptor_.local_endpoint(); }

 private:
  void accept() {
    acceptor_.async_accept([this](beast::error_code ec, tcp::socket s) {
      if (!ec) std::make_shared<EchoSession>(std::move(s))->start();
      accept();
    });
  }
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::vector<std::thread> threads_;
};

// A push frame of one message.send, the size a chat sender writes.
std::string chat_sized_frame(const Options& o, std::uint64_t n) {
  json::array ops;
  ops.push_back(json::object{{"op_id", new_id()},
                             {"name", "message.send"},
                             {"args", {{"id", new_id()}, {"thread_id", new_id()}, {"body", message_body(o.body_bytes, n)}}}});
  return protocol::serialize_request(static_cast<std::int64_t>(n), "push", {{"ops", std::move(ops)}});
}

}  // namespace

// echo: as many connections as chat, closed loop (one frame in flight each), for limit_seconds.
json::object run_echo(const Options& o) {
  EchoServer server;
  Loop loop;
  std::size_t conns_n = std::max<std::size_t>(2, o.pairs * 2);
  std::vector<std::shared_ptr<WsConn>> conns;
  std::vector<Clock::time_point> sent_at(conns_n);
  Histogram latency;
  std::uint64_t round_trips = 0, in_window = 0, errors = 0;
  std::size_t connected = 0;
  std::string frame = chat_sized_frame(o, 1), first_error;
  Clock::time_point window_start{}, window_end{};
  bool stopping = false;
  for (std::size_t i = 0; i < conns_n; ++i) {
    auto c = std::make_shared<WsConn>(loop.io());
    c->on_failure = [&](const std::string& what) { ++errors, first_error = what; };
    c->on_raw = [&, i, c = c.get()](std::string_view) {
      auto now = Clock::now();
      ++round_trips;
      if (now >= window_start && now < window_end) {
        ++in_window;
        latency.record(static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(now - sent_at[i]).count()));
      }
      if (stopping) return;
      sent_at[i] = now;
      c->send_raw(frame);
    };
    c->connect(server.endpoint(), asio::ip::address_v4::loopback(), [&] { ++connected; });
    conns.push_back(c);
  }
  if (!loop.run_until([&] { return connected + errors == conns_n; }, std::chrono::seconds(30)) || errors)
    return {{"errors", errors + 1}, {"first_error", first_error}};
  auto start = Clock::now();
  window_start = start + std::chrono::milliseconds(500);
  window_end = window_start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.limit_seconds));
  for (std::size_t i = 0; i < conns_n; ++i) {
    sent_at[i] = Clock::now();
    conns[i]->send_raw(frame);
  }
  Progress progress(o, "echo", [&] {
    return std::to_string(round_trips) + " round trips (" + std::to_string(static_cast<long>(round_trips / seconds_since(start))) + "/s)";
  });
  loop.run_until([&] { progress.tick(); return Clock::now() >= window_end; }, window_end - start + std::chrono::seconds(5));
  stopping = true;
  progress.done();
  for (auto& c : conns) c->abort();
  loop.run_for(std::chrono::milliseconds(100));
  double window = std::chrono::duration<double>(window_end - window_start).count();
  json::object r{{"connections", conns_n}, {"frame_bytes", frame.size()}, {"seconds", window},
                 {"msgs_per_s", static_cast<double>(in_window) / window}};
  put_latency(r, "rtt", latency);
  r["errors"] = errors;
  return r;
}

namespace {

struct Db {
  sqlite3* db = nullptr;
  ~Db() { sqlite3_close(db); }
};

bool exec(sqlite3* db, const char* sql, std::string& error) {
  char* msg = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &msg) == SQLITE_OK) return true;
  error = msg ? msg : "?";
  sqlite3_free(msg);
  return false;
}

}  // namespace

// storage: one connection inserts message-sized rows (UUIDv7 keys, JSON text of a message row)
// into a WAL database with synchronous=FULL, committing every storage_batch rows.
json::object run_storage(const Options& o) {
  TempDir dir;
  Db d;
  std::string error;
  std::string path = dir.path() + "/limit.sqlite";
  if (sqlite3_open(path.c_str(), &d.db) != SQLITE_OK) return {{"errors", 1}, {"first_error", "cannot open " + path}};
  if (!exec(d.db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                  "CREATE TABLE rows (collection TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL, seq INTEGER NOT NULL,"
                  " PRIMARY KEY (collection, id));",
            error))
    return {{"errors", 1}, {"first_error", error}};
  sqlite3_stmt* insert = nullptr;
  sqlite3_prepare_v2(d.db, "INSERT INTO rows (collection, id, data, seq) VALUES ('messages', ?1, ?2, ?3)", -1, &insert, nullptr);
  std::string thread = new_id(), author = new_id();
  std::uint64_t rows = 0, batches = 0, errors = 0;
  auto start = Clock::now();
  auto end = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.limit_seconds));
  Progress progress(o, "storage", [&] { return std::to_string(rows) + " rows (" + std::to_string(static_cast<long>(rows / seconds_since(start))) + "/s)"; });
  std::size_t row_bytes = 0;
  while (Clock::now() < end) {
    if (!exec(d.db, "BEGIN", error)) { ++errors; break; }
    for (std::size_t i = 0; i < o.storage_batch; ++i) {
      std::string id = new_id();
      // The same shape the server stores for a message row.
      std::string data = json::serialize(json::object{{"id", id}, {"thread_id", thread}, {"author_id", author},
                                                      {"body", message_body(o.body_bytes, rows)}, {"n", rows + 1},
                                                      {"sent_at", "2026-11-30T19:00:00.000Z"}, {"attachments", json::array()}});
      row_bytes = data.size();
      sqlite3_bind_text(insert, 1, id.c_str(), static_cast<int>(id.size()), SQLITE_TRANSIENT);
      sqlite3_bind_text(insert, 2, data.c_str(), static_cast<int>(data.size()), SQLITE_TRANSIENT);
      sqlite3_bind_int64(insert, 3, static_cast<sqlite3_int64>(rows + 1));
      if (sqlite3_step(insert) != SQLITE_DONE) ++errors;
      sqlite3_reset(insert);
      ++rows;
    }
    if (!exec(d.db, "COMMIT", error)) ++errors;
    ++batches;
    progress.tick();
  }
  double elapsed = seconds_since(start);
  progress.done();
  sqlite3_finalize(insert);
  return {{"batch", o.storage_batch}, {"row_bytes", row_bytes}, {"synchronous", "FULL"}, {"journal", "WAL"},
          {"rows", rows}, {"seconds", elapsed}, {"rows_per_s", static_cast<double>(rows) / elapsed},
          {"commit_ms", 1000.0 * elapsed / static_cast<double>(batches ? batches : 1)}, {"errors", errors}};
}

}  // namespace passerelle::bench
