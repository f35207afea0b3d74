#!/usr/bin/env bash
# Runs passerelle-crosscheck natively and in WebAssembly (hosted by Node) with the same
# arguments and compares the two outputs byte for byte (docs/bindings.md).
#   crosscheck.sh <native program> <wasm program .js> <seed> | --time-zones | --views
set -euo pipefail
native="$1" wasm_js="$2" what="$3"
if [ ! -f "$wasm_js" ]; then
  echo "no WebAssembly build at $wasm_js: scripts/build.sh makes it (emscripten, scripts/install-wasm-deps.sh)" >&2
  exit 1
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if [ "$what" = --time-zones ] || [ "$what" = --views ]; then
  "$native" "$what" >"$work/native.txt"
  # Emscripten 3.1.6's Node glue predates Node's fetch; it must not see it.
  node --no-experimental-fetch "$wasm_js" "$what" >"$work/wasm.txt"
else
  "$native" "$work/native" "$what" >"$work/native.txt"
  node --no-experimental-fetch "$wasm_js" /tmp/crosscheck "$what" >"$work/wasm.txt"
fi
lines=$(wc -l <"$work/native.txt")
if [ "$lines" -lt 20 ]; then
  echo "the native run printed only $lines lines: nothing to compare" >&2
  cat "$work/native.txt" >&2
  exit 1
fi
if ! cmp -s "$work/native.txt" "$work/wasm.txt"; then
  echo "native and WebAssembly differ:" >&2
  diff "$work/native.txt" "$work/wasm.txt" | head -40 >&2
  exit 1
fi
echo "native and WebAssembly agree on $lines lines ($(sha256sum <"$work/native.txt" | cut -c1-16))"
