#include <gtest/gtest.h>
#include <soci/soci.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <latch>
#include <thread>
#include <vector>

#include "storage/connection_cache.h"
#include "storage/database.h"
#include "storage/migrations.h"
#include "temp_db.h"

using namespace passerelle;
using namespace passerelle::server::storage;

namespace {
using passerelle::testing::TempDb;

void create_table(Database& db) {
  std::promise<Status> p;
  db.writer().submit([](soci::session& sql) {
    sql << "CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)";
    return Status::Ok();
  }, [&](Status st) { p.set_value(st); });
  ASSERT_TRUE(p.get_future().get().ok());
}

long long count_rows(Database& db) {
  return db.read([](soci::session& sql) {
    long long n = 0;
    sql << "SELECT COUNT(*) FROM t", soci::into(n);
    return n;
  });
}
}  // namespace

TEST(Writer, ManyItemsShareBatches) {
  TempDb tmp;
  Database::Options opts;
  opts.writer.linger = std::chrono::milliseconds(50);  // generous so items surely share a batch
  auto db = Database::open(tmp.url(), opts);
  ASSERT_TRUE(db.ok()) << db.error().message;
  create_table(**db);
  auto before = (*db)->writer().stats();
  constexpr int kItems = 100;
  std::latch all(kItems);
  std::atomic<int> ok{0};
  for (int i = 0; i < kItems; ++i)
    (*db)->writer().submit([i](soci::session& sql) {
      sql << "INSERT INTO t(k, v) VALUES(:k, 'x')", soci::use(i);
      return Status::Ok();
    }, [&](Status st) { ok += st.ok(); all.count_down(); });
  all.wait();
  EXPECT_EQ(ok.load(), kItems);
  auto after = (*db)->writer().stats();
  EXPECT_EQ(after.items - before.items, static_cast<unsigned>(kItems));
  EXPECT_LT(after.batches - before.batches, static_cast<unsigned>(kItems));  // grouped
  EXPECT_EQ(count_rows(**db), kItems);
}

TEST(Writer, FailingItemDoesNotPoisonTheBatch) {
  TempDb tmp;
  Database::Options opts;
  opts.writer.linger = std::chrono::milliseconds(50);
  auto db = Database::open(tmp.url(), opts);
  ASSERT_TRUE(db.ok());
  create_table(**db);
  std::promise<Status> a, b, c, d;
  auto& w = (*db)->writer();
  w.submit([](soci::session& sql) { sql << "INSERT INTO t(k, v) VALUES(1, 'a')"; return Status::Ok(); },
           [&](Status st) { a.set_value(st); });
  w.submit([](soci::session& sql) -> Status {
    sql << "INSERT INTO t(k, v) VALUES(2, 'b')";
    throw std::runtime_error("boom");
  }, [&](Status st) { b.set_value(st); });
  w.submit([](soci::session& sql) -> Status {
    sql << "INSERT INTO t(k, v) VALUES(3, 'c')";
    return Status(ErrorCode::conflict, "taken");
  }, [&](Status st) { c.set_value(st); });
  w.submit([](soci::session& sql) { sql << "INSERT INTO t(k, v) VALUES(4, 'd')"; return Status::Ok(); },
           [&](Status st) { d.set_value(st); });
  EXPECT_TRUE(a.get_future().get().ok());
  auto sb = b.get_future().get();
  ASSERT_FALSE(sb.ok());
  EXPECT_EQ(sb.error().code, ErrorCode::internal);
  auto sc = c.get_future().get();
  ASSERT_FALSE(sc.ok());
  EXPECT_EQ(sc.error().code, ErrorCode::conflict);
  EXPECT_TRUE(d.get_future().get().ok());
  auto keys = (*db)->read([](soci::session& sql) {
    std::vector<int> ks(10);
    sql << "SELECT k FROM t ORDER BY k", soci::into(ks);
    return ks;
  });
  EXPECT_EQ(keys, (std::vector<int>{1, 4}));
}

// What a connection's caches remember of written data (sync/live.cpp's readers' latest changes)
// must be dropped when the writer undoes work: it tells the connection's cache of every item
// rolled back, before the next item runs.
TEST(Writer, AnItemRolledBackIsNotedOnTheConnectionsCacheBeforeTheNextItem) {
  TempDb tmp;
  auto db = Database::open(tmp.url(), Database::Options{});
  ASSERT_TRUE(db.ok());
  create_table(**db);
  auto& w = (*db)->writer();
  auto rollbacks = [](soci::session& sql) {
    auto* cache = ConnectionCache::of(sql);
    return cache ? static_cast<long long>(cache->rollbacks()) : -1LL;
  };
  long long before = -1, after_ok = -1, after_failed = -1;
  EXPECT_TRUE(w.run([&](soci::session& sql) { before = rollbacks(sql); return Status::Ok(); }).ok());
  EXPECT_TRUE(w.run([&](soci::session& sql) {
    sql << "INSERT INTO t(k, v) VALUES(1, 'a')";
    after_ok = rollbacks(sql);
    return Status::Ok();
  }).ok());
  EXPECT_FALSE(w.run([](soci::session& sql) -> Status {
    sql << "INSERT INTO t(k, v) VALUES(2, 'b')";
    return Status(ErrorCode::conflict, "taken");
  }).ok());
  EXPECT_TRUE(w.run([&](soci::session& sql) { after_failed = rollbacks(sql); return Status::Ok(); }).ok());
  ASSERT_GE(before, 0) << "the writer's connection has a cache";
  EXPECT_EQ(after_ok, before) << "a committed item is no rollback";
  EXPECT_GT(after_failed, before) << "the failed item's rollback was not noted";
}

