#include <gtest/gtest.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <filesystem>

#include "storage/database.h"
#include "storage/dialect.h"
#include "storage/migrations.h"
#include "sync/change_log.h"
#include "sync/pull.h"

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

// What the scopes' migration and `migrate-db` ask the catalog (pg_tests' MigrateDb and the
// migration tests ask it of PostgreSQL).
TEST(Migrations, TheCatalogAnswersWhichTablesAndColumnsExist) {
  auto dir = fresh_dir("pmig-catalog");
  auto path = dir / "db.sqlite";
  { ASSERT_TRUE(Database::open("sqlite:" + path.string(), {}).ok()); }
  soci::session sql(soci::sqlite3, path.string());
  EXPECT_TRUE(has_column(sql, "sync_rows", "scope"));
  EXPECT_FALSE(has_column(sql, "sync_rows", "no_such_column"));
  EXPECT_FALSE(has_column(sql, "no_such_table", "scope"));
  auto url = parse_db_url("sqlite:" + path.string());
  ASSERT_TRUE(url.ok());
  std::vector<std::string> names;
  soci::rowset<std::string> rs = (sql.prepare << table_names_sql(*url));
  for (const auto& n : rs) names.push_back(n);
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_NE(std::find(names.begin(), names.end(), "sync_rows"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "users"), names.end());
  for (const auto& n : names) EXPECT_NE(n.rfind("sqlite_", 0), 0u) << n;
  std::filesystem::remove_all(dir);
}

TEST(Migrations, BadUrlIsRefused) {
  auto db = Database::open("mysql://nope", {});
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().code, ErrorCode::bad_request);
}

// A database made by a binary that knew only migration 1 (accounts + the old `profiles` table).
TEST(Migrations, Migration2MovesProfilesIntoSyncRows) {
  auto dir = fresh_dir("pmig-two");
  std::filesystem::create_directories(dir);
  auto path = dir / "db.sqlite";
  {
    soci::session sql(soci::sqlite3, path.string());
    sql << "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)";
    for (auto stmt : all_migrations().at(0).statements) sql << std::string(stmt);
    sql << "INSERT INTO schema_migrations VALUES (1, 'accounts', '2026-01-01T00:00:00.000Z')";
    sql << "INSERT INTO users VALUES ('01900000-0000-7000-8000-000000000001', 'amina@example.org', 'Amina Benali',"
           " 'candidate', 'fr', 'x', '2026-01-02T03:04:05.000Z', 0)";
    sql << "INSERT INTO profiles VALUES ('01900000-0000-7000-8000-000000000001',"
           " '{\"country\":\"MA\",\"profession\":\"nurse\",\"time_zone\":\"Africa/Casablanca\",\"role\":\"admin\"}',"
           " '2026-01-03T00:00:00.000Z')";
    // A user without a profile document still gets a row.
    sql << "INSERT INTO users VALUES ('01900000-0000-7000-8000-000000000002', 'linh@example.org', 'Linh Nguyen',"
           " 'coach', 'en', 'x', '2026-01-02T03:04:05.000Z', 0)";
  }
  auto db = Database::open("sqlite:" + path.string(), {});
  ASSERT_TRUE(db.ok()) << db.error().message;
  (*db)->read([&](soci::session& sql) {
    int old_table = -1;
    sql << "SELECT COUNT(*) FROM sqlite_master WHERE name = 'profiles'", soci::into(old_table);
    EXPECT_EQ(old_table, 0);
    int rows = 0;
    sql << "SELECT COUNT(*) FROM sync_rows WHERE collection = 'profiles'", soci::into(rows);
    EXPECT_EQ(rows, 2);
    auto page = passerelle::server::sync::run_pull(sql, "01900000-0000-7000-8000-000000000001", 0, 100);
    ASSERT_EQ(page.changes.size(), 1u);
    const auto& row = page.changes[0].data;
    EXPECT_EQ(page.changes[0].collection, "profiles");
    EXPECT_EQ(row.at("id"), "01900000-0000-7000-8000-000000000001");
    EXPECT_EQ(row.at("role"), "candidate");  // the stored document never overrides identity
    EXPECT_EQ(row.at("name"), "Amina Benali");
    EXPECT_EQ(row.at("locale"), "fr");
    EXPECT_EQ(row.at("country"), "MA");
    EXPECT_EQ(row.at("profession"), "nurse");
    EXPECT_EQ(row.at("time_zone"), "Africa/Casablanca");
    EXPECT_EQ(row.at("created_at"), "2026-01-02T03:04:05.000Z");
    EXPECT_EQ(row.at("updated_at"), "2026-01-03T00:00:00.000Z");
    EXPECT_FALSE(page.epoch.empty());
    auto coach = passerelle::server::sync::run_pull(sql, "01900000-0000-7000-8000-000000000002", 0, 100);
    ASSERT_EQ(coach.changes.size(), 1u);
    EXPECT_EQ(coach.changes[0].data.at("role"), "coach");
    EXPECT_EQ(schema_version(sql).value(), latest_schema_version());  // and every later step
  });
  std::filesystem::remove_all(dir);
}

