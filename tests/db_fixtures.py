"""PostGIS fixtures (loaded as a pytest plugin by tests/conftest.py).

A real PostgreSQL server with PostGIS is required; nothing is mocked:

- ``postgis_noproc``: pytest-postgresql's no-process fixture for the running server
  (default 127.0.0.1:5432, user postgres; override with ``--postgresql-host``/``-port``/
  ``-user``/``-password``). It creates the template database ``mda_test_<pid>_tmpl`` and
  loads the ``mda`` schema into it once per session.
- ``pg_url``: URL of a session database cloned from the template, for code that opens its
  own engine (it commits: data persists for the rest of the session).
- ``pg_fresh_url``: URL of a database cloned from the template for one test, dropped after.
- ``pg_engine`` / ``pg_conn``: a SQLAlchemy Connection on the session database inside a
  transaction that is rolled back after the test.

When the server is unreachable or PostGIS is not installable, the tests FAIL with the fix
(scripts/ensure-postgis.sh). Set MDA_SKIP_DB=1 to skip them instead (never in CI).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import psycopg
import pytest
from pytest_postgresql import factories
from pytest_postgresql.executors import NoopExecutor
from pytest_postgresql.factories.noprocess import xdistify_dbname
from pytest_postgresql.janitor import DatabaseJanitor
from sqlalchemy import Connection, Engine

from mda.store.db import ensure_schema, make_engine

TEST_DBNAME = f"mda_test_{os.getpid()}"  # per pytest process: parallel runs do not collide
FIX = "run scripts/ensure-postgis.sh (installs postgresql-15-postgis-3)"


def url_for(host: str, port: int | str, user: str, dbname: str, password: str | None) -> str:
    """A ``postgresql://`` URL for the given connection parameters."""
    auth = f"{user}:{password}" if password else user
    return f"postgresql://{auth}@{host}:{port}/{dbname}"


def load_mda_schema(
    host: str, port: int | str, user: str, dbname: str, password: str | None, **_: object
) -> None:
    """pytest-postgresql loader: create PostGIS, the mda schema and views in ``dbname``."""
    engine = make_engine(url_for(host, port, user, dbname, password))
    try:
        with engine.begin() as conn:
            ensure_schema(conn)
    finally:
        engine.dispose()


def _unavailable(reason: str) -> None:
    """Fail (default) or skip (MDA_SKIP_DB=1) a DB test whose server is not usable."""
    if os.environ.get("MDA_SKIP_DB") == "1":
        pytest.skip(f"MDA_SKIP_DB=1: {reason}")
    pytest.fail(f"{reason}; database tests never skip silently (set MDA_SKIP_DB=1 to skip)")


@pytest.fixture(scope="session")
def postgis_server(request: pytest.FixtureRequest) -> None:
    """Check once that the server answers and can install PostGIS; fail with the fix if not."""
    opt = request.config.getoption
    host = opt("postgresql_host") or "127.0.0.1"
    port = opt("postgresql_port") or 5432
    user = opt("postgresql_user") or "postgres"
    try:
        with psycopg.connect(
            host=host,
            port=port,
            user=user,
            password=opt("postgresql_password"),
            dbname=opt("postgresql_maintenance_dbname") or "postgres",
            connect_timeout=5,
        ) as conn:
            row = conn.execute(
                "SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'"
            ).fetchone()
    except psycopg.OperationalError as e:
        _unavailable(f"PostgreSQL at {user}@{host}:{port} is unreachable ({e})")
        return
    if row is None:
        _unavailable(f"PostGIS is not installed on the server at {host}:{port}; {FIX}")


_postgis_template = factories.postgresql_noproc(dbname=TEST_DBNAME, load=[load_mda_schema])


@pytest.fixture(scope="session")
def postgis_noproc(postgis_server: None, request: pytest.FixtureRequest) -> NoopExecutor:
    """The server, with the schema loaded once into the template database."""
    return request.getfixturevalue("_postgis_template")


def _clone(noproc: NoopExecutor, dbname: str) -> DatabaseJanitor:
    """A janitor creating ``dbname`` from the template database."""
    return DatabaseJanitor(
        user=noproc.user,
        host=noproc.host,
        port=noproc.port,
        password=noproc.password,
        dbname=dbname,
        template_dbname=noproc.template_dbname,
        maintenance_dbname=noproc.maintenance_dbname,
    )


def _url(noproc: NoopExecutor, dbname: str) -> str:
    return url_for(noproc.host, noproc.port, noproc.user, dbname, noproc.password)


@pytest.fixture(scope="session")
def pg_url(postgis_noproc: NoopExecutor) -> Iterator[str]:
    """URL of the session database (schema loaded; committed data persists in the session)."""
    dbname = xdistify_dbname(f"{TEST_DBNAME}_session")
    with _clone(postgis_noproc, dbname):
        yield _url(postgis_noproc, dbname)


@pytest.fixture
def pg_fresh_url(postgis_noproc: NoopExecutor, request: pytest.FixtureRequest) -> Iterator[str]:
    """URL of a database cloned from the template for this test only (dropped afterwards)."""
    dbname = xdistify_dbname(f"{TEST_DBNAME}_fresh")
    with _clone(postgis_noproc, dbname):
        yield _url(postgis_noproc, dbname)


@pytest.fixture(scope="session")
def pg_engine(pg_url: str) -> Iterator[Engine]:
    """An Engine on the session database."""
    engine = make_engine(pg_url)
    yield engine
    engine.dispose()


@pytest.fixture
def pg_conn(pg_engine: Engine) -> Iterator[Connection]:
    """A Connection in a transaction rolled back after the test (code under test must not
    commit it; use ``pg_fresh_url`` for code that opens and commits its own transactions)."""
    with pg_engine.connect() as conn:
        transaction = conn.begin()
        try:
            yield conn
        finally:
            transaction.rollback()
