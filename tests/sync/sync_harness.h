// A server change log and devices wired together in one process, with no network between
// them, so the sync model's guarantees can be tested on the real code of both sides.
#pragma once

#include <gtest/gtest.h>
#include <soci/soci.h>

#include <filesystem>
#include <memory>
#include <random>

#include "passerelle/shared/ids.h"
#include "passerelle/shared/sync/collections.h"
#include "sync/change_log.h"
#include "sync/pull.h"
#include "sync/push.h"
#include "sync/files_schema.h"
#include "sync/row_keys_schema.h"
#include "sync/sync_schema.h"
#include "sync/sync_store.h"

// SOCI's SQLite header wraps <sqlite3.h> in a namespace of its own, which clashes with the
// client store's plain <sqlite3.h> in one file: take the backend's factory by its C name.
extern "C" soci::backend_factory const* factory_sqlite3();

namespace passerelle::testing {

inline std::filesystem::path fresh_dir(const std::string& tag) {
  auto dir = std::filesystem::temp_directory_path() / ("passerelle-" + tag + "-" + new_id());
  std::filesystem::create_directories(dir);
  return dir;
}

struct FakeServer {
  std::filesystem::path dir = fresh_dir("server");
  std::unique_ptr<soci::session> sql;

  FakeServer() {
    open();
    for (const char* stmt : server::sync::kSyncSchemaSql) *sql << stmt;
    for (const char* stmt : server::sync::kFilesSchemaSql) *sql << stmt;  // the projections
    for (const char* stmt : server::sync::kRowKeysSchemaSql) *sql << stmt;
    for (const char* stmt : server::sync::kStepSummariesSchemaSql) *sql << stmt;
    for (const char* stmt : server::sync::kClusteredPerReaderTablesSql) *sql << stmt;  // migration 15, as served
    for (const char* stmt : server::sync::kClusteredRowsSql) *sql << stmt;  // migration 16, as served
    *sql << server::sync::kScopeColumnSql;  // migration 17, as served
    for (const char* stmt : server::sync::kScopesSql) *sql << stmt;
    server::sync::init_sync_state(*sql);
  }
  ~FakeServer() {
    sql.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  void open() { sql = std::make_unique<soci::session>(*factory_sqlite3(), "db=" + (dir / "server.db").string()); }
  // A restart: the connection goes away and comes back on the same file.
  void restart() {
    sql.reset();
    open();
  }

  void add_user(const std::string& id, protocol::Role role, const std::string& name) {
    soci::transaction tx(*sql);
    server::sync::ChangeLog log(*sql, now_utc());
    log.put(sync::collection::profiles, id,
            sync::new_profile_row({id, role, name + "@example.org", name, protocol::Locale::fr}, now_utc()), {id});
    tx.commit();
  }

  server::sync::PushOutcome push(const sync::Actor& actor, const std::vector<sync::Op>& ops) {
    soci::transaction tx(*sql);
    auto out = server::sync::run_push(*sql, actor, ops, now_utc());
    tx.commit();
    return out;
  }
};

struct Device {
  std::filesystem::path dir;
  sync::Actor actor;
  std::unique_ptr<client::sqlite::Database> db;
  std::unique_ptr<client::SyncStore> store;

  client::SyncStore::Clock clock = now_utc;

  Device(sync::Actor a, std::filesystem::path d, client::SyncStore::Clock c = now_utc)
      : dir(std::move(d)), actor(std::move(a)), clock(std::move(c)) {
    open();
  }
  ~Device() {
    store.reset();
    db.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  void open() {
    auto opened = client::sqlite::Database::open(dir / "account.sqlite", "the account file",
                                                 client::SyncStore::migrations(1));
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    db = std::move(*opened);
    store = std::make_unique<client::SyncStore>(*db, actor, clock);
  }
  // What a kill -9 leaves: the file, reopened by a new process.
  void reopen() {
    store.reset();
    db.reset();
    open();
  }

  std::string mutate(std::string_view name, const boost::json::object& args) {
    auto r = store->mutate(name, args, nullptr);
    EXPECT_TRUE(r.ok()) << name << ": " << (r.ok() ? "" : r.error().message);
    return r.ok() ? *r : std::string();
  }

  // One push round: the oldest batch of the outbox to the server and its answers back.
  std::size_t push(FakeServer& server, std::size_t batch = sync::kMaxOpsPerPush) {
    auto ops = store->pending(batch);
    EXPECT_TRUE(ops.ok());
    if (ops->empty()) return 0;
    auto out = server.push(actor, *ops);
    EXPECT_TRUE(store->apply_push_results(out.results, nullptr).ok());
    return ops->size();
  }

  void pull(FakeServer& server, std::int64_t limit = 100) {
    for (int guard = 0; guard < 5000; ++guard) {
      auto page = server::sync::run_pull(*server.sql, actor.user_id, *store->cursor(), limit, store->full_pull_horizon());
      auto st = store->apply_pull_page(page, nullptr);
      ASSERT_TRUE(st.ok()) << st.error().message;
      if (!page.more && !page.resync && !store->needs_resync()) return;
    }
    FAIL() << "pull did not finish";
  }

  void sync(FakeServer& server) {
    while (push(server) > 0) {
    }
    pull(server);
  }
};

}  // namespace passerelle::testing
