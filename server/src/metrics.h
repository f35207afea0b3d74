// Process-wide counters exported at GET /metrics in Prometheus text format 0.0.4.
// All methods are thread-safe and cheap (atomics; a mutex only for the per-type maps, whose
// keys are bounded: request types come from the dispatcher's registry or "unknown").
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "passerelle/shared/error.h"

namespace passerelle::server {

class Metrics {
 public:
  void connection_opened() { open_connections_.fetch_add(1); connections_total_.fetch_add(1); }
  void connection_closed() { open_connections_.fetch_sub(1); }
  // One answered request; `error` is empty on success. `seconds` is the time to answer.
  void request_done(std::string_view type, std::optional<ErrorCode> error, double seconds);
  // An error answered outside a request of known type (malformed frame, binary frame...).
  void error(ErrorCode code);
  void login(bool ok) { (ok ? logins_ok_ : logins_failed_).fetch_add(1); }
  void http_request() { http_requests_.fetch_add(1); }
  // Sync: one committed push (its ops by outcome, time from request to commit), one pull
  // answered (rows it carried), pokes queued to connections.
  void push_done(std::uint64_t applied, std::uint64_t rejected, double seconds);
  void pull_done(std::uint64_t rows) { pulls_.fetch_add(1); rows_pulled_.fetch_add(rows); }
  void pokes_sent(std::uint64_t n) { pokes_.fetch_add(n); }

  std::int64_t open_connections() const { return open_connections_.load(); }
  std::string render() const;

 private:
  static constexpr std::array<double, 11> kBuckets{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                   0.1,   0.25,   0.5,   1.0,  2.5};
  std::atomic<std::int64_t> open_connections_{0};
  std::atomic<std::uint64_t> connections_total_{0};
  std::atomic<std::uint64_t> logins_ok_{0};
  std::atomic<std::uint64_t> logins_failed_{0};
  std::atomic<std::uint64_t> http_requests_{0};
  std::atomic<std::uint64_t> pushes_{0};
  std::atomic<std::uint64_t> ops_applied_{0};
  std::atomic<std::uint64_t> ops_rejected_{0};
  std::atomic<std::uint64_t> pulls_{0};
  std::atomic<std::uint64_t> rows_pulled_{0};
  std::atomic<std::uint64_t> pokes_{0};

  mutable std::mutex mutex_;
  std::map<std::string, std::uint64_t, std::less<>> requests_by_type_;
  std::map<std::string, std::uint64_t, std::less<>> errors_by_code_;
  std::array<std::uint64_t, kBuckets.size() + 1> latency_counts_{};  // last is +Inf
  double latency_sum_ = 0;
  std::uint64_t latency_count_ = 0;
  std::array<std::uint64_t, kBuckets.size() + 1> push_latency_counts_{};
  double push_latency_sum_ = 0;
};

}  // namespace passerelle::server
