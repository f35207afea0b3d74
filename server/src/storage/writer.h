// The write path: one thread owns the only write connection and group-commits work items.
//
//   writer.submit(
//       [=](soci::session& sql) -> Status {        // on the writer thread, inside a SAVEPOINT
//         sql << "INSERT ...", soci::use(x);
//         if (already_there) return Status(ErrorCode::conflict, "...");  // rolls back this item
//         return Status::Ok();
//       },
//       [=](Status st) { reply(st); });            // after COMMIT returned: durable
//
// Contract:
//  * Items run in submission order, one at a time, each inside `SAVEPOINT item` within a batch
//    transaction. An item that returns a non-ok Status or throws is rolled back to its
//    savepoint alone (a throw becomes an `internal` error); the rest of the batch commits.
//  * A batch commits when it holds `max_batch` items, or when the queue is empty and no new item
//    arrived for `linger`; with `linger_per_batch`, when the queue is empty and `linger` has
//    passed since the batch began (a budget for the batch, not a wait per gap: a steady stream
//    must not hold the first items until `max_batch`; queued items are taken whatever the
//    budget). It waits only while writes are concurrent (the previous batch held more than one item):
//    a lone client writing one request at a time would otherwise wait `linger` for nobody on
//    every request (a 10,000-op sync is 100 pushes in a row; docs/benchmarks.md).
//  * `done` is called exactly once, on the writer thread, only AFTER the batch's COMMIT
//    returned (durable acknowledgement). If the COMMIT fails, every item of the batch gets
//    `internal`. Keep `done` short: post the answer elsewhere (Reply does that).
//  * Before each batch `ready` (when set) may replace a broken connection; when it answers
//    false the database cannot be reached and every item of the batch gets `internal` at once
//    ("the database is unavailable"), unrun. A connection lost in the middle of a batch fails
//    the rest of it the same way, without trying each item. A COMMIT whose outcome is unknown
//    (the connection broke during it) answers `internal` too: the client pushes the same ops
//    again and the op ledger (sync_ops) answers those that did commit (docs/faults.md).
//  * After stop() began, submit() answers `internal` ("the server is shutting down") at once.
//    stop() runs everything already queued, commits, and joins the thread.
#pragma once

#include <soci/session.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "passerelle/shared/error.h"

namespace passerelle::server::storage {

struct ReadAhead;  // deferred_writes.h

class Writer {
 public:
  using Work = std::function<Status(soci::session&)>;
  using Done = std::function<void(Status)>;

  struct Options {
    std::size_t max_batch = 256;
    std::chrono::microseconds linger{1000};
    // The linger as one budget per batch (see the contract). The Database sets it on SQLite,
    // where an item takes a fraction of the linger; on PostgreSQL an item's round trips can
    // take the whole budget and a per-gap wait gathers more pushes per commit.
    bool linger_per_batch = false;
    const char* begin_sql = "BEGIN";  // the dialect's write transaction opener
    const char* lock_sql = nullptr;   // the dialect's statement run right after it (none: nullptr)
    // Releases the previous item's savepoint and opens the next one in one statement (the
    // dialect's; nullptr: two statements). On PostgreSQL each statement is a round trip.
    const char* next_item_sql = nullptr;
    // begin_sql, lock_sql and the first item's "SAVEPOINT item" in one statement (nullptr: three).
    const char* begin_batch_sql = nullptr;
    std::function<bool(soci::session&)> ready;  // see the contract above
  };

  // `sql` must outlive the writer and is used by the writer thread only.
  Writer(soci::session& sql, Options options);
  ~Writer();  // stop()
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Thread-safe. `flushes_first`: the item promises that the first statement it sends that
  // changes anything is a flush of the connection's DeferredWrites (storage/deferred_writes.h;
  // a push's is). On PostgreSQL its `SAVEPOINT item` then rides at the head of that flush
  // (DeferredWrites::lead_with) instead of costing a round trip of its own; an item that sent
  // nothing has no savepoint to roll back to, and the previous item's stays open.
  //
  // `ahead` (PostgreSQL, with flushes_first): what the item before this one in the same batch
  // may read on its behalf in its own last pipeline (DeferredWrites::next_item, this_item). The
  // writer offers it to this item only when that item returned ok; an item that ran anything
  // after its last pipeline must leave untouched what it read ahead (a push's post-steps write
  // neither the op ledger, the seq counter nor sync rows), and the reader checks that no
  // pipeline was sent since. The savepoint still opens in this item's own first pipeline.
  void submit(Work work, Done done, bool flushes_first = false, std::shared_ptr<ReadAhead> ahead = nullptr);
  // submit() and wait for the durable outcome: for commands and start-up work, never from a
  // thread that serves connections. Also waits behind a running server's batch on the same file.
  Status run(Work work);
  // Drains, commits and joins. Idempotent.
  void stop();

  struct Stats {
    std::uint64_t batches = 0;
    std::uint64_t items = 0;
  };
  Stats stats() const;

 private:
  struct Item {
    Work work;
    Done done;
    bool flushes_first = false;
    std::shared_ptr<ReadAhead> ahead;
  };
  void run();
  void run_batch(std::deque<Item>& first, std::unique_lock<std::mutex>& lock);

  soci::session& sql_;
  Options options_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  bool stopping_ = false;
  mutable std::mutex stats_mutex_;  // apart from mutex_: stats are counted while the queue lock is free
  Stats stats_;
  std::size_t last_batch_items_ = 0;  // writer thread only
  std::thread thread_;
};

}  // namespace passerelle::server::storage
