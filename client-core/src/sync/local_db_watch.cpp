#include "sync/local_db_watch.h"

#include <algorithm>

namespace passerelle::client {

Result<bool> LocalDbWatch::poll() {
  std::lock_guard lock(db_mutex_);
  std::int64_t version = 0;
  {
    auto st = db_.prepare_cached("PRAGMA data_version");
    if (!st) return st.error();
    auto row = st->step();
    if (!row) return row.error();
    version = *row ? st->integer(0) : 0;
  }
  bool changed = last_version_ && *last_version_ != version;
  last_version_ = version;
  if (!changed) return false;
  auto ops = store_.pending_count();
  if (!ops) return ops.error();
  if (*ops > 0) return true;
  if (!files_) return false;
  auto uploads = files_->pending_uploads();
  if (!uploads) return uploads.error();
  return !uploads->empty();
}

LocalDbWatcher::LocalDbWatcher(LocalDbWatch watch, std::chrono::milliseconds interval, std::function<void()> on_write)
    : watch_(std::move(watch)),
      interval_(std::max(interval, std::chrono::milliseconds(1))),
      on_write_(std::move(on_write)) {
  (void)watch_.poll();  // the starting point: what is already queued is the engine's to push
  thread_ = std::thread([this] { run(); });
}

LocalDbWatcher::~LocalDbWatcher() {
  {
    std::lock_guard lock(m_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void LocalDbWatcher::run() {
  std::unique_lock lock(m_);
  while (!cv_.wait_for(lock, interval_, [this] { return stop_; })) {
    lock.unlock();
    auto queued = watch_.poll();
    if (queued && *queued) on_write_();
    lock.lock();
  }
}

}  // namespace passerelle::client
