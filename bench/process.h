// The server under test as a child process (through tests/support's child_process), the seeding command line, and what /proc says about
// a process (RSS, CPU time) and about the machine (load average).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "passerelle/shared/error.h"
#include "passerelle/test/child_process.h"

namespace passerelle::bench {

// The bench's scratch directories, removed with their contents unless PASSERELLE_BENCH_KEEP is set.
class TempDir : public test::TempDir {
 public:
  TempDir() : test::TempDir("passerelle-bench", "PASSERELLE_BENCH_KEEP") {}
};

// passerelle-server serve on 127.0.0.1:0 with a fresh SQLite database in `dir`.
class ServerProcess {
 public:
  ServerProcess(std::string binary, std::string dir)
      : binary_(std::move(binary)), dir_(std::move(dir)), db_url_("sqlite:" + dir_ + "/db.sqlite") {}
  ~ServerProcess();  // SIGTERM, then SIGKILL after a grace period
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Accounts are created before the server starts (admin create on the same database).
  Status create_user(const std::string& email, const std::string& name, const std::string& role,
                     const std::string& password) const;
  Status start(std::chrono::seconds ready_timeout = std::chrono::seconds(30));
  void stop();

  pid_t pid() const { return pid_; }
  std::uint16_t port() const { return port_; }
  const std::string& db_url() const { return db_url_; }
  // A server started by someone else: accounts go into its database (admin create works beside it).
  void use_database(std::string url) { db_url_ = std::move(url); }
  std::string log_path() const { return dir_ + "/server.log"; }

 private:
  std::string binary_;
  std::string dir_;
  std::string db_url_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
};

// Runs a shell command; returns what it wrote on stdout.
std::string capture_command(const std::string& command);

// Resident set size now and at its peak (VmRSS, VmHWM of /proc/<pid>/status), in KiB.
struct Memory {
  std::int64_t rss_kib = 0;
  std::int64_t peak_kib = 0;
};
Memory memory_of(pid_t pid);
// User + system CPU time the process has used so far, in seconds (/proc/<pid>/stat).
double cpu_seconds_of(pid_t pid);
// The 1-minute load average (/proc/loadavg) and `uptime`'s line, recorded beside every figure.
double load_average_1m();
std::string uptime_line();

// Lets this process hold `wanted` descriptors (soft limit up to the hard one); returns the new limit.
std::uint64_t raise_fd_limit(std::uint64_t wanted);

}  // namespace passerelle::bench
