#!/usr/bin/env bash
# The C API's tests under AddressSanitizer, UndefinedBehaviorSanitizer and LeakSanitizer: no
# leak, no use after free, no error across the boundary (docs/bindings.md, "Tests").
# The recipe is scripts/test-sanitizers.sh (the whole suite's sanitizer stage, which runs these
# too); this runs only the C API's part, in its own build directory.
#
#   bash tests/capi/run-asan.sh            # build-asan-capi/
#   BUILD_DIR=/tmp/asan JOBS=4 bash tests/capi/run-asan.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
export BUILD_DIR=${BUILD_DIR:-build-asan-capi}
export SANITIZE_TARGETS="passerelle-server capi_launcher capi_test capi_exceptions_test capi_transport_test"
export SANITIZE_TESTS='^capi_(c|exceptions|transport)_asan$'
exec bash scripts/test-sanitizers.sh
