// The server's database: one write connection (owned by the Writer's thread) and a small pool
// of read connections. Opening it applies the migrations and refuses a newer schema.
//
//   auto db = Database::open("sqlite:./data/passerelle.db", {});
//   db.value()->read([&](soci::session& sql) { sql << "SELECT ...", soci::into(x); });
//   db.value()->writer().submit(work, done);
//
// PostgreSQL connections break (a restart, a failover, pg_terminate_backend, a network cut).
// A connection found broken is replaced before its next use: a pooled one when it is leased,
// the writer's before its next batch (docs/faults.md, "PostgreSQL goes away"). A monitor thread
// probes the database on a connection of its own (every second; with backoff while it is
// down) and keeps the verdict that /healthz reports; while it says "down", read() throws
// Unavailable at once and the writer fails its items at once, so no request waits on a dead
// socket, and the clients retry after retry_after().
#pragma once

#include <soci/session.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "connection_cache.h"
#include "db_error.h"
#include "dialect.h"
#include "passerelle/shared/error.h"
#include "wal_checkpointer.h"
#include "writer.h"

namespace passerelle::server::storage {

class Database {
 public:
  struct Options {
    std::size_t read_connections = 4;
    Writer::Options writer;  // begin_sql is filled in from the dialect
    WalCheckpointer::Options checkpoints;  // SQLite only
    // PostgreSQL: how often the monitor probes a reachable database, and the longest wait
    // between two attempts while it is unreachable (the wait doubles from 100 ms up to it).
    std::chrono::milliseconds probe_interval{1000};
    std::chrono::milliseconds max_backoff{1000};
  };

  // Errors: bad_request (bad URL), unsupported (schema newer than this binary), internal.
  static Result<std::unique_ptr<Database>> open(std::string_view url, Options options);
  ~Database();  // stops the writer

  Writer& writer() { return *writer_; }
  // SQLite: who copied the WAL back into the file (nullptr on PostgreSQL).
  const WalCheckpointer* checkpointer() const { return checkpointer_.get(); }

  // Runs `fn` with a read connection; blocks while all are busy. Thread-safe. Exceptions from
  // `fn` propagate (after the connection went back to the pool). Throws Unavailable while the
  // database cannot be reached (a broken connection is replaced first when it can be).
  template <class F>
  decltype(auto) read(F&& fn) {
    Lease lease(*this);
    try {
      return fn(*lease.sql);
    } catch (...) {
      lease.failed();
      throw;
    }
  }

  const DbUrl& url() const { return url_; }

  // The monitor's verdict (SQLite: always reachable). Thread-safe, never touches the database.
  struct Health {
    bool reachable = true;
    std::string reason;                  // why not, for /healthz ("" when reachable)
    std::uint64_t reconnects = 0;        // broken connections replaced since start
    std::uint64_t outages = 0;           // times the database became unreachable
    double down_seconds = 0;             // how long the current outage has lasted
  };
  Health health() const;
  // The wait a client is told to observe before retrying while the database is unreachable
  // (nullopt when it is reachable).
  std::optional<std::chrono::milliseconds> retry_after() const;
  // Prometheus text of the database's state (appended to /metrics).
  std::string render_metrics() const;

 private:
  Database() = default;
  struct Slot {
    std::unique_ptr<soci::session> sql;
    std::unique_ptr<ConnectionCache> cache;
    bool broken = false;
  };
  struct Lease {
    explicit Lease(Database& db);
    ~Lease();
    void failed();  // `fn` threw: was it the connection?
    Database& db;
    Slot* slot;
    soci::session* sql;
  };
  // Replaces `slot`'s connection when it is broken (or `force`). False when it cannot.
  bool repair(Slot& slot, bool force);
  void monitor();
  void mark_down(std::string reason);
  void mark_up();

  DbUrl url_;
  Options options_;
  Slot write_;
  std::vector<std::unique_ptr<Slot>> readers_;
  std::vector<Slot*> free_;
  std::mutex mutex_;
  std::condition_variable cv_;

  mutable std::mutex health_mutex_;
  std::condition_variable health_cv_;
  bool reachable_ = true;
  std::string reason_;
  std::chrono::steady_clock::time_point down_since_;
  std::uint64_t outages_ = 0;
  std::atomic<std::uint64_t> reconnects_{0};
  std::atomic<bool> probe_now_{false};
  bool stopping_ = false;
  std::thread monitor_;

  std::unique_ptr<Writer> writer_;
  std::unique_ptr<WalCheckpointer> checkpointer_;  // after the writer's session; stopped after the writer
};

}  // namespace passerelle::server::storage
