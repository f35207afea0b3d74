#include "rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace passerelle::server::net {

void RateLimiter::set_limits(Limits limits) {
  std::lock_guard lock(mutex_);
  limits_ = limits;
  buckets_.clear();
}

std::optional<std::chrono::milliseconds> RateLimiter::take(const std::string& key, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (limits_.rate <= 0) return std::nullopt;
  // A sweep every few seconds keeps memory bounded by the senders active in the last
  // burst/rate seconds (a refilled bucket is the same as no bucket).
  if (now - last_sweep_ > std::chrono::seconds(5)) forget_full_buckets(now);
  auto [it, fresh] = buckets_.try_emplace(key, Bucket{limits_.burst, now});
  Bucket& b = it->second;
  if (!fresh) {
    double earned = std::chrono::duration<double>(now - b.updated).count() * limits_.rate;
    b.tokens = std::min(limits_.burst, b.tokens + earned);
    b.updated = now;
  }
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return std::nullopt;
  }
  double seconds = (1 - b.tokens) / limits_.rate;
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(seconds * 1000)));
}

void RateLimiter::forget_full_buckets(Clock::time_point now) {
  last_sweep_ = now;
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    double earned = std::chrono::duration<double>(now - it->second.updated).count() * limits_.rate;
    if (it->second.tokens + earned >= limits_.burst) it = buckets_.erase(it);
    else ++it;
  }
}

std::size_t RateLimiter::tracked_keys() const {
  std::lock_guard lock(mutex_);
  return buckets_.size();
}

}  // namespace passerelle::server::net
