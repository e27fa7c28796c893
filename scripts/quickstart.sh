#!/usr/bin/env bash
# Installs, builds and runs the example experiment (examples/quickstart.json) into
# ./panic_tda.db (or $PANIC_TDA_DB), then prints its summary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
DB=${PANIC_TDA_DB:-$PWD/panic_tda.db}
build/apps/panic-tda/panic-tda --db "$DB" experiment run examples/quickstart.json
echo
build/apps/panic-tda/panic-tda --db "$DB" experiment show latest
