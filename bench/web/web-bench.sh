#!/usr/bin/env bash
# The browser beside native (docs/benchmarks.md, "The browser"): web_bench.mjs seeds one server,
# then runs the native client core (passerelle-bench's pull child and push, against that server)
# and the web binding in headless Chromium, alternated, REPS times each (medians, and each pair's
# ratio with its spread), with the CPU time of each side; then one profiled browser pull and push
# (the Worker's CPU profile), and the WebAssembly core in Node unless SKIP_NODE=1.
#   bench/web/web-bench.sh [BUILD_DIR] [WASM_BUILD_DIR] [OUT_DIR]
# Sizes: PULL_ROWS (50000), PUSH_OPS (10000); REPS (3); SKIP_NODE=1 leaves out the
# WebAssembly-in-Node host; OWN_SERVER=1 also runs passerelle-bench push pull on its own fresh
# server first (the figures of the subsections before the alternated pairs); PROFILE=0 and
# PROBES=0 leave out the profiled runs and the round-trip and OPFS probes; DEVTOOLS=1 keeps
# Playwright's CDP connection (which has Chromium report every WebSocket frame's payload to it)
# through the timed rounds, as the runs before 2026-12-07's branch web-pull did. SETTLE=0 times the
# rounds without first waiting for the just-launched Chromium to go idle (its spare and WebUI
# renderers' start-up); TRACE=1 writes a Chromium trace of each timed round and its per-thread
# summary (browser-<part>-<n>-trace*.json in OUT_DIR). Needs node >= 20, npm
# (playwright-core, pinned by tests/web/package-lock.json, installed into OUT_DIR/node_modules),
# Debian's chromium, and Linux's /proc for the CPU times.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
wasm="$(cd "${2:-$root/build-wasm}" && pwd)"
out="$(mkdir -p "${3:-$build/web-bench}" && cd "${3:-$build/web-bench}" && pwd)"
export PULL_ROWS="${PULL_ROWS:-50000}" PUSH_OPS="${PUSH_OPS:-10000}"

needed=("$build/bench/passerelle-bench" "$build/server/passerelle-server" "$wasm/bindings/web/passerelle-core.wasm")
[ "${SKIP_NODE:-0}" = 1 ] || needed+=("$wasm/wasm-node/passerelle-core-node.js")
for f in "${needed[@]}"; do
  [ -e "$f" ] || { echo "missing $f: bash scripts/build.sh builds it" >&2; exit 1; }
done
chromium_bin="${CHROMIUM:-$(command -v chromium || true)}"
[ -n "$chromium_bin" ] || { echo "chromium is not installed (bash scripts/install-deps.sh)" >&2; exit 1; }

cp "$root/tests/web/package.json" "$root/tests/web/package-lock.json" "$root/tests/web/harness.mjs" "$here/web_bench.mjs" "$out/"
# The app's id maker (UUIDv7), so that the browser's messages get ids like the app's and the
# native device's.
cp "$root/web/app/screens/util.js" "$out/app_util.mjs"
if ! cmp -s "$root/tests/web/package-lock.json" "$out/node_modules/.installed-lock" 2>/dev/null; then
  (cd "$out" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$root/tests/web/package-lock.json" "$out/node_modules/.installed-lock"
fi

rm -f "$out/native.json"
if [ "${OWN_SERVER:-0}" = 1 ]; then
  echo "native on its own server (passerelle-bench push pull)..." >&2
  # The same messages as web_bench.mjs's (bodies of 200 characters; passerelle-bench's default is
  # 120), so that every host moves the same bytes.
  "$build/bench/passerelle-bench" push pull --push-ops "$PUSH_OPS" --pull-rows "$PULL_ROWS" --body-bytes 200 \
    --json "$out/native.json" >"$out/native.txt"
fi

echo "native and WebAssembly (Chromium; Node unless SKIP_NODE=1), alternated..." >&2
PASSERELLE_SERVER="$build/server/passerelle-server" WASM_WEB_DIR="$wasm/bindings/web" \
  WASM_NODE_CORE="$wasm/wasm-node/passerelle-core-node.js" WASM_DEVICE="$root/tests/e2e/wasm_device.mjs" \
  NATIVE_JSON="$out/native.json" PASSERELLE_BENCH="$build/bench/passerelle-bench" OUT="$out/web-bench.json" CHROMIUM="$chromium_bin" \
  node --experimental-websocket "$out/web_bench.mjs" | tee "$out/web-bench.txt"
echo "results: $out/web-bench.json" >&2
