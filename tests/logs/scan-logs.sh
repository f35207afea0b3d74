#!/usr/bin/env bash
# Reads every server log the tests left in LOG_DIR for what must never be logged
# (docs/operations.md, "Logs"): e-mail addresses, SOCI's statement texts with their bound
# values, session tokens and their hashes, and the message bodies the tests sent (taken from
# the test sources under TESTS_DIR). Prints each offending line (cut) and fails; exits 77
# (skipped) when no log is there (the tests that write them did not run).
#
#   tests/logs/scan-logs.sh LOG_DIR TESTS_DIR
set -uo pipefail
logs="${1:?LOG_DIR}"
tests="${2:?TESTS_DIR}"
shopt -s nullglob
files=("$logs"/*.log)
if [ ${#files[@]} -eq 0 ]; then
  echo "SKIPPED: no server logs in $logs (run the integration, pg or fault tests first)" >&2
  exit 77
fi

# Every line, but the --demo banner's lines naming the demo accounts (plain text on stdout, on purpose:
# public, made-up addresses at demo.passerelle.quebec; docs/operations.md, "Demo").
lines="$(mktemp)"
bodies="$(mktemp)"
trap 'rm -f "$lines" "$bodies"' EXIT
cat "${files[@]}" | grep -v -E '^[^{].*@demo\.passerelle\.quebec' >"$lines"

found=0
report() {  # label, grep options and pattern...
  local label="$1"; shift
  local hits
  hits="$(grep -h "$@" "$lines" | head -5)"
  if [ -n "$hits" ]; then
    found=1
    echo "== $label ==" >&2
    echo "$hits" | cut -c1-400 >&2
  fi
}

# E-mail addresses (every test account is user@example.org or alike).
report "e-mail address" -E '[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}'
# SOCI's error text: the statement, then its bound values (":t=\"d011f1...\"").
report "SQL statement text" -E 'while executing|with :[A-Za-z_]+='
# A token's hash is 64 hex digits; a file's content hash (field sha256) is not personal.
report "64-hex value (a token hash?)" -P '(?<!"sha256":")\b[0-9a-f]{64}\b'
# A session token is 43 base64url characters.
report "session token" -P '"[A-Za-z0-9_-]{43}"'

# The message bodies the tests sent: the literals of body fields and send_op() calls.
grep -rhoP '"body",\s*"\K[^"\\]{6,}' "$tests" --include='*.cpp' >"$bodies"
grep -rhoP 'send_op\([^,()]+,\s*"\K[^"\\]{6,}' "$tests" --include='*.cpp' >>"$bodies"
printf '%s\n' 'fault op ' 'pg fault op ' >>"$bodies"
sort -u -o "$bodies" "$bodies"
report "message body" -F -f "$bodies"

if [ "$found" -ne 0 ]; then
  echo "personal data in the server logs of ${#files[@]} test servers ($logs)" >&2
  exit 1
fi
echo "${#files[@]} server logs scanned: no e-mail, statement text, token, hash or message body" >&2
