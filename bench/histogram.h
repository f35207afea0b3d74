// A log-linear latency histogram (HDR-style): exact below 128 µs, then 128 sub-buckets per power
// of two, so any recorded value is known to within 1/128 (< 0.8 %). Percentiles come from the
// bucket counts, never from averages. Fixed memory, no allocation while recording.
#pragma once

#include <array>
#include <bit>
#include <cstdint>

namespace passerelle::bench {

class Histogram {
 public:
  void record(std::uint64_t micros) {
    ++counts_[index_of(micros)];
    ++total_;
    if (micros > max_) max_ = micros;
  }
  void merge(const Histogram& other) {
    for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
    total_ += other.total_;
    if (other.max_ > max_) max_ = other.max_;
  }
  std::uint64_t count() const { return total_; }
  std::uint64_t max() const { return max_; }
  // The value at quantile q (0..1), in microseconds: the upper edge of the bucket holding it.
  std::uint64_t percentile(double q) const {
    if (total_ == 0) return 0;
    auto rank = static_cast<std::uint64_t>(q * static_cast<double>(total_) + 0.5);
    if (rank < 1) rank = 1;
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen >= rank) {
        std::uint64_t edge = upper_edge(i);
        return edge < max_ ? edge : max_;
      }
    }
    return max_;
  }
  double percentile_ms(double q) const { return static_cast<double>(percentile(q)) / 1000.0; }

 private:
  static constexpr unsigned kSubBits = 7;
  static constexpr std::uint64_t kSub = 1u << kSubBits;       // 128
  static constexpr std::size_t kBuckets = kSub * (64 - kSubBits + 1);

  static std::size_t index_of(std::uint64_t v) {
    if (v < kSub) return static_cast<std::size_t>(v);
    unsigned exp = static_cast<unsigned>(std::bit_width(v)) - 1;  // v in [2^exp, 2^(exp+1))
    unsigned shift = exp - kSubBits;
    return static_cast<std::size_t>((shift + 1) * kSub + ((v >> shift) - kSub));
  }
  static std::uint64_t upper_edge(std::size_t i) {
    if (i < kSub) return i;
    std::uint64_t shift = i / kSub - 1;
    std::uint64_t sub = i % kSub + kSub;
    return ((sub + 1) << shift) - 1;
  }

  std::array<std::uint64_t, kBuckets> counts_{};
  std::uint64_t total_ = 0;
  std::uint64_t max_ = 0;
};

}  // namespace passerelle::bench
