#!/usr/bin/env bash
# Runs one browser test: dashboard_e2e.mjs (the default) or the script named as $1. Needs node + npm and Debian's
# chromium (scripts/install-deps.sh installs it); playwright-core and csv-parse come from the
# npm registry with `npm ci` (pinned by package-lock.json) into $WORK_DIR, never into the
# source tree. Exit 77 (ctest: skipped) with a clear message when a tool is missing.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="${WORK_DIR:-$here/../../build/web-e2e}"
chromium_bin="${CHROMIUM:-$(command -v chromium || true)}"

skip() { echo "SKIPPED: $*"; exit 77; }
command -v node >/dev/null || skip "node is not installed (apt-get install nodejs npm)"
command -v npm >/dev/null || skip "npm is not installed (apt-get install npm)"
[ -n "$chromium_bin" ] && [ -x "$chromium_bin" ] || skip "chromium is not installed (bash scripts/install-deps.sh, or apt-get install chromium)"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" -ge 18 ] || skip "node $node_major is too old (need >= 18)"

mkdir -p "$work"
script="${1:-dashboard_e2e.mjs}"
cp "$here/package.json" "$here/package-lock.json" "$here"/*harness.mjs "$here/$script" "$work/"
if ! cmp -s "$here/package-lock.json" "$work/node_modules/.installed-lock" 2>/dev/null; then
  (cd "$work" && npm ci --no-audit --no-fund --loglevel=error) || skip "npm ci failed (is the npm registry reachable?)"
  cp "$here/package-lock.json" "$work/node_modules/.installed-lock"
fi
export CHROMIUM="$chromium_bin"
exec timeout "${E2E_TIMEOUT:-240}" node "$work/$script"
