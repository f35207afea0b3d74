#!/usr/bin/env bash
# Configures (once) and builds everything into ./build with Ninja. Incremental: only what
# changed is rebuilt, and ccache makes a fresh clone's rebuild of unchanged files cheap.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${PASSERELLE_BUILD_DIR:-build}"
build_type="${PASSERELLE_BUILD_TYPE:-RelWithDebInfo}"
if [ ! -f "$build_dir/build.ninja" ]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="$build_type" "$@" >/dev/null
fi
echo "building in $build_dir (this takes a few minutes the first time; full log: $build_dir/last-build.log)..." >&2
# Progress, condensed: ninja's "[done/total] what" lines. On a terminal one line rewritten in
# place; otherwise (CI, a pipe) a line every 10 % of the steps. Everything goes to the log.
progress() {
  local tty=0
  [ -t 2 ] && tty=1
  awk -v tty="$tty" '
    match($0, /^\[[0-9]+\/[0-9]+\] /) {
      split(substr($0, 2, RLENGTH - 3), c, "/")
      pct = c[2] > 0 ? int(100 * c[1] / c[2]) : 100
      # ninja counts again from 1 after re-running CMake: start the 10 % steps over too.
      if (c[2] != total) { total = c[2]; next_pct = 0 }
      what = substr($0, RLENGTH + 1); sub(/.* /, "", what); sub(/.*\//, "", what)
      if (tty) { printf "\r  [%s/%s] %3d%%  %-50.50s", c[1], c[2], pct, what > "/dev/stderr"; shown = 1 }
      else if (pct >= next_pct) { printf "  [%s/%s] %3d%%  %s\n", c[1], c[2], pct, what > "/dev/stderr"; next_pct = pct - pct % 10 + 10 }
      fflush("/dev/stderr")
    }
    END { if (shown) printf "\n" > "/dev/stderr" }'
}
export NINJA_STATUS="[%f/%t] "
if ! ninja -C "$build_dir" 2>&1 | tee "$build_dir/last-build.log" | progress; then
  tail -60 "$build_dir/last-build.log" >&2
  exit 1
fi

# The WebAssembly build of the client core (docs/bindings.md) in its own folder, with Debian's
# Emscripten. Its compiler needs Debian's acorn, which a non-Debian node finds through NODE_PATH.
# PASSERELLE_SKIP_WASM=1 skips it (its tests in the native build then fail, saying why).
if [ "${PASSERELLE_SKIP_WASM:-0}" != 1 ]; then
  wasm_dir="${PASSERELLE_WASM_BUILD_DIR:-build-wasm}"
  export NODE_PATH="${NODE_PATH:-/usr/share/nodejs}"
  command -v emcmake >/dev/null || { echo "emcmake not found: run scripts/install-deps.sh" >&2; exit 1; }
  if [ ! -f "$wasm_dir/build.ninja" ]; then
    emcmake cmake -S . -B "$wasm_dir" -G Ninja -DCMAKE_BUILD_TYPE=MinSizeRel >"$build_dir/wasm-configure.log" 2>&1 ||
      { tail -30 "$build_dir/wasm-configure.log" >&2; exit 1; }
  fi
  echo "building the WebAssembly core in $wasm_dir..." >&2
  if ! ninja -C "$wasm_dir" 2>&1 | tee "$wasm_dir/last-build.log" | progress; then
    tail -60 "$wasm_dir/last-build.log" >&2
    exit 1
  fi
  # The phone app's core is about 2 MB of .wasm and 100 KB of glue, its shell about 130 KB of
  # scripts and styles: a gzip copy beside each, which the server sends to browsers that take
  # gzip (three to four times fewer bytes on a slow link: docs/benchmarks.md, "The phone app on
  # a slow network"). The server ignores a copy older than its file; git ignores the copies.
  for core_file in "$wasm_dir"/bindings/web/*.wasm "$wasm_dir"/bindings/web/*.mjs \
                   web/app/*.js web/app/*.css web/app/*.html web/app/*.webmanifest web/app/screens/*.js; do
    if [ -f "$core_file" ] && { [ ! -f "$core_file.gz" ] || [ "$core_file" -nt "$core_file.gz" ]; }; then
      gzip -9 -k -f "$core_file"
    fi
  done
fi
