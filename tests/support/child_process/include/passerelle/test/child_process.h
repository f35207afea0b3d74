// Child processes and scratch directories for the programs that drive a real passerelle-server
// from outside: the integration tests (tests/support's TestServer) and the load generator
// (bench/). POSIX only; every wait is bounded.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace passerelle::test {

// A fresh directory under $TMPDIR (or /tmp) named <prefix>-XXXXXX; removed with its contents by
// the destructor unless the environment variable `keep_variable` is set (to look inside after
// a failure). path() is empty when the directory could not be made.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "passerelle-test",
                   const char* keep_variable = "PASSERELLE_KEEP_TEST_DIRS");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  const char* keep_variable_;
};

struct ProcessResult {
  int exit_code = -1;  // -1 when killed by a signal or timed out
  std::string out, err;
  bool timed_out = false;
};

// Environment changes for a child: a value sets the variable, an empty value unsets it.
using EnvOverrides = std::map<std::string, std::string>;

// Runs `argv` (argv[0] is the program's path), feeding `stdin_text` and capturing its output;
// kills it after `timeout`.
ProcessResult run_process(const std::vector<std::string>& argv, const std::string& stdin_text = {},
                          std::chrono::milliseconds timeout = std::chrono::seconds(30),
                          const EnvOverrides& env = {});

// Starts `argv` (argv[0] a path, or a program name looked up in PATH) in the background with stdin from /dev/null and stdout and stderr appended to
// `log_path`. Returns its pid, or -1 when it could not be started.
pid_t spawn_logged(const std::vector<std::string>& argv, const std::string& log_path);

// Waits for `pid` up to `timeout`; its raw wait status, or nullopt if it is still running.
std::optional<int> wait_for(pid_t pid, std::chrono::milliseconds timeout);
// The exit code in a raw wait status; -1 for a death by signal.
int exit_code_of(int status);

// SIGTERM, a wait of up to `grace`, then SIGKILL. The exit code, or -1 when it had to be killed.
int stop_process(pid_t pid, std::chrono::milliseconds grace);
// SIGKILL and reap, no grace (a crash).
void kill_process(pid_t pid);

// The port in a server's --ready-file ("host:port\n"), once the line is complete.
std::optional<std::uint16_t> ready_port(const std::string& ready_file);

// A file's whole content ("" when it cannot be read).
std::string read_file(const std::string& path);

}  // namespace passerelle::test
