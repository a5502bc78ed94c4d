"""Versioned migrations: an old warehouse with data in it is upgraded without data loss."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, Engine, text

from mda.errors import StoreError
from mda.mid import MID_FLAGS, mmsi_mid
from mda.store import migrate
from mda.store.db import downgrade_schema, ensure_schema, make_engine
from mda.store.models import Base
from tests.store.factories import DAY, REGION, load, make_track, utc

pytestmark = pytest.mark.db

NEXT = DAY + dt.timedelta(days=1)

# Rows as the pre-migration loader wrote them (revision 0001 has no tracks, identities...).
V1_DATA = [
    """INSERT INTO mda.positions (mmsi, ts, lat, lon, sog_kn, source, sources, region, day, geom)
    SELECT 211000001, ts, 55.0 + 0.01 * i, 11.0, 5.0, 'nmea',
        CASE WHEN i = 0 THEN ARRAY['nmea:a.nmea/AIVDM/s:rx1', 'x,"y"'] END,
        'old_region', CAST(ts AS date),
        ST_SetSRID(ST_MakePoint(11.0, 55.0 + 0.01 * i), 4326)
    FROM generate_series(0, 3) AS i,
        LATERAL (SELECT TIMESTAMPTZ '2024-03-05 00:00+00' + i * interval '1 hour' AS ts) AS t""",
    """INSERT INTO mda.positions (mmsi, ts, lat, lon, source, region, day, geom) VALUES
    (211000002, '2024-03-06 10:00+00', 56.0, 12.0, 'noaa_csv', 'other', '2024-03-06',
        ST_SetSRID(ST_MakePoint(12.0, 56.0), 4326))""",
    """INSERT INTO mda.vessels (mmsi, ts, vessel_name, call_sign, imo, source, region, day)
    VALUES
    (211000001, '2024-03-05 01:00+00', 'OLD NAME', 'DABC', 9000001, 'nmea', 'old_region',
        '2024-03-05'),
    (211000001, '2024-03-05 02:00+00', NULL, 'DABC', NULL, 'nmea', 'old_region', '2024-03-05'),
    (211000001, '2024-03-05 09:00+00', 'NEW NAME', 'DABC', 9000001, 'nmea', 'old_region',
        '2024-03-05')""",
    """INSERT INTO mda.events (event_id, event_type, mmsi, start_time, end_time, lat, lon,
        duration_h, score, evidence, region, event_date, geom) VALUES
    ('ev-1', 'ais_gap', 211000001, '2024-03-05 04:00+00', '2024-03-05 12:00+00', 55.0, 11.0,
        8.0, 0.7, '{"gap_h": 8}', 'old_region', '2024-03-05',
        ST_GeomFromText('LINESTRING(11 55, 11.5 55.2)', 4326))""",
    """INSERT INTO mda.cables (name, cable_id, geom) VALUES ('OLD-CABLE', 'old-cable',
        ST_GeomFromText('MULTILINESTRING((11 54, 11 56))', 4326))""",
]


@pytest.fixture
def empty_engine(pg_fresh_url: str) -> Iterator[Engine]:
    """An engine on a database with PostGIS and an empty schema mda (no revision)."""
    engine = make_engine(pg_fresh_url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA mda CASCADE"))
        conn.execute(text("CREATE SCHEMA mda"))
    yield engine
    engine.dispose()


def _v1_warehouse(engine: Engine) -> None:
    """Revision 0001 with the V1 rows in it, committed."""
    with engine.begin() as conn:
        migrate.upgrade(conn, migrate.FIRST_REVISION)
        for statement in V1_DATA:
            conn.execute(text(statement))


def _scalar(conn: Connection, sql: str):
    return conn.execute(text(sql)).scalar_one()


def test_upgrade_from_revision_1_keeps_the_data_and_adds_the_new_structures(
    empty_engine: Engine,
) -> None:
    _v1_warehouse(empty_engine)
    with empty_engine.connect() as conn:
        before = conn.execute(
            text("SELECT position_id, mmsi, ts, sources, ST_AsText(geom) FROM mda.positions "
                 "ORDER BY position_id")
        ).all()  # fmt: skip
    with empty_engine.begin() as conn:
        assert ensure_schema(conn) == ("0001", migrate.head_revision())
    with empty_engine.connect() as conn:
        after = conn.execute(
            text("SELECT position_id, mmsi, ts, sources, ST_AsText(geom) FROM mda.positions "
                 "ORDER BY position_id")
        ).all()  # fmt: skip
        assert after == before and len(after) == 5  # ids, times, arrays, points unchanged
        assert (
            _scalar(
                conn, "SELECT relkind::text FROM pg_class WHERE oid = 'mda.positions'::regclass"
            )
            == "p"
        )
        leaves = conn.execute(
            text(
                "SELECT tableoid::regclass::text, count(*) FROM mda.positions GROUP BY 1 ORDER BY 1"
            )
        ).all()
        assert [tuple(r) for r in leaves] == [
            ("mda.positions_20240305_old_region", 4),
            ("mda.positions_20240306_other", 1),
        ]
        assert _scalar(conn, "SELECT count(*) FROM mda.vessels") == 3
        event = conn.execute(text("SELECT evidence, ST_AsText(geom) FROM mda.events")).one()
        assert tuple(event) == ({"gap_h": 8}, "LINESTRING(11 55,11.5 55.2)")
        assert _scalar(conn, "SELECT name FROM mda.cables") == "OLD-CABLE"
        # backfilled from the old rows
        track = conn.execute(
            text("SELECT n_points, ST_AsText(geom) AS g, length_km FROM mda.tracks "
                 "WHERE mmsi = 211000001")
        ).one()  # fmt: skip
        assert track.n_points == 4 and track.g.startswith("LINESTRING M (11 55 1709596800")
        assert track.length_km == pytest.approx(3.34, abs=0.01)  # 0.03 deg of latitude
        names = conn.execute(
            text("SELECT vessel_name, flag FROM mda.vessel_identities ORDER BY valid_from")
        ).all()
        assert [tuple(r) for r in names] == [("OLD NAME", "DEU"), ("NEW NAME", "DEU")]
        for view in ("v_events_latest", "v_tracks", "v_vessels_current", "v_encounters"):
            assert _scalar(conn, f"SELECT to_regclass('mda.{view}') IS NOT NULL"), view
        assert _scalar(conn, "SELECT has_table_privilege('mda_analyst', 'mda.tracks', 'SELECT')")


def test_loading_after_the_upgrade_continues_the_history(empty_engine: Engine) -> None:
    _v1_warehouse(empty_engine)
    with empty_engine.begin() as conn:
        ensure_schema(conn)
        counts = load(conn, NEXT, region="old_region", positions=make_track(211000001, NEXT, 2))
        assert counts["positions"] == 2
        ids = conn.execute(text("SELECT position_id FROM mda.positions ORDER BY 1")).scalars()
        assert len(set(ids)) == 7  # old ids kept, new ones do not collide


def test_a_warehouse_made_before_migrations_is_stamped_then_upgraded(
    empty_engine: Engine,
) -> None:
    _v1_warehouse(empty_engine)
    with empty_engine.begin() as conn:
        conn.execute(text("DROP TABLE mda.alembic_version"))  # as create_all() left it
        assert migrate.is_legacy(conn)
        before, after = ensure_schema(conn)
    assert (before, after) == ("0001", migrate.head_revision())
    with empty_engine.connect() as conn:
        assert _scalar(conn, "SELECT count(*) FROM mda.positions") == 5


def test_downgrade_to_revision_1_and_back_keeps_positions(empty_engine: Engine) -> None:
    _v1_warehouse(empty_engine)
    with empty_engine.begin() as conn:
        ensure_schema(conn)
        load(conn, NEXT, region="new", positions=make_track(211000003, NEXT, 3))
    with empty_engine.begin() as conn:
        downgrade_schema(conn, migrate.FIRST_REVISION)
        assert _scalar(conn, "SELECT count(*) FROM mda.positions") == 8
        assert _scalar(conn, "SELECT to_regclass('mda.tracks') IS NULL")
    with empty_engine.begin() as conn:
        ensure_schema(conn)
        assert _scalar(conn, "SELECT count(*) FROM mda.positions") == 8
        assert _scalar(conn, "SELECT count(*) FROM mda.tracks") == 3


def test_a_failed_upgrade_changes_nothing(empty_engine: Engine) -> None:
    _v1_warehouse(empty_engine)
    with empty_engine.begin() as conn:  # a row the partition bounds reject: ts off its day
        conn.execute(text("UPDATE mda.positions SET day = '2024-03-01' WHERE mmsi = 211000002"))
    with pytest.raises(StoreError, match="nothing was changed"), empty_engine.begin() as conn:
        ensure_schema(conn)
    with empty_engine.connect() as conn:
        assert migrate.current_revision(conn) == "0001"
        assert _scalar(conn, "SELECT count(*) FROM mda.positions") == 5


def test_models_and_migrations_agree(pg_conn: Connection) -> None:
    context = MigrationContext.configure(
        pg_conn,
        opts={
            "include_schemas": True,
            "include_name": migrate.include_name,
            "include_object": migrate.include_object,
            "compare_type": True,
        },
    )
    assert compare_metadata(context, Base.metadata) == []


def test_mmsi_mid_in_sql_matches_python(pg_conn: Connection) -> None:
    samples = [211000001, 538000001, 366123456, 992111234, 982570001, 111232500, 2320001,
               970123456, 123456789, 1234, 800000000]  # fmt: skip
    for mmsi in samples:
        sql_mid = pg_conn.execute(text("SELECT mda.mmsi_mid(:m)"), {"m": mmsi}).scalar()
        assert sql_mid == mmsi_mid(mmsi), mmsi
    stored = pg_conn.execute(text("SELECT mid, flag, country FROM mda.mid_flags")).all()
    assert {r.mid: (r.flag, r.country) for r in stored} == MID_FLAGS


def test_reloading_a_day_replaces_its_partition(pg_conn: Connection) -> None:
    load(pg_conn, positions=make_track(211000001, DAY, 5))
    load(pg_conn, positions=make_track(211000001, DAY, 2))
    leaves = pg_conn.execute(
        text("SELECT tableoid::regclass::text, count(*) FROM mda.positions GROUP BY 1")
    ).all()
    assert [tuple(r) for r in leaves] == [(f"mda.positions_20240305_{REGION}", 2)]
    indexes = pg_conn.execute(
        text("SELECT indexname FROM pg_indexes WHERE tablename = :t ORDER BY 1"),
        {"t": f"positions_20240305_{REGION}"},
    ).scalars()
    assert list(indexes) == [
        f"positions_20240305_{REGION}_geom",
        f"positions_20240305_{REGION}_mmsi_ts",
    ]
    first = pg_conn.execute(text("SELECT min(ts) FROM mda.positions")).scalar_one()
    assert first == utc(DAY, 0)
