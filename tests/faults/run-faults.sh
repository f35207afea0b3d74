#!/usr/bin/env bash
# Runs the fault tests (docs/faults.md): kill -9 of the server while 50 devices write, kill -9 of
# the CLI during its sync, the control run that must find loss, and SQLite on a full disk.
#
#   tests/faults/run-faults.sh [--long] [--bin FAULTS_TESTS] [--seed S] [server|client|control|processes|disk|all]
#
# Short by default (5 kills each, part of the ctest suite, label `faults`); --long makes 50
# kills each. The tests run in a process group of their own: whatever happens (failure, Ctrl-C,
# a ctest timeout's SIGTERM), the EXIT trap kills that group, so no server outlives the run.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
bin="$here/../../build/tests/faults/faults_tests"
args=()
which=all
while [ $# -gt 0 ]; do
  case "$1" in
    --long) args+=(--long) ;;
    --seed) args+=(--seed "$2"); shift ;;
    --kills) args+=(--kills "$2"); shift ;;
    --bin) bin="$2"; shift ;;
    server|client|control|processes|disk|all) which="$1" ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "run-faults.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done
case "$which" in
  server) filter='ServerKills.EveryAcknowledged*' ;;
  control) filter='ServerKills.ControlRun*' ;;
  client) filter='ClientKills.*' ;;
  processes) filter='SeveralProcesses.*' ;;
  disk) filter='DiskFull.*' ;;
  all) filter='*' ;;
esac
[ -x "$bin" ] || { echo "run-faults.sh: no test binary at $bin (build faults_tests, or give --bin)" >&2; exit 2; }

# The tests' temporary directories go under one of ours, removed at exit even after a kill
# (PASSERELLE_KEEP_TEST_DIRS keeps them, as for the other tests).
work="$(mktemp -d "${TMPDIR:-/tmp}/passerelle-faults-XXXXXX")"
export TMPDIR="$work"
group=""
cleanup() {
  # The group is the one setsid made for the tests: their servers and CLIs, nothing else.
  if [ -n "$group" ]; then kill -KILL -- "-$group" 2>/dev/null || true; fi
  if [ -z "${PASSERELLE_KEEP_TEST_DIRS:-}" ]; then rm -rf "$work"; else echo "kept $work" >&2; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

setsid "$bin" "--gtest_filter=$filter" "${args[@]}" &
group=$!
status=0
wait "$group" || status=$?
exit "$status"
