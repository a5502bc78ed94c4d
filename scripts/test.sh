#!/usr/bin/env bash
# The test suite: installs the locked environment and PostGIS (Debian package) if missing,
# then runs pytest against the local PostgreSQL server. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
bash scripts/ensure-postgis.sh
uv run pytest "$@"
