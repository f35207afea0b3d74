#!/bin/sh
# Checks that a shared library exports exactly the symbols its version script allows: every
# defined dynamic symbol must match the pattern (a grep -E regex), and at least one must.
#   check-exports.sh LIBRARY REGEX
set -eu
lib=$1
allowed=$2
command -v nm >/dev/null || { echo "skipped: nm not found"; exit 0; }
# Defined dynamic symbols, minus the version node names (absolute symbols like PASSERELLE_0).
symbols=$(nm -D --defined-only "$lib" | awk '$2 != "A" { print $3 }' | sed 's/@.*//' | sort -u)
count=$(printf '%s\n' "$symbols" | grep -cE "$allowed" || true)
extra=$(printf '%s\n' "$symbols" | grep -vE "$allowed" || true)
if [ -n "$extra" ]; then
  echo "FAILED: $lib exports symbols outside '$allowed':"
  printf '%s\n' "$extra" | head -20
  exit 1
fi
if [ "$count" -eq 0 ]; then
  echo "FAILED: $lib exports nothing matching '$allowed'"
  exit 1
fi
echo "$lib: $count exported symbols, all matching '$allowed'"
