#!/bin/sh
# make run: dependencies, build, demo data on first run, serve on http://127.0.0.1:8080.
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh
make -s
DATA=${EGOV_DATA_DIR:-var}
if [ ! -f "$DATA/egov.db" ]; then
    ./build/egov init --data-dir "$DATA" --demo
fi
./build/egov demo-accounts --data-dir "$DATA" 2>/dev/null || true
exec ./build/egov serve --data-dir "$DATA" --listen "${EGOV_LISTEN:-127.0.0.1:8080}"
