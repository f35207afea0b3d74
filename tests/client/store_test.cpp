// The device's SQLite files: creation, reopening, migrations, refusal of newer or damaged
// files, the session token's life on disk, and file permissions.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <iterator>

#include "account_store.h"
#include "device_store.h"
#include "passerelle/client.h"
#include "passerelle/shared/ids.h"
#include "sqlite.h"
#include "run_cli.h"
#include "temp_dir.h"

namespace passerelle::client {
namespace {

using testing::TempDir;

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

unsigned mode_of(const std::filesystem::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return 0;
  return st.st_mode & 0777;
}

// Writes PRAGMA user_version by hand, as a newer program would have.
void set_user_version(const std::filesystem::path& p, int version) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(p.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, ("PRAGMA user_version=" + std::to_string(version)).c_str(), nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
}

AccountRecord sample_account(const std::string& token) {
  AccountRecord r;
  r.user.id = new_id();
  r.user.role = protocol::Role::mentor;
  r.user.email = "sami@example.org";
  r.user.name = "Sami Haddad";
  r.user.locale = protocol::Locale::en;
  r.server_url = "ws://127.0.0.1:8080";
  r.token = token;
  r.token_expires_at = "2026-12-28T15:00:00.000Z";
  return r;
}

TEST(DeviceStore, CreatesAnIdOnceAndKeepsSettings) {
  TempDir dir;
  std::string id;
  {
    auto store = DeviceStore::open(dir.path());
    ASSERT_TRUE(store) << store.error().message;
    id = (*store)->device_id();
    auto parsed = Uuid::parse(id);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->version(), 7);
    EXPECT_FALSE((*store)->server_url());
    EXPECT_FALSE((*store)->current_user_id());
    ASSERT_TRUE((*store)->set_server_url("wss://example.org"));
    ASSERT_TRUE((*store)->set_current_user_id(std::string("0190e0b0-0000-7000-8000-000000000001")));
  }
  auto again = DeviceStore::open(dir.path());
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ((*again)->device_id(), id);
  EXPECT_EQ((*again)->server_url(), "wss://example.org");
  EXPECT_EQ((*again)->current_user_id(), "0190e0b0-0000-7000-8000-000000000001");
  EXPECT_EQ((*again)->db().user_version(), 1);
}

TEST(Sqlite, MigrationsRunOnceEachAndInOrder) {
  TempDir dir;
  auto path = dir / "m.sqlite";
  std::vector<sqlite::Migration> v1 = {{1, "CREATE TABLE a (x INTEGER);"}};
  {
    auto db = sqlite::Database::open(path, "the test file", v1);
    ASSERT_TRUE(db) << db.error().message;
    EXPECT_EQ((*db)->user_version(), 1);
    ASSERT_TRUE((*db)->exec("INSERT INTO a VALUES (42)"));
  }
  std::vector<sqlite::Migration> v2 = v1;
  v2.push_back({2, "ALTER TABLE a ADD COLUMN y TEXT; UPDATE a SET y = 'migrated';"});
  auto db = sqlite::Database::open(path, "the test file", v2);
  ASSERT_TRUE(db) << db.error().message;
  EXPECT_EQ((*db)->user_version(), 2);
  auto q = (*db)->prepare("SELECT x, y FROM a");
  ASSERT_TRUE(q);
  auto row = q->step();
  ASSERT_TRUE(row && *row);
  EXPECT_EQ(q->integer(0), 42);  // step 1 did not run again
  EXPECT_EQ(q->text(1), "migrated");
}

TEST(Sqlite, FailedMigrationLeavesTheFileAtTheLastGoodStep) {
  TempDir dir;
  auto path = dir / "m.sqlite";
  std::vector<sqlite::Migration> list = {{1, "CREATE TABLE a (x INTEGER);"}, {2, "THIS IS NOT SQL;"}};
  auto db = sqlite::Database::open(path, "the test file", list);
  ASSERT_FALSE(db);
  EXPECT_NE(db.error().message.find("upgrading to schema 2"), std::string::npos) << db.error().message;
  auto reopened = sqlite::Database::open(path, "the test file", {{1, "CREATE TABLE a (x INTEGER);"}});
  ASSERT_TRUE(reopened) << reopened.error().message;
  EXPECT_EQ((*reopened)->user_version(), 1);
}

// prepare_cached hands the same compiled statement out again, reset: no row, binding or
// open read of an earlier use may leak into the next, and a statement given back mid-rows
// must not keep a savepoint from being released.
TEST(Sqlite, CachedStatementsComeBackResetAndMayBeUsedTwiceAtOnce) {
  TempDir dir;
  auto db = sqlite::Database::open(dir / "c.sqlite", "the test file", {{1, "CREATE TABLE a (x INTEGER);"}});
  ASSERT_TRUE(db) << db.error().message;
  auto& d = **db;
  for (std::int64_t x : {1, 2, 3}) {
    auto ins = d.prepare_cached("INSERT INTO a (x) VALUES (?)");
    ASSERT_TRUE(ins);
    ASSERT_TRUE(ins->bind(1, x).run());
  }
  ASSERT_TRUE(d.exec("SAVEPOINT s"));
  {
    auto q = d.prepare_cached("SELECT x FROM a WHERE x >= ? ORDER BY x");
    ASSERT_TRUE(q);
    q->bind(1, std::int64_t{2});
    auto row = q->step();
    ASSERT_TRUE(row && *row);
    EXPECT_EQ(q->integer(0), 2);
    // The same SQL while the first is still open: a second statement, with its own rows.
    auto again = d.prepare_cached("SELECT x FROM a WHERE x >= ? ORDER BY x");
    ASSERT_TRUE(again);
    again->bind(1, std::int64_t{3});
    row = again->step();
    ASSERT_TRUE(row && *row);
    EXPECT_EQ(again->integer(0), 3);
  }  // both given back in the middle of their rows
  EXPECT_TRUE(d.exec("RELEASE SAVEPOINT s")) << "a statement given back must not stay in progress";
  {
    auto q = d.prepare_cached("SELECT x FROM a WHERE x >= ? ORDER BY x");
    ASSERT_TRUE(q);
    q->bind(1, std::int64_t{1});
    std::vector<std::int64_t> xs;
    for (auto row = q->step(); row && *row; row = q->step()) xs.push_back(q->integer(0));
    EXPECT_EQ(xs, (std::vector<std::int64_t>{1, 2, 3})) << "from the first row, with the new binding";
  }
  auto unbound = d.prepare_cached("SELECT x FROM a WHERE x >= ? ORDER BY x");
  ASSERT_TRUE(unbound);
  auto row = unbound->step();
  ASSERT_TRUE(row);
  EXPECT_FALSE(*row) << "bindings of an earlier use are cleared (x >= NULL matches nothing)";
  auto bad = d.prepare_cached("SELECT nothing FROM nowhere");
  EXPECT_FALSE(bad);
}

// A loop over a page's rows takes one statement and resets it between rows; text bound
// unowned is read at the step, so the caller's buffer may change once the row is stored.
TEST(Sqlite, AResetStatementRunsAgainWithNewBindingsAndUnownedTextIsStoredAtTheStep) {
  TempDir dir;
  auto db = sqlite::Database::open(dir / "r.sqlite", "the test file", {{1, "CREATE TABLE t (k TEXT, v TEXT);"}});
  ASSERT_TRUE(db) << db.error().message;
  auto& d = **db;
  {
    auto ins = d.prepare_cached("INSERT INTO t (k, v) VALUES (?, ?)");
    ASSERT_TRUE(ins);
    std::string buffer;
    for (const char* k : {"a", "b", "c"}) {
      buffer = std::string(k) + "-value";
      ASSERT_TRUE(ins->reset().bind_unowned(1, k).bind_unowned(2, buffer).run());
      buffer.assign(buffer.size(), '#');  // overwritten after the row is stored
    }
  }
  auto q = d.prepare("SELECT k || '=' || v FROM t ORDER BY k");
  ASSERT_TRUE(q);
  std::vector<std::string> rows;
  for (auto row = q->step(); row && *row; row = q->step()) rows.push_back(q->text(0));
  EXPECT_EQ(rows, (std::vector<std::string>{"a=a-value", "b=b-value", "c=c-value"}));
}

// The account file's steps keep their numbers: 2 the sync store's first schema, 3 the upload
// queue, 4 the sync store's one-copy rows (an existing file at 3 runs only 4).
TEST(AccountStore, ANewFileHasEveryStepInItsPlace) {
  TempDir dir;
  std::string id = new_id();
  std::filesystem::path path;
  {
    auto store = AccountStore::open(dir.path(), id);
    ASSERT_TRUE(store) << store.error().message;
    path = (*store)->db().path();
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  auto one = [&](const char* sql) {
    sqlite3_stmt* st = nullptr;
    std::string out;
    if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
      out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return out;
  };
  EXPECT_EQ(one("PRAGMA user_version"), "4");
  EXPECT_EQ(one("SELECT group_concat(type || ' ' || name, ', ') FROM (SELECT type, name FROM sqlite_master"
                " WHERE name IN ('server_rows', 'local_rows', 'view_rows', 'view_overlay', 'uploads', 'outbox')"
                " ORDER BY name)"),
            "table local_rows, table outbox, table server_rows, table uploads, view view_rows");
  sqlite3_close(db);
}

TEST(DeviceStore, RefusesAFileFromANewerVersion) {
  TempDir dir;
  { ASSERT_TRUE(DeviceStore::open(dir.path())); }
  set_user_version(dir / "device.sqlite", 99);
  auto store = DeviceStore::open(dir.path());
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find("newer version of Passerelle (schema 99, this program knows up to 1)"),
            std::string::npos)
      << store.error().message;
}

TEST(DeviceStore, ADamagedFileGivesAClearError) {
  TempDir dir;
  {
    std::ofstream out(dir / "device.sqlite", std::ios::binary);
    out << "this is not an SQLite database, just some text that is long enough to have a header........";
  }
  auto store = DeviceStore::open(dir.path());
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find("is damaged or is not a Passerelle database"), std::string::npos)
      << store.error().message;
}

