// A demo program (`passerelle-server --demo`) and three devices' data directories for the CLI's
// end-to-end tests of staff, employer, mentor and candidate commands (employers_cli_test.cpp,
// activities_cli_test.cpp, mentors_cli_test.cpp): run a command on one device, sign in and sync, and pick an id out of
// a listing.
#pragma once

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "passerelle/test/test_server.h"
#include "run_cli.h"

namespace passerelle::client::testing {

class DemoProgramCli : public ::testing::Test {
 protected:
  CliResult cli(const std::string& dir, const std::vector<std::string>& args, const std::string& in = "") {
    std::vector<std::string> all{"--server", server.url(), "--data", dir};
    all.insert(all.end(), args.begin(), args.end());
    return run_cli(PASSERELLE_CLI_PATH, all, in);
  }
  void login(const std::string& dir, const std::string& email, const std::string& password) {
    auto r = cli(dir, {"login", "--email", email}, password + "\n");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    ASSERT_EQ(cli(dir, {"sync"}).exit_code, 0);
  }
  void sync(const std::string& dir) {
    auto r = cli(dir, {"sync"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  // The first word of the first line holding `needle` (listings start with an id or its prefix).
  static std::string first_word_of_line(const std::string& text, const std::string& needle) {
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
      if (line.find(needle) != std::string::npos) return line.substr(0, line.find(' '));
    return {};
  }

  passerelle::test::TestServer server{passerelle::test::TestServer::Options{{"--demo"}}};
  passerelle::test::TempDir coach, employer, candidate;
};

}  // namespace passerelle::client::testing
