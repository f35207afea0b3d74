#!/usr/bin/env bash
# The test suite again, built with AddressSanitizer + UndefinedBehaviorSanitizer (g++,
# -DPASSERELLE_SANITIZE=ON: every report is fatal; LeakSanitizer on). scripts/test.sh runs it
# after the normal suite; docs/fuzzing.md, "Sanitizers", says what runs and what it costs.
#
#   bash scripts/test-sanitizers.sh                  # build-asan/, every group below
#   bash scripts/test-sanitizers.sh -R '^Mutators'   # extra arguments go to ctest
#   PASSERELLE_SKIP_SANITIZERS=1 bash scripts/test.sh   # the normal suite only
#
# BUILD_DIR, JOBS, SANITIZE_TARGETS (ninja targets) and SANITIZE_TESTS (a ctest -R regex) let
# tests/capi/run-asan.sh run the C API's part alone through this same recipe.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${PASSERELLE_SKIP_SANITIZERS:-0}" = 1 ]; then
  echo "sanitizer stage skipped (PASSERELLE_SKIP_SANITIZERS=1)" >&2
  exit 0
fi
build_dir=${BUILD_DIR:-build-asan}

# unit, sync, server, client, e2e and the C API (with its leak-checked *_asan runs). Not here:
# PostgreSQL (pg.*: the same tests on another engine; the SOCI/libpq side is not ours to
# instrument and the runs are long), the browser test (Chromium, not our code), Java and Swift
# (a JVM cannot load an ASan library late; no Swift toolchain), tests/faults (kill -9 loops:
# long, and about durability rather than memory), the WebAssembly cross-check (wasm.*: its
# native half is the unit-tested store, its other half runs in Node), the authorization matrix
# (server_security.*: the server's request paths it drives are the ones server_integration_tests
# drives here, and it is 400 server starts), testssl (its cost is testssl's own openssl runs; the
# TLS paths of our code run here in tls_test).
default_targets="unit_tests server_sync_tests sync_model_tests server_unit_tests server_integration_tests
  client_unit_tests client_integration_tests e2e_tests fuzz_corpus_replay
  passerelle-server passerelle capi_launcher capi_test capi_exceptions_test capi_transport_test passerelle_c passerelle-bench"
read -r -a targets <<<"$(echo ${SANITIZE_TARGETS:-$default_targets})"
exclude='_NOT_BUILT$|^pg\.|^web_|^capi_(swift|java|jni_exports)$|^faults|^wasm\.|^server_security\.|^tls\.testssl'

cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DPASSERELLE_SANITIZE=ON >/dev/null
ninja -C "$build_dir" -j "${JOBS:-$(nproc)}" "${targets[@]}"

# Leaks fail the run; UBSan prints where. Tests that set their own options keep them.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:abort_on_error=0:detect_stack_use_after_return=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
ctest_args=(--test-dir "$build_dir" --output-on-failure --timeout 600 -j "$(nproc)" -E "$exclude")
if [ -n "${SANITIZE_TESTS:-}" ]; then ctest_args+=(-R "$SANITIZE_TESTS"); fi
ctest "${ctest_args[@]}" "$@"
