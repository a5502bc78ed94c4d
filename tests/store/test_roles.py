"""The read-only analyst role: reads the warehouse, cannot write it or read credentials."""

from __future__ import annotations

import os

import psycopg
import pytest
from sqlalchemy import Connection, make_url, text
from sqlalchemy.exc import ProgrammingError

from mda.store.roles import ANALYST_ROLE
from tests.store.factories import DAY, load, make_track

pytestmark = pytest.mark.db

WRITES = [
    "INSERT INTO mda.events (event_id) VALUES ('x')",
    "UPDATE mda.positions SET lat = 0",
    "DELETE FROM mda.vessels",
    "TRUNCATE mda.tracks",
    "CREATE TABLE mda.mine (x int)",
    "DROP VIEW mda.v_tracks",
]
SECRETS = [
    "SELECT rolpassword FROM pg_authid",
    "SELECT passwd FROM pg_shadow",
    "SELECT umoptions FROM pg_user_mapping",
    "SELECT pg_read_file('/etc/passwd')",
    "COPY mda.cables FROM '/etc/passwd'",
    "COPY mda.cables TO '/tmp/mda_analyst_export.csv'",
]


def _refused(conn: Connection, statement: str) -> bool:
    """True when ``statement`` fails with a permission error (inside a savepoint)."""
    savepoint = conn.begin_nested()
    try:
        conn.execute(text(statement))
    except ProgrammingError as e:
        savepoint.rollback()
        return isinstance(e.orig, psycopg.errors.InsufficientPrivilege)
    savepoint.rollback()
    return False


def test_the_role_is_created_by_the_setup_with_no_powers(pg_conn: Connection) -> None:
    role = pg_conn.execute(
        text(
            "SELECT rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, rolreplication, "
            "rolbypassrls FROM pg_roles WHERE rolname = :r"
        ),
        {"r": ANALYST_ROLE},
    ).one()
    assert tuple(role) == (False, False, False, False, False, False)
    powerful = pg_conn.execute(
        text(
            "SELECT b.rolname FROM pg_auth_members AS m JOIN pg_roles AS b ON b.oid = m.roleid "
            "JOIN pg_roles AS r ON r.oid = m.member WHERE r.rolname = :r"
        ),
        {"r": ANALYST_ROLE},
    ).scalars()
    assert list(powerful) == []  # not pg_read_all_data, pg_read_server_files, ...


def test_set_role_analyst_reads_but_every_write_is_refused(pg_conn: Connection) -> None:
    load(pg_conn, positions=make_track(211000001, DAY, 3))
    pg_conn.execute(text(f"SET LOCAL ROLE {ANALYST_ROLE}"))
    assert pg_conn.execute(text("SELECT count(*) FROM mda.positions")).scalar_one() == 3
    assert pg_conn.execute(text("SELECT count(*) FROM mda.v_tracks")).scalar_one() == 1
    leaf = "mda.positions_20240305_test_baltic"  # partitions are readable directly too
    assert pg_conn.execute(text(f"SELECT count(*) FROM {leaf}")).scalar_one() == 3
    assert [w for w in WRITES if not _refused(pg_conn, w)] == []
    assert [s for s in SECRETS if not _refused(pg_conn, s)] == []


@pytest.fixture
def analyst_login(pg_url: str):
    """A login role that is a member of mda_analyst (dropped afterwards) and its URL."""
    name = f"mda_test_analyst_{os.getpid()}"
    url = make_url(pg_url)
    admin = psycopg.connect(
        host=url.host, port=url.port, user=url.username, dbname=url.database, autocommit=True
    )
    admin.execute(f"DROP ROLE IF EXISTS {name}")
    admin.execute(f"CREATE ROLE {name} LOGIN IN ROLE {ANALYST_ROLE}")
    try:
        yield {"host": url.host, "port": url.port, "user": name, "dbname": url.database}
    finally:
        admin.execute(f"DROP ROLE {name}")
        admin.close()


def test_a_member_login_can_select_and_cannot_write(analyst_login: dict) -> None:
    with psycopg.connect(**analyst_login, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM mda.v_vessels_current").fetchone() is not None
        assert conn.execute("SELECT count(*) FROM mda.mid_flags").fetchone()[0] > 200
        for statement in WRITES + SECRETS:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