TEST(Writer, DoneRunsOnlyAfterCommitIsVisible) {
  TempDb tmp;
  auto db = Database::open(tmp.url(), {});
  ASSERT_TRUE(db.ok());
  create_table(**db);
  // In `done`, a separate read connection must already see the row: the commit happened.
  std::promise<long long> seen;
  (*db)->writer().submit([](soci::session& sql) { sql << "INSERT INTO t(k, v) VALUES(7, 'z')"; return Status::Ok(); },
                         [&](Status) { seen.set_value(count_rows(**db)); });
  EXPECT_EQ(seen.get_future().get(), 1);
}

TEST(Writer, StopDrainsQueuedItemsAndRefusesNewOnes) {
  TempDb tmp;
  auto db = Database::open(tmp.url(), {});
  ASSERT_TRUE(db.ok());
  create_table(**db);
  std::atomic<int> ok{0};
  for (int i = 0; i < 20; ++i)
    (*db)->writer().submit([i](soci::session& sql) { sql << "INSERT INTO t(k) VALUES(:k)", soci::use(i); return Status::Ok(); },
                           [&](Status st) { ok += st.ok(); });
  (*db)->writer().stop();
  EXPECT_EQ(ok.load(), 20);
  std::optional<Status> late;
  (*db)->writer().submit([](soci::session&) { return Status::Ok(); }, [&](Status st) { late = st; });
  ASSERT_TRUE(late.has_value());
  EXPECT_EQ(late->error().code, ErrorCode::internal);
}

// The linger is a budget per batch: a steady stream of items, each arriving within `linger` of
// the one before, must not keep the batch open until max_batch (the chat open loop's p99 was
// that: 256 pushes over ~180 ms in one batch). The first item of the stream is durable, and
// answered, long before the stream ends.
TEST(Writer, ASteadyStreamDoesNotHoldTheBatchOpen) {
  TempDb tmp;
  Database::Options opts;
  opts.writer.linger = std::chrono::milliseconds(200);
  auto db = Database::open(tmp.url(), opts);
  ASSERT_TRUE(db.ok()) << db.error().message;
  create_table(**db);
  auto& w = (*db)->writer();
  // A batch of three items first, so that the writer lingers (it does while writes are concurrent).
  {
    std::promise<void> go;
    auto gate = go.get_future().share();
    std::latch three(3);
    w.submit([gate](soci::session& sql) { gate.wait(); sql << "INSERT INTO t(k, v) VALUES(-1, 'x')"; return Status::Ok(); },
             [&](Status) { three.count_down(); });
    w.submit([](soci::session& sql) { sql << "INSERT INTO t(k, v) VALUES(-2, 'x')"; return Status::Ok(); },
             [&](Status) { three.count_down(); });
    w.submit([](soci::session& sql) { sql << "INSERT INTO t(k, v) VALUES(-3, 'x')"; return Status::Ok(); },
             [&](Status) { three.count_down(); });
    go.set_value();
    three.wait();
  }
  // 20 items 25 ms apart: 475 ms in all, each gap well inside the 200 ms linger.
  constexpr int kItems = 20;
  std::atomic<bool> first_done{false};
  bool first_done_before_last = false;
  std::latch all(kItems);
  for (int i = 0; i < kItems; ++i) {
    if (i) std::this_thread::sleep_for(std::chrono::milliseconds(25));
    if (i == kItems - 1) first_done_before_last = first_done.load();
    w.submit([i](soci::session& sql) {
      sql << "INSERT INTO t(k, v) VALUES(:k, 'x')", soci::use(i);
      return Status::Ok();
    }, [&, i](Status st) { if (i == 0 && st.ok()) first_done = true; all.count_down(); });
  }
  all.wait();
  EXPECT_TRUE(first_done_before_last) << "the stream's first item waited for the whole stream";
  EXPECT_EQ(count_rows(**db), kItems + 3);
}

// The linger lets concurrent writers share a commit; a lone writer, one item at a time, must
// not wait it out on every item (a device's sync is many pushes in a row).
TEST(Writer, ALoneItemDoesNotWaitTheLinger) {
  TempDb tmp;
  Database::Options opts;
  opts.writer.linger = std::chrono::seconds(30);  // would be unmistakable
  auto db = Database::open(tmp.url(), opts);
  ASSERT_TRUE(db.ok()) << db.error().message;
  create_table(**db);
  for (int i = 0; i < 3; ++i) {
    std::promise<Status> done;
    auto outcome = done.get_future();
    (*db)->writer().submit([i](soci::session& sql) {
      sql << "INSERT INTO t(k, v) VALUES(:k, 'x')", soci::use(i);
      return Status::Ok();
    }, [&](Status st) { done.set_value(st); });
    ASSERT_EQ(outcome.wait_for(std::chrono::seconds(20)), std::future_status::ready) << "item " << i << " lingered";
    EXPECT_TRUE(outcome.get().ok());
  }
  EXPECT_EQ(count_rows(**db), 3);
}
