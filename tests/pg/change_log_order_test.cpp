// The change log under concurrency on PostgreSQL (issue 9, point 2; docs/operations.md,
// "Several instances"). Several server instances write at once; a pull must never move a
// device's cursor past a seq that commits later.
//
// How Passerelle makes that impossible: every write transaction takes the row lock of the
// change log's 'seq' counter (sync_meta) first (dialect write_lock_sql, then every seq comes
// from UPDATE ... RETURNING on that row), and holds it until COMMIT. So seqs are handed out and
// committed in one order: a transaction cannot get seq N+1 before the one holding N has
// committed (or rolled back, giving N back). Every snapshot therefore sees a prefix of the log,
// and a pull (which reads the counter before the rows) never skips.
//
// These tests force the interleaving with two sessions (two "instances") and a reader.
// They run under tests/pg/run-pg.sh and skip without it.
#include <gtest/gtest.h>

#include <soci/soci.h>

#include <atomic>
#include <future>
#include <set>
#include <thread>

#include "passerelle/shared/ids.h"
#include "passerelle/shared/time.h"
#include "passerelle/test/test_server.h"
#include "storage/database.h"
#include "storage/dialect.h"
#include "sync/change_log.h"
#include "sync/pull.h"

namespace st = passerelle::server::storage;
namespace sy = passerelle::server::sync;
using namespace std::chrono_literals;

namespace {

class ChangeLogOrderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!passerelle::test::test_postgresql_url())
      GTEST_SKIP() << "no PostgreSQL: run through tests/pg/run-pg.sh (PASSERELLE_TEST_PG unset)";
    std::string error;
    url = passerelle::test::create_postgresql_database(&error);
    ASSERT_FALSE(url.empty()) << error;
    auto db = st::Database::open(url, {});  // the schema, as a server start makes it
    ASSERT_TRUE(db) << db.error().message;
    parsed = *st::parse_db_url(url);
  }

  std::unique_ptr<soci::session> connect() {
    auto s = std::make_unique<soci::session>();
    auto ok = st::open_connection(*s, parsed);
    EXPECT_TRUE(ok) << ok.error().message;
    return s;
  }

  static long long backend_pid(soci::session& s) {
    long long pid = 0;
    s << "SELECT pg_backend_pid()", soci::into(pid);
    return pid;
  }

  // Bounded wait until backend `pid` is blocked on a lock (a state, not a duration).
  static bool wait_until_blocked(soci::session& observer, long long pid) {
    for (int i = 0; i < 2000; ++i) {
      std::string wait;
      soci::indicator ind = soci::i_null;
      observer << "SELECT wait_event_type FROM pg_stat_activity WHERE pid = :p", soci::use(pid),
          soci::into(wait, ind);
      if (ind == soci::i_ok && wait == "Lock") return true;
      std::this_thread::sleep_for(5ms);
    }
    return false;
  }

  static std::int64_t write_row(soci::session& s, const std::string& id, const std::string& reader) {
    sy::ChangeLog log(s, passerelle::now_utc());
    log.put("profiles", id, {{"id", id}}, {reader});
    return log.last_seq();
  }

  std::string url;
  st::DbUrl parsed;
};


}  // namespace

TEST_F(ChangeLogOrderTest, AWriterWaitsForTheEarlierSeqToCommitAndAPullNeverSkipsIt) {
  auto a = connect(), b = connect(), reader = connect(), observer = connect();
  const std::string user = passerelle::new_id();
  long long b_pid = backend_pid(*b);

  // Instance A: opens its batch and takes the next seq, but has not committed yet.
  *a << st::begin_write_sql(parsed);
  *a << st::write_lock_sql(parsed);
  std::int64_t seq_a = write_row(*a, "row-a", user);

  // Instance B: the same, concurrently, on its own connection.
  auto b_done = std::async(std::launch::async, [&] {
    *b << st::begin_write_sql(parsed);
    *b << st::write_lock_sql(parsed);
    std::int64_t s = write_row(*b, "row-b", user);
    *b << "COMMIT";
    return s;
  });

  // B is parked on the counter's row lock: it cannot have taken seq_a + 1, let alone commit it.
  ASSERT_TRUE(wait_until_blocked(*observer, b_pid)) << "instance B never waited on the change-log lock";
  EXPECT_NE(b_done.wait_for(0ms), std::future_status::ready);

  // A pull now sees nothing and keeps the cursor at 0: no later seq can be visible yet.
  auto page = sy::run_pull(*reader, user, 0, 100, std::nullopt, "");
  EXPECT_TRUE(page.changes.empty());
  EXPECT_EQ(page.cursor, 0);

  *a << "COMMIT";
  std::int64_t seq_b = b_done.get();
  EXPECT_EQ(seq_b, seq_a + 1) << "B got its seq only after A committed";

  page = sy::run_pull(*reader, user, 0, 100, std::nullopt, "");
  ASSERT_EQ(page.changes.size(), 2u);
  EXPECT_EQ(page.changes[0].seq, seq_a);
  EXPECT_EQ(page.changes[1].seq, seq_b);
  EXPECT_EQ(page.cursor, seq_b);
}

