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
