#!/bin/sh
# Every workload at the issue's target sizes (#10), in one run: writes the JSON and the table.
#   bench/run-all.sh [BUILD_DIR] [OUT_DIR]      (defaults: build, bench-results)
# Extra options go through PASSERELLE_BENCH_ARGS, e.g. PASSERELLE_BENCH_ARGS="--pairs 32".
# On a shared machine the figures are noisy: compare the ratios to the echo/storage limits.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-"$root/build"}
out=${2:-"$root/bench-results"}
bench="$build/bench/passerelle-bench"
[ -x "$bench" ] || { echo "no $bench: build it first (ninja -C $build passerelle-bench)" >&2; exit 2; }
mkdir -p "$out"
# The Node.js peer (bench/peer, docs/benchmarks.md "The peer") runs in the same run as the chat
# workload; its packages are installed in its own folder, here, never by CI. Without node/npm
# (or with no registry) the bench reports the peer as skipped.
if [ ! -d "$root/bench/peer/node_modules/better-sqlite3" ] && command -v npm >/dev/null 2>&1; then
  (cd "$root/bench/peer" && npm install --no-audit --no-fund --omit=dev) || echo "bench/peer: npm install failed; the peer is skipped" >&2
fi
stamp=$(date -u +%Y%m%dT%H%M%SZ)
{ echo "# passerelle-bench $stamp"; echo "# $(uptime)"; } > "$out/table-$stamp.txt"
# shellcheck disable=SC2086
"$bench" all --connect-n 10000 --idle-n 10000 --pairs 64 --push-ops 10000 --pull-rows 50000 \
  --json "$out/results-$stamp.json" ${PASSERELLE_BENCH_ARGS:-} | tee -a "$out/table-$stamp.txt"
echo "wrote $out/results-$stamp.json and $out/table-$stamp.txt"
