// SQLite only: copies the write-ahead log back into the database file on a thread of its own,
// so the writer does not.
//
// By default SQLite checkpoints in the connection that commits, once the WAL holds 1,000
// pages: under chat load that was a fifth of the writer thread's time, and the writer is
// the server's bottleneck (docs/benchmarks.md). With this object the writer's commits only
// wake the checkpointer thread, which checkpoints PASSIVE on its own connection (never
// blocking the writer or a reader). A PASSIVE checkpoint cannot reset a WAL that is being
// appended to, so if the WAL still reaches `writer_pages` the writer checkpoints itself,
// as it did before, and the WAL starts over: its size stays bounded whatever the load.
//
// Durability is unchanged: a commit is durable once in the WAL (synchronous=FULL), and a
// checkpoint only moves committed pages.
#pragma once

#include <soci/session.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

#include "dialect.h"
#include "passerelle/shared/error.h"

namespace passerelle::server::storage {

class WalCheckpointer {
 public:
  struct Options {
    int wake_pages = 1000;    // the WAL size (pages) at which a commit wakes the checkpointer
    int writer_pages = 8000;  // ...and at which the writer checkpoints itself (~32 MiB)
  };
  struct Stats {
    std::uint64_t background = 0;  // checkpoints run by the checkpointer thread
    std::uint64_t by_writer = 0;   // checkpoints the writer had to run itself
  };

  // Opens the checkpointer's own connection to `url` (SQLite) and takes over the WAL hook of
  // `writer_sql`, which must be an open SQLite session used by one thread (the Writer's).
  static Result<std::unique_ptr<WalCheckpointer>> start(soci::session& writer_sql, const DbUrl& url, Options options);
  // Gives the writer back SQLite's own checkpoints and joins the thread. Call it when the
  // writer no longer commits (after Writer::stop()).
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  Stats stats() const;

 private:
  WalCheckpointer(soci::session& writer_sql, Options options);
  static int on_commit(void* self, void* db, const char* name, int pages);
  void run();

  soci::session& writer_sql_;
  soci::session own_sql_;
  Options options_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool wanted_ = false, stopping_ = false;
  std::atomic<std::uint64_t> background_{0}, by_writer_{0};
  std::thread thread_;
};

}  // namespace passerelle::server::storage