// Undoes migration 10 (invitations_admin), so that a test can run the migrations from an
// earlier version again.
void undo_migration_10(soci::session& sql) {
  sql << "DROP TABLE invitation_queue";
  sql << "DROP INDEX invitations_by_inviter";
  sql << "DROP INDEX invitations_by_email";
  for (const char* column : {"name", "details", "revoked_at", "accepted_user_id", "cohort_id"})
    sql << std::string("ALTER TABLE invitations DROP COLUMN ") + column;
}

// Undoes what migration 17 (sync_scopes) did to the rows written through today's change log:
// each scoped row gets back an entry per reader, as a database written before it has them
// (the tables stay, empty: today's pull reads them; migration 17 fills them again).
void undo_migration_17(soci::session& sql) {
  sql << "INSERT INTO sync_audience (user_id, collection, row_id, seq, visible, changed_at_ms)"
         " SELECT m.user_id, r.collection, r.id, r.seq, 1, 0 FROM sync_rows r"
         " JOIN sync_scope_members m ON m.scope = r.scope";
  sql << "UPDATE sync_rows SET scope = NULL";
  sql << "DELETE FROM sync_scope_members";
}

// A database from before migration 7, where every coach read each career profile: reopening
// narrows it to the candidate's own coach, and the other coaches are sent a tombstone.
TEST(Migrations, Migration7NarrowsCareerProfilesToTheCandidatesCoach) {
  auto dir = fresh_dir("pmig-seven");
  auto url = "sqlite:" + (dir / "db.sqlite").string();
  const std::string cand = "01900000-0000-7000-8000-0000000000c1", coach = "01900000-0000-7000-8000-0000000000a1",
                    other = "01900000-0000-7000-8000-0000000000a2";
  std::int64_t other_cursor = 0;
  {
    auto db = Database::open(url, {});
    ASSERT_TRUE(db.ok()) << db.error().message;
    ASSERT_TRUE((*db)->writer().run([&](soci::session& sql) {
      passerelle::server::sync::ChangeLog log(sql, now_utc());
      log.put("profiles", cand, {{"id", cand}, {"role", "candidate"}, {"coach_id", coach}}, {cand, coach});
      log.put("career_profiles", cand, {{"id", cand}, {"immigration_stage", "csq_received"}},
              {cand, "role:coach", "role:admin"});  // the audience before migration 7
      undo_migration_17(sql);
      // Back to version 6: migrations 8, 9 and 10 go too, so they run again at the reopening.
      sql << "DELETE FROM schema_migrations WHERE version >= 7";
      undo_migration_10(sql);
      sql << "DROP TABLE password_resets";
      sql << "DROP INDEX sessions_by_id";
      for (const char* column : {"id", "device", "address", "last_seen_at"})
        sql << "ALTER TABLE sessions DROP COLUMN " + std::string(column);
      sql << "DROP TABLE row_keys";
      sql << "DROP TABLE plan_step_summaries";  // migration 11, run again too
      return Status::Ok();
    }).ok());
    // Another coach's device holds the row, as it would have.
    (*db)->read([&](soci::session& sql) {
      auto page = passerelle::server::sync::run_pull(sql, other, 0, 100, std::nullopt, "role:coach");
      ASSERT_EQ(page.changes.size(), 1u);
      EXPECT_FALSE(page.changes[0].deleted);
      other_cursor = page.cursor;
    });
  }
  auto db = Database::open(url, {});
  ASSERT_TRUE(db.ok()) << db.error().message;
  (*db)->read([&](soci::session& sql) {
    EXPECT_EQ(schema_version(sql).value(), latest_schema_version());
    auto theirs = passerelle::server::sync::run_pull(sql, other, other_cursor, 100, std::nullopt, "role:coach");
    ASSERT_EQ(theirs.changes.size(), 1u);
    EXPECT_EQ(theirs.changes[0].collection, "career_profiles");
    EXPECT_TRUE(theirs.changes[0].deleted) << "the other coach's device drops the row";
    auto mine = passerelle::server::sync::run_pull(sql, coach, 0, 100, std::nullopt, "role:coach");
    bool career = false;
    for (const auto& c : mine.changes)
      if (c.collection == "career_profiles" && !c.deleted) {
        career = true;
        EXPECT_EQ(c.data.at("immigration_stage"), "csq_received");
      }
    EXPECT_TRUE(career) << "the candidate's own coach still reads it";
  });
  std::filesystem::remove_all(dir);
}

