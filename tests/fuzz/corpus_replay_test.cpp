// Every seed of tests/fuzz/corpus/<target>/ through its fuzz target (fuzz_target.h), in the
// normal build: the seeds stay valid and the targets' invariants hold on them, in CI and
// without clang. A crash found by scripts/fuzz.sh gets its own named regression test in the
// suite of the code it broke (docs/fuzzing.md lists them).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "fuzz_target.h"

namespace {

namespace fs = std::filesystem;
using Target = void (*)(std::string_view);

struct Case {
  const char* name;
  Target target;
};
// Names the case in test listings (ctest shows GetParam() otherwise as raw bytes).
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class CorpusReplay : public ::testing::TestWithParam<Case> {};

TEST_P(CorpusReplay, EverySeedRunsCleanly) {
  fs::path dir = fs::path(PASSERELLE_FUZZ_CORPUS) / GetParam().name;
  ASSERT_TRUE(fs::is_directory(dir)) << dir;
  std::vector<fs::path> seeds;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file()) seeds.push_back(e.path());
  std::sort(seeds.begin(), seeds.end());
  ASSERT_FALSE(seeds.empty()) << "no seed in " << dir;
  for (const auto& seed : seeds) {
    SCOPED_TRACE(seed.string());
    std::ifstream in(seed, std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    EXPECT_NO_THROW(GetParam().target(bytes.str()));
  }
}

INSTANTIATE_TEST_SUITE_P(Fuzz, CorpusReplay,
                         ::testing::Values(Case{"protocol_decoder", passerelle::fuzz::protocol_decoder},
                                           Case{"mutator_args", passerelle::fuzz::mutator_args},
                                           Case{"http_ws_entry", passerelle::fuzz::http_ws_entry},
                                           Case{"ics_writer", passerelle::fuzz::ics_writer},
                                           Case{"csv_writer", passerelle::fuzz::csv_writer},
                                           Case{"pull_apply", passerelle::fuzz::pull_apply}),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
