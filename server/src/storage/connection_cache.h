// What lives as long as one of a Database's connections: statements prepared once and run for
// every request, instead of compiled again each time (compiling was 40 % of the server's CPU
// under the chat benchmark; docs/benchmarks.md).
//
//   struct PullStatements { explicit PullStatements(soci::session& sql); ... };  // binds its fields
//   storage::Cached<PullStatements> st(sql);  // the connection's; on a bare session (a test,
//   st->user = user_id;                       // a command) one made for this use only
//   st->one.execute(true); ...
//
// A connection is used by one thread at a time, and so is its cache. A cached statement must
// be finished (stepped to its end, or reset) before its user returns: on SQLite an unfinished
// statement keeps its read transaction open, and the next request would read an old snapshot.
#pragma once

#include <soci/session.h>
#include <soci/statement.h>

#include <cstdint>
#include <memory>
#include <typeindex>
#include <unordered_map>

namespace passerelle::server::storage {

class ConnectionCache {
 public:
  // Registers the cache of `sql`; it must be destroyed before the session closes.
  explicit ConnectionCache(soci::session& sql);
  ~ConnectionCache();
  ConnectionCache(const ConnectionCache&) = delete;
  ConnectionCache& operator=(const ConnectionCache&) = delete;

  // The cache of `sql` when it is a Database's connection, else nullptr. Thread-safe.
  static ConnectionCache* of(soci::session& sql);

  // The connection's one T, made as T(sql) on first use.
  template <class T>
  T& get() {
    auto& slot = items_[std::type_index(typeid(T))];
    if (!slot) slot = std::make_shared<T>(sql_);
    return *static_cast<T*>(slot.get());
  }

  // Counts the rollbacks of work on this connection (the writer's item savepoints and failed
  // batches): what a cache keeps about written data (sync/live.cpp's readers' latest changes)
  // is wrong after one and must be dropped. Same thread as the connection.
  void note_rollback() { ++rollbacks_; }
  std::uint64_t rollbacks() const { return rollbacks_; }

 private:
  soci::session& sql_;
  std::uint64_t rollbacks_ = 0;
  std::unordered_map<std::type_index, std::shared_ptr<void>> items_;
};

// Steps a statement that returned its one row to its end. An unfinished statement keeps its
// read snapshot (above), and SQLite refuses to RELEASE or ROLLBACK TO a savepoint while one of
// the connection's statements is in progress.
void finish(soci::statement& st);

// Ends a statement whose remaining rows are not wanted, so it holds no read transaction (see
// above). A no-op where the backend already holds the whole result (PostgreSQL).
void abandon(soci::session& sql, soci::statement& st);

// Either the connection's cached T or one made for this use only.
template <class T>
class Cached {
 public:
  explicit Cached(soci::session& sql) {
    if (auto* cache = ConnectionCache::of(sql)) ptr_ = &cache->get<T>();
    else {
      own_ = std::make_unique<T>(sql);
      ptr_ = own_.get();
    }
  }
  T& operator*() { return *ptr_; }
  T* operator->() { return ptr_; }

 private:
  std::unique_ptr<T> own_;
  T* ptr_ = nullptr;
};

}  // namespace passerelle::server::storage