// Migration 9 indexes the rows written before it (the dashboard reads them by key): a
// candidate's profile by coach, their plan by candidate; a coach's profile is not indexed.
// Migration 11 then summarizes the plans' steps.
TEST(Migrations, Migration9IndexesRowsWrittenBefore) {
  auto dir = fresh_dir("pmig-eight");
  auto url = "sqlite:" + (dir / "db.sqlite").string();
  const std::string cand = "01900000-0000-7000-8000-0000000000c1", coach = "01900000-0000-7000-8000-0000000000a1",
                    plan = "01900000-0000-7000-8000-0000000000b1", step = "01900000-0000-7000-8000-0000000000d1";
  {
    auto db = Database::open(url, {});
    ASSERT_TRUE(db.ok()) << db.error().message;
    ASSERT_TRUE((*db)->writer().run([&](soci::session& sql) {
      sql << "DELETE FROM schema_migrations WHERE version >= 9";
      undo_migration_10(sql);
      sql << "DROP TABLE row_keys";
      sql << "DROP TABLE plan_step_summaries";
      passerelle::server::sync::ChangeLog log(sql, now_utc());
      log.without_row_keys();
      log.put("profiles", cand, {{"id", cand}, {"role", "candidate"}, {"coach_id", coach}, {"bio", "long"}}, {cand, coach});
      log.put("profiles", coach, {{"id", coach}, {"role", "coach"}}, {coach});
      log.put("plans", plan, {{"id", plan}, {"candidate_id", cand}, {"step_ids", boost::json::array{step}}}, {cand, coach});
      log.put("plan_steps", step, {{"id", step}, {"plan_id", plan}, {"status", "todo"}, {"due_date", "2027-01-02"},
                                   {"title", {{"fr", "CSQ"}}}}, {cand, coach});
      undo_migration_17(sql);
      return Status::Ok();
    }).ok());
  }
  auto db = Database::open(url, {});
  ASSERT_TRUE(db.ok()) << db.error().message;
  (*db)->read([&](soci::session& sql) {
    EXPECT_EQ(schema_version(sql).value(), latest_schema_version());
    std::vector<std::string> keys;
    soci::rowset<soci::row> rs = (sql.prepare << "SELECT collection, row_id, row_key, facts FROM row_keys ORDER BY collection");
    for (const auto& r : rs)
      keys.push_back(r.get<std::string>(0) + " " + r.get<std::string>(1) + " " + r.get<std::string>(2) + " " + r.get<std::string>(3));
    ASSERT_EQ(keys.size(), 3u);
    EXPECT_EQ(keys[0], "plan_steps " + step + " " + plan + " {\"id\":\"" + step + "\",\"plan_id\":\"" + plan +
                           "\",\"status\":\"todo\",\"due_date\":\"2027-01-02\"}");
    EXPECT_EQ(keys[1], "plans " + plan + " " + cand + " {\"id\":\"" + plan + "\",\"candidate_id\":\"" + cand + "\",\"step_ids\":[\"" + step + "\"]}");
    EXPECT_EQ(keys[2], "profiles " + cand + " " + coach + " {\"id\":\"" + cand + "\",\"role\":\"candidate\",\"coach_id\":\"" + coach + "\"}");
    // Migration 11: the plan's step summary (one open step, due 2027-01-02 = day 20820).
    std::string summary;
    sql << "SELECT summary FROM plan_step_summaries WHERE plan_id = :p", soci::use(plan), soci::into(summary);
    EXPECT_EQ(summary, "{\"total\":1,\"todo\":1,\"in_progress\":0,\"done\":0,\"skipped\":0,\"open_due_days\":[20820],"
                       "\"next_step_id\":\"" + step + "\"}");
  });
}

