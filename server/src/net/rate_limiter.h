// Token buckets by key (a user id, a remote address): each key may spend `burst` events at
// once and earns `rate` per second back. Thread-safe; in memory, per process. Keys whose bucket
// has refilled are forgotten, so the map stays as small as the set of busy senders.
//
//   RateLimiter per_user({50, 200});
//   if (auto wait = per_user.take(user_id)) return reply.fail(rate_limited, ...);  // *wait: retry after
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace passerelle::server::net {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  struct Limits {
    double rate = 0;         // events per second; 0: unlimited
    double burst = 1;        // bucket size
  };

  RateLimiter() = default;
  explicit RateLimiter(Limits limits) : limits_(limits) {}
  void set_limits(Limits limits);

  // Spends one token of `key`: nullopt when allowed, else how long until one is available
  // (nothing is spent then).
  std::optional<std::chrono::milliseconds> take(const std::string& key, Clock::time_point now = Clock::now());

  std::size_t tracked_keys() const;

 private:
  struct Bucket {
    double tokens;
    Clock::time_point updated;
  };
  void forget_full_buckets(Clock::time_point now);  // under mutex_

  Limits limits_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
  Clock::time_point last_sweep_{};
};

}  // namespace passerelle::server::net
