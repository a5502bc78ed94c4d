"""Engine creation and schema setup for the PostGIS warehouse.

Functions take a connection; the caller owns the transaction (``with engine.begin() as conn``).
"""

from __future__ import annotations

import logging

from sqlalchemy import Connection, Engine, create_engine, make_url, text
from sqlalchemy.exc import DBAPIError, OperationalError

from mda.errors import StoreError
from mda.store import migrate
from mda.store.identities import sync_mid_flags
from mda.store.models import SCHEMA
from mda.store.queries import apply_views, drop_views
from mda.store.roles import grant_analyst_select

log = logging.getLogger(__name__)

FIX_POSTGIS = "install it with scripts/ensure-postgis.sh (Debian package postgresql-15-postgis-3)"


def normalize_url(url: str) -> str:
    """Return ``url`` with the psycopg 3 driver: ``postgresql://`` -> ``postgresql+psycopg://``.

    ``postgres://`` (Heroku/Airflow style) is accepted too. Other drivers are rejected.
    """
    parsed = make_url(url)
    backend, _, driver = parsed.drivername.partition("+")
    if backend not in ("postgresql", "postgres") or driver not in ("", "psycopg"):
        raise StoreError(
            f"database URL driver {parsed.drivername!r} is not supported: "
            "use postgresql://user@host:port/dbname (psycopg 3 is used)"
        )
    return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def make_engine(url: str, **kwargs: object) -> Engine:
    """An Engine for ``url`` using psycopg 3; extra keyword arguments go to ``create_engine``."""
    return create_engine(normalize_url(url), **kwargs)  # type: ignore[arg-type]


def check_postgis(conn: Connection) -> str:
    """Return the installable PostGIS version, or raise StoreError saying how to install it."""
    row = conn.execute(
        text("SELECT default_version FROM pg_available_extensions WHERE name = 'postgis'")
    ).first()
    if row is None:
        raise StoreError(
            "checked pg_available_extensions for 'postgis' on the database server: not "
            f"available; {FIX_POSTGIS}"
        )
    return str(row[0])


def ensure_schema(conn: Connection, *, views: bool = True) -> tuple[str | None, str]:
    """Bring the warehouse to the newest schema; return (revision before, revision after).

    Creates the PostGIS extension and schema ``mda``, runs the pending migrations
    (:mod:`mda.store.migrate`; a warehouse made before migrations is stamped first), syncs
    the MID table and (re)creates the analyst views of ``sql/views`` and their grants to
    ``mda_analyst``. Idempotent and without data loss; runs in the caller's transaction.
    ``views=False`` skips the views.
    """
    bootstrap(conn)
    before = after = migrate.current_revision(conn)
    if before != migrate.head_revision():
        drop_views(conn)  # views may depend on what the migrations change
        before, after = upgrade_schema(conn)
    sync_mid_flags(conn)
    if views:
        apply_views(conn)
    grant_analyst_select(conn)
    log.info("schema %s ready at revision %s", SCHEMA, after)
    return before, after or ""


def bootstrap(conn: Connection) -> None:
    """Create the PostGIS extension and schema ``mda`` if missing (what migrations need)."""
    check_postgis(conn)
    try:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
    except DBAPIError as e:
        raise StoreError(f"CREATE EXTENSION postgis failed ({e.orig}); {FIX_POSTGIS}") from e
    conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}"))


def upgrade_schema(conn: Connection, target: str = "head") -> tuple[str | None, str]:
    """Run the migrations up to ``target``; StoreError (nothing changed) when one fails."""
    bootstrap(conn)
    try:
        return migrate.upgrade(conn, target)
    except DBAPIError as e:
        raise StoreError(
            f"upgrading the warehouse schema failed ({e.orig}); nothing was changed. Check "
            "that the user may create tables and roles (mda_analyst)"
        ) from e


def downgrade_schema(conn: Connection, target: str) -> None:
    """Drop the analyst views (they need the newest schema) and migrate down to ``target``.

    Data in structures that the older revision lacks (tracks, identities, ports...) is
    lost; positions are moved back into one table. ``ensure_schema`` upgrades again.
    """
    drop_views(conn)
    migrate.downgrade(conn, target)


def connect_checked(engine: Engine) -> Connection:
    """Open a connection, turning 'server unreachable' into a StoreError with a fix."""
    try:
        return engine.connect()
    except OperationalError as e:
        url = engine.url.render_as_string(hide_password=True)
        raise StoreError(
            f"could not connect to PostgreSQL at {url} ({e.orig}); check that the server "
            "runs and the URL (MDA_DATABASE_URL or the Airflow connection) is right"
        ) from e


def setup_database(url: str) -> Engine:
    """Entry point: connect to ``url``, ensure the schema in one transaction, return the Engine."""
    engine = make_engine(url)
    with connect_checked(engine) as conn, conn.begin():
        ensure_schema(conn)
    return engine