TEST_F(ChangeLogOrderTest, EvenWithoutTheUpFrontLockTheSeqUpdateSerializesWriters) {
  // The counter's UPDATE ... RETURNING alone already holds the row lock to COMMIT: a writer
  // that skipped write_lock_sql still cannot commit a higher seq before a lower one.
  auto a = connect(), b = connect(), reader = connect(), observer = connect();
  const std::string user = passerelle::new_id();
  long long b_pid = backend_pid(*b);

  *a << "BEGIN";
  std::int64_t seq_a = write_row(*a, "row-a", user);
  auto b_done = std::async(std::launch::async, [&] {
    *b << "BEGIN";
    std::int64_t s = write_row(*b, "row-b", user);
    *b << "COMMIT";
    return s;
  });
  ASSERT_TRUE(wait_until_blocked(*observer, b_pid));
  EXPECT_NE(b_done.wait_for(0ms), std::future_status::ready);
  EXPECT_TRUE(sy::run_pull(*reader, user, 0, 100, std::nullopt, "").changes.empty());

  // A rolls back: its seq is given back, B takes it, nothing is left as a hole.
  *a << "ROLLBACK";
  std::int64_t seq_b = b_done.get();
  EXPECT_EQ(seq_b, seq_a);
  auto page = sy::run_pull(*reader, user, 0, 100, std::nullopt, "");
  ASSERT_EQ(page.changes.size(), 1u);
  EXPECT_EQ(page.changes[0].id, "row-b");
  EXPECT_EQ(page.cursor, seq_b);
}

TEST_F(ChangeLogOrderTest, TwoInstancesWritingAtOnceNeverMakeAPollingReaderSkipASeq) {
  // Two Databases (two writer threads, as two server instances) append 2 x 150 rows, all
  // visible to one reader, while that reader pulls in a loop. Every row is written once, so
  // the reader must receive seq cursor+1, cursor+2, ... with no gap, whatever the interleaving.
  const std::string user = passerelle::new_id();
  auto one = st::Database::open(url, {}), two = st::Database::open(url, {});
  ASSERT_TRUE(one && two);
  std::int64_t start = (*one)->read([](soci::session& s) { return sy::current_seq(s); });
  constexpr int kPerInstance = 150;
  std::atomic<bool> writing{true};
  auto writer = [&](st::Database& db, const char* tag) {
    std::vector<std::future<passerelle::Status>> waits;
    for (int i = 0; i < kPerInstance; ++i) {
      auto p = std::make_shared<std::promise<passerelle::Status>>();
      waits.push_back(p->get_future());
      std::string id = std::string(tag) + "-" + std::to_string(i);
      db.writer().submit([id, user](soci::session& s) -> passerelle::Status {
        write_row(s, id, user);
        return passerelle::Status::Ok();
      }, [p](passerelle::Status st) { p->set_value(st); });
      if (i % 10 == 0) std::this_thread::yield();
    }
    for (auto& w : waits) EXPECT_TRUE(w.get());
  };
  std::set<std::string> seen;
  std::int64_t cursor = start, expected = start + 1;
  bool gap = false;
  auto reader = connect();
  auto poll_once = [&] {
    auto page = sy::run_pull(*reader, user, cursor, 1000, std::nullopt, "");
    for (const auto& c : page.changes) {
      if (c.seq != expected) gap = true;
      expected = c.seq + 1;
      seen.insert(c.id);
    }
    cursor = page.cursor;
  };
  std::thread w1([&] { writer(**one, "one"); }), w2([&] { writer(**two, "two"); });
  std::thread done_flag([&] {
    w1.join();
    w2.join();
    writing = false;
  });
  while (writing) poll_once();
  done_flag.join();
  poll_once();
  EXPECT_FALSE(gap) << "a pull skipped a seq";
  EXPECT_EQ(seen.size(), 2u * kPerInstance);
  EXPECT_EQ(cursor, start + 2 * kPerInstance);
}
