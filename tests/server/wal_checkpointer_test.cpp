// The WAL checkpointer (storage/wal_checkpointer.h): the writer's commits are copied back into
// the database file by the checkpointer's thread, the WAL stays bounded under a stream of
// commits, and nothing committed is lost.
#include <gtest/gtest.h>
#include <soci/soci.h>

#include <filesystem>
#include <string>

#include "storage/database.h"
#include "temp_db.h"

using namespace passerelle;
using namespace passerelle::server::storage;
using passerelle::testing::TempDb;

namespace {
Status insert_row(Database& db, int i) {
  return db.writer().run([i](soci::session& sql) {
    std::string payload(3000, static_cast<char>('a' + i % 26));
    sql << "INSERT INTO bulk (n, payload) VALUES (:n, :p)", soci::use(i), soci::use(payload);
    return Status::Ok();
  });
}
}  // namespace

TEST(WalCheckpointer, CommitsAreCopiedBackOffTheWriterAndTheWalStaysBounded) {
  TempDb tmp;
  Database::Options options;
  options.checkpoints.wake_pages = 16;
  options.checkpoints.writer_pages = 128;
  const int rows = 600;
  {
    auto db = Database::open(tmp.url(), options);
    ASSERT_TRUE(db.ok()) << db.error().message;
    ASSERT_NE((*db)->checkpointer(), nullptr);
    ASSERT_TRUE((*db)->writer().run([](soci::session& sql) {
      sql << "CREATE TABLE bulk (n INTEGER PRIMARY KEY, payload TEXT NOT NULL)";
      return Status::Ok();
    }).ok());
    std::uintmax_t largest_wal = 0;
    for (int i = 0; i < rows; ++i) {
      ASSERT_TRUE(insert_row(**db, i).ok()) << i;
      std::error_code ec;
      largest_wal = std::max(largest_wal, std::filesystem::file_size(tmp.dir / "db.sqlite-wal", ec));
    }
    auto stats = (*db)->checkpointer()->stats();
    EXPECT_GT(stats.background, 0u) << "the checkpointer's thread never ran";
    // About 1,800 pages were committed; the WAL never held much more than writer_pages of them.
    int page_size = 0;
    (*db)->read([&](soci::session& sql) { sql << "PRAGMA page_size", soci::into(page_size); });
    EXPECT_LT(largest_wal, static_cast<std::uintmax_t>(2 * 128 * (page_size + 24))) << "the WAL was not restarted";
    long long in_file = 0;
    (*db)->read([&](soci::session& sql) { sql << "SELECT COUNT(*) FROM bulk", soci::into(in_file); });
    EXPECT_EQ(in_file, rows);
  }
  // Everything committed is there after the database is closed and opened again.
  auto again = Database::open(tmp.url(), {});
  ASSERT_TRUE(again.ok()) << again.error().message;
  long long n = 0;
  std::string last;
  (*again)->read([&](soci::session& sql) {
    sql << "SELECT COUNT(*) FROM bulk", soci::into(n);
    sql << "SELECT payload FROM bulk WHERE n = :n", soci::use(rows - 1), soci::into(last);
  });
  EXPECT_EQ(n, rows);
  EXPECT_EQ(last, std::string(3000, static_cast<char>('a' + (rows - 1) % 26)));
}

// A stream of commits that rewrite the same pages: a checkpoint copies them back once per `wake_pages` frames appended, not after every
// commit once the WAL is `wake_pages` long (docs/benchmarks.md, "Tenth pass").
TEST(WalCheckpointer, ACommitWakesTheThreadOncePerWakePagesFramesAppended) {
  TempDb tmp;
  Database::Options options;
  options.checkpoints.wake_pages = 64;
  options.checkpoints.writer_pages = 1'000'000;
  auto db = Database::open(tmp.url(), options);
  ASSERT_TRUE(db.ok()) << db.error().message;
  ASSERT_TRUE((*db)->writer().run([](soci::session& sql) {
    sql << "CREATE TABLE bulk (n INTEGER PRIMARY KEY, payload TEXT NOT NULL)";
    return Status::Ok();
  }).ok());
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(insert_row(**db, i).ok());
  const int commits = 400;
  for (int i = 0; i < commits; ++i) {
    ASSERT_TRUE((*db)->writer().run([i](soci::session& sql) {
      std::string payload(3000, static_cast<char>('a' + i % 26));
      sql << "UPDATE bulk SET payload = :p WHERE n = :n", soci::use(payload), soci::use(i % 4);
      return Status::Ok();
    }).ok());
  }
  // Each commit appends a few frames; one wake per 64 of them is a few dozen checkpoints. Woken
  // by every commit past the first 64 frames, the thread ran hundreds.
  auto stats = (*db)->checkpointer()->stats();
  EXPECT_GT(stats.background, 0u);
  EXPECT_LT(stats.background, static_cast<std::uint64_t>(commits / 4));
}
