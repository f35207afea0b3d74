// The push window's order (server/src/sync/push_chains.h): a push runs only after the one it
// names, and never after a failed or forgotten one.
#include "sync/push_chains.h"

#include <gtest/gtest.h>

#include <string>

namespace passerelle::server::sync {
namespace {

TEST(PushChains, APushThatNamesNoneAlwaysRunsAndAFollowerOfTheLastOneRuns) {
  PushChains chains;
  EXPECT_TRUE(chains.arrive("token-a", 1, std::nullopt));
  EXPECT_TRUE(chains.arrive("token-a", 2, 1));
  EXPECT_TRUE(chains.arrive("token-a", 3, 2));
  // A fresh start on the same token (a reconnect) names none.
  EXPECT_TRUE(chains.arrive("token-a", 10, std::nullopt));
  EXPECT_TRUE(chains.arrive("token-a", 11, 10));
}

TEST(PushChains, AFollowerOfAPushThatIsNotTheLastOneFailsAndSoDoesItsOwnFollower) {
  PushChains chains;
  EXPECT_TRUE(chains.arrive("token-a", 1, std::nullopt));
  EXPECT_FALSE(chains.arrive("token-a", 3, 2));  // 2 never reached the writer
  EXPECT_FALSE(chains.arrive("token-a", 4, 3));  // 3 was refused: its follower too
  EXPECT_FALSE(chains.arrive("token-b", 1, 0));  // a token never seen: its predecessor is unknown
}

TEST(PushChains, APushThatFailedAfterItArrivedStopsItsFollowers) {
  PushChains chains;
  EXPECT_TRUE(chains.arrive("token-a", 1, std::nullopt));
  chains.failed("token-a", 1);
  EXPECT_FALSE(chains.arrive("token-a", 2, 1));
  EXPECT_FALSE(chains.arrive("token-a", 3, 2));
  // The device pushes them again as a new chain.
  EXPECT_TRUE(chains.arrive("token-a", 4, std::nullopt));
  EXPECT_TRUE(chains.arrive("token-a", 5, 4));
}

TEST(PushChains, AFailureOfAnOlderPushDoesNotTouchTheLastOne) {
  PushChains chains;
  EXPECT_TRUE(chains.arrive("token-a", 1, std::nullopt));
  EXPECT_TRUE(chains.arrive("token-a", 2, 1));
  chains.failed("token-a", 1);  // late news of an earlier push: 2 is the last one now
  EXPECT_TRUE(chains.arrive("token-a", 3, 2));
  chains.failed("token-b", 3);  // another token's failure
  EXPECT_TRUE(chains.arrive("token-a", 4, 3));
}

TEST(PushChains, TokensAreApart) {
  PushChains chains;
  EXPECT_TRUE(chains.arrive("token-a", 1, std::nullopt));
  EXPECT_TRUE(chains.arrive("token-b", 1, std::nullopt));
  chains.failed("token-b", 1);
  EXPECT_TRUE(chains.arrive("token-a", 2, 1));
  EXPECT_FALSE(chains.arrive("token-b", 2, 1));
}

TEST(PushChains, PastItsBoundTheRecordStartsOverAndAForgottenPredecessorFailsSafely) {
  PushChains chains;
  EXPECT_TRUE(chains.arrive("token-a", 1, std::nullopt));
  for (std::size_t i = 0; i < PushChains::kBound; ++i)
    chains.arrive("other-" + std::to_string(i), 1, std::nullopt);
  EXPECT_FALSE(chains.arrive("token-a", 2, 1));
}

TEST(PushChains, TwoChainsOfInstancesAreApart) {
  // Two servers in one process (the tests' in-process servers) no longer share one record.
  PushChains first, second;
  EXPECT_TRUE(first.arrive("token-a", 1, std::nullopt));
  EXPECT_FALSE(second.arrive("token-a", 2, 1));
  EXPECT_TRUE(first.arrive("token-a", 2, 1));
}

}  // namespace
}  // namespace passerelle::server::sync
