#!/usr/bin/env bash
# Configures (once) and builds everything into ./build with Ninja. Incremental: only what
# changed is rebuilt, and ccache makes a fresh clone's rebuild of unchanged files cheap.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${PASSERELLE_BUILD_DIR:-build}"
# Compile with paths relative to the checkout so ccache hits across clones (CI builds a fresh one).
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
build_type="${PASSERELLE_BUILD_TYPE:-RelWithDebInfo}"
if [ ! -f "$build_dir/build.ninja" ]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="$build_type" "$@" >/dev/null
fi
echo "building in $build_dir (this takes a few minutes the first time)..." >&2
ninja -C "$build_dir" >"$build_dir/last-build.log" 2>&1 || { tail -60 "$build_dir/last-build.log" >&2; exit 1; }

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
  ninja -C "$wasm_dir" >"$wasm_dir/last-build.log" 2>&1 || { tail -60 "$wasm_dir/last-build.log" >&2; exit 1; }
fi
