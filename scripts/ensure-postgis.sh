#!/usr/bin/env bash
# Make sure the PostGIS extension is installable on the local PostgreSQL server.
#
# Idempotent: does nothing when the extension's control file already exists. Otherwise
# installs the Debian package (postgresql-<major>-postgis-3) with apt-get, using sudo only
# when not running as root. The server major version defaults to 15 (PG_MAJOR overrides it).
set -euo pipefail

PG_MAJOR="${PG_MAJOR:-15}"
PACKAGE="postgresql-${PG_MAJOR}-postgis-3"
CONTROL="/usr/share/postgresql/${PG_MAJOR}/extension/postgis.control"

if [[ -f "$CONTROL" ]]; then
    echo "ensure-postgis: PostGIS already installed ($CONTROL)"
    exit 0
fi

SUDO=""
if [[ "$(id -u)" -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "ensure-postgis: need root or sudo to install $PACKAGE" >&2; exit 1; }
    SUDO="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
if ! apt-cache show "$PACKAGE" >/dev/null 2>&1; then
    echo "ensure-postgis: $PACKAGE unknown to apt, running apt-get update"
    $SUDO apt-get update -q
fi
echo "ensure-postgis: installing $PACKAGE"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$PACKAGE"

if [[ ! -f "$CONTROL" ]]; then
    echo "ensure-postgis: $PACKAGE installed but $CONTROL is missing (server major version is not $PG_MAJOR? set PG_MAJOR)" >&2
    exit 1
fi
echo "ensure-postgis: PostGIS installed ($CONTROL)"
