// capi_launcher: runs a binding test program (the C test, the Java test) against a real
// passerelle-server seeded with the demo program (server/src/demo.cpp), on a fixed loopback port
// so the server can be stopped and started again at the same address.
//
//   capi_launcher [--timeout-s N] -- PROGRAM ARGS...
//
// In ARGS, @URL@ becomes the server's ws:// URL and @DIR@ a fresh scratch directory (removed
// afterwards unless PASSERELLE_KEEP_TEST_DIRS is set). The program's standard output is copied
// through, except control lines, which the launcher obeys and answers on the program's stdin:
//   @server stop   -> stops the server (SIGTERM),             answers "ok"
//   @server start  -> starts it again on the same port and db, answers "ok" (or "fail <why>")
// The exit code is the program's; on failure the server's log is printed.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "passerelle/test/test_server.h"

namespace {

using passerelle::test::TempDir;
using passerelle::test::TestServer;

// A port free right now (the kernel's choice), to pass to --listen so restarts keep it.
int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) s.replace(p, from.size(), to);
  return s;
}

void write_all(int fd, const std::string& s) {
  std::size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::write(fd, s.data() + off, s.size() - off);
    if (n <= 0) return;
    off += static_cast<std::size_t>(n);
  }
}

}  // namespace

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);
  int timeout_s = 120;
  int i = 1;
  for (; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--") {
      ++i;
      break;
    }
    if (a == "--timeout-s" && i + 1 < argc) {
      timeout_s = std::atoi(argv[++i]);
    } else {
      std::cerr << "capi_launcher: unknown argument " << a << "\n";
      return 2;
    }
  }
  if (i >= argc) {
    std::cerr << "usage: capi_launcher [--timeout-s N] -- PROGRAM ARGS...\n";
    return 2;
  }

  int port = free_port();
  TestServer::Options options;
  options.extra_args = {"--demo", "--listen", "127.0.0.1:" + std::to_string(port)};
  TestServer server(options);
  if (!server.ok()) {
    std::cerr << "capi_launcher: the server did not start: " << server.last_error() << "\n";
    return 1;
  }
  const std::string url = server.url();
  TempDir scratch;

  std::vector<std::string> args;
  for (; i < argc; ++i) args.push_back(replace_all(replace_all(argv[i], "@URL@", url), "@DIR@", scratch.path()));

  int to_child[2], from_child[2];
  if (::pipe(to_child) != 0 || ::pipe(from_child) != 0) return 1;
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(to_child[0], 0);
    ::dup2(from_child[1], 1);
    for (int fd : {to_child[0], to_child[1], from_child[0], from_child[1]}) ::close(fd);
    std::vector<char*> cargs;
    for (auto& a : args) cargs.push_back(a.data());
    cargs.push_back(nullptr);
    ::execvp(cargs[0], cargs.data());
    std::perror("capi_launcher: exec");
    ::_exit(127);
  }
  ::close(to_child[0]);
  ::close(from_child[1]);

  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  std::string pending;
  bool timed_out = false;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      ::kill(pid, SIGKILL);
      break;
    }
    pollfd p{from_child[0], POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 1000))) <= 0) continue;
    char buf[4096];
    ssize_t n = ::read(from_child[0], buf, sizeof buf);
    if (n <= 0) break;
    pending.append(buf, static_cast<std::size_t>(n));
    for (std::size_t nl; (nl = pending.find('\n')) != std::string::npos;) {
      std::string line = pending.substr(0, nl);
      pending.erase(0, nl + 1);
      if (line == "@server stop") {
        server.stop();
        std::cout << "[launcher] server stopped" << std::endl;
        write_all(to_child[1], "ok\n");
      } else if (line == "@server start") {
        bool started = server.start();
        std::cout << "[launcher] server " << (started ? "started again at " + server.url() : "failed to start") << std::endl;
        write_all(to_child[1], started ? "ok\n" : "fail " + server.last_error() + "\n");
      } else {
        std::cout << line << std::endl;
      }
    }
  }
  if (!pending.empty()) std::cout << pending << std::endl;
  ::close(to_child[1]);
  ::close(from_child[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  int code = timed_out ? 1 : WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  if (timed_out) std::cerr << "capi_launcher: the program did not finish within " << timeout_s << " s\n";
  if (code != 0) std::cerr << "capi_launcher: exit code " << code << "; server log:\n" << server.log() << "\n";
  return code;
}
