// A pull page read on PostgreSQL answers what the same page read on SQLite answers. The two
// engines read a page with different statements (sync/pull.cpp: PostgreSQL cuts each scope with
// LATERAL, and its scoped rows carry their data instead of being joined to sync_rows again):
// the same change log, written the same way on both, must give the same changes, cursor and
// `more` for every reader, cursor and page size, tombstones and deleted rows included.
// Run under tests/pg/run-pg.sh; skipped without it.
#include <gtest/gtest.h>

#include <soci/soci.h>

#include <chrono>
#include <map>
#include <thread>

#include "passerelle/shared/time.h"
#include "passerelle/test/child_process.h"
#include "passerelle/test/test_server.h"
#include "storage/database.h"
#include "sync/change_log.h"
#include "sync/pull.h"

namespace st = passerelle::server::storage;
namespace sy = passerelle::server::sync;
using passerelle::Status;

namespace {

constexpr const char* kGroup = "role:coach";

// The same writes on either engine: rows with one reader (an entry of their own), rows with
// several (a scope), a group's rows, a reader dropped (a tombstone), removed rows, and the two
// states only an entry of one's own can be in: its row deleted behind it, or gone (compacted).
void write_log(st::Database& db) {
  Status s = db.writer().run([](soci::session& sql) -> Status {
    sy::ChangeLog log(sql, passerelle::now_utc());
    log.put("profiles", "p1", {{"id", "p1"}, {"name", "own"}}, {"u1"});
    for (int i = 0; i < 6; ++i) {
      std::string id = "m" + std::to_string(i);
      log.put("messages", id, {{"id", id}, {"body", "scoped \"quoted\" \\ text"}}, {"u1", "u2"});
    }
    log.put("threads", "t1", {{"id", "t1"}, {"n", 6}}, {"u1", "u2"});
    log.put("notes", "n1", {{"id", "n1"}}, {"u1"});
    log.put("notes", "n1", {{"id", "n1"}}, {"u2"});  // u1 loses it: a tombstone
    log.put("notes", "n2", {{"id", "n2"}}, {"u1"});
    log.put("notes", "n3", {{"id", "n3"}}, {"u1"});
    log.put("programs", "g1", {{"id", "g1"}}, {kGroup});
    log.put("programs", "g2", {{"id", "g2"}}, {kGroup, "u1"});
    log.put("programs", "g3", {{"id", "g3"}}, {kGroup, "u2"});
    log.remove("messages", "m2");
    log.put("messages", "m4", {{"id", "m4"}, {"body", "edited"}}, {"u1", "u2"});
    log.remove("programs", "g1");
    log.put("profiles", "p2", {{"id", "p2"}}, {"u1"});
    return Status::Ok();
  });
  ASSERT_TRUE(s) << s.error().message;
  s = db.writer().run([](soci::session& sql) -> Status {
    sql << "UPDATE sync_rows SET deleted = 1, data = '' WHERE collection = 'notes' AND id = 'n2'";
    sql << "DELETE FROM sync_rows WHERE collection = 'notes' AND id = 'n3'";
    return Status::Ok();
  });
  ASSERT_TRUE(s) << s.error().message;
}

TEST(PullPgTest, APageReadsAsOnSqliteForEveryReaderCursorAndSize) {
  if (!passerelle::test::test_postgresql_url())
    GTEST_SKIP() << "no PostgreSQL: run through tests/pg/run-pg.sh (PASSERELLE_TEST_PG unset)";
  std::string error;
  std::string url = passerelle::test::create_postgresql_database(&error);
  ASSERT_FALSE(url.empty()) << error;
  auto pg = st::Database::open(url, {});
  ASSERT_TRUE(pg) << pg.error().message;
  passerelle::test::TempDir dir("passerelle-pull-pg");
  auto lite = st::Database::open("sqlite:" + dir.path() + "/db.sqlite", {});
  ASSERT_TRUE(lite) << lite.error().message;
  write_log(**pg);
  write_log(**lite);

  std::int64_t end = (*pg)->read([](soci::session& sql) {
    long long v = 0;
    sql << "SELECT value FROM sync_meta WHERE key = 'seq'", soci::into(v);
    return static_cast<std::int64_t>(v);
  });
  ASSERT_GE(end, 19);  // every put and remove above is a change
  std::size_t deleted_seen = 0, pages = 0;
  for (const std::string user : {"u1", "u2", "u3"}) {
    for (const std::string group : {"", kGroup}) {
      for (std::int64_t limit : {1, 2, 3, 1000}) {
        for (std::int64_t cursor = 0; cursor <= end; ++cursor) {
          auto want = (*lite)->read([&](soci::session& sql) { return sy::read_pull(sql, user, cursor, limit, std::nullopt, group); });
          auto got = (*pg)->read([&](soci::session& sql) { return sy::read_pull(sql, user, cursor, limit, std::nullopt, group); });
          SCOPED_TRACE(user + " group '" + group + "' limit " + std::to_string(limit) + " cursor " + std::to_string(cursor));
          EXPECT_EQ(got.changes, want.changes);
          EXPECT_EQ(got.count, want.count);
          EXPECT_EQ(got.cursor, want.cursor);
          EXPECT_EQ(got.more, want.more);
          EXPECT_EQ(got.resync, want.resync);
          for (std::size_t at = 0; (at = got.changes.find("\"deleted\":true", at)) != std::string::npos; ++at) ++deleted_seen;
          ++pages;
        }
      }
    }
  }
  EXPECT_GT(pages, 0u);
  EXPECT_GT(deleted_seen, 0u);  // the tombstones and deleted rows were on the pages compared
  // The states that an own entry alone can be in, on their own page.
  auto u1 = (*pg)->read([](soci::session& sql) { return sy::run_pull(sql, "u1", 0, 1000); });
  std::map<std::string, bool> deleted;
  for (const auto& c : u1.changes) deleted[c.collection + "/" + c.id] = c.deleted;
  EXPECT_EQ(deleted["notes/n1"], true);   // a tombstone
  EXPECT_EQ(deleted["notes/n2"], true);   // its row deleted behind the entry
  EXPECT_EQ(deleted["notes/n3"], true);   // its row gone
  EXPECT_EQ(deleted["messages/m2"], true);
  EXPECT_EQ(deleted["messages/m4"], false);
  EXPECT_EQ(deleted["profiles/p1"], false);
  EXPECT_EQ(deleted.count("programs/g3"), 0u);
}

// A page of one long scope is read from the (scope, seq) index in order and stopped at the page,
// also before PostgreSQL has statistics for the table (a burst of writes, then a pull: the bench's
// case) and so underestimates the scope. With the engine's default random_page_cost the planner
// chose a bitmap scan of every row of the scope above the cursor, then a sort, on every page
// (storage/dialect.cpp, open_postgresql; docs/benchmarks.md, "PostgreSQL", sixth pass).
TEST(PullPgTest, APageOfALongScopeReadsAboutAPageOfItsIndexWithoutStatistics) {
  if (!passerelle::test::test_postgresql_url())
    GTEST_SKIP() << "no PostgreSQL: run through tests/pg/run-pg.sh (PASSERELLE_TEST_PG unset)";
  std::string error;
  std::string url = passerelle::test::create_postgresql_database(&error);
  ASSERT_FALSE(url.empty()) << error;
  auto db = st::Database::open(url, {});
  ASSERT_TRUE(db) << db.error().message;
  static constexpr int kRows = 20000;
  Status s = (*db)->writer().run([](soci::session& sql) -> Status {
    sql << "INSERT INTO sync_scope_members (scope, user_id) VALUES ('long', 'u1'), ('long', 'u2')";
    sql << "INSERT INTO sync_rows (collection, id, data, deleted, seq, scope) SELECT 'messages', 'm' || i,"
           " '{\"n\":' || i || '}', 0, i, 'long' FROM generate_series(1, " << kRows << ") AS i";
    sql << "UPDATE sync_meta SET value = " << kRows << " WHERE key = 'seq'";
    return Status::Ok();
  });
  ASSERT_TRUE(s) << s.error().message;
  auto index_reads = [&] {
    return (*db)->read([](soci::session& sql) {
      long long n = 0;
      sql << "SELECT pg_stat_clear_snapshot()";
      sql << "SELECT idx_tup_read FROM pg_stat_user_indexes WHERE indexrelname = 'sync_rows_by_scope'", soci::into(n);
      return n;
    });
  };
  const long long before = index_reads();
  std::size_t count = 0;
  (*db)->read([&](soci::session& sql) {
    count = sy::read_pull(sql, "u1", 1000, 1000, std::nullopt, kGroup).count;
    sql << "SELECT pg_stat_force_next_flush()";
  });
  ASSERT_EQ(count, 1000u);
  long long read = 0;
  for (int i = 0; i < 50 && read == 0; ++i) {
    if (i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    read = index_reads() - before;
  }
  EXPECT_GT(read, 0);
  EXPECT_LE(read, 2 * 1001) << "the page read " << read << " entries of the scope's index, not about a page";
}

}  // namespace
