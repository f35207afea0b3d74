#!/usr/bin/env bash
# The server's TLS against Mozilla's "intermediate" profile, checked from the outside by
# testssl.sh (Debian package testssl.sh; scripts/install-deps.sh installs it):
#
#   tests/tls/run-testssl.sh build/server/passerelle-server
#
# Starts passerelle-server on a loopback port with a self-signed certificate made here (once
# RSA, once ECDSA: each shows its own half of the suites), runs testssl's protocol, cipher,
# forward-secrecy, server-preference and CRIME checks with --jsonfile, and compares what was
# offered with the profile (tests/tls/check_testssl.py). Any deviation fails (exit 1). Exit 77
# (ctest: skipped) when testssl or openssl is missing or testssl cannot run at all. Bounded:
# every step has a timeout. Keeps its files in $TMPDIR/passerelle-testssl.XXXX when
# PASSERELLE_KEEP_TEST_DIRS is set.
set -uo pipefail

server=${1:?usage: run-testssl.sh PATH/TO/passerelle-server}
here=$(cd "$(dirname "$0")" && pwd)
testssl=$(command -v testssl || command -v testssl.sh || true)
if [ -z "$testssl" ]; then echo "skipped: testssl.sh is not installed (scripts/install-deps.sh installs it)"; exit 77; fi
if ! command -v openssl >/dev/null; then echo "skipped: no openssl command"; exit 77; fi
if ! command -v python3 >/dev/null; then echo "skipped: no python3 to read testssl's JSON"; exit 77; fi

work=$(mktemp -d "${TMPDIR:-/tmp}/passerelle-testssl.XXXX")
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; fi
  if [ -z "${PASSERELLE_KEEP_TEST_DIRS:-}" ]; then rm -rf "$work"; else echo "kept $work"; fi
}
trap cleanup EXIT

start_server() {  # $1: key type (rsa|ecdsa)
  local dir="$work/$1"
  mkdir -p "$dir"
  local newkey=(-newkey rsa:2048)
  [ "$1" = ecdsa ] && newkey=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1)
  if ! openssl req -x509 "${newkey[@]}" -nodes -days 2 -subj /CN=localhost \
      -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout "$dir/key.pem" -out "$dir/cert.pem" >/dev/null 2>&1; then
    echo "FAIL: openssl could not make a $1 certificate"; return 1
  fi
  "$server" serve --listen 127.0.0.1:0 --ready-file "$dir/ready" --db "sqlite:$dir/db.sqlite" \
    --mail-dir "$dir/outbox" --scrypt-log2n 10 --tls-cert "$dir/cert.pem" --tls-key "$dir/key.pem" \
    >"$dir/server.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do
    [ -s "$dir/ready" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if [ ! -s "$dir/ready" ]; then echo "FAIL: the server did not start (see $dir/server.log)"; cat "$dir/server.log"; return 1; fi
}

stop_server() {
  kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; pid=""
}

status=0
for kind in rsa ecdsa; do
  start_server "$kind" || exit 1
  address=$(tr -d '\n' <"$work/$kind/ready")
  json="$work/$kind/testssl.json"
  # -p protocols, -e every cipher one by one, -f forward secrecy (curves), -P server
  # preference, -C compression (CRIME). No DNS, no network beyond loopback.
  timeout 300 "$testssl" --quiet --color 0 --warnings off --nodns none --sneaky \
    --jsonfile "$json" -p -e -f -P -C "$address" >"$work/$kind/testssl.txt" 2>&1
  rc=$?
  if [ ! -s "$json" ]; then
    echo "skipped: testssl produced no JSON (exit $rc); its output:"; tail -20 "$work/$kind/testssl.txt"
    exit 77
  fi
  if ! python3 "$here/check_testssl.py" "$json" "$kind"; then
    status=1
    echo "--- testssl's own words ($kind):"; cat "$work/$kind/testssl.txt"
  fi
  stop_server
done
[ $status -eq 0 ] && echo "OK: the TLS listener follows Mozilla's intermediate profile"
exit $status
