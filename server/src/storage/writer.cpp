#include "writer.h"

#include <soci/soci.h>

#include <exception>
#include <future>
#include <optional>
#include <string>
#include <stdexcept>
#include <vector>

#include "../log.h"
#include "connection_cache.h"
#include "db_error.h"
#include "deferred_writes.h"
#include "dialect.h"

namespace passerelle::server::storage {

namespace {
// The batch's and items' own statements where each runs alone (SQLite: no next_item_sql nor
// begin_batch_sql), prepared once per connection: `sql << "SAVEPOINT item"` compiled the
// statement again for every item, and the RELEASE with it, about 5 % of the writer thread's
// samples under the chat workload (docs/benchmarks.md, "Eleventh pass").
struct BatchStatements {
  explicit BatchStatements(soci::session& sql)
      : sql(sql),
        savepoint((sql.prepare << "SAVEPOINT item")),
        release((sql.prepare << "RELEASE SAVEPOINT item")),
        commit((sql.prepare << "COMMIT")) {}
  soci::statement& begin(const char* text) {
    if (!begin_stmt || begin_text != text) begin_stmt.emplace((sql.prepare << text)), begin_text = text;
    return *begin_stmt;
  }
  soci::session& sql;
  soci::statement savepoint, release, commit;
  std::optional<soci::statement> begin_stmt;
  std::string begin_text;
};
}  // namespace

Writer::Writer(soci::session& sql, Options options) : sql_(sql), options_(options) {
  thread_ = std::thread([this] { run(); });
}

Writer::~Writer() { stop(); }

void Writer::submit(Work work, Done done, bool flushes_first, std::shared_ptr<ReadAhead> ahead) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      queue_.push_back(Item{std::move(work), std::move(done), flushes_first, std::move(ahead)});
      cv_.notify_one();
      return;
    }
  }
  if (done) done(Status(ErrorCode::internal, "the server is shutting down"));
}

Status Writer::run(Work work) {
  std::promise<Status> done;
  auto outcome = done.get_future();
  submit(std::move(work), [&done](Status st) { done.set_value(std::move(st)); });
  return outcome.get();
}

void Writer::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Writer::Stats Writer::stats() const {
  std::lock_guard lock(stats_mutex_);
  return stats_;
}

void Writer::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping and drained
    std::deque<Item> batch;
    run_batch(batch, lock);
  }
}

