#!/usr/bin/env bash
# Runs the operator's path of docs/operations.md ("Several instances on PostgreSQL") as written,
# so the doc cannot drift from what works, then checks the outcome from a device's side.
#
#   tests/pg/run-pg.sh tests/ops/run-operations-doc.sh PASSERELLE_SERVER PASSERELLE_CLI
#
# The commands are the doc's own: every ```sh block that follows a `<!-- ops-step: NAME -->`
# line, in the order below. Only what names this machine is rewritten (the `here` function):
# host names and ports (PostgreSQL from run-pg.sh on 127.0.0.1, two free ports for the
# instances, two for nginx), the directories (/srv, /etc/nginx, /etc/letsencrypt, the pg_hba.conf
# path: under a temporary directory), `sudo` dropped (`sudo -u postgres` becomes runuser), and
# `systemctl reload nginx` / `nginx -t` pointed at a private nginx (its own prefix and config,
# laid out as Debian's: nginx.conf including sites-enabled/*, with Debian's `default` site
# enabled, on loopback). run-pg.sh's PostgreSQL is first made to look like Debian's stock one:
# TLS on (a self-signed certificate), and a pg_hba.conf with only the local `peer` lines, so
# the instances get in only through the doc's role, password and pg_hba line.
#
# Checks: /healthz and a device's login + sync through nginx's TLS (the CLI trusting the test
# certificate), port 80 redirecting to https, /metrics hidden, the client's own address reaching
# the instances through X-Forwarded-For and --trusted-proxies, the account moved by migrate-db
# signing in, a mistyped migrate-db source refused with exit 2, and no `connection_error` in
# the instances' logs after ordinary syncs. Everything is bounded in time; the temporary
# directory, nginx and the instances go away at the end (run-pg.sh stops PostgreSQL).
set -euo pipefail

skip() { echo "SKIPPED: $*" >&2; exit 77; }
fail() { echo "FAILED: $*" >&2; exit 1; }

