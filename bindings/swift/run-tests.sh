#!/bin/sh
# Builds and tests the Swift package against the libpasserelle.so of a build directory.
#   run-tests.sh LIBDIR      (LIBDIR holds libpasserelle.so: <build>/client-core)
# Where no Swift toolchain exists (this project's Debian CI), it says so and succeeds: the
# package is then checked by the iOS app's own build (docs/bindings.md, "iOS").
set -eu
here=$(cd "$(dirname "$0")" && pwd)
libdir=${1:?usage: run-tests.sh LIBDIR}
if ! command -v swift >/dev/null 2>&1; then
  echo "skipped: no Swift toolchain (swift is not on PATH); the Swift package was not built"
  exit 0
fi
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cd "$here"
swift build --scratch-path "$scratch" -Xlinker -L"$libdir" -Xlinker -rpath -Xlinker "$libdir"
LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
  swift test --scratch-path "$scratch" -Xlinker -L"$libdir" -Xlinker -rpath -Xlinker "$libdir"
