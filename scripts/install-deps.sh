#!/usr/bin/env bash
# Installs the Debian packages Passerelle builds and tests with. Idempotent: a second run
# installs nothing when everything is present.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config
  libboost1.81-dev libboost-json1.81-dev
  libsoci-dev libsqlite3-dev sqlite3 libssl-dev
  libgtest-dev libgmock-dev libical-dev
  libhowardhinnant-date-dev tzdata openssl ca-certificates chromium
  libpq-dev postgresql nginx python3
  openjdk-17-jdk-headless nodejs
  testssl.sh
  emscripten node-acorn
  python3-icalendar
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

# Debian's nodejs comes without npm; some Node builds (NodeSource) carry their own and conflict
# with Debian's npm package: install it only when there is no npm command at all.
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  echo "installing: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# What the WebAssembly build compiles from source (SQLite, date's tz.cpp, libmd), into a cache.
bash "$(dirname "$0")/install-wasm-deps.sh"
