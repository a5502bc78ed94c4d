#!/usr/bin/env bash
# The test suite: installs the locked environment, PostGIS and a CJK font (Debian packages) if missing,
# then runs pytest against the local PostgreSQL server. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
bash scripts/ensure-postgis.sh
bash scripts/ensure-fonts.sh
uv run pytest "$@"
