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
// A commit wakes the thread once `wake_pages` frames have been appended since the last
// checkpoint, not whenever the WAL is `wake_pages` long: under a steady stream of commits a
// PASSIVE checkpoint never lets the WAL start over, so the old rule checkpointed after every
// commit, each copying that commit's pages alone. A page written by many commits (a reader's
// inbox, a thread's row) is now copied back once per `wake_pages` frames (docs/benchmarks.md,
// "Tenth pass").
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
    int wake_pages = 4000;     // frames appended since the last checkpoint at which a commit wakes the thread
    int writer_pages = 16000;  // the WAL size (frames) at which the writer checkpoints itself (~64 MiB)
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
  std::atomic<int> backfilled_{0};  // the WAL's frames the last checkpoint had copied back
  int last_pages_ = 0;               // the WAL's size at the writer's last commit (its thread only)
  std::thread thread_;
};

}  // namespace passerelle::server::storage
