// What the fault tests share (docs/faults.md): the run's options, the durable ledger of
// acknowledged writes, and the checks read straight from a SQLite file.
//
//   faults_tests [--long] [--kills N] [--seed S] [gtest flags]
//
// The short default keeps the suite quick; --long is the 50-kill run the docs report.
#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace passerelle::faults {

struct FaultOptions {
  bool long_mode = false;
  int kills = 0;          // 0: the mode's default
  std::uint32_t seed = 0;  // printed, so a run can be repeated
  int kills_or(int short_default, int long_default) const {
    return kills > 0 ? kills : (long_mode ? long_default : short_default);
  }
};

// Filled by main() from the command line; read by the tests.
FaultOptions& options();
// A generator seeded from options().seed (each test gets its own, same seed).
std::mt19937 make_rng();

// The writes the system acknowledged, appended and fdatasync'ed before the writer moves on,
// so the record itself survives whatever is killed. One id per line.
class Ledger {
 public:
  explicit Ledger(std::string path);
  ~Ledger();
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;
  bool ok() const { return fd_ >= 0; }
  // Thread-safe. False when the write or the sync failed.
  bool record(const std::vector<std::string>& ids);
  // What is on disk now.
  std::vector<std::string> read() const;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
};

// "ok", or what PRAGMA integrity_check (or opening the file) reported.
std::string integrity_check(const std::string& db_path);

// How many message rows of the server's change-log store carry each body (sync_rows).
// Empty with *error set when the file cannot be read.
std::map<std::string, int> message_body_counts(const std::string& db_path, std::string* error);

// Problems in the server's numbering of messages: a thread whose `n` values are not exactly
// 1..count, or whose last_n differs from its message count (an op applied twice, or half).
std::vector<std::string> numbering_problems(const std::string& db_path);

// The verdict on a ledger against the server's rows.
struct Tally {
  std::size_t acknowledged = 0;
  std::size_t lost = 0;        // acknowledged, absent
  std::size_t duplicated = 0;  // acknowledged, present more than once
  std::vector<std::string> examples;  // a few ids of each kind, for the failure message
};
// The writer used `body_prefix + id` as the body of the message of each ledger id.
Tally tally(const std::vector<std::string>& acknowledged, const std::map<std::string, int>& body_counts,
            const std::string& body_prefix);

}  // namespace passerelle::faults
