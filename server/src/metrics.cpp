#include "metrics.h"

#include <sstream>

namespace passerelle::server {

void Metrics::request_done(std::string_view type, std::optional<ErrorCode> err, double seconds) {
  std::lock_guard lock(mutex_);
  auto it = requests_by_type_.find(type);
  if (it == requests_by_type_.end()) it = requests_by_type_.emplace(std::string(type), 0).first;
  ++it->second;
  if (err) ++errors_by_code_[std::string(to_string(*err))];
  std::size_t i = 0;
  while (i < kBuckets.size() && seconds > kBuckets[i]) ++i;
  ++latency_counts_[i];
  latency_sum_ += seconds;
  ++latency_count_;
}

void Metrics::push_done(std::uint64_t applied, std::uint64_t rejected, double seconds) {
  pushes_.fetch_add(1);
  ops_applied_.fetch_add(applied);
  ops_rejected_.fetch_add(rejected);
  std::lock_guard lock(mutex_);
  std::size_t i = 0;
  while (i < kBuckets.size() && seconds > kBuckets[i]) ++i;
  ++push_latency_counts_[i];
  push_latency_sum_ += seconds;
}

void Metrics::error(ErrorCode code) {
  std::lock_guard lock(mutex_);
  ++errors_by_code_[std::string(to_string(code))];
}

std::string Metrics::render() const {
  std::ostringstream out;
  out << "# HELP passerelle_open_connections WebSocket connections currently open.\n"
         "# TYPE passerelle_open_connections gauge\n"
      << "passerelle_open_connections " << open_connections_.load() << "\n"
      << "# HELP passerelle_connections_total WebSocket connections accepted since start.\n"
         "# TYPE passerelle_connections_total counter\n"
      << "passerelle_connections_total " << connections_total_.load() << "\n"
      << "# HELP passerelle_http_requests_total Plain HTTP requests served.\n"
         "# TYPE passerelle_http_requests_total counter\n"
      << "passerelle_http_requests_total " << http_requests_.load() << "\n"
      << "# HELP passerelle_logins_total Login attempts by outcome.\n"
         "# TYPE passerelle_logins_total counter\n"
      << "passerelle_logins_total{result=\"ok\"} " << logins_ok_.load() << "\n"
      << "passerelle_logins_total{result=\"failed\"} " << logins_failed_.load() << "\n"
      << "# HELP passerelle_sync_pushes_total Pushes committed.\n"
         "# TYPE passerelle_sync_pushes_total counter\n"
      << "passerelle_sync_pushes_total " << pushes_.load() << "\n"
      << "# HELP passerelle_sync_ops_total Pushed ops by outcome (replays of a recorded op included).\n"
         "# TYPE passerelle_sync_ops_total counter\n"
      << "passerelle_sync_ops_total{status=\"applied\"} " << ops_applied_.load() << "\n"
      << "passerelle_sync_ops_total{status=\"rejected\"} " << ops_rejected_.load() << "\n"
      << "# HELP passerelle_sync_pulls_total Pull pages answered.\n"
         "# TYPE passerelle_sync_pulls_total counter\n"
      << "passerelle_sync_pulls_total " << pulls_.load() << "\n"
      << "# HELP passerelle_sync_rows_pulled_total Row changes sent in pull pages.\n"
         "# TYPE passerelle_sync_rows_pulled_total counter\n"
      << "passerelle_sync_rows_pulled_total " << rows_pulled_.load() << "\n"
      << "# HELP passerelle_sync_pokes_total Pokes queued to connections.\n"
         "# TYPE passerelle_sync_pokes_total counter\n"
      << "passerelle_sync_pokes_total " << pokes_.load() << "\n";
  std::lock_guard lock(mutex_);
  out << "# HELP passerelle_requests_total WebSocket requests answered, by type.\n"
         "# TYPE passerelle_requests_total counter\n";
  for (const auto& [type, n] : requests_by_type_)
    out << "passerelle_requests_total{type=\"" << type << "\"} " << n << "\n";
  out << "# HELP passerelle_errors_total Error answers, by code.\n"
         "# TYPE passerelle_errors_total counter\n";
  for (ErrorCode code : {ErrorCode::bad_request, ErrorCode::unauthenticated, ErrorCode::forbidden,
                         ErrorCode::not_found, ErrorCode::conflict, ErrorCode::rate_limited,
                         ErrorCode::too_large, ErrorCode::unsupported, ErrorCode::internal}) {
    auto it = errors_by_code_.find(to_string(code));
    out << "passerelle_errors_total{code=\"" << to_string(code) << "\"} "
        << (it == errors_by_code_.end() ? 0 : it->second) << "\n";
  }
  out << "# HELP passerelle_request_duration_seconds Time from receiving a request to queuing its answer.\n"
         "# TYPE passerelle_request_duration_seconds histogram\n";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    cumulative += latency_counts_[i];
    out << "passerelle_request_duration_seconds_bucket{le=\"" << kBuckets[i] << "\"} " << cumulative
        << "\n";
  }
  cumulative += latency_counts_[kBuckets.size()];
  out << "passerelle_request_duration_seconds_bucket{le=\"+Inf\"} " << cumulative << "\n"
      << "passerelle_request_duration_seconds_sum " << latency_sum_ << "\n"
      << "passerelle_request_duration_seconds_count " << latency_count_ << "\n";
  out << "# HELP passerelle_sync_push_duration_seconds Time from receiving a push to its durable commit.\n"
         "# TYPE passerelle_sync_push_duration_seconds histogram\n";
  cumulative = 0;
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    cumulative += push_latency_counts_[i];
    out << "passerelle_sync_push_duration_seconds_bucket{le=\"" << kBuckets[i] << "\"} " << cumulative << "\n";
  }
  cumulative += push_latency_counts_[kBuckets.size()];
  out << "passerelle_sync_push_duration_seconds_bucket{le=\"+Inf\"} " << cumulative << "\n"
      << "passerelle_sync_push_duration_seconds_sum " << push_latency_sum_ << "\n"
      << "passerelle_sync_push_duration_seconds_count " << cumulative << "\n";
  return out.str();
}

}  // namespace passerelle::server
