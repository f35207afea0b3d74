#!/usr/bin/env bash
# The C API's tests under AddressSanitizer, UndefinedBehaviorSanitizer and LeakSanitizer: no
# leak, no use after free, no error across the boundary (docs/bindings.md, "Tests").
# Configures its own build directory with -DPASSERELLE_SANITIZE=ON, builds only what the tests
# need (the server, the launcher, libpasserelle.so and the two C programs), runs them.
#
#   bash tests/capi/run-asan.sh            # build-asan-capi/, 2 parallel jobs
#   BUILD_DIR=/tmp/asan JOBS=4 bash tests/capi/run-asan.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
build_dir=${BUILD_DIR:-build-asan-capi}
export CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=1
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DPASSERELLE_SANITIZE=ON >/dev/null
ninja -C "$build_dir" -j "${JOBS:-2}" passerelle-server capi_launcher capi_test capi_exceptions_test
ctest --test-dir "$build_dir" -R '^capi_(c|exceptions)_asan$' --output-on-failure
