#!/usr/bin/env bash
# Installs what the tests need, builds, and runs the whole suite with ctest.
# Every test is bounded in time and talks to loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
build_dir="${PASSERELLE_BUILD_DIR:-build}"
ctest --test-dir "$build_dir" --output-on-failure --timeout 300 -j "$(nproc)" "$@"
# The suite again under AddressSanitizer + UndefinedBehaviorSanitizer (docs/fuzzing.md);
# PASSERELLE_SKIP_SANITIZERS=1 skips it.
bash scripts/test-sanitizers.sh
