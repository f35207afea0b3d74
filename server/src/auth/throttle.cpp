#include "throttle.h"

#include <algorithm>

namespace passerelle::server::auth {

void LoginThrottle::prune(Failures& f, Clock::time_point now) const {
  while (!f.empty() && f.front() + limits_.window <= now) f.pop_front();
}

std::optional<std::chrono::milliseconds> LoginThrottle::blocked(Failures& f, int limit,
                                                                Clock::time_point now) const {
  prune(f, now);
  if (static_cast<int>(f.size()) < limit) return std::nullopt;
  // Allowed again once enough failures left the window to drop below the limit.
  auto until = f[f.size() - static_cast<std::size_t>(limit)] + limits_.window;
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(until - now);
  return std::max(ms, std::chrono::milliseconds(1));
}

std::optional<std::chrono::milliseconds> LoginThrottle::check(const std::string& account,
                                                              const std::string& address,
                                                              Clock::time_point now) {
  std::lock_guard lock(mutex_);
  std::optional<std::chrono::milliseconds> wait;
  if (auto it = accounts_.find(account); it != accounts_.end())
    wait = blocked(it->second, limits_.per_account, now);
  if (auto it = addresses_.find(address); it != addresses_.end()) {
    if (auto w = blocked(it->second, limits_.per_address, now); w && (!wait || *w > *wait)) wait = w;
  }
  return wait;
}

std::chrono::milliseconds LoginThrottle::failed(const std::string& account, const std::string& address,
                                                Clock::time_point now) {
  std::lock_guard lock(mutex_);
  bound_size(now);
  auto& a = accounts_[account];
  prune(a, now);
  a.push_back(now);
  auto& r = addresses_[address];
  prune(r, now);
  r.push_back(now);
  auto n = static_cast<long>(std::max(a.size(), r.size()));
  return std::min(limits_.delay_step * n, limits_.delay_cap);
}

void LoginThrottle::succeeded(const std::string& account) {
  std::lock_guard lock(mutex_);
  accounts_.erase(account);
}

void LoginThrottle::bound_size(Clock::time_point now) {
  // An attacker spraying e-mails must not grow memory without bound: drop expired entries,
  // and if still huge, start over (limits then restart for everyone, which is safe-ish).
  constexpr std::size_t kMax = 100000;
  for (auto* map : {&accounts_, &addresses_}) {
    if (map->size() < kMax) continue;
    for (auto it = map->begin(); it != map->end();) {
      prune(it->second, now);
      it = it->second.empty() ? map->erase(it) : std::next(it);
    }
    if (map->size() >= kMax) map->clear();
  }
}

}  // namespace passerelle::server::auth
