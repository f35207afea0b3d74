// RateLimiter (server/src/net/rate_limiter.h): token buckets on an explicit clock.
#include <gtest/gtest.h>

#include "net/rate_limiter.h"

using passerelle::server::net::RateLimiter;
using namespace std::chrono_literals;

namespace {
const RateLimiter::Clock::time_point t0{};
}

TEST(RateLimiter, BurstThenOneTokenPerIntervalWithTheWaitToNextToken) {
  RateLimiter limiter({2.0, 3.0});  // 2 per second, 3 at once
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(limiter.take("ana", t0)) << i;
  auto wait = limiter.take("ana", t0);
  ASSERT_TRUE(wait);
  EXPECT_EQ(wait->count(), 500);  // one token at 2/s
  EXPECT_TRUE(limiter.take("ana", t0 + 499ms));
  EXPECT_FALSE(limiter.take("ana", t0 + 500ms));
  EXPECT_TRUE(limiter.take("ana", t0 + 500ms));
  // A long pause refills to the burst, never beyond.
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(limiter.take("ana", t0 + 60s)) << i;
  EXPECT_TRUE(limiter.take("ana", t0 + 60s));
}

TEST(RateLimiter, KeysHaveTheirOwnBuckets) {
  RateLimiter limiter({1.0, 1.0});
  EXPECT_FALSE(limiter.take("ana", t0));
  EXPECT_TRUE(limiter.take("ana", t0));
  EXPECT_FALSE(limiter.take("bo", t0));
}

TEST(RateLimiter, ZeroRateIsNoLimitAndKeepsNothing) {
  RateLimiter limiter({0.0, 1.0});
  for (int i = 0; i < 1000; ++i) EXPECT_FALSE(limiter.take("ana", t0));
  EXPECT_EQ(limiter.tracked_keys(), 0u);
}

TEST(RateLimiter, RefilledBucketsAreForgotten) {
  RateLimiter limiter({10.0, 5.0});
  for (int i = 0; i < 100; ++i) (void)limiter.take("sender-" + std::to_string(i), t0 + 10s);
  EXPECT_EQ(limiter.tracked_keys(), 100u);
  // Much later every bucket is full again: the next call sweeps them all but its own.
  (void)limiter.take("late", t0 + 1h);
  EXPECT_EQ(limiter.tracked_keys(), 1u);
}
