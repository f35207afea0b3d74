#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang (AddressSanitizer + UBSan + libFuzzer)
# in build-fuzz/ and runs each for SECONDS (default 60), one after the other. docs/fuzzing.md.
#
#   bash scripts/fuzz.sh            # every target, 60 s each
#   bash scripts/fuzz.sh 600 csv_writer ics_writer   # 10 min each, these targets only
#
# Each target starts from its seeds (tests/fuzz/corpus/<target>/, read only) and grows a working
# corpus in build-fuzz/fuzz-corpus/<target>/ (kept between runs). An input that crashes, breaks
# an invariant, leaks, or runs over 25 s is saved in build-fuzz/crashes/<target>/; the script
# exits 1 when there is any. Reproduce one with: build-fuzz/tests/fuzz/fuzz_<target> FILE
# Not part of CI (scripts/test.sh): CI replays the seeds through the same targets instead
# (fuzz_corpus_replay).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
all_targets=(protocol_decoder mutator_args http_ws_entry ics_writer csv_writer pull_apply)
if [ $# -gt 0 ]; then targets=("$@"); else targets=("${all_targets[@]}"); fi
build_dir=${BUILD_DIR:-build-fuzz}

# clang and its runtimes (libFuzzer's is in libclang-rt-14-dev): only this script needs them.
need=()
command -v clang++ >/dev/null 2>&1 || need+=(clang)
ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1 || need+=(libclang-rt-14-dev)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
  -DCMAKE_CXX_COMPILER=clang++ -DPASSERELLE_SANITIZE=ON -DPASSERELLE_FUZZ=ON >/dev/null
ninja -C "$build_dir" -j "${JOBS:-$(nproc)}" "${targets[@]/#/fuzz_}"

export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
status=0
for t in "${targets[@]}"; do
  corpus="$build_dir/fuzz-corpus/$t" crashes="$build_dir/crashes/$t" log="$build_dir/fuzz-logs/$t.log"
  mkdir -p "$corpus" "$crashes" "$(dirname "$log")"
  echo "fuzzing $t for ${seconds}s (log: $log)"
  # The server's JSON log lines would drown libFuzzer's own output: they are filtered out.
  if ! "$build_dir/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=4096 \
      -max_len=65536 -print_final_stats=1 -artifact_prefix="$crashes/" "$corpus" "tests/fuzz/corpus/$t" \
      2>&1 | grep -v '^{"ts":' >"$log"; then
    :
  fi
  tail -n 12 "$log" | grep -E 'stat::number_of_executed_units|cov:|ERROR|invariant' | tail -n 3 || true
  if [ -n "$(ls -A "$crashes")" ]; then
    echo "  crashes in $crashes:" && ls "$crashes" | sed 's/^/    /'
    status=1
  fi
done
exit $status
