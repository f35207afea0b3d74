#include "process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace passerelle::bench {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

using test::read_file;

std::string capture_command(const std::string& command) {
  std::string out;
  if (FILE* p = ::popen(command.c_str(), "r")) {
    char buf[4096];
    while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
    ::pclose(p);
  }
  return out;
}

ServerProcess::~ServerProcess() { stop(); }

Status ServerProcess::create_user(const std::string& email, const std::string& name, const std::string& role,
                                  const std::string& password) const {
  // The cheapest scrypt cost the server accepts: seeding hundreds of accounts stays fast, and the
  // workloads never hash a password (auth.resume checks a token).
  int rc = test::run_process({binary_, "admin", "create", "--db", db_url(), "--email", email, "--name", name,
                              "--role", role, "--scrypt-log2n", "10"},
                             password + "\n", 60s)
               .exit_code;
  if (rc != 0) return Status(ErrorCode::internal, "admin create " + email + " failed (exit " + std::to_string(rc) + ")");
  return Status::Ok();
}

Status ServerProcess::start(std::chrono::seconds ready_timeout) {
  std::string ready = dir_ + "/ready";
  std::vector<std::string> args = {binary_,         "serve",         "--listen",   "127.0.0.1:0",
                                   "--ready-file",  ready,           "--db",       db_url(),
                                   "--mail-dir",    dir_ + "/outbox", "--scrypt-log2n", "10",
                                   "--idle-timeout-ms", "600000"};
  // The load comes from one host pretending to be thousands of devices: the per-user and
  // per-address abuse limits (docs/limits.md) would measure themselves, so every one this
  // server knows is turned off (0). Flags an older server lacks are not passed.
  std::string help = capture_command(binary_ + " serve --help");
  for (const char* flag : {"--max-connections-per-user", "--max-connections-per-address", "--user-message-rate",
                           "--address-message-rate", "--max-requests-in-flight"})
    if (help.find(std::string(flag) + " ") != std::string::npos) {
      args.push_back(flag);
      args.push_back("0");
    }
  pid_ = test::spawn_logged(args, log_path());
  if (pid_ < 0) return Status(ErrorCode::internal, "cannot start " + binary_);
  auto deadline = std::chrono::steady_clock::now() + ready_timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto port = test::ready_port(ready)) {
      port_ = *port;
      return Status::Ok();
    }
    if (test::wait_for(pid_, 0ms)) {
      pid_ = -1;
      return Status(ErrorCode::internal, "passerelle-server exited early; see " + log_path());
    }
    std::this_thread::sleep_for(10ms);
  }
  stop();
  return Status(ErrorCode::internal, "passerelle-server did not become ready; see " + log_path());
}

void ServerProcess::stop() {
  if (pid_ <= 0) return;
  test::stop_process(pid_, 10s);
  pid_ = -1;
}

Memory memory_of(pid_t pid) {
  Memory m;
  std::istringstream in(read_file("/proc/" + std::to_string(pid) + "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) m.rss_kib = std::atoll(line.c_str() + 6);
    else if (line.rfind("VmHWM:", 0) == 0) m.peak_kib = std::atoll(line.c_str() + 6);
  }
  return m;
}

double cpu_seconds_of(pid_t pid) {
  std::string text = read_file("/proc/" + std::to_string(pid) + "/stat");
  // The command name may hold spaces: fields are counted after its closing parenthesis.
  auto close = text.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream in(text.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && in >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double load_average_1m() {
  double v = 0;
  std::istringstream(read_file("/proc/loadavg")) >> v;
  return v;
}

std::string uptime_line() {
  std::string text = capture_command("uptime");
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  while (!text.empty() && text.front() == ' ') text.erase(text.begin());
  return text;
}

std::uint64_t raise_fd_limit(std::uint64_t wanted) {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return 0;
  rlim_t target = wanted;
  if (lim.rlim_max != RLIM_INFINITY && target > lim.rlim_max) target = lim.rlim_max;
  if (target > lim.rlim_cur) {
    lim.rlim_cur = target;
    ::setrlimit(RLIMIT_NOFILE, &lim);
    ::getrlimit(RLIMIT_NOFILE, &lim);
  }
  return lim.rlim_cur;
}

}  // namespace passerelle::bench
