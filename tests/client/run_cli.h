// Runs the `passerelle` executable as a child process with given arguments, standard input and
// environment changes (an empty value unsets a variable). Bounded: the child is killed after a
// deadline. The process handling itself is tests/support's run_process.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "passerelle/test/test_server.h"

namespace passerelle::client::testing {

struct CliResult {
  int exit_code = -1;  // -1 when killed by a signal
  std::string out;
  std::string err;
};

inline CliResult run_cli(const std::string& program, const std::vector<std::string>& args,
                         const std::string& stdin_text = "", const std::map<std::string, std::string>& env = {},
                         std::chrono::seconds deadline = std::chrono::seconds(60)) {
  std::vector<std::string> argv{program};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = passerelle::test::run_process(argv, stdin_text, deadline, env);
  return CliResult{r.exit_code, std::move(r.out), std::move(r.err)};
}

}  // namespace passerelle::client::testing
