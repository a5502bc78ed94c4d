"""The warehouse schema: creation is idempotent, geometry is WGS84, errors say how to fix."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from mda.store.db import ensure_schema, setup_database
from mda.store.load import load_reference
from mda.store.models import Base
from tests.store.factories import REGION, reference_layers

pytestmark = pytest.mark.db

REPO = Path(__file__).resolve().parents[2]


def _objects(conn: Connection) -> list[tuple[str, str]]:
    """(kind, name) of every table, index and view in schema mda."""
    rows = conn.execute(
        text(
            "SELECT c.relkind::text, c.relname FROM pg_class AS c "
            "JOIN pg_namespace AS n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'mda' ORDER BY 1, 2"
        )
    )
    return [tuple(r) for r in rows]


def test_ensure_schema_is_idempotent(pg_conn: Connection) -> None:
    before = _objects(pg_conn)
    ensure_schema(pg_conn)
    ensure_schema(pg_conn)
    assert _objects(pg_conn) == before
    names = {name for _, name in before}
    assert {"positions", "vessels", "events", "cables", "zones", "land"} <= names
    assert {"v_events_latest", "ix_events_geom_geog", "ix_positions_geom"} <= names


def test_every_geometry_column_is_srid_4326(pg_conn: Connection) -> None:
    rows = pg_conn.execute(
        text("SELECT f_table_name, srid, type FROM geometry_columns WHERE f_table_schema = 'mda'")
    ).all()
    assert {r.f_table_name for r in rows} >= {"positions", "events", "cables", "zones", "land"}
    assert {r.srid for r in rows} == {4326}


def test_every_geometry_column_has_a_gist_index(pg_conn: Connection) -> None:
    rows = pg_conn.execute(
        text(
            "SELECT g.f_table_name FROM geometry_columns AS g JOIN pg_tables AS t "
            "ON (t.schemaname, t.tablename) = (g.f_table_schema, g.f_table_name) "
            "WHERE g.f_table_schema = 'mda' "
            "AND NOT EXISTS (SELECT 1 FROM pg_indexes AS i WHERE i.schemaname = 'mda' "
            "AND i.tablename = g.f_table_name AND i.indexdef LIKE '%USING gist (geom)%')"
        )
    ).all()
    assert rows == []


def test_tables_and_columns_carry_comments(pg_conn: Connection) -> None:
    for table in Base.metadata.sorted_tables:
        comment = pg_conn.execute(
            text("SELECT obj_description(CAST(:t AS regclass), 'pg_class')"),
            {"t": table.fullname},
        ).scalar()
        assert comment, table.fullname
    undocumented = pg_conn.execute(
        text(
            "SELECT c.relname, a.attname FROM pg_attribute AS a "
            "JOIN pg_class AS c ON c.oid = a.attrelid "
            "JOIN pg_namespace AS n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'mda' AND c.relkind IN ('r', 'p') AND a.attnum > 0 "
            "AND NOT a.attisdropped AND col_description(c.oid, a.attnum) IS NULL"
        )
    ).all()
    assert undocumented == []
    view_comment = pg_conn.execute(
        text("SELECT obj_description('mda.v_events_latest'::regclass, 'pg_class')")
    ).scalar()
    assert "untrusted" in view_comment


def test_timestamps_are_timezone_aware(pg_conn: Connection) -> None:
    naive = pg_conn.execute(
        text(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'mda' AND data_type = 'timestamp without time zone'"
        )
    ).all()
    assert naive == []


def test_ensure_postgis_script_is_a_no_op_when_installed(pg_conn: Connection) -> None:
    # pg_conn proves PostGIS is installed here, so the script must not reach apt-get.
    done = subprocess.run(
        ["bash", str(REPO / "scripts" / "ensure-postgis.sh")],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    assert "already installed" in done.stdout


def test_setup_database_commits_into_a_fresh_database(pg_fresh_url: str) -> None:
    engine = setup_database(pg_fresh_url)  # schema already there: must be a no-op
    try:
        with engine.begin() as conn:
            load_reference(conn, reference_layers(), REGION)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM mda.cables")).scalar_one() == 1
    finally:
        engine.dispose()
