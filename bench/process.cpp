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

namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<char*> to_argv(std::vector<std::string>& args) {
  std::vector<char*> out;
  for (auto& a : args) out.push_back(a.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/passerelle-bench-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data())) path_ = buf.data();
}

TempDir::~TempDir() {
  if (path_.empty() || std::getenv("PASSERELLE_BENCH_KEEP")) return;
  std::error_code ec;
  fs::remove_all(path_, ec);
}

int run_command(const std::vector<std::string>& argv_in, const std::string& stdin_text, std::chrono::seconds timeout) {
  int in_pipe[2];
  if (::pipe(in_pipe)) return -1;
  std::vector<std::string> args = argv_in;
  auto argv = to_argv(args);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(in_pipe[0], 0);
    ::close(in_pipe[0]);
    ::close(in_pipe[1]);
    int devnull = ::open("/dev/null", O_WRONLY);
    ::dup2(devnull, 1);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(in_pipe[0]);
  (void)!::write(in_pipe[1], stdin_text.data(), stdin_text.size());
  ::close(in_pipe[1]);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (r < 0) return -1;
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(2ms);
  }
}

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
  int rc = run_command({binary_, "admin", "create", "--db", db_url(), "--email", email, "--name", name, "--role", role,
                        "--scrypt-log2n", "10"},
                       password + "\n", 60s);
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
  auto argv = to_argv(args);
  int log_fd = ::open(log_path().c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  pid_t pid = ::fork();
  if (pid == 0) {
    int devnull = ::open("/dev/null", O_RDONLY);
    ::dup2(devnull, 0);
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(log_fd);
  if (pid < 0) return Status(ErrorCode::internal, "fork failed");
  pid_ = pid;
  auto deadline = std::chrono::steady_clock::now() + ready_timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    std::string text = read_text(ready);
    auto colon = text.rfind(':');
    if (colon != std::string::npos && text.find('\n') != std::string::npos) {
      port_ = static_cast<std::uint16_t>(std::stoi(text.substr(colon + 1)));
      return Status::Ok();
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
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
  ::kill(pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + 10s;
  int status = 0;
  while (::waitpid(pid_, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(10ms);
  }
  pid_ = -1;
}

Memory memory_of(pid_t pid) {
  Memory m;
  std::istringstream in(read_text("/proc/" + std::to_string(pid) + "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) m.rss_kib = std::atoll(line.c_str() + 6);
    else if (line.rfind("VmHWM:", 0) == 0) m.peak_kib = std::atoll(line.c_str() + 6);
  }
  return m;
}

double cpu_seconds_of(pid_t pid) {
  std::string text = read_text("/proc/" + std::to_string(pid) + "/stat");
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
  std::istringstream(read_text("/proc/loadavg")) >> v;
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
