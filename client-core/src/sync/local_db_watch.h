// Notices what other processes queue in an account file (docs/sync.md, "Several processes on
// one data folder"). `passerelle send` typed beside a running `passerelle sync --watch` queues
// its op through a connection of its own; the watcher's engine learns of it here and pushes it
// at once instead of at the next poke.
//
//   LocalDbWatcher watcher(LocalDbWatch(db, store, files, store_mutex), 100ms,
//                          [&] { engine.notify_local_write(); });
//
// PRAGMA data_version, read on the connection the engine writes through, changes only when
// another connection committed; reading it touches the WAL index in shared memory, not the
// disk. A change counts only when the outbox or the upload queue then holds work: two watchers
// on one folder must not wake each other forever with the cursors their pulls write.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "files/file_store.h"
#include "sqlite.h"
#include "sync/sync_store.h"

namespace passerelle::client {

class LocalDbWatch {
 public:
  // `db` is the connection `store` and `files` use, guarded by `db_mutex`; `files` may be null.
  LocalDbWatch(sqlite::Database& db, SyncStore& store, files::FileStore* files, std::mutex& db_mutex)
      : db_(db), store_(store), files_(files), db_mutex_(db_mutex) {}

  // True when another connection committed since the previous call and work is now queued.
  // The first call only takes the starting point. Takes `db_mutex`.
  Result<bool> poll();

 private:
  sqlite::Database& db_;
  SyncStore& store_;
  files::FileStore* files_;
  std::mutex& db_mutex_;
  std::optional<std::int64_t> last_version_;
};

// Polls a LocalDbWatch every `interval` on a thread of its own and calls `on_write` when it
// reports work; stops (and joins) on destruction. A failing poll is skipped: the engine meets
// the same failure on its next store call and reports it.
class LocalDbWatcher {
 public:
  LocalDbWatcher(LocalDbWatch watch, std::chrono::milliseconds interval, std::function<void()> on_write);
  ~LocalDbWatcher();
  LocalDbWatcher(const LocalDbWatcher&) = delete;
  LocalDbWatcher& operator=(const LocalDbWatcher&) = delete;

 private:
  void run();

  LocalDbWatch watch_;
  std::chrono::milliseconds interval_;
  std::function<void()> on_write_;
  std::mutex m_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace passerelle::client
