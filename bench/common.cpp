#include <iostream>
#include <thread>

#include "bench.h"

namespace passerelle::bench {

bool Loop::run_until(const std::function<bool()>& done, Clock::duration timeout) {
  auto deadline = Clock::now() + timeout;
  while (!done()) {
    if (Clock::now() >= deadline) return false;
    io_.run_one_for(std::chrono::milliseconds(50));
  }
  return true;
}

void Loop::run_for(Clock::duration d) {
  auto deadline = Clock::now() + d;
  while (Clock::now() < deadline) io_.run_one_until(deadline);
}

void Progress::tick() {
  if (quiet_) return;
  auto now = Clock::now();
  if (now - last_ < std::chrono::seconds(1)) return;
  last_ = now;
  std::cerr << "\r[" << name_ << " " << static_cast<int>(seconds_since(start_)) << "s] " << line_() << "\033[K"
            << std::flush;
}

void Progress::done() {
  if (quiet_) return;
  std::cerr << "\r[" << name_ << " done in " << static_cast<int>(seconds_since(start_) * 10) / 10.0 << "s] " << line_()
            << "\033[K\n";
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::string message_body(std::size_t bytes, std::uint64_t n) {
  static const std::string words = "Bonjour, voici ou j'en suis dans mes demarches pour l'arrivee a Montreal. ";
  std::string out = "#" + std::to_string(n) + " ";
  while (out.size() < bytes) out += words;
  out.resize(bytes);
  return out;
}

void put_latency(boost::json::object& out, const std::string& prefix, const Histogram& h) {
  out[prefix + "_p50_ms"] = h.percentile_ms(0.50);
  out[prefix + "_p95_ms"] = h.percentile_ms(0.95);
  out[prefix + "_p99_ms"] = h.percentile_ms(0.99);
  out[prefix + "_max_ms"] = static_cast<double>(h.max()) / 1000.0;
  out[prefix + "_samples"] = h.count();
}

boost::json::object load_now() { return {{"load_1m", load_average_1m()}, {"uptime", uptime_line()}}; }

}  // namespace passerelle::bench
