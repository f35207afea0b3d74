// The hub (net/hub.h): its delivery thread (after_commit), where the work after a commit
// leaves the writer's thread and still runs in commit order, and who its pokes reach.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <stdexcept>
#include <mutex>
#include <thread>
#include <vector>

#include "net/hub.h"

namespace {

using passerelle::server::net::Connection;
using passerelle::server::net::Hub;

struct RecordingConnection : Connection {
  std::mutex m;
  std::vector<std::string> events;
  void deliver(std::string, passerelle::server::net::StateChange) override {}
  void send_event(std::string text) override {
    std::lock_guard lock(m);
    events.push_back(std::move(text));
  }
  void shut_down() override {}
  void end_session(std::string, std::string, std::string) override {}
  std::size_t count() {
    std::lock_guard lock(m);
    return events.size();
  }
};

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

// Rows read through a role audience (templates, employers' needs, activities open to every
// candidate) reach whoever is signed in with that role: the commit's users name the audience,
// and each connection it reaches gets the poke once, even when its user is named too.
TEST(Hub, APokeToARoleAudienceReachesEveryConnectionOfThatRoleOnce) {
  Hub hub;
  auto coach = std::make_shared<RecordingConnection>(), other_coach = std::make_shared<RecordingConnection>(),
       candidate = std::make_shared<RecordingConnection>(), signed_out = std::make_shared<RecordingConnection>();
  for (auto& c : {coach, other_coach, candidate, signed_out}) hub.add(c);
  hub.set_user(coach.get(), "coach-1", "h1", "role:coach");
  hub.set_user(other_coach.get(), "coach-2", "h2", "role:coach");
  hub.set_user(candidate.get(), "candidate-1", "h3", "role:candidate");
  hub.set_user(signed_out.get(), "coach-3", "h4", "role:coach");
  hub.set_user(signed_out.get(), "");  // signed out: no longer in its role's audience

  passerelle::server::sync::LivePoke poke;
  poke.last = 7;
  poke.plain = R"({"type":"poke","seq":7})";
  poke.users = {"coach-1", "role:coach"};
  EXPECT_EQ(hub.send_poke(poke), 2u);
  EXPECT_EQ(coach->count(), 1u) << "named as a user and through its role: one poke";
  EXPECT_EQ(other_coach->count(), 1u);
  EXPECT_EQ(candidate->count(), 0u);
  EXPECT_EQ(signed_out->count(), 0u);

  EXPECT_EQ(hub.send_event({"role:candidate", "candidate-1"}, "event"), 1u);
  EXPECT_EQ(candidate->count(), 1u);
  // Role audiences are not users: presence and per-user counts ignore them.
  EXPECT_EQ(hub.connections_of("role:coach"), 0u);
  EXPECT_FALSE(hub.is_online("role:coach"));
  hub.remove(other_coach.get());
  EXPECT_EQ(hub.send_poke(poke), 1u);
}

}  // namespace