TEST(AccountStore, TokenIsPersistedThenForgottenWithoutTrace) {
  TempDir dir;
  const std::string token = "tok_" + std::string(39, 'Q');  // 43 characters, easy to find in bytes
  AccountRecord record = sample_account(token);
  std::filesystem::path path;
  {
    auto store = AccountStore::open(dir.path(), record.user.id);
    ASSERT_TRUE(store) << store.error().message;
    ASSERT_TRUE((*store)->save(record));
    path = (*store)->db().path();
  }
  {
    auto store = AccountStore::open(dir.path(), record.user.id);
    ASSERT_TRUE(store);
    auto loaded = (*store)->load();
    ASSERT_TRUE(loaded && *loaded);
    EXPECT_EQ((*loaded)->token, token);
    EXPECT_EQ((*loaded)->user.name, "Sami Haddad");
    EXPECT_EQ((*loaded)->user.role, protocol::Role::mentor);
    EXPECT_EQ((*loaded)->user.locale, protocol::Locale::en);
    EXPECT_EQ((*loaded)->token_expires_at, "2026-12-28T15:00:00.000Z");

    ASSERT_TRUE((*store)->forget_token());
    // While the file is still open: neither the database nor its WAL holds the token.
    EXPECT_EQ(slurp(path).find(token), std::string::npos);
    EXPECT_EQ(slurp(path.string() + "-wal").find(token), std::string::npos);
  }
  auto store = AccountStore::open(dir.path(), record.user.id);
  ASSERT_TRUE(store);
  auto loaded = (*store)->load();
  ASSERT_TRUE(loaded && *loaded);
  EXPECT_FALSE((*loaded)->token);
  EXPECT_EQ((*loaded)->user.email, "sami@example.org");  // the identity stays, the secret goes
  EXPECT_EQ(slurp(path).find(token), std::string::npos);
}

