// LocalDbWatch (issue #22): what another connection (another process) queues in an account
// file wakes the engine; the engine's own writes, and others' writes that queue nothing, do not.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "account_store.h"
#include "files/file_store.h"
#include "passerelle/shared/ids.h"
#include "sync/local_db_watch.h"
#include "sync/sync_store.h"
#include "temp_dir.h"

namespace passerelle::client {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;

// One connection to an account file with its stores, as one process holds it.
struct Side {
  std::unique_ptr<AccountStore> account;
  std::unique_ptr<SyncStore> store;
  std::unique_ptr<files::FileStore> files;
  std::mutex mutex;

  Side(const TempDir& dir, const std::string& user_id) {
    auto a = AccountStore::open(dir.path(), user_id);
    if (!a) throw std::runtime_error(a.error().message);
    account = std::move(*a);
    store = std::make_unique<SyncStore>(account->db(), passerelle::sync::Actor{user_id, protocol::Role::candidate});
    auto f = files::FileStore::open(account->db(), dir / "files");
    if (!f) throw std::runtime_error(f.error().message);
    files = std::move(*f);
  }
  LocalDbWatch watch() { return LocalDbWatch(account->db(), *store, files.get(), mutex); }
  void queue() {
    std::lock_guard lock(mutex);
    auto op = store->mutate("profile.update", {{"bio", "bonjour"}}, nullptr);
    ASSERT_TRUE(op) << op.error().message;
  }
};

bool polled(LocalDbWatch& w) {
  auto r = w.poll();
  EXPECT_TRUE(r) << r.error().message;
  return r && *r;
}

TEST(LocalDbWatch, AnotherConnectionsQueuedWriteIsSeenOnce) {
  TempDir dir;
  std::string id = new_id();
  Side engine(dir, id), other(dir, id);
  auto watch = engine.watch();
  EXPECT_FALSE(polled(watch));  // the starting point
  EXPECT_FALSE(polled(watch));  // nothing happened
  other.queue();
  EXPECT_TRUE(polled(watch));
  EXPECT_FALSE(polled(watch));  // seen already
}

TEST(LocalDbWatch, OwnWritesAndOthersWritesThatQueueNothingDoNotWake) {
  TempDir dir;
  std::string id = new_id();
  Side engine(dir, id), other(dir, id);
  auto watch = engine.watch();
  EXPECT_FALSE(polled(watch));
  engine.queue();  // the engine's own connection: its caller wakes it directly
  EXPECT_FALSE(polled(watch));
  {
    // Another connection writes, the outbox is then empty (a pull, or a push answered).
    std::lock_guard lock(engine.mutex);
    ASSERT_TRUE(engine.account->db().exec("DELETE FROM outbox"));
  }
  EXPECT_FALSE(polled(watch));
  ASSERT_TRUE(other.account->db().exec("UPDATE account SET name = name"));  // a commit, nothing queued
  ASSERT_TRUE(other.account->db().exec("CREATE TABLE scratch (x); DROP TABLE scratch"));
  EXPECT_FALSE(polled(watch));
}

TEST(LocalDbWatch, TheWatcherThreadCallsBackWhenAnotherConnectionQueues) {
  TempDir dir;
  std::string id = new_id();
  Side engine(dir, id), other(dir, id);
  std::atomic<int> wakes{0};
  {
    LocalDbWatcher watcher(engine.watch(), 5ms, [&] { ++wakes; });
    std::this_thread::sleep_for(30ms);
    EXPECT_EQ(wakes.load(), 0);
    other.queue();
    for (int i = 0; i < 400 && wakes.load() == 0; ++i) std::this_thread::sleep_for(5ms);
    EXPECT_EQ(wakes.load(), 1);
  }
  int after = wakes.load();
  other.queue();
  std::this_thread::sleep_for(30ms);
  EXPECT_EQ(wakes.load(), after) << "a stopped watcher called back";
}

}  // namespace
}  // namespace passerelle::client
