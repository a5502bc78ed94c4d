"""COPY loading: idempotent per (region, day), exact round trips, geometry built right."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from shapely import wkt
from shapely.geometry import Polygon
from sqlalchemy import Connection, text

from mda import schema as s
from mda.errors import StoreError
from mda.store.load import ewkb_points_hex, load_day, load_reference
from tests.store.factories import (
    DAY,
    EMPTY_EVENTS,
    EMPTY_POSITIONS,
    EMPTY_VESSELS,
    REGION,
    make_event,
    make_events,
    make_stations,
    make_track,
    make_vessels,
    reference_layers,
    utc,
)

pytestmark = pytest.mark.db


def _count(conn: Connection, table: str) -> int:
    return conn.execute(text(f"SELECT count(*) FROM mda.{table}")).scalar_one()


def _load(conn: Connection, day: dt.date = DAY, region: str = REGION, n: int = 24, **kw):
    """Load a day of two 1-hourly tracks, one static report, two stations and two events."""
    events = make_events(
        [make_event(f"ev-{region}-{day}-{i}", day=day, region=region) for i in range(2)]
    )
    frames = {
        "positions": make_track(211000001, day, n).vstack(make_track(211000002, day, n)),
        "vessels": make_vessels([(211000001, utc(day, 1), "NORDIC STAR")]),
        "events": events,
        "stations": make_stations(day),
    }
    return load_day(conn, day, region=region, **{**frames, **kw})


def test_load_day_twice_gives_the_same_counts(pg_conn: Connection) -> None:
    first = _load(pg_conn)
    second = _load(pg_conn)
    assert first == second
    assert first == {
        "positions": 48, "tracks": 2, "vessels": 1, "stations": 2, "events": 2, "identities": 1
    }  # fmt: skip
    tables = ("positions", "vessels", "stations", "events")
    assert [_count(pg_conn, t) for t in tables] == [48, 1, 2, 2]


def test_station_fields_round_trip(pg_conn: Connection) -> None:
    _load(pg_conn)
    query = text(
        "SELECT mmsi, ts, msg_type, station_kind, lat, lon, station_name, aid_type, "
        "aid_type_name, virtual_aid, off_position, epfd, reported_ts, source, sources, "
        "ST_AsText(geom) AS geom, ST_SRID(geom) AS srid, region, day "
        "FROM mda.stations ORDER BY mmsi"
    )
    got = pg_conn.execute(query).mappings().all()
    want = make_stations().to_dicts()
    for row, expected in zip(got, want, strict=True):
        assert {k: row[k] for k in expected} == expected
        assert (row["region"], row["day"]) == (REGION, DAY)
    assert (got[0]["geom"], got[0]["srid"]) == ("POINT(8.17 56.53)", 4326)
    assert got[1]["geom"] is None  # no position, no geometry


def test_station_reports_of_another_day_are_refused(pg_conn: Connection) -> None:
    with pytest.raises(StoreError, match="station report timestamp falls on 2024-03-05"):
        _load(pg_conn, stations=make_stations(DAY + dt.timedelta(days=1)))


def test_reloading_a_day_replaces_it_and_only_it(pg_conn: Connection) -> None:
    next_day = DAY + dt.timedelta(days=1)
    _load(pg_conn)
    _load(pg_conn, region="other_region")
    _load(pg_conn, day=next_day)
    _load(pg_conn, n=5, events=EMPTY_EVENTS, vessels=EMPTY_VESSELS)  # rerun DAY, less data
    by_key = pg_conn.execute(
        text("SELECT region, day, count(*) FROM mda.positions GROUP BY 1, 2 ORDER BY 1, 2")
    ).all()
    assert [tuple(r) for r in by_key] == [
        ("other_region", DAY, 48),
        (REGION, DAY, 10),
        (REGION, next_day, 48),
    ]
    events = pg_conn.execute(text("SELECT region, event_date FROM mda.events ORDER BY 1, 2")).all()
    assert [tuple(r) for r in events] == [("other_region", DAY)] * 2 + [(REGION, next_day)] * 2
    assert _count(pg_conn, "vessels") == 2


def test_position_geometry_is_the_lon_lat_point_in_4326(pg_conn: Connection) -> None:
    _load(pg_conn, n=3)
    rows = pg_conn.execute(
        text(
            "SELECT lon, lat, ST_X(geom) AS x, ST_Y(geom) AS y, ST_SRID(geom) AS srid "
            "FROM mda.positions"
        )
    ).all()
    assert {r.srid for r in rows} == {4326}
    assert all((r.x, r.y) == (r.lon, r.lat) for r in rows)


def test_ewkb_hex_matches_postgis(pg_conn: Connection) -> None:
    import numpy as np

    (hexed,) = ewkb_points_hex(np.array([-179.5]), np.array([0.0]))  # trailing zero bytes
    ours = hexed.decode()
    theirs = pg_conn.execute(
        text("SELECT encode(ST_AsEWKB(ST_SetSRID(ST_MakePoint(-179.5, 0), 4326), 'NDR'), 'hex')")
    ).scalar_one()
    assert ours == theirs


def test_event_fields_round_trip(pg_conn: Connection) -> None:
    _load(pg_conn)
    row = (
        pg_conn.execute(
            text(
                "SELECT *, ST_AsText(geom) AS wkt, ST_SRID(geom) AS srid FROM mda.events "
                "ORDER BY event_id LIMIT 1"
            )
        )
        .mappings()
        .one()
    )
    expected = make_event(row["event_id"])
    assert row["evidence"] == json.loads(expected[s.EVIDENCE])  # JSONB, not text
    assert row["start_time"] == expected[s.START_TIME]
    assert row["start_time"].utcoffset() == dt.timedelta(0)
    assert wkt.loads(row["wkt"]).equals(wkt.loads(expected[s.GEOMETRY_WKT]))
    assert row["srid"] == 4326


def test_event_without_wkt_gets_its_point(pg_conn: Connection) -> None:
    event = make_event("no-geometry", lat=55.3, lon=11.4)
    event[s.GEOMETRY_WKT] = None
    load_day(
        pg_conn,
        DAY,
        positions=EMPTY_POSITIONS,
        vessels=EMPTY_VESSELS,
        events=make_events([event]),
        region=REGION,
    )
    assert pg_conn.execute(text("SELECT ST_AsText(geom) FROM mda.events")).scalar() == (
        "POINT(11.4 55.3)"
    )


UNTRUSTED_NAMES = [
    '<script>alert("x")</script>',
    'O\'BRIEN "LUCKY" & SONS',
    "COMMA, NEW\nLINE\tTAB \\N back\\slash",
    "",  # empty string is not null
    "ÆGIR ØRESUND — 漁船",
]


def test_untrusted_vessel_text_round_trips_unchanged(pg_conn: Connection) -> None:
    rows = [(211000100 + i, utc(DAY, 1, i), name) for i, name in enumerate(UNTRUSTED_NAMES)]
    load_day(
        pg_conn,
        DAY,
        positions=EMPTY_POSITIONS,
        vessels=make_vessels(rows),
        events=EMPTY_EVENTS,
        region=REGION,
    )
    stored = pg_conn.execute(text("SELECT vessel_name FROM mda.vessels ORDER BY mmsi")).scalars()
    assert list(stored) == UNTRUSTED_NAMES
    nulls = pg_conn.execute(text("SELECT count(*) FROM mda.vessels WHERE call_sign IS NULL"))
    assert nulls.scalar_one() == len(UNTRUSTED_NAMES)


def test_positions_of_another_day_are_refused(pg_conn: Connection) -> None:
    stray = make_track(211000001, DAY + dt.timedelta(days=1), 2)
    with pytest.raises(StoreError, match="falls on 2024-03-05"):
        load_day(
            pg_conn, DAY, positions=stray, vessels=EMPTY_VESSELS, events=EMPTY_EVENTS, region=REGION
        )


def test_events_of_another_region_are_refused(pg_conn: Connection) -> None:
    events = make_events([make_event("e1", region="elsewhere")])
    with pytest.raises(StoreError, match="1 rows differ"):
        load_day(
            pg_conn,
            DAY,
            positions=EMPTY_POSITIONS,
            vessels=EMPTY_VESSELS,
            events=events,
            region=REGION,
        )


def test_load_reference_replaces_layers(pg_conn: Connection) -> None:
    first = load_reference(pg_conn, reference_layers(), REGION)
    second = load_reference(pg_conn, reference_layers(), REGION)
    assert first == second
    assert first == {"cables": 1, "zones": 1, "land": 1, "coastline": 0, "land_parts_skipped": 0}
    row = pg_conn.execute(
        text("SELECT GeometryType(geom) AS geom_type, valid_from, valid_to FROM mda.zones")
    ).one()
    assert (row.geom_type, row.valid_from, row.valid_to) == ("MULTIPOLYGON", utc(DAY, 0), None)
    kind = pg_conn.execute(text("SELECT GeometryType(geom) FROM mda.cables")).scalar()
    assert kind == "MULTILINESTRING"


def test_reference_layers_are_kept_per_region(pg_conn: Connection) -> None:
    """Loading region B's layers leaves region A's; reloading A replaces only A's; rows of no
    region (stored before revision 0006) go with the next load."""
    pg_conn.execute(
        text(
            "INSERT INTO mda.cables (name, region, geom) VALUES "
            "('legacy', '', ST_GeomFromText('MULTILINESTRING((10 55, 11 55))', 4326))"
        )
    )
    load_reference(pg_conn, reference_layers(), "region_a")
    other = Polygon([(12.0, 55.0), (12.2, 55.0), (12.2, 55.2), (12.0, 55.2)])
    load_reference(pg_conn, reference_layers(zone=other), "region_b")
    load_reference(pg_conn, reference_layers(), "region_a")
    rows = pg_conn.execute(
        text(
            "SELECT region, count(*) AS n, min(ST_XMin(geom)) AS x FROM mda.zones "
            "GROUP BY region ORDER BY region"
        )
    ).all()
    assert [(r.region, r.n, r.x) for r in rows] == [("region_a", 1, 11.0), ("region_b", 1, 12.0)]
    cables = pg_conn.execute(text("SELECT region FROM mda.cables ORDER BY region")).scalars()
    assert list(cables) == ["region_a", "region_b"]  # 'legacy' went with the first load


def test_duplicate_event_ids_are_refused(pg_conn: Connection) -> None:
    events = make_events([make_event("same"), make_event("same", mmsi=211000009)])
    with pytest.raises(StoreError, match="1 ids occur more than once"):
        load_day(
            pg_conn,
            DAY,
            positions=EMPTY_POSITIONS,
            vessels=EMPTY_VESSELS,
            events=events,
            region=REGION,
        )


def test_event_id_stored_under_another_day_is_refused(pg_conn: Connection) -> None:
    other_day = DAY + dt.timedelta(days=1)
    first = make_events([make_event("same")])
    again = make_events([make_event("same", day=other_day)])
    load_day(
        pg_conn, DAY, positions=EMPTY_POSITIONS, vessels=EMPTY_VESSELS, events=first, region=REGION
    )
    with pytest.raises(StoreError, match="already stored under another"):
        load_day(
            pg_conn,
            other_day,
            positions=EMPTY_POSITIONS,
            vessels=EMPTY_VESSELS,
            events=again,
            region=REGION,
        )