TEST(AccountStore, RefusesAnIdThatIsNotAUuid) {
  TempDir dir;
  auto store = AccountStore::open(dir.path(), "../../etc/passwd");
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find("not a UUID"), std::string::npos);
}

TEST(Store, FilesAreReadableByTheOwnerOnly) {
  TempDir dir;
  auto device = DeviceStore::open(dir.path());
  ASSERT_TRUE(device);
  auto record = sample_account("secret-token");
  auto account = AccountStore::open(dir.path(), record.user.id);
  ASSERT_TRUE(account);
  ASSERT_TRUE((*account)->save(record));
  auto account_path = (*account)->db().path();
  EXPECT_EQ(mode_of(dir / "device.sqlite"), 0600u);
  EXPECT_EQ(mode_of(account_path), 0600u);
  // SQLite gives the WAL and shared-memory files the main file's mode.
  EXPECT_EQ(mode_of(account_path.string() + "-wal"), 0600u);
  EXPECT_EQ(mode_of(account_path.string() + "-shm"), 0600u);
  EXPECT_EQ(mode_of(dir / "accounts"), 0700u);
}

TEST(Store, AnExistingFileWithLooseModeIsNarrowed) {
  TempDir dir;
  { std::ofstream(dir / "device.sqlite"); }
  std::filesystem::permissions(dir / "device.sqlite", std::filesystem::perms::all);
  ASSERT_TRUE(DeviceStore::open(dir.path()));
  EXPECT_EQ(mode_of(dir / "device.sqlite"), 0600u);
}

