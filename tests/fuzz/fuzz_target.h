// The fuzz targets of docs/fuzzing.md. Each target is one function taking the input bytes; its
// .cpp also defines libFuzzer's LLVMFuzzerTestOneInput around it when built by scripts/fuzz.sh
// (clang, -DPASSERELLE_FUZZ=ON), and the normal build links every function into
// fuzz_corpus_replay, which runs the seed corpus (tests/fuzz/corpus/<target>/) through them in
// CI without clang.
//
// A target fails in one of two ways, both a bug in the code under test: a sanitizer report or a
// crash, or an invariant on the code's output that does not hold (check() throws
// InvariantBroken; under libFuzzer that aborts and the input is kept as a crash).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

namespace passerelle::fuzz {

struct InvariantBroken : std::logic_error {
  using std::logic_error::logic_error;
};

inline void check(bool holds, const std::string& what) {
  if (!holds) throw InvariantBroken(what);
}

// One entry per target; the name is also the corpus folder and the fuzzer's executable
// (fuzz_<name>).
void protocol_decoder(std::string_view input);
void mutator_args(std::string_view input);
void http_ws_entry(std::string_view input);
void ics_writer(std::string_view input);
void csv_writer(std::string_view input);
void pull_apply(std::string_view input);

}  // namespace passerelle::fuzz

#ifdef PASSERELLE_LIBFUZZER
#define PASSERELLE_FUZZ_TARGET(name)                                                          \
  extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {         \
    try {                                                                                     \
      passerelle::fuzz::name(std::string_view(reinterpret_cast<const char*>(data), size));    \
    } catch (const passerelle::fuzz::InvariantBroken& e) {                                    \
      std::fprintf(stderr, "fuzz_" #name ": invariant broken: %s\n", e.what());               \
      std::abort();                                                                           \
    }                                                                                         \
    return 0;                                                                                 \
  }
#else
#define PASSERELLE_FUZZ_TARGET(name)
#endif
