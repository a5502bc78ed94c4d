"""Engine creation and schema setup for the PostGIS warehouse.

Functions take a connection; the caller owns the transaction (``with engine.begin() as conn``).
"""

from __future__ import annotations

import logging

from sqlalchemy import Connection, Engine, create_engine, make_url, text
from sqlalchemy.exc import DBAPIError, OperationalError

from mda.errors import StoreError
from mda.store.models import SCHEMA, Base
from mda.store.queries import apply_views

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


def ensure_schema(conn: Connection, *, views: bool = True) -> None:
    """Create the PostGIS extension, the ``mda`` schema, its tables, indexes and views.

    Idempotent: existing objects are kept (no migrations: a changed table must be dropped
    by hand). ``views=False`` skips the analyst views in ``sql/views``.
    """
    check_postgis(conn)
    try:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
    except DBAPIError as e:
        raise StoreError(f"CREATE EXTENSION postgis failed ({e.orig}); {FIX_POSTGIS}") from e
    conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}"))
    Base.metadata.create_all(conn, checkfirst=True)
    if views:
        apply_views(conn)
    log.info("schema %s ready", SCHEMA)


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