TEST(Store, ANewFileIsPrivateWhateverTheUmaskAndLeavesNothingBeside) {
  TempDir dir;
  mode_t before = ::umask(0);
  auto device = DeviceStore::open(dir.path());
  ::umask(before);
  ASSERT_TRUE(device) << device.error().message;
  EXPECT_EQ(mode_of(dir / "device.sqlite"), 0600u);
  EXPECT_EQ(mode_of(dir.path().string() + "/device.sqlite-wal"), 0600u);
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"device.sqlite", "device.sqlite-shm", "device.sqlite-wal"}));
}

// Issue #22: opening a file this process already has open must not touch it behind SQLite's
// back. Closing any descriptor of a file drops every POSIX lock the process holds on it (the
// open connection's shared lock on the database included); another process that then closed
// its own connection believed itself the last one, check-pointed and deleted the WAL and -shm
// under the first connection, which went on writing to a deleted WAL (two views of one file).
TEST(Store, ASecondOpenInTheSameProcessKeepsTheLocksOfTheFirst) {
  TempDir dir;
  auto first = DeviceStore::open(dir.path());
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_TRUE((*first)->set_server_url("ws://127.0.0.1:1"));
  {
    auto second = DeviceStore::open(dir.path());  // another code path of this process
    ASSERT_TRUE(second) << second.error().message;
  }
  // Another process opens the file and closes it: it is not the last connection.
  for (int i = 0; i < 3; ++i) {
    auto other = testing::run_cli(PASSERELLE_CLI_PATH, {"--data", dir.path().string(), "whoami"}, "",
                                  {{"PASSERELLE_SERVER", ""}, {"PASSERELLE_DATA", ""}});
    ASSERT_EQ(other.out, "not signed in\n") << other.err;
  }
  EXPECT_TRUE(std::filesystem::exists(dir / "device.sqlite-wal")) << "the WAL was deleted under an open connection";
  EXPECT_TRUE(std::filesystem::exists(dir / "device.sqlite-shm")) << "the -shm was deleted under an open connection";
  // The first connection's writes stay visible to a new one, and the file is sound.
  ASSERT_TRUE((*first)->set_server_url("ws://127.0.0.1:2"));
  auto again = DeviceStore::open(dir.path());
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ((*again)->server_url().value_or(""), "ws://127.0.0.1:2");
  auto check = (*again)->db().prepare("PRAGMA integrity_check");
  ASSERT_TRUE(check);
  auto row = check->step();
  ASSERT_TRUE(row && *row);
  EXPECT_EQ(check->text(0), "ok");
}

TEST(ClientOpen, BadUrlIsAUsageError) {
  TempDir dir;
  ClientOptions options;
  options.data_dir = dir.path();
  options.server_url = "ftp://example.org";
  auto client = Client::open(options);
  ASSERT_FALSE(client);
  EXPECT_EQ(client.origin(), Origin::usage);
}

TEST(ClientOpen, DataDirThatIsAFileIsALocalError) {
  TempDir dir;
  { std::ofstream(dir / "file"); }
  ClientOptions options;
  options.data_dir = dir / "file";
  auto client = Client::open(options);
  ASSERT_FALSE(client);
  EXPECT_EQ(client.origin(), Origin::local);
  EXPECT_NE(client.error().message.find("is not a directory"), std::string::npos);
}

TEST(ClientOpen, CreatesThePrivateDataDirAndStartsSignedOut) {
  TempDir dir;
  ClientOptions options;
  options.data_dir = dir / "nested" / "data";
  auto client = Client::open(options);
  ASSERT_TRUE(client) << client.error().message;
  EXPECT_EQ(mode_of(options.data_dir), 0700u);
  EXPECT_EQ((*client)->server_url().str(), "ws://127.0.0.1:8080");
  auto me = (*client)->current_user();
  ASSERT_TRUE(me);
  EXPECT_FALSE(*me);
  auto resumed = (*client)->resume();
  ASSERT_FALSE(resumed);
  EXPECT_EQ(resumed.error().code, ErrorCode::unauthenticated);
}

TEST(ClientOpen, ServerUrlFallsBackToTheStoredOne) {
  TempDir dir;
  {
    auto device = DeviceStore::open(dir.path());
    ASSERT_TRUE(device);
    ASSERT_TRUE((*device)->set_server_url("wss://stored.example.org"));
  }
  ClientOptions options;
  options.data_dir = dir.path();
  options.fallback_server_url = "ws://fallback.example.org";
  auto client = Client::open(options);
  ASSERT_TRUE(client);
  EXPECT_EQ((*client)->server_url().str(), "wss://stored.example.org");
}

}  // namespace
}  // namespace passerelle::client