[ $# -eq 2 ] || { echo "usage: $0 PASSERELLE_SERVER PASSERELLE_CLI (under tests/pg/run-pg.sh)" >&2; exit 2; }
server_bin="$(realpath "$1")"
client_bin="$(realpath "$2")"
src="$(cd "$(dirname "$0")/../.." && pwd)"
doc="$src/docs/operations.md"
nginx_bin=/usr/sbin/nginx

[ -n "${PASSERELLE_TEST_PG_DIR:-}" ] || skip "no PostgreSQL: run through tests/pg/run-pg.sh"
[ -x "$nginx_bin" ] || skip "no nginx at $nginx_bin (Debian package nginx)"
command -v python3 >/dev/null || skip "no python3"
command -v psql >/dev/null || skip "no psql (Debian package postgresql-client)"

pgdir="$PASSERELLE_TEST_PG_DIR"
pgdata="$pgdir/data"
pgport="${PASSERELLE_TEST_PG##*:}"
pgport="${pgport%%/*}"

work="$(mktemp -d "${TMPDIR:-/tmp}/passerelle-ops-XXXXXX")"
chmod 0755 "$work"  # psql runs as postgres in here; nginx's workers read below it
server_pids=()
cleanup() {
  local rc=$?
  if [ -f "$work/nginx/nginx.pid" ]; then kill -QUIT "$(cat "$work/nginx/nginx.pid")" 2>/dev/null || true; fi
  for pid in "${server_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${server_pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  if [ $rc -ne 0 ] && [ $rc -ne 77 ]; then
    for f in "$work"/serve-*.log "$work/nginx/error.log"; do
      [ -f "$f" ] && { echo "--- $f (last lines)" >&2; tail -20 "$f" >&2; }
    done
  fi
  if [ -n "${PASSERELLE_KEEP_TEST_DIRS:-}" ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port1="$(free_port)"; port2="$(free_port)"; http_port="$(free_port)"; https_port="$(free_port)"

# The doc's words for this machine.
here() {
  sed -e "s|sudo -u postgres |runuser -u postgres -- |g" \
      -e "s|sudo ||g" \
      -e "s|db\.internal|127.0.0.1:$pgport|g" \
      -e "s|10\.0\.0\.0/24|127.0.0.1/32|g" \
      -e "s|/etc/postgresql/15/main/|$pgdata/|g" \
      -e "s|/srv/passerelle|$work/srv/passerelle|g" \
      -e "s|/etc/nginx|$work/etc/nginx|g" \
      -e "s|/etc/letsencrypt|$work/etc/letsencrypt|g" \
      -e "s|127\.0\.0\.1:8081|127.0.0.1:$port1|g" \
      -e "s|127\.0\.0\.1:8082|127.0.0.1:$port2|g" \
      -e "s|https://passerelle\.example\.org|https://localhost:$https_port|g" \
      -e "s|nginx -t|$nginx_bin -p $work/nginx/ -e $work/nginx/error.log -c $work/etc/nginx/nginx.conf -t|g" \
      -e "s|systemctl reload nginx|start_nginx|g"
}

# The ```sh block after `<!-- ops-step: NAME -->`, continuation lines joined.
step() {
  local code
  code="$(awk -v name="$1" '
    $0 ~ "^<!-- ops-step: " name " -->" { armed = 1; next }
    armed == 1 && /^```sh$/ { armed = 2; next }
    armed == 2 && /^```$/ { exit }
    armed == 2 { print }' "$doc")"
  [ -n "$code" ] || fail "docs/operations.md has no \`ops-step: $1\` block"
  printf '%s\n' "$code" | sed -e ':a' -e '/\\$/N; s/\\\n *//; ta' | here
}

run_step() {
  echo "== step $1" >&2
  local code
  code="$(step "$1")"
  printf '%s\n' "$code" | sed 's/^/   $ /' >&2
  timeout 120 bash -euo pipefail -c "$code" || fail "step $1 of docs/operations.md failed"
}

start_nginx() { "$nginx_bin" -p "$work/nginx/" -e "$work/nginx/error.log" -c "$work/etc/nginx/nginx.conf"; }
export -f start_nginx
export work nginx_bin
export PATH="$(dirname "$server_bin"):$(dirname "$client_bin"):$PATH"
export PGHOST="$pgdir/sock" PGPORT="$pgport"
unset PGUSER PGDATABASE PGPASSWORD

# PostgreSQL as Debian ships it: TLS on, only local peer sign-ins.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=db.internal \
  -keyout "$pgdata/server.key" -out "$pgdata/server.crt" 2>/dev/null
chown postgres "$pgdata/server.key" "$pgdata/server.crt"
chmod 0600 "$pgdata/server.key"
printf 'local all postgres peer\nlocal all all peer\n' >"$pgdata/pg_hba.conf"
runuser -u postgres -- psql -q -d postgres -c "ALTER SYSTEM SET ssl = on" -c "SELECT pg_reload_conf()" >/dev/null

# nginx laid out as Debian's: nginx.conf includes sites-enabled/*, where `default` is enabled;
# the certificate certbot would have made (for localhost: the CLI and Python check it).
mkdir -p "$work/etc/nginx/sites-available" "$work/etc/nginx/sites-enabled" "$work/nginx/tmp" \
         "$work/etc/letsencrypt/live/passerelle.example.org" "$work/deploy/nginx" "$work/data"
chmod 0777 "$work/nginx/tmp"
cert="$work/etc/letsencrypt/live/passerelle.example.org/fullchain.pem"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=localhost \
  -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
  -keyout "$work/etc/letsencrypt/live/passerelle.example.org/privkey.pem" -out "$cert" 2>/dev/null
cat >"$work/etc/nginx/nginx.conf" <<EOF
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
worker_processes 1;
events { worker_connections 256; }
http {
    access_log $work/nginx/access.log;
    client_body_temp_path $work/nginx/tmp/body;
    proxy_temp_path $work/nginx/tmp/proxy;
    fastcgi_temp_path $work/nginx/tmp/fastcgi;
    uwsgi_temp_path $work/nginx/tmp/uwsgi;
    scgi_temp_path $work/nginx/tmp/scgi;
    include $work/etc/nginx/sites-enabled/*;
}
EOF
cat >"$work/etc/nginx/sites-available/default" <<EOF
server {
    listen 127.0.0.1:$http_port default_server;
    server_name _;
    location / { return 404; }
}
EOF
ln -s ../sites-available/default "$work/etc/nginx/sites-enabled/default"
# The shipped site, as `cp deploy/nginx/...` finds it from the checkout: its ports on loopback.
here <"$src/deploy/nginx/passerelle.conf" | grep -v '\[::\]' \
  | sed -e "s|listen 80 default_server;|listen 127.0.0.1:$http_port default_server;|" \
        -e "s|listen 443 ssl default_server;|listen 127.0.0.1:$https_port ssl default_server;|" \
  >"$work/deploy/nginx/passerelle.conf"
grep -q "listen 127.0.0.1:$https_port ssl default_server;" "$work/deploy/nginx/passerelle.conf" \
  || fail "deploy/nginx/passerelle.conf has no 'listen 443 ssl default_server;' line"

# A program that ran on SQLite, to move (step 3): one candidate.
cd "$work"
echo 'amina password 1' | timeout 60 passerelle-server admin create --db sqlite:./data/passerelle.db \
  --email amina@example.org --name "Amina Benali" --role candidate --scrypt-log2n 10 >/dev/null

# ---------------------------------------------------------------- the doc's steps
run_step database
run_step folders
run_step migrate
run_step admin

echo "== step serve (in the background)" >&2
i=0
while IFS= read -r line; do
  [ -n "${line// }" ] || continue
  i=$((i + 1))
  printf '   $ %s &\n' "$line" >&2
  (exec bash -c "exec $line") >"$work/serve-$i.log" 2>&1 &
  server_pids+=($!)
done < <(step serve)
[ "$i" -eq 2 ] || fail "the serve step should start two instances, it has $i commands"

wait_http() {  # URL: 200 within 60 s
  python3 - "$1" "${2:-}" <<'EOF' || return 1
import ssl, sys, time, urllib.request
url, ca = sys.argv[1], sys.argv[2]
ctx = ssl.create_default_context(cafile=ca) if ca else None
deadline = time.time() + 60
while time.time() < deadline:
    try:
        with urllib.request.urlopen(url, timeout=2, context=ctx) as r:
            if r.status == 200 and r.read() == b"ok\n":
                sys.exit(0)
    except Exception as e:
        last = e
    time.sleep(0.2)
print(f"{url}: no 200 ok within 60 s ({last})", file=sys.stderr)
sys.exit(1)
EOF
}
wait_http "http://127.0.0.1:$port1/healthz" || fail "instance 1 did not come up"
wait_http "http://127.0.0.1:$port2/healthz" || fail "instance 2 did not come up"

run_step nginx

# ---------------------------------------------------------------- what a device sees
echo "== checks" >&2
wait_http "https://localhost:$https_port/healthz" "$cert" || fail "/healthz through nginx's TLS"

python3 - "$http_port" "$https_port" "$cert" <<'EOF' || fail "nginx answers (redirect, /metrics, X-Forwarded-For)"
import http.client, socket, ssl, sys
http_port, https_port, ca = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
# Port 80 only redirects to https.
c = http.client.HTTPConnection("127.0.0.1", http_port, timeout=5)
c.request("GET", "/healthz", headers={"Host": "passerelle.example.org"})
r = c.getresponse()
assert r.status == 301 and r.getheader("Location") == "https://passerelle.example.org/healthz", (r.status, r.getheaders())
# /metrics is per instance, not through nginx.
ctx = ssl.create_default_context(cafile=ca)
c = http.client.HTTPSConnection("localhost", https_port, timeout=5, context=ctx)
c.request("GET", "/metrics")
assert c.getresponse().status == 404, "/metrics through nginx"
# A WebSocket upgrade from another loopback address: the instances must see 127.0.0.2.
raw = socket.create_connection(("127.0.0.1", https_port), timeout=5, source_address=("127.0.0.2", 0))
s = ctx.wrap_socket(raw, server_hostname="localhost")
s.sendall(b"GET /v1/ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
head = b""
while b"\r\n\r\n" not in head:
    chunk = s.recv(4096)
    if not chunk:
        break
    head += chunk
assert head.startswith(b"HTTP/1.1 101"), head[:200]
s.sendall(bytes([0x88, 0x82, 0, 0, 0, 0, 0x03, 0xE8]))  # close 1000 (masked, key 0)
s.recv(64)
s.close()
EOF
grep -h '"event":"connection_opened"' "$work"/serve-*.log | grep -q '"remote":"127.0.0.2"' \
  || fail "no instance saw the client's address 127.0.0.2 (X-Forwarded-For, --trusted-proxies)"

cli() { timeout 60 passerelle --server "wss://localhost:$https_port" --ca-file "$cert" "$@"; }
echo 'a long password' | cli --data "$work/device-sophie" login --email sophie@example.org >/dev/null \
  || fail "the admin of step 3 cannot sign in through nginx"
cli --data "$work/device-sophie" sync >/dev/null || fail "sync through nginx"
echo 'amina password 1' | cli --data "$work/device-amina" login --email amina@example.org >/dev/null \
  || fail "the account moved by migrate-db cannot sign in"
cli --data "$work/device-amina" sync >/dev/null || fail "sync of the moved account"
cli --data "$work/device-amina" sync >/dev/null || fail "second sync of the moved account"

# A mistyped migrate-db source: exit 2, nothing created.
set +e
migrate="$(step migrate | sed 's|sqlite:./data/passerelle.db|sqlite:./dta/passerelle.db|')"
timeout 60 bash -c "$migrate" >/dev/null 2>"$work/mistyped.err"
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "migrate-db from a mistyped path exited $rc, not 2: $(cat "$work/mistyped.err")"
[ ! -e "$work/dta" ] || fail "migrate-db from a mistyped path created $work/dta"

# The instances log each close a moment after the client is gone: wait (bounded) for every
# opened connection to be logged closed.
for _ in $(seq 50); do
  opened="$(cat "$work"/serve-*.log | grep -c '"event":"connection_opened"' || true)"
  closed="$(cat "$work"/serve-*.log | grep -c '"event":"connection_closed"' || true)"
  [ "$closed" -ge "$opened" ] && break
  sleep 0.1
done
if grep -h '"event":"connection_error"' "$work"/serve-*.log >&2; then
  fail "ordinary syncs logged connection_error"
fi
echo "docs/operations.md's operator path works as written" >&2
