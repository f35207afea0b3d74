// Statements kept for a connection's life (storage::ConnectionCache) on the real Database.
#include <gtest/gtest.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <string>

#include "passerelle/shared/sync/collections.h"
#include "storage/connection_cache.h"
#include "storage/database.h"
#include "sync/change_log.h"
#include "sync/pull.h"
#include "temp_db.h"

using namespace passerelle;
using namespace passerelle::server;

namespace {

using passerelle::testing::TempDb;

void put_rows(storage::Database& db, const std::string& user, int first, int count) {
  auto st = db.writer().run([&](soci::session& sql) {
    server::sync::ChangeLog log(sql, now_utc());
    for (int i = first; i < first + count; ++i)
      log.put(passerelle::sync::collection::templates, "t" + std::to_string(i), {{"key", i}}, {user});
    return Status::Ok();
  });
  ASSERT_TRUE(st.ok()) << st.error().message;
}

}  // namespace

TEST(ConnectionCache, EveryConnectionOfADatabaseHasOneAndABareSessionNone) {
  TempDb tmp;
  auto db = storage::Database::open(tmp.url(), {});
  ASSERT_TRUE(db) << db.error().message;
  (*db)->read([](soci::session& sql) { EXPECT_NE(storage::ConnectionCache::of(sql), nullptr); });
  auto st = (*db)->writer().run([](soci::session& sql) {
    EXPECT_NE(storage::ConnectionCache::of(sql), nullptr);
    return Status::Ok();
  });
  EXPECT_TRUE(st.ok());
  soci::session bare(soci::sqlite3, "db=:memory:");
  EXPECT_EQ(storage::ConnectionCache::of(bare), nullptr);
}

// A pull that stops at a full page leaves its cached statement in the middle of its rows. On
// SQLite that statement would keep the connection's read transaction open, and the next pull
// on it would read the log's end from that old snapshot: a device whose cursor is past it
// would be told to resync everything.
TEST(ConnectionCache, APullCutAtAFullPageDoesNotFreezeTheConnectionsSnapshot) {
  TempDb tmp;
  storage::Database::Options options;
  options.read_connections = 1;  // every read on the same connection
  auto opened = storage::Database::open(tmp.url(), options);
  ASSERT_TRUE(opened) << opened.error().message;
  auto& db = **opened;
  const std::string user = "u";
  put_rows(db, user, 0, 10);
  auto first = db.read([&](soci::session& sql) { return server::sync::run_pull(sql, user, 0, 3); });
  ASSERT_TRUE(first.more);
  ASSERT_EQ(first.changes.size(), 3u);

  put_rows(db, user, 10, 5);
  std::int64_t end = 0;  // read on the writer's connection, which holds no old snapshot
  ASSERT_TRUE(db.writer().run([&](soci::session& sql) {
    end = server::sync::current_seq(sql);
    return Status::Ok();
  }).ok());
  auto later = db.read([&](soci::session& sql) { return server::sync::run_pull(sql, user, end - 2, 1000); });
  EXPECT_FALSE(later.resync) << "the pull read an old end of the log";
  EXPECT_EQ(later.changes.size(), 2u);
  EXPECT_EQ(later.cursor, end);
}
