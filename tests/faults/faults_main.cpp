// main() of faults_tests: gtest's flags, then the harness's own (fault_run.h).
#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>
#include <random>
#include <string>

#include "fault_run.h"

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);  // removes the --gtest_* flags
  // The harness counts rows in the server's SQLite file: SQLite whatever the environment asks
  // of the integration tests (PostgreSQL has its own crash test in tests/pg).
  ::unsetenv("PASSERELLE_TEST_DB");
  auto& o = passerelle::faults::options();
  o.seed = std::random_device{}();
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> long {
      if (i + 1 >= argc) {
        std::cerr << a << " needs a value\n";
        std::exit(2);
      }
      return std::strtol(argv[++i], nullptr, 10);
    };
    if (a == "--long") o.long_mode = true;
    else if (a == "--kills") o.kills = static_cast<int>(value());
    else if (a == "--seed") o.seed = static_cast<std::uint32_t>(value());
    else {
      std::cerr << "usage: faults_tests [--long] [--kills N] [--seed S] [--gtest_filter=...]\n";
      return 2;
    }
  }
  std::cout << "fault run: " << (o.long_mode ? "long" : "short") << " mode, seed " << o.seed << std::endl;
  return RUN_ALL_TESTS();
}