// Migration 15 rebuilds the per-reader audience and the inbox as WITHOUT ROWID tables on
// SQLite: a database written with the rowid tables keeps every entry, pull answers the same
// pages, and the inbox still refuses a message's second entry for one reader.
TEST(Migrations, Migration15ClustersTheAudienceAndInboxKeepingTheirEntries) {
  auto dir = fresh_dir("pmig-fifteen");
  auto url = "sqlite:" + (dir / "db.sqlite").string();
  const std::string cand = "01900000-0000-7000-8000-0000000000c1", coach = "01900000-0000-7000-8000-0000000000a1",
                    thread = "01900000-0000-7000-8000-0000000000e1", msg = "01900000-0000-7000-8000-0000000000f1";
  auto table_sql = [](soci::session& sql, const std::string& name) {
    std::string text;
    sql << "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :n", soci::use(name), soci::into(text);
    return text;
  };
  auto index_names = [](soci::session& sql, const std::string& table) {
    std::vector<std::string> names;
    soci::rowset<std::string> rs = (sql.prepare << "SELECT name FROM sqlite_master WHERE type = 'index'"
                                                   " AND tbl_name = :t AND sql IS NOT NULL ORDER BY name",
                                    soci::use(table));
    for (const auto& n : rs) names.push_back(n);
    return names;
  };
  std::vector<std::string> before_coach, before_cand;
  {
    auto db = Database::open(url, {});
    ASSERT_TRUE(db.ok()) << db.error().message;
    ASSERT_TRUE((*db)->writer().run([&](soci::session& sql) {
      // Back to version 14's tables, as a database written before migration 15 has them.
      sql << "DELETE FROM schema_migrations WHERE version >= 15";
      sql << "DROP TABLE sync_audience";
      sql << "DROP TABLE message_inbox";
      sql << "DROP TABLE sync_ops";
      for (const char* stmt : {"CREATE TABLE sync_audience (user_id TEXT NOT NULL, collection TEXT NOT NULL,"
                               " row_id TEXT NOT NULL, seq BIGINT NOT NULL, visible INTEGER NOT NULL,"
                               " changed_at_ms BIGINT NOT NULL, PRIMARY KEY (user_id, collection, row_id))",
                               "CREATE INDEX sync_audience_by_reader_seq ON sync_audience (user_id, seq)",
                               "CREATE INDEX sync_audience_by_row ON sync_audience (collection, row_id)",
                               "CREATE TABLE message_inbox (user_id TEXT NOT NULL, message_id TEXT NOT NULL,"
                               " thread_id TEXT NOT NULL, n BIGINT NOT NULL, sent_at_ms BIGINT NOT NULL,"
                               " PRIMARY KEY (user_id, message_id))",
                               "CREATE INDEX message_inbox_by_thread ON message_inbox (user_id, thread_id, n)",
                               "CREATE INDEX message_inbox_by_message ON message_inbox (message_id)",
                               "CREATE TABLE sync_ops (user_id TEXT NOT NULL, op_id TEXT NOT NULL, name TEXT NOT NULL,"
                               " status TEXT NOT NULL, error_code TEXT, error_message TEXT, seq BIGINT NOT NULL,"
                               " applied_at_ms BIGINT NOT NULL, PRIMARY KEY (user_id, op_id))",
                               "INSERT INTO sync_ops VALUES ('01900000-0000-7000-8000-0000000000a1', 'op-1',"
                               " 'message.send', 'rejected', 'forbidden', 'not a member', 3, 1700000000000)"})
        sql << stmt;
      EXPECT_EQ(table_sql(sql, "sync_audience").find("WITHOUT ROWID"), std::string::npos);
      passerelle::server::sync::ChangeLog log(sql, now_utc());
      log.put("profiles", cand, {{"id", cand}, {"role", "candidate"}, {"coach_id", coach}}, {cand, coach});
      log.put("threads", thread, {{"id", thread}, {"candidate_id", cand},
                                  {"members", boost::json::array{cand, coach}}}, {cand, coach});
      log.put("messages", msg, {{"id", msg}, {"thread_id", thread}, {"author_id", coach}, {"n", 1},
                                {"body", "Bonjour"}}, {cand, coach});
      log.put("threads", thread, {{"id", thread}, {"candidate_id", cand}, {"members", boost::json::array{cand, coach}},
                                  {"last_n", 1}}, {cand, coach});
      log.put("profiles", coach, {{"id", coach}, {"role", "coach"}}, {coach});
      log.remove("profiles", coach);  // a tombstone for its one reader
      undo_migration_17(sql);
      return Status::Ok();
    }).ok());
    (*db)->read([&](soci::session& sql) {
      int inbox = 0;
      sql << "SELECT COUNT(*) FROM message_inbox WHERE user_id = :u AND message_id = :m", soci::use(cand),
          soci::use(msg), soci::into(inbox);
      EXPECT_EQ(inbox, 1) << "the message waits in the candidate's inbox";
      for (auto* out : {&before_coach, &before_cand}) {
        auto page = passerelle::server::sync::run_pull(sql, out == &before_coach ? coach : cand, 0, 100);
        for (const auto& c : page.changes)
          out->push_back(c.collection + " " + c.id + " " + std::to_string(c.seq) + (c.deleted ? " deleted" : ""));
      }
    });
  }
  ASSERT_EQ(before_coach.size(), 4u);  // the candidate's profile, the thread, the message, its own tombstone
  ASSERT_EQ(before_cand.size(), 3u);
  auto db = Database::open(url, {});
  ASSERT_TRUE(db.ok()) << db.error().message;
  (*db)->read([&](soci::session& sql) {
    EXPECT_EQ(schema_version(sql).value(), latest_schema_version());
    EXPECT_NE(table_sql(sql, "sync_audience").find("WITHOUT ROWID"), std::string::npos);
    EXPECT_NE(table_sql(sql, "message_inbox").find("WITHOUT ROWID"), std::string::npos);
    EXPECT_NE(table_sql(sql, "sync_ops").find("WITHOUT ROWID"), std::string::npos);
    std::string op;
    sql << "SELECT op_id || ' ' || name || ' ' || status || ' ' || error_code || ' ' || error_message || ' ' || seq"
           " || ' ' || applied_at_ms FROM sync_ops WHERE user_id = :u",
        soci::use(coach), soci::into(op);
    EXPECT_EQ(op, "op-1 message.send rejected forbidden not a member 3 1700000000000") << "the op record is kept";
    EXPECT_EQ(index_names(sql, "sync_audience"),
              (std::vector<std::string>{"sync_audience_by_reader_seq", "sync_audience_by_row"}));
    EXPECT_EQ(index_names(sql, "message_inbox"), (std::vector<std::string>{"message_inbox_by_message"}));
    int audience = 0, hidden = 0, own_entries = 0;
    sql << "SELECT COUNT(*), SUM(1 - visible) FROM sync_readable", soci::into(audience), soci::into(hidden);
    EXPECT_EQ(audience, 7);  // two readers of the candidate's profile, thread and message; the coach's own
    EXPECT_EQ(hidden, 1);
    sql << "SELECT COUNT(*) FROM sync_audience", soci::into(own_entries);
    EXPECT_EQ(own_entries, 1) << "migration 17 moved the rows of two readers to their scope";
    for (auto* want : {&before_coach, &before_cand}) {
      std::vector<std::string> now;
      auto page = passerelle::server::sync::run_pull(sql, want == &before_coach ? coach : cand, 0, 100);
      for (const auto& c : page.changes)
        now.push_back(c.collection + " " + c.id + " " + std::to_string(c.seq) + (c.deleted ? " deleted" : ""));
      EXPECT_EQ(now, *want);
    }
    std::string thread_of;
    long long n = 0;
    sql << "SELECT thread_id, n FROM message_inbox WHERE user_id = :u AND message_id = :m", soci::use(cand),
        soci::use(msg), soci::into(thread_of), soci::into(n);
    EXPECT_EQ(thread_of, thread);
    EXPECT_EQ(n, 1);
  });
  ASSERT_TRUE((*db)->writer().run([&](soci::session& sql) {
    // The message written again (a replayed projection) adds no second entry.
    passerelle::server::sync::ChangeLog log(sql, now_utc());
    log.put("messages", msg, {{"id", msg}, {"thread_id", thread}, {"author_id", coach}, {"n", 1},
                              {"body", "Bonjour"}}, {cand, coach});
    int inbox = 0;
    sql << "SELECT COUNT(*) FROM message_inbox", soci::into(inbox);
    EXPECT_EQ(inbox, 1);
    return Status::Ok();
  }).ok());
  std::filesystem::remove_all(dir);
}

