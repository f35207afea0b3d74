#!/usr/bin/env bash
# Runs a command against a throw-away PostgreSQL: the Debian binaries (initdb, pg_ctl) started
# as the `postgres` user (runuser) in a temporary directory, listening on a Unix socket in that
# directory and on 127.0.0.1 at a free port. Installs nothing. Stops and removes it at the end,
# always (trap).
#
#   tests/pg/run-pg.sh <command> [args...]
#
# The command sees PASSERELLE_TEST_PG=postgresql://postgres@127.0.0.1:PORT/postgres (a
# superuser that may CREATE DATABASE: each test makes a fresh database), PASSERELLE_TEST_PG_DIR
# and PASSERELLE_TEST_PG_CTL (a script: `ctl stop|start|restart`, for the fault tests).
# Without PostgreSQL binaries (or the postgres user, or root for runuser) it prints why and
# exits 77, which ctest reports as skipped (SKIP_RETURN_CODE).
set -euo pipefail

skip() { echo "SKIPPED: $*" >&2; exit 77; }

bindir=""
for d in /usr/lib/postgresql/*/bin; do
  [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && bindir="$d"
done
[ -n "$bindir" ] || skip "no PostgreSQL server binaries (/usr/lib/postgresql/*/bin/initdb; Debian package postgresql)"
id postgres >/dev/null 2>&1 || skip "no 'postgres' system user to run PostgreSQL as"
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  command -v runuser >/dev/null || skip "runuser is missing"
  as_pg=(runuser -u postgres --)
elif [ "$(id -un)" != postgres ]; then
  skip "PostgreSQL must run as the postgres user: run the tests as root (runuser) or as postgres"
fi

dir="$(mktemp -d "${TMPDIR:-/tmp}/passerelle-pg-XXXXXX")"
chmod 0755 "$dir"
mkdir "$dir/data" "$dir/sock" "$dir/log"
chown postgres "$dir/data" "$dir/sock" "$dir/log" 2>/dev/null || true

cleanup() {
  "${as_pg[@]}" "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  if [ -n "${PASSERELLE_KEEP_TEST_DIRS:-}" ]; then echo "kept $dir" >&2; else rm -rf "$dir"; fi
}
trap cleanup EXIT INT TERM

"${as_pg[@]}" "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log" >&2; exit 1; }

port=""
for attempt in 1 2 3 4 5; do
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null \
          || echo $((20000 + RANDOM % 20000)))"
  # Test settings: no fsync (the data is thrown away), room for a few servers' pools.
  if "${as_pg[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log/postgres.log" -w -t 30 start \
      -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir/sock -c fsync=off \
          -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 -c shared_buffers=32MB" \
      >"$dir/log/pg_ctl.log" 2>&1; then
    break
  fi
  port=""
done
[ -n "$port" ] || { cat "$dir/log/"*.log >&2; echo "PostgreSQL did not start" >&2; exit 1; }

# The trap cannot run when this script is killed outright (ctest's timeout sends SIGKILL), and
# pg_ctl's server is not our child, so it would outlive us. A watchdog, detached from us (its
# parent exits at once) and from our output, waits for this script to be gone and then stops a
# cluster still running (postmaster.pid still there: the trap did not run) and removes it.
keep="${PASSERELLE_KEEP_TEST_DIRS:-}"
( setsid bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 2; done
                  [ -e "$2/data/postmaster.pid" ] || exit 0
                  "${@:4}" -D "$2/data" -m immediate -w stop
                  [ -n "$3" ] || rm -rf "$2"' \
    watchdog $$ "$dir" "$keep" "${as_pg[@]}" "$bindir/pg_ctl" </dev/null >/dev/null 2>&1 & )

# For the fault tests: `ctl stop|start|restart` (pg_ctl -m fast, waiting; same port and settings).
pg_opts="-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir/sock -c fsync=off"
pg_opts+=" -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 -c shared_buffers=32MB"
{
  echo '#!/usr/bin/env bash'
  echo 'set -e'
  printf 'ctl=(%s %q -D %q -l %q -w -t 60)\n' "${as_pg[*]}" "$bindir/pg_ctl" "$dir/data" "$dir/log/postgres.log"
  printf 'opts=%q\n' "$pg_opts"
  echo 'case "$1" in'
  echo '  stop) "${ctl[@]}" -m fast stop ;;'
  echo '  start) "${ctl[@]}" start -o "$opts" ;;'
  echo '  restart) "${ctl[@]}" -m fast restart -o "$opts" ;;'
  echo '  *) echo "usage: $0 stop|start|restart" >&2; exit 2 ;;'
  echo 'esac'
} >"$dir/ctl"
chmod 0755 "$dir/ctl"

export PASSERELLE_TEST_PG="postgresql://postgres@127.0.0.1:$port/postgres"
export PASSERELLE_TEST_PG_CTL="$dir/ctl"
export PASSERELLE_TEST_PG_DIR="$dir"
echo "PostgreSQL $("$bindir/pg_ctl" --version | awk '{print $3}') on 127.0.0.1:$port ($dir)" >&2
set +e
"$@"
rc=$?
set -e
exit $rc
