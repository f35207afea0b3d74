// The server's database: one write connection (owned by the Writer's thread) and a small pool
// of read connections. Opening it applies the migrations and refuses a newer schema.
//
//   auto db = Database::open("sqlite:./data/passerelle.db", {});
//   db.value()->read([&](soci::session& sql) { sql << "SELECT ...", soci::into(x); });
//   db.value()->writer().submit(work, done);
#pragma once

#include <soci/session.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "connection_cache.h"
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
  };

  // Errors: bad_request (bad URL), unsupported (schema newer than this binary), internal.
  static Result<std::unique_ptr<Database>> open(std::string_view url, Options options);
  ~Database();  // stops the writer

  Writer& writer() { return *writer_; }
  // SQLite: who copied the WAL back into the file (nullptr on PostgreSQL).
  const WalCheckpointer* checkpointer() const { return checkpointer_.get(); }

  // Runs `fn` with a read connection; blocks while all are busy. Thread-safe. Exceptions from
  // `fn` propagate (after the connection went back to the pool).
  template <class F>
  decltype(auto) read(F&& fn) {
    Lease lease(*this);
    return fn(*lease.sql);
  }

  const DbUrl& url() const { return url_; }

 private:
  Database() = default;
  struct Lease {
    explicit Lease(Database& db);
    ~Lease();
    Database& db;
    soci::session* sql;
  };

  DbUrl url_;
  soci::session write_sql_;
  std::vector<std::unique_ptr<soci::session>> readers_;
  std::vector<soci::session*> free_;
  // After the sessions: destroyed before them (their statements need the open connection).
  std::vector<std::unique_ptr<ConnectionCache>> caches_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::unique_ptr<Writer> writer_;
  std::unique_ptr<WalCheckpointer> checkpointer_;  // after the writer's session; stopped after the writer
};

}  // namespace passerelle::server::storage