// Migration 16 rebuilds sync_rows as a WITHOUT ROWID table on SQLite: a database written with
// the rowid table keeps every row (content, tombstones, seqs), pull answers the same pages with
// the same data, and the rows are written and read again through it afterwards.
TEST(Migrations, Migration16ClustersTheRowsKeepingThem) {
  auto dir = fresh_dir("pmig-sixteen");
  auto url = "sqlite:" + (dir / "db.sqlite").string();
  const std::string cand = "01900000-0000-7000-8000-0000000000c2", coach = "01900000-0000-7000-8000-0000000000a2",
                    thread = "01900000-0000-7000-8000-0000000000e2", msg = "01900000-0000-7000-8000-0000000000f2",
                    msg2 = "01900000-0000-7000-8000-0000000000f3";
  auto table_sql = [](soci::session& sql, const std::string& name) {
    std::string text;
    sql << "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :n", soci::use(name), soci::into(text);
    return text;
  };
  auto rows_of = [](soci::session& sql) {
    std::vector<std::string> rows;
    soci::rowset<soci::row> rs = (sql.prepare << "SELECT collection, id, data, deleted, seq FROM sync_rows"
                                                 " ORDER BY collection, id");
    for (const auto& r : rs)
      rows.push_back(r.get<std::string>(0) + " " + r.get<std::string>(1) + " " + r.get<std::string>(2) + " " +
                     std::to_string(r.get<int>(3)) + " " + std::to_string(r.get<long long>(4)));
    return rows;
  };
  auto pages = [](soci::session& sql, const std::string& user) {
    std::vector<std::string> out;
    auto page = passerelle::server::sync::run_pull(sql, user, 0, 100);
    for (const auto& c : page.changes)
      out.push_back(c.collection + " " + c.id + " " + std::to_string(c.seq) +
                    (c.deleted ? " deleted" : " " + boost::json::serialize(c.data)));
    return out;
  };
  std::vector<std::string> before_rows, before_coach, before_cand;
  {
    auto db = Database::open(url, {});
    ASSERT_TRUE(db.ok()) << db.error().message;
    ASSERT_TRUE((*db)->writer().run([&](soci::session& sql) {
      // Back to version 15's rowid table, as a database written before migration 16 has it.
      sql << "DELETE FROM schema_migrations WHERE version >= 16";
      sql << "DROP TABLE sync_rows";
      // (with migration 17's column, for today's change log to write; undo_migration_17 drops it)
      sql << "CREATE TABLE sync_rows (collection TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL,"
             " deleted INTEGER NOT NULL DEFAULT 0, seq BIGINT NOT NULL, scope TEXT, PRIMARY KEY (collection, id))";
      sql << "CREATE INDEX sync_rows_by_scope ON sync_rows (scope, seq) WHERE scope IS NOT NULL";
      EXPECT_EQ(table_sql(sql, "sync_rows").find("WITHOUT ROWID"), std::string::npos);
      passerelle::server::sync::ChangeLog log(sql, now_utc());
      log.put("profiles", cand, {{"id", cand}, {"role", "candidate"}, {"coach_id", coach}}, {cand, coach});
      log.put("threads", thread, {{"id", thread}, {"candidate_id", cand},
                                  {"members", boost::json::array{cand, coach}}}, {cand, coach});
      log.put("messages", msg, {{"id", msg}, {"thread_id", thread}, {"author_id", coach}, {"n", 1},
                                {"body", "Bonjour, « Amina » !"}}, {cand, coach});
      log.put("threads", thread, {{"id", thread}, {"candidate_id", cand}, {"members", boost::json::array{cand, coach}},
                                  {"last_n", 1}}, {cand, coach});
      log.put("profiles", coach, {{"id", coach}, {"role", "coach"}}, {coach});
      log.remove("profiles", coach);  // a tombstone: its row stays, emptied, until compaction
      undo_migration_17(sql);
      return Status::Ok();
    }).ok());
    (*db)->read([&](soci::session& sql) {
      before_rows = rows_of(sql);
      before_coach = pages(sql, coach);
      before_cand = pages(sql, cand);
    });
  }
  ASSERT_EQ(before_rows.size(), 4u);  // two profiles (one deleted), the thread, the message
  ASSERT_EQ(before_coach.size(), 4u);
  ASSERT_EQ(before_cand.size(), 3u);
  auto db = Database::open(url, {});
  ASSERT_TRUE(db.ok()) << db.error().message;
  (*db)->read([&](soci::session& sql) {
    EXPECT_EQ(schema_version(sql).value(), latest_schema_version());
    EXPECT_NE(table_sql(sql, "sync_rows").find("WITHOUT ROWID"), std::string::npos);
    EXPECT_EQ(rows_of(sql), before_rows);
    EXPECT_EQ(pages(sql, coach), before_coach);
    EXPECT_EQ(pages(sql, cand), before_cand);
  });
  ASSERT_TRUE((*db)->writer().run([&](soci::session& sql) {
    // Written through the clustered table: a new row, and the thread's row updated in place.
    passerelle::server::sync::ChangeLog log(sql, now_utc());
    log.put("messages", msg2, {{"id", msg2}, {"thread_id", thread}, {"author_id", cand}, {"n", 2},
                               {"body", "Merci"}}, {cand, coach});
    log.put("threads", thread, {{"id", thread}, {"candidate_id", cand}, {"members", boost::json::array{cand, coach}},
                                {"last_n", 2}}, {cand, coach});
    EXPECT_EQ(passerelle::server::sync::find_row(sql, "threads", thread)->at("last_n").as_int64(), 2);
    EXPECT_EQ(passerelle::server::sync::find_row(sql, "messages", msg2)->at("body").as_string(), "Merci");
    int rows = 0;
    sql << "SELECT COUNT(*) FROM sync_rows", soci::into(rows);
    EXPECT_EQ(rows, 5);
    return Status::Ok();
  }).ok());
  (*db)->read([&](soci::session& sql) {
    auto after = pages(sql, cand);
    ASSERT_EQ(after.size(), 4u);
    EXPECT_EQ(after[0], before_cand[0]) << "the profile, unchanged, keeps its seq";
    EXPECT_EQ(after.back().rfind("threads " + thread, 0), 0u) << "the thread moved to the newest seq";
  });
  std::filesystem::remove_all(dir);
}
