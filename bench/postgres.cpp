#include "postgres.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <vector>

#include "process.h"

namespace passerelle::bench {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// The newest /usr/lib/postgresql/<major>/bin that has initdb and pg_ctl ("" when none).
std::string find_bindir() {
  std::string best;
  int best_major = -1;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    fs::path bin = e.path() / "bin";
    if (!fs::exists(bin / "initdb") || !fs::exists(bin / "pg_ctl")) continue;
    int major = std::atoi(e.path().filename().c_str());
    if (major > best_major) best_major = major, best = bin.string();
  }
  return best;
}

std::string find_runuser() {
  for (const char* p : {"/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser", "/bin/runuser"})
    if (::access(p, X_OK) == 0) return p;
  return "";
}

// A port nobody listens on now (the kernel's pick); a race with another process is retried.
int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

}  // namespace

PrivatePostgres::~PrivatePostgres() { stop(); }

Status PrivatePostgres::start(const std::string& dir) {
  bindir_ = find_bindir();
  if (bindir_.empty())
    return Status(ErrorCode::unsupported, "no PostgreSQL server binaries (/usr/lib/postgresql/*/bin; Debian package postgresql)");
  passwd* pg_user = ::getpwnam("postgres");
  if (!pg_user) return Status(ErrorCode::unsupported, "no 'postgres' system user to run PostgreSQL as");
  std::string runuser = find_runuser();
  if (::geteuid() != 0 || runuser.empty())
    return Status(ErrorCode::unsupported, "the bench starts PostgreSQL as the postgres user: run it as root (runuser)");
  dir_ = dir;
  std::error_code ec;
  for (const char* sub : {"", "/data", "/sock", "/log"}) {
    fs::create_directory(dir_ + sub, ec);
    if (ec) return Status(ErrorCode::internal, "cannot create " + dir_ + sub + ": " + ec.message());
    if (*sub && ::chown((dir_ + sub).c_str(), pg_user->pw_uid, pg_user->pw_gid) != 0)
      return Status(ErrorCode::internal, "cannot give " + dir_ + sub + " to postgres");
  }
  // The postgres user walks into the bench's temporary directory (mkdtemp made it 0700).
  fs::permissions(fs::path(dir_).parent_path(), fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec, ec);
  fs::permissions(dir_, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec, ec);
  auto as_postgres = [&](std::vector<std::string> argv) {
    argv.insert(argv.begin(), {runuser, "-u", "postgres", "--"});
    return argv;
  };
  if (test::run_process(as_postgres({bindir_ + "/initdb", "-D", dir_ + "/data", "-U", "postgres", "--auth=trust",
                                     "-E", "UTF8", "--locale=C.UTF-8"}),
                        "", 120s)
          .exit_code != 0)
    return Status(ErrorCode::internal, "initdb failed in " + dir_);
  for (int attempt = 0; attempt < 5 && !running_; ++attempt) {
    int port = free_port();
    if (port <= 0) continue;
    // Durability as shipped (fsync, synchronous_commit=on); room for two servers' pools and the
    // bench's admin commands; pg_stat_statements is loaded when installed, for profiling.
    std::string opts = "-c listen_addresses=127.0.0.1 -c port=" + std::to_string(port) +
                       " -c unix_socket_directories=" + dir_ + "/sock -c max_connections=200";
    if (fs::exists(fs::path(bindir_).parent_path() / "lib/pg_stat_statements.so"))
      opts += " -c shared_preload_libraries=pg_stat_statements";
    if (test::run_process(as_postgres({bindir_ + "/pg_ctl", "-D", dir_ + "/data", "-l", dir_ + "/log/postgres.log", "-w",
                                       "-t", "60", "start", "-o", opts}),
                          "", 90s)
            .exit_code == 0) {
      running_ = true;
      url_ = "postgresql://postgres@127.0.0.1:" + std::to_string(port) + "/postgres";
    }
  }
  if (!running_) return Status(ErrorCode::internal, "PostgreSQL did not start; see " + dir_ + "/log/postgres.log");
  version_ = capture_command(bindir_ + "/pg_ctl --version");
  while (!version_.empty() && version_.back() == '\n') version_.pop_back();
  return Status::Ok();
}

void PrivatePostgres::stop() {
  if (!running_) return;
  running_ = false;
  test::run_process({find_runuser(), "-u", "postgres", "--", bindir_ + "/pg_ctl", "-D", dir_ + "/data", "-m", "immediate",
                     "-w", "stop"},
                    "", 60s);
  std::error_code ec;
  if (!std::getenv("PASSERELLE_BENCH_KEEP")) fs::remove_all(dir_, ec);
}

}  // namespace passerelle::bench
