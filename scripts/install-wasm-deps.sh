#!/usr/bin/env bash
# Brings what the WebAssembly build (docs/bindings.md) compiles from source into a cache
# folder, outside the repository: nothing fetched here is ever committed.
#   - SQLite's official amalgamation, from the better-sqlite3 npm package (deps/sqlite3/);
#     wasm/CMakeLists.txt checks its SHA-256 against the pinned one.
#   - date's tz.cpp and libmd's SHA-256, as Debian source packages (apt-get source, whose
#     .dsc signatures apt checks); this needs a deb-src entry, added here when missing.
# Idempotent: a second run with everything present does nothing.
set -euo pipefail

deps="${PASSERELLE_WASM_DEPS:-${XDG_CACHE_HOME:-$HOME/.cache}/passerelle/wasm-deps}"
better_sqlite3_version=12.4.1   # carries SQLite 3.50.4
sqlite_dir="$deps/sqlite-3.50.4"
date_dir="$deps/howardhinnant-date-3.0.1+ds"
libmd_dir="$deps/libmd-1.0.4"
mkdir -p "$deps"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

if [ ! -f "$sqlite_dir/sqlite3.c" ]; then
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "better-sqlite3@$better_sqlite3_version" >/dev/null)
  tar -xzf "$tmp"/better-sqlite3-*.tgz -C "$tmp" package/deps/sqlite3/sqlite3.c package/deps/sqlite3/sqlite3.h
  mkdir -p "$sqlite_dir"
  mv "$tmp/package/deps/sqlite3/sqlite3.c" "$tmp/package/deps/sqlite3/sqlite3.h" "$sqlite_dir/"
  rm -rf "$tmp"
fi

if [ ! -f "$date_dir/src/tz.cpp" ] || [ ! -f "$libmd_dir/src/sha2.c" ]; then
  if ! apt-cache showsrc howardhinnant-date >/dev/null 2>&1 || [ -z "$(apt-cache showsrc howardhinnant-date 2>/dev/null)" ]; then
    echo "adding deb-src entries beside the machine's deb ones (apt-get source)" >&2
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
      sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources
    else
      sed -n 's/^deb /deb-src /p' /etc/apt/sources.list
    fi >"$deps/src-entries"
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
      $SUDO cp "$deps/src-entries" /etc/apt/sources.list.d/passerelle-src.sources
    else
      $SUDO cp "$deps/src-entries" /etc/apt/sources.list.d/passerelle-src.list
    fi
    $SUDO apt-get update -qq
  fi
  tmp="$(mktemp -d)"
  chmod 755 "$tmp"   # apt's _apt user downloads into it
  (cd "$tmp" && apt-get source -qq howardhinnant-date=3.0.1+ds-5 libmd=1.0.4-2 >/dev/null 2>&1) ||
    { echo "apt-get source howardhinnant-date libmd failed" >&2; exit 1; }
  rm -rf "$date_dir" "$libmd_dir"
  mv "$tmp/howardhinnant-date-3.0.1+ds" "$date_dir"
  mv "$tmp/libmd-1.0.4" "$libmd_dir"
  rm -rf "$tmp"
fi
