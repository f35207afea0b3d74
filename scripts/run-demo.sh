#!/usr/bin/env bash
# Installs, builds and starts the server on the embedded SQLite default with a demo program.
# The server prints its URL, the phone app's (<URL>/app/) and the demo accounts; stop it with
# Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
build_dir="${PASSERELLE_BUILD_DIR:-build}"
mkdir -p data
exec "$build_dir/server/passerelle-server" serve --demo \
  --listen "${PASSERELLE_LISTEN:-127.0.0.1:8080}" \
  --db sqlite:./data/passerelle.db --mail-dir ./data/outbox "$@"
