#include <gtest/gtest.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <filesystem>

#include "storage/database.h"
#include "storage/migrations.h"

using namespace passerelle;
using namespace passerelle::server::storage;

namespace {
std::filesystem::path fresh_dir(const char* name) {
  auto d = std::filesystem::temp_directory_path() / (std::string(name) + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(d);
  return d;
}
}  // namespace

TEST(Migrations, FreshDatabaseGetsLatestSchemaAndParentDirectory) {
  auto dir = fresh_dir("pmig-fresh");
  auto path = dir / "nested" / "db.sqlite";
  {
    auto db = Database::open("sqlite:" + path.string(), {});
    ASSERT_TRUE(db.ok()) << db.error().message;
    int version = (*db)->read([](soci::session& sql) { return schema_version(sql).value(); });
    EXPECT_EQ(version, latest_schema_version());
    std::string mode;
    (*db)->read([&](soci::session& sql) { sql << "PRAGMA journal_mode", soci::into(mode); });
    EXPECT_EQ(mode, "wal");
    int fk = 0;
    (*db)->read([&](soci::session& sql) { sql << "PRAGMA foreign_keys", soci::into(fk); });
    EXPECT_EQ(fk, 1);
  }
  // Reopening applies nothing twice.
  auto again = Database::open("sqlite:" + path.string(), {});
  ASSERT_TRUE(again.ok()) << again.error().message;
  int rows = (*again)->read([](soci::session& sql) { int n = 0; sql << "SELECT COUNT(*) FROM schema_migrations", soci::into(n); return n; });
  EXPECT_EQ(rows, static_cast<int>(all_migrations().size()));
  std::filesystem::remove_all(dir);
}

TEST(Migrations, RefusesNewerSchema) {
  auto dir = fresh_dir("pmig-newer");
  auto path = dir / "db.sqlite";
  { ASSERT_TRUE(Database::open("sqlite:" + path.string(), {}).ok()); }
  {
    soci::session sql(soci::sqlite3, path.string());
    sql << "INSERT INTO schema_migrations(version, name, applied_at) VALUES(999, 'future', 'x')";
  }
  auto db = Database::open("sqlite:" + path.string(), {});
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().code, ErrorCode::unsupported);
  EXPECT_NE(db.error().message.find("999"), std::string::npos) << db.error().message;
  std::filesystem::remove_all(dir);
}

TEST(Migrations, BadUrlIsRefused) {
  auto db = Database::open("mysql://nope", {});
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().code, ErrorCode::bad_request);
}
