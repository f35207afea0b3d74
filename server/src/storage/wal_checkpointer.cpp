#include "wal_checkpointer.h"

#include <soci/sqlite3/soci-sqlite3.h>

#include "../log.h"

namespace passerelle::server::storage {

namespace {
sqlite_api::sqlite3* handle_of(soci::session& sql) {
  return static_cast<soci::sqlite3_session_backend*>(sql.get_backend())->conn_;
}
}  // namespace

Result<std::unique_ptr<WalCheckpointer>> WalCheckpointer::start(soci::session& writer_sql, const DbUrl& url,
                                                                Options options) {
  if (url.is_postgresql() || writer_sql.get_backend_name() != "sqlite3")
    return Error{ErrorCode::internal, "the WAL checkpointer is for SQLite databases"};
  std::unique_ptr<WalCheckpointer> c(new WalCheckpointer(writer_sql, options));
  if (auto st = open_connection(c->own_sql_, url); !st) return st.error();
  // Replaces SQLite's automatic checkpoint on the writer's connection (it is a WAL hook too).
  sqlite_api::sqlite3_wal_hook(
      handle_of(writer_sql),
      [](void* self, sqlite_api::sqlite3* db, const char* name, int pages) { return on_commit(self, db, name, pages); },
      c.get());
  c->thread_ = std::thread([p = c.get()] { p->run(); });
  return c;
}

WalCheckpointer::WalCheckpointer(soci::session& writer_sql, Options options)
    : writer_sql_(writer_sql), options_(options) {}

WalCheckpointer::~WalCheckpointer() {
  sqlite_api::sqlite3_wal_autocheckpoint(handle_of(writer_sql_), 1000);  // SQLite's default again
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

WalCheckpointer::Stats WalCheckpointer::stats() const { return Stats{background_.load(), by_writer_.load()}; }

// On the writer's thread, after each commit, with the WAL's size in pages.
int WalCheckpointer::on_commit(void* self, void* db, const char* name, int pages) {
  auto* c = static_cast<WalCheckpointer*>(self);
  // The WAL started over since the last commit: nothing of it is copied back yet. (A checkpoint
  // that finished just before may still store its larger count: hence the second check.)
  if (pages < c->last_pages_) c->backfilled_.store(0);
  c->last_pages_ = pages;
  int backfilled = c->backfilled_.load();
  if (backfilled > pages) backfilled = 0;
  if (pages >= c->options_.writer_pages) {
    int frames = 0, copied = 0;
    if (sqlite_api::sqlite3_wal_checkpoint_v2(static_cast<sqlite_api::sqlite3*>(db), name, SQLITE_CHECKPOINT_PASSIVE,
                                              &frames, &copied) == SQLITE_OK)
      c->backfilled_.store(copied);
    c->by_writer_.fetch_add(1);
  } else if (pages - backfilled >= c->options_.wake_pages) {
    {
      std::lock_guard lock(c->mutex_);
      c->wanted_ = true;
    }
    c->cv_.notify_one();
  }
  return SQLITE_OK;
}

void WalCheckpointer::run() {
  auto* db = handle_of(own_sql_);
  std::unique_lock lock(mutex_);
  for (;;) {
    cv_.wait(lock, [&] { return wanted_ || stopping_; });
    if (stopping_) return;
    wanted_ = false;
    lock.unlock();
    int frames = 0, copied = 0;
    int rc = sqlite_api::sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &frames, &copied);
    if (rc == SQLITE_OK) {
      backfilled_.store(copied);
      background_.fetch_add(1);
    }
    else if (rc != SQLITE_BUSY)  // BUSY: another checkpoint is running; the next commit wakes us again
      log::warn("wal_checkpoint_failed", {{"message", sqlite_api::sqlite3_errmsg(db)}});
    lock.lock();
  }
}

}  // namespace passerelle::server::storage
