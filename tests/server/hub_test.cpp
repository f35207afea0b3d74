// The hub's delivery thread (net/hub.h, after_commit): the work after a commit leaves the
// writer's thread and still runs in commit order.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <stdexcept>
#include <mutex>
#include <thread>
#include <vector>

#include "net/hub.h"

namespace {

using passerelle::server::net::Hub;

TEST(Hub, AfterCommitRunsTasksInOrderOffTheCallersThread) {
  Hub hub;
  std::mutex m;
  std::vector<int> order;
  std::vector<std::thread::id> threads;
  std::promise<void> release;
  auto released = release.get_future().share();
  // The first task blocks: the caller is not held by it, and those behind it wait their turn.
  hub.after_commit([&, released] {
    released.wait_for(std::chrono::seconds(5));  // run inline, it would hold the caller 5 s
    std::lock_guard lock(m);
    order.push_back(0);
    threads.push_back(std::this_thread::get_id());
  });
  for (int i = 1; i < 50; ++i)
    hub.after_commit([&, i] {
      std::lock_guard lock(m);
      order.push_back(i);
      threads.push_back(std::this_thread::get_id());
    });
  {
    std::lock_guard lock(m);
    EXPECT_TRUE(order.empty()) << "a task ran on the caller's thread, or before the one given first";
  }
  release.set_value();
  std::promise<void> last;
  hub.after_commit([&] { last.set_value(); });
  ASSERT_EQ(last.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
  std::lock_guard lock(m);
  ASSERT_EQ(order.size(), 50u);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(order[i], i);
  for (auto id : threads) EXPECT_NE(id, std::this_thread::get_id());
}

TEST(Hub, AfterCommitTasksQueuedAtDestructionStillRun) {
  int ran = 0;
  {
    Hub hub;
    for (int i = 0; i < 20; ++i) hub.after_commit([&ran] { ++ran; });
    hub.after_commit([] { throw std::runtime_error("a failing task is dropped, not the thread"); });
    hub.after_commit([&ran] { ++ran; });
  }
  EXPECT_EQ(ran, 21);
}

}  // namespace
