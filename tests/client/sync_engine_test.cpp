// The sync engine's pieces that need no server: backoff, offline writes through the Client,
// the engine against a port that refuses (offline state, prompt stop), the account file's
// upgrade to the sync schema.
#include <gtest/gtest.h>

#include <thread>

#include "account_store.h"
#include "loopback.h"
#include "passerelle/client.h"
#include "passerelle/shared/ids.h"
#include "sqlite.h"
#include "sync/sync_engine.h"
#include "temp_dir.h"

namespace passerelle::client {
namespace {

using namespace std::chrono_literals;
using testing::LoopbackPort;
using testing::TempDir;

TEST(Backoff, DoublesWithJitterUpToTheCapAndResets) {
  Backoff b(500ms, 60s, 42);
  std::int64_t step = 500;
  for (int i = 0; i < 12; ++i) {
    auto d = b.next().count();
    EXPECT_GE(d, step / 2) << "attempt " << i;
    EXPECT_LE(d, step) << "attempt " << i;
    step = std::min<std::int64_t>(step * 2, 60'000);
  }
  EXPECT_LE(b.next().count(), 60'000);
  b.reset();
  EXPECT_LE(b.next().count(), 500);
}

TEST(Backoff, JitterSpreadsDevices) {
  std::set<std::int64_t> firsts;
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    Backoff b(1000ms, 60s, seed);
    b.next();
    firsts.insert(b.next().count());
  }
  EXPECT_GT(firsts.size(), 10u);
}

TEST(Backoff, NeverOverflows) {
  Backoff b(500ms, 60s, 1);
  for (int i = 0; i < 200; ++i) EXPECT_LE(b.next().count(), 60'000);
}

class OfflineClient : public ::testing::Test {
 protected:
  void SetUp() override {
    server = "ws://127.0.0.1:" + std::to_string(refusing.port());
    // An account file exists, but the device has no current account: nobody is signed in.
    ClientOptions o;
    o.data_dir = dir.path();
    o.server_url = server;
    o.connect_timeout = 2s;
    o.sync_backoff_min = 20ms;
    o.sync_backoff_max = 100ms;
    auto store = AccountStore::open(dir.path(), user_id);
    ASSERT_TRUE(store.ok());
    AccountRecord r;
    r.user.id = user_id;
    r.user.role = protocol::Role::candidate;
    r.user.email = "amina@example.org";
    r.user.name = "Amina";
    r.server_url = server;
    r.token = "tok";
    ASSERT_TRUE((*store)->save(r).ok());
    store->reset();
    auto c = Client::open(o);
    ASSERT_TRUE(c.ok());
    client = std::move(*c);
  }
  LoopbackPort refusing{false};
  TempDir dir;
  std::string user_id = new_id();
  std::string server;
  std::unique_ptr<Client> client;
};

TEST_F(OfflineClient, NotSignedInIsAUsageFailure) {
  auto op = client->mutate("profile.update", {{"bio", "x"}});
  ASSERT_FALSE(op.ok());
  EXPECT_EQ(op.origin(), Origin::usage);
  EXPECT_EQ(op.error().code, ErrorCode::unauthenticated);
}

TEST_F(OfflineClient, BadArgsNameTheFieldAndQueueNothing) {
  auto op = client->mutate("message.send", {{"id", new_id()}, {"thread_id", new_id()}, {"body", ""}});
  ASSERT_FALSE(op.ok());
  EXPECT_EQ(op.origin(), Origin::usage);
  EXPECT_EQ(op.error().message, "field 'args.body' must not be empty");
  auto unknown = client->mutate("no.such", {});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.origin(), Origin::usage);
}

// The engine against a port that refuses: offline with the reason, retries, and stops at once.
TEST(SyncEngineOffline, RefusedPortMeansOfflineWithBackoffAndPromptStop) {
  LoopbackPort refusing(false);
  TempDir dir;
  auto db = sqlite::Database::open(dir / "a.sqlite", "the account file", SyncStore::migrations(1));
  ASSERT_TRUE(db.ok());
  SyncStore store(**db, passerelle::sync::Actor{new_id(), protocol::Role::candidate});
  std::mutex m;
  std::atomic<int> state_changes{0};
  SyncEngineConfig config;
  auto url = ServerUrl::parse("ws://127.0.0.1:" + std::to_string(refusing.port()));
  ASSERT_TRUE(url.ok());
  config.connection.url = *url;
  config.connection.connect_timeout = 2s;
  config.token = "tok";
  config.backoff_min = 20ms;
  config.backoff_max = 100ms;
  SyncEngineHooks hooks;
  hooks.state_changed = [&] { ++state_changes; };
  SyncEngine engine(config, store, m, hooks);

  auto once = engine.run_once(5s, {});
  ASSERT_FALSE(once.ok());
  EXPECT_EQ(once.origin(), Origin::network);
  EXPECT_EQ(engine.snapshot().state, SyncState::offline);

  engine.start();
  EXPECT_TRUE(engine.running());
  std::this_thread::sleep_for(300ms);  // several attempts at 20..100 ms
  auto snap = engine.snapshot();
  EXPECT_FALSE(snap.online);
  EXPECT_TRUE(snap.last_error.has_value());
  EXPECT_GE(state_changes.load(), 4);
  auto refused = engine.run_once(1s, {});
  EXPECT_FALSE(refused.ok());
  EXPECT_EQ(refused.origin(), Origin::usage);  // the background loop owns the network
  auto t0 = std::chrono::steady_clock::now();
  engine.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
  EXPECT_FALSE(engine.running());
}

// A version-1 account file (before sync) gains the sync tables on open and keeps its session.
TEST(AccountFile, UpgradesToTheSyncSchema) {
  TempDir dir;
  std::string id = new_id();
  auto path = AccountStore::path_for(dir.path(), id);
  ASSERT_TRUE(path.ok());
  std::filesystem::create_directories(path->parent_path());
  {
    auto v1 = sqlite::Database::open(*path, "the account file",
                                     {{1,
                                       "CREATE TABLE account (singleton INTEGER PRIMARY KEY CHECK (singleton = 1),"
                                       " user_id TEXT NOT NULL, role TEXT NOT NULL, email TEXT NOT NULL,"
                                       " name TEXT NOT NULL, locale TEXT NOT NULL, server_url TEXT NOT NULL,"
                                       " token TEXT, token_expires_at TEXT);"}});
    ASSERT_TRUE(v1.ok());
    ASSERT_TRUE((*v1)->exec("INSERT INTO account VALUES (1, '" + id +
                            "', 'candidate', 'a@example.org', 'A', 'fr', 'ws://x', 'tok', NULL)")
                    .ok());
  }
  auto store = AccountStore::open(dir.path(), id);
  ASSERT_TRUE(store.ok()) << store.error().message;
  EXPECT_GE((*store)->db().user_version(), 2);
  auto rec = (*store)->load();
  ASSERT_TRUE(rec.ok() && rec->has_value());
  EXPECT_EQ(*(**rec).token, "tok");
  SyncStore sync((*store)->db(), passerelle::sync::Actor{id, protocol::Role::candidate});
  auto op = sync.mutate("profile.update", {{"bio", "bonjour"}}, nullptr);
  ASSERT_TRUE(op.ok()) << op.error().message;
  EXPECT_EQ(*sync.pending_count(), 1);
}

}  // namespace
}  // namespace passerelle::client