// Called with the lock held and a non-empty queue; returns with the lock held.
void Writer::run_batch(std::deque<Item>& batch, std::unique_lock<std::mutex>& lock) {
  // Before anything else runs on the connection: what its caches remember of written data
  // (sync/live.cpp) may hold work that is being undone.
  auto note_rollback = [this] {
    if (auto* cache = ConnectionCache::of(sql_)) cache->note_rollback();
  };
  std::vector<std::pair<Done, Status>> results;
  bool begun = false;
  bool item_ready = false;  // the first item's savepoint came with the BEGIN (begin_batch_sql)
  const char* unavailable = "storage is unavailable";
  lock.unlock();
  BatchStatements* own = nullptr;  // the connection's prepared ones (see BatchStatements), taken after ready()
  if (options_.ready && !options_.ready(sql_)) {
    unavailable = "the database is unavailable; retry shortly";
  } else {
    if (!options_.next_item_sql && !options_.begin_batch_sql)
      if (auto* cache = ConnectionCache::of(sql_)) own = &cache->get<BatchStatements>();
    try {
      if (options_.begin_batch_sql) {
        run_statements(sql_, options_.begin_batch_sql);
        item_ready = true;
      } else if (own) {
        own->begin(options_.begin_sql).execute(true);
        if (options_.lock_sql) sql_ << options_.lock_sql;
      } else {
        sql_ << options_.begin_sql;
        if (options_.lock_sql) sql_ << options_.lock_sql;
      }
      begun = true;
    } catch (const std::exception& e) {
      log::error("writer_begin_failed", storage::failure_fields(e));
      // The BEGIN may have run before what failed after it.
      try { sql_ << "ROLLBACK"; } catch (...) {}
      note_rollback();
      item_ready = false;
    }
  }
  lock.lock();

  // The connection's queue of pipelined statements (PostgreSQL, a Database's connection; see
  // submit()): taken after ready(), which may have replaced the connection.
  DeferredWrites* deferred = nullptr;
  if (begun && ConnectionCache::of(sql_)) {
    Cached<DeferredWrites> queue(sql_);
    if (queue->available()) deferred = &*queue;
  }
  const bool concurrent = last_batch_items_ > 1;
  // linger_per_batch: the linger is one budget for the whole batch, counted from its start, not
  // a wait per gap: on SQLite, items arriving steadily a little more often than `linger` (an
  // open loop at half the chat peak: one push every 0.7 ms) kept a per-gap wait going until
  // `max_batch`, 256 items over about 180 ms, and the batch's first pushes waited all of it
  // (docs/benchmarks.md). Items already queued are still taken after the budget: no wait.
  const auto linger_until = std::chrono::steady_clock::now() + options_.linger;
  auto linger = [&] {
    auto more = [&] { return !queue_.empty(); };
    return options_.linger_per_batch ? cv_.wait_until(lock, linger_until, more)
                                     : cv_.wait_for(lock, options_.linger, more);
  };
  // An item's savepoint is released when the next item opens its own (one statement where the
  // dialect allows) or by the COMMIT, which ends every savepoint: not by a statement of its own.
  bool item_open = false;
  // The previous item of this batch returned ok: what it read ahead for this one stands.
  bool previous_ok = false;
  while (results.size() < options_.max_batch) {
    if (queue_.empty()) {
      // Linger briefly so concurrent clients share this batch's fsync.
      if (stopping_ || !concurrent || !linger()) break;
    }
    Item item = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    Status st;
    bool this_ok = false;
    if (begun && deferred && item.flushes_first) {
      const std::size_t index = results.size();
      deferred->set_items(previous_ok ? item.ahead : nullptr, [this, index]() -> std::shared_ptr<ReadAhead> {
        // Only this thread pops the queue: its front runs next, in this batch unless it is full.
        std::lock_guard next_lock(mutex_);
        if (index + 1 >= options_.max_batch || queue_.empty() || !queue_.front().flushes_first) return nullptr;
        return queue_.front().ahead;
      });
    }
    if (!begun) {
      st = Status(ErrorCode::internal, unavailable);
    } else {
      // The savepoint waits at the head of the item's first pipeline (see submit()).
      bool lead = false;
      try {
        if (item_ready) {
          item_ready = false;
        } else if (item.flushes_first && deferred) {
          deferred->discard();  // nothing of an earlier item rides with this one
          if (item_open) deferred->lead_with({"RELEASE SAVEPOINT item", "SAVEPOINT item"});
          else deferred->lead_with({"SAVEPOINT item"});
          lead = true;
        } else if (!item_open) {
          if (own) own->savepoint.execute(true);
          else sql_ << "SAVEPOINT item";
        } else if (options_.next_item_sql) {
          run_statements(sql_, options_.next_item_sql);
        } else if (own) {
          own->release.execute(true);
          own->savepoint.execute(true);
        } else {
          sql_ << "RELEASE SAVEPOINT item";
          sql_ << "SAVEPOINT item";
        }
        if (!lead) item_open = true;
        try {
          st = item.work(sql_);
        } catch (const std::exception& e) {
          log::error("write_item_failed", failure_fields(e));
          st = Status(ErrorCode::internal, "storage failure; please retry");
          if (classify(e).connection_lost) throw;  // the batch is over: see below
        } catch (...) {
          log::error("write_item_failed", {{"what", "unknown exception"}});
          st = Status(ErrorCode::internal, "storage failure; please retry");
        }
        bool sent_nothing = false;
        if (lead) {
          // Its savepoint went out with its first pipeline, or the item sent nothing at all.
          sent_nothing = deferred->lead_pending();
          deferred->drop_lead();
          if (!sent_nothing) item_open = true;
        }
        // An item that swallowed a failed statement leaves the transaction aborted: its
        // savepoint, now released only with the next item or the COMMIT, must not hide that.
        if (st && transaction_failed(sql_)) {
          log::error("write_item_failed", {{"what", "the item left its transaction aborted"}});
          st = Status(ErrorCode::internal, "storage failure; please retry");
        }
        // Which stays open, empty. An item that sent nothing has no savepoint of its own: rolling
        // back to `item` would undo the previous item.
        if (!st && deferred) deferred->discard();  // what a failed item queued and never sent
        if (!st) note_rollback();
        if (!st && !sent_nothing) sql_ << "ROLLBACK TO SAVEPOINT item";
        this_ok = static_cast<bool>(st);
      } catch (const std::exception& e) {
        if (deferred) deferred->drop_lead(), deferred->discard();  // nothing of it may ride later
        note_rollback();
        if (!classify(e).connection_lost) log::error("write_savepoint_failed", failure_fields(e));
        if (st) st = Status(ErrorCode::internal, "storage failure; please retry");
        if (classify(e).connection_lost) {
          // Nothing of this batch can commit: fail its items and the rest of the batch now.
          log::error("writer_connection_lost", {{"items", results.size() + 1}});
          for (auto& r : results)
            if (r.second) r.second = Status(ErrorCode::internal, "storage failure; please retry");
          begun = false;
          unavailable = "storage failure; please retry";
        }
      }
    }
    if (deferred) deferred->set_items(nullptr, nullptr);
    previous_ok = this_ok;
    results.emplace_back(std::move(item.done), std::move(st));
    lock.lock();
  }
  lock.unlock();

  if (begun) {
    try {
      // COMMIT of an aborted PostgreSQL transaction rolls back without an error.
      if (transaction_failed(sql_)) throw std::runtime_error("the batch's transaction is aborted");
      if (own) own->commit.execute(true);
      else sql_ << "COMMIT";
    } catch (const std::exception& e) {
      auto fields = failure_fields(e);
      fields["items"] = results.size();
      log::error("writer_commit_failed", std::move(fields));
      try { sql_ << "ROLLBACK"; } catch (...) {}
      note_rollback();
      for (auto& r : results)
        if (r.second) r.second = Status(ErrorCode::internal, "storage failure; please retry");
    }
  }
  last_batch_items_ = results.size();
  // Count the batch before anyone hears of it: a caller woken by its done may read stats().
  {
    std::lock_guard stats_lock(stats_mutex_);
    ++stats_.batches;
    stats_.items += results.size();
  }
  for (auto& [done, st] : results) {
    if (!done) continue;
    try {
      done(std::move(st));
    } catch (const std::exception& e) {
      log::error("writer_done_failed", failure_fields(e));
    } catch (...) {
    }
  }
  lock.lock();
}

}  // namespace passerelle::server::storage
