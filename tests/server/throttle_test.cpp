#include <gtest/gtest.h>

#include "auth/throttle.h"

using namespace passerelle::server::auth;
using namespace std::chrono_literals;

TEST(Throttle, FiveFailuresPerAccountThenRefusedUntilWindowPasses) {
  LoginThrottle t;
  auto now = LoginThrottle::Clock::now();
  for (int i = 0; i < 5; ++i) {
    EXPECT_FALSE(t.check("a@x", "1.1.1.1", now).has_value());
    auto delay = t.failed("a@x", "1.1.1.1", now);
    EXPECT_GT(delay.count(), 0);
  }
  auto wait = t.check("a@x", "2.2.2.2", now + 1s);
  ASSERT_TRUE(wait.has_value());
  EXPECT_GT(wait->count(), 0);
  EXPECT_LE(*wait, 15min);
  EXPECT_FALSE(t.check("b@x", "2.2.2.2", now + 1s).has_value());  // other accounts unaffected
  EXPECT_FALSE(t.check("a@x", "2.2.2.2", now + 15min + 1s).has_value());
}

TEST(Throttle, TwentyFailuresPerAddress) {
  LoginThrottle t;
  auto now = LoginThrottle::Clock::now();
  for (int i = 0; i < 20; ++i) t.failed("user" + std::to_string(i) + "@x", "9.9.9.9", now);
  EXPECT_TRUE(t.check("fresh@x", "9.9.9.9", now).has_value());
  EXPECT_FALSE(t.check("fresh@x", "8.8.8.8", now).has_value());
}

TEST(Throttle, DelayGrowsAndSuccessResetsAccount) {
  LoginThrottle t;
  auto now = LoginThrottle::Clock::now();
  auto d1 = t.failed("a@x", "1.1.1.1", now);
  auto d2 = t.failed("a@x", "1.1.1.1", now);
  EXPECT_GT(d2, d1);
  t.succeeded("a@x");
  for (int i = 0; i < 3; ++i) t.failed("a@x", "1.1.1.1", now);
  EXPECT_FALSE(t.check("a@x", "3.3.3.3", now).has_value());
}
