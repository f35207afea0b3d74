#!/bin/sh
# The sync engine must compile to WebAssembly beside the SQLite stores (docs/architecture.md,
# "The sync engine and its drivers"): no Boost.Asio, Boost.Beast or OpenSSL header may reach
# the file given (sync_machine.cpp). Lists the headers it reaches with the compiler's -M.
#   check-portable-engine.sh CXX SOURCE -I... -D...
set -eu
cxx=$1
src=$2
shift 2
deps=$("$cxx" -std=c++20 "$@" -M "$src")
bad=$(printf '%s\n' "$deps" | tr ' ' '\n' | grep -E 'boost/(asio|beast)|openssl/' || true)
if [ -n "$bad" ]; then
  printf '%s reaches I/O headers the WebAssembly build has not:\n%s\n' "$src" "$bad" | head -20
  exit 1
fi
echo "$(basename "$src"): no Asio, Beast or OpenSSL header"
