// Login throttling (docs/protocol.md): within a sliding 15-minute window, after 5 failures for
// one account or 20 from one remote address, further attempts are refused with rate_limited
// until the oldest failure leaves the window. Each failure also earns a growing delay before
// its answer. In memory, per process; thread-safe; bounded in size.
#pragma once

#include <chrono>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace passerelle::server::auth {

class LoginThrottle {
 public:
  using Clock = std::chrono::steady_clock;
  struct Limits {
    int per_account = 5;
    int per_address = 20;
    std::chrono::milliseconds window{15 * 60 * 1000};
    std::chrono::milliseconds delay_step{150};  // delay = step * failures so far, capped
    std::chrono::milliseconds delay_cap{2000};
  };

  LoginThrottle() = default;
  explicit LoginThrottle(Limits limits) : limits_(limits) {}

  // Before an attempt: how long the caller must wait, or nullopt when allowed.
  std::optional<std::chrono::milliseconds> check(const std::string& account, const std::string& address,
                                                 Clock::time_point now = Clock::now());
  // After a failed attempt: records it and returns the delay to apply before answering.
  std::chrono::milliseconds failed(const std::string& account, const std::string& address,
                                   Clock::time_point now = Clock::now());
  // After a successful login: forgets the account's failures (the address keeps its own).
  void succeeded(const std::string& account);

 private:
  using Failures = std::deque<Clock::time_point>;
  void prune(Failures& f, Clock::time_point now) const;
  std::optional<std::chrono::milliseconds> blocked(Failures& f, int limit, Clock::time_point now) const;
  void bound_size(Clock::time_point now);

  Limits limits_;
  std::mutex mutex_;
  std::unordered_map<std::string, Failures> accounts_;
  std::unordered_map<std::string, Failures> addresses_;
};

}  // namespace passerelle::server::auth
