"""Vessel-day tracks (LineStringM), identity history, and the binary COPY encoder."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from pyproj import Geod
from sqlalchemy import Connection, text

from mda import schema as s
from mda.store.load import load_positions
from mda.store.tracks import _segment_km
from tests.store.factories import (
    DAY,
    REGION,
    load,
    make_positions,
    make_static,
    make_track,
    utc,
)

pytestmark = pytest.mark.db

NEXT = DAY + dt.timedelta(days=1)


def _identities(conn: Connection, mmsi: int) -> list[tuple]:
    rows = conn.execute(
        text(
            "SELECT vessel_name, call_sign, imo, valid_from, valid_to, n_reports, flag "
            "FROM mda.vessel_identities WHERE mmsi = :m ORDER BY valid_from"
        ),
        {"m": mmsi},
    )
    return [tuple(r) for r in rows]


# --- tracks --------------------------------------------------------------------------------


def test_track_is_a_linestring_m_in_time_order_with_epoch_seconds(pg_conn: Connection) -> None:
    positions = make_positions(
        [
            (211000001, utc(DAY, 2), 55.2, 10.2),  # out of order on purpose
            (211000001, utc(DAY, 0), 55.0, 10.0),
            (211000001, utc(DAY, 1), 55.1, 10.1),
            (211000001, utc(DAY, 1), 55.9, 10.9),  # repeated timestamp: the first one counts
            (211000002, utc(DAY, 5), 56.0, 11.0),  # a single report
        ]
    )
    assert load(pg_conn, positions=positions)["tracks"] == 2
    row = pg_conn.execute(
        text(
            "SELECT n_points, start_time, end_time, length_km, ST_AsText(geom) AS g, "
            "ST_SRID(geom) AS srid, ST_M(ST_PointN(geom, 3)) AS m3 FROM mda.tracks "
            "WHERE mmsi = 211000001"
        )
    ).one()
    assert (row.n_points, row.start_time, row.end_time) == (3, utc(DAY, 0), utc(DAY, 2))
    t0 = utc(DAY, 0).timestamp()
    assert (
        row.g
        == f"LINESTRING M (10 55 {t0:.0f},10.1 55.1 {t0 + 3600:.0f},10.2 55.2 {t0 + 7200:.0f})"
    )
    assert (row.srid, row.m3) == (4326, t0 + 7200)
    geod = Geod(ellps="WGS84")
    expected_km = geod.line_length([10.0, 10.1, 10.2], [55.0, 55.1, 55.2]) / 1000
    assert row.length_km == pytest.approx(expected_km, rel=1e-6)
    single = pg_conn.execute(
        text("SELECT n_points, length_km, geom FROM mda.tracks WHERE mmsi = 211000002")
    ).one()
    assert tuple(single) == (1, 0.0, None)


def test_tracks_length_agrees_with_postgis_geography(pg_conn: Connection) -> None:
    load(pg_conn, positions=make_track(211000001, DAY, 24))
    ours, postgis = pg_conn.execute(
        text("SELECT length_km, ST_Length(ST_Force2D(geom)::geography) / 1000 FROM mda.tracks")
    ).one()
    assert ours == pytest.approx(postgis, rel=1e-5)


def test_step_length_is_exact_for_long_jumps() -> None:
    lon, lat = np.array([10.0, 10.001, 40.0]), np.array([55.0, 55.0, -20.0])
    km = _segment_km(lon, lat, np.array([True, True]))
    _, _, metres = Geod(ellps="WGS84").inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
    assert km == pytest.approx(np.asarray(metres) / 1000, rel=1e-9, abs=1e-6)


def test_reloading_a_day_replaces_its_tracks_only(pg_conn: Connection) -> None:
    load(pg_conn, positions=make_track(211000001, DAY, 4))
    load(pg_conn, NEXT, positions=make_track(211000001, NEXT, 4))
    load(pg_conn, positions=make_track(211000002, DAY, 3))  # rerun of DAY, other vessel
    rows = pg_conn.execute(text("SELECT day, mmsi FROM mda.tracks ORDER BY 1, 2")).all()
    assert [tuple(r) for r in rows] == [(DAY, 211000002), (NEXT, 211000001)]


# --- identities ----------------------------------------------------------------------------


def test_a_changed_name_starts_a_new_identity_and_keeps_the_old_one(pg_conn: Connection) -> None:
    load(pg_conn, vessels=make_static([(211000001, utc(DAY, 1), "NORDIC STAR", "DABC", 9000001)]))
    load(
        pg_conn, NEXT, vessels=make_static([(211000001, utc(NEXT, 3), "SEA WOLF", "DABC", 9000001)])
    )
    assert _identities(pg_conn, 211000001) == [
        ("NORDIC STAR", "DABC", 9000001, utc(DAY, 1), utc(NEXT, 3), 1, "DEU"),
        ("SEA WOLF", "DABC", 9000001, utc(NEXT, 3), None, 1, "DEU"),
    ]


def test_missing_fields_are_not_changes(pg_conn: Connection) -> None:
    # class B: name (type 24 A) and call sign (type 24 B) arrive in separate reports
    load(
        pg_conn,
        vessels=make_static(
            [
                (338000001, utc(DAY, 1), "LUCKY", None, None),
                (338000001, utc(DAY, 1, 1), None, "WDX123", None),
                (338000001, utc(DAY, 5), "LUCKY", None, None),
                (338000001, utc(DAY, 7), None, "WDX999", None),  # a real call-sign change
            ]
        ),
    )
    assert _identities(pg_conn, 338000001) == [
        ("LUCKY", "WDX123", None, utc(DAY, 1), utc(DAY, 7), 3, "USA"),
        ("LUCKY", "WDX999", None, utc(DAY, 7), None, 1, "USA"),
    ]


def test_history_is_the_same_whatever_the_load_order_and_reruns(pg_conn: Connection) -> None:
    day1 = make_static([(211000001, utc(DAY, 1), "A", "X1", None)])
    day2 = make_static([(211000001, utc(NEXT, 1), "B", "X1", None)])
    day3_date = NEXT + dt.timedelta(days=1)
    day3 = make_static([(211000001, utc(day3_date, 1), "A", "X1", None)])  # back to A
    load(pg_conn, day3_date, vessels=day3)
    load(pg_conn, DAY, vessels=day1)
    load(pg_conn, NEXT, vessels=day2)
    load(pg_conn, NEXT, vessels=day2)  # rerun
    names = [(r[0], r[3]) for r in _identities(pg_conn, 211000001)]
    assert names == [("A", utc(DAY, 1)), ("B", utc(NEXT, 1)), ("A", utc(day3_date, 1))]
    load(pg_conn, NEXT, vessels=make_static([]))  # day 2 reloaded without reports
    assert [r[0] for r in _identities(pg_conn, 211000001)] == ["A"]
    assert _identities(pg_conn, 211000001)[0][5] == 2  # one period, two reports


def test_unallocated_mid_has_no_flag(pg_conn: Connection) -> None:
    load(pg_conn, vessels=make_static([(299000001, utc(DAY, 1), "GHOST", None, None)]))
    assert _identities(pg_conn, 299000001)[0][-1] is None


# --- binary COPY round trip ----------------------------------------------------------------

AWKWARD_SOURCES = [
    None,
    [],
    ["nmea:a.nmea/AIVDM/s:rx1"],
    ['x,"y"', "{braces}", "NULL", "back\\slash", "漁船 ÆØ", ""],
    ["a", None, "b"],
]


def test_binary_copy_round_trips_nulls_arrays_and_text(pg_conn: Connection) -> None:
    n = len(AWKWARD_SOURCES)
    frame = pl.DataFrame(
        {
            s.MMSI: [211000001 + i for i in range(n)],
            s.TS: [utc(DAY, i) for i in range(n)],
            s.LAT: [-89.999999, 0.0, 55.123456789, 89.5, -0.000001],
            s.LON: [-179.999999, 0.0, 11.987654321, 180.0, 179.999],
            s.SOG_KN: [None, 0.0, 12.3, 102.2, None],
            s.COG_DEG: [359.9, None, 0.0, 1.5, None],
            s.HEADING_DEG: [None, None, 511.0, 0.0, 1.0],
            s.NAV_STATUS: [None, 0, 15, 7, None],
            s.MSG_TYPE: [1, None, 18, 27, 3],
            s.SOURCE: ["nmea", "noaa_csv", "dma_csv", "nmea", "ünïcode"],
            s.SOURCES: AWKWARD_SOURCES,
        },
        schema_overrides={s.TS: s.UTC_TS},
    )
    frame = s.conform(frame, s.POSITIONS_SCHEMA)
    assert load_positions(pg_conn, frame, DAY, REGION) == n
    stored = pl.DataFrame(
        pg_conn.execute(
            text(
                "SELECT mmsi, ts, lat, lon, sog_kn, cog_deg, heading_deg, nav_status, msg_type, "
                "source, sources FROM mda.positions ORDER BY mmsi"
            )
        ).all(),
        schema=s.POSITIONS_SCHEMA,
        orient="row",
    )
    assert stored.equals(frame, null_equal=True)
    geoms = pg_conn.execute(
        text("SELECT count(*) FROM mda.positions WHERE ST_X(geom) = lon AND ST_Y(geom) = lat")
    ).scalar_one()
    assert geoms == n
    ids = pg_conn.execute(text("SELECT position_id FROM mda.positions ORDER BY mmsi")).scalars()
    ids = list(ids)
    assert ids == list(range(ids[0], ids[0] + n)) and ids[0] % 2**32 == 0


def test_an_empty_day_still_gets_its_partition(pg_conn: Connection) -> None:
    assert load(pg_conn)["positions"] == 0
    assert pg_conn.execute(
        text(f"SELECT to_regclass('mda.positions_20240305_{REGION}') IS NOT NULL")
    ).scalar_one()


def test_any_region_name_gets_a_valid_partition_and_reloads(pg_conn: Connection) -> None:
    region = "Baltic Sea / East 'quoted'"  # not an identifier: the leaf is named by hash
    load(pg_conn, region=region, positions=make_track(211000001, DAY, 3))
    load(pg_conn, region=region, positions=make_track(211000001, DAY, 2))
    rows = pg_conn.execute(
        text("SELECT tableoid::regclass::text, region, count(*) FROM mda.positions GROUP BY 1, 2")
    ).all()
    assert len(rows) == 1 and rows[0][1:] == (region, 2)
    assert rows[0][0].startswith('mda."positions_20240305_r') or rows[0][0].startswith(
        "mda.positions_20240305_r"
    )
