"""The analyst queries, data checks and views in sql/, on small hand-built data."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from shapely import wkt
from shapely.geometry import LineString, Polygon
from sqlalchemy import Connection, text

from mda.errors import StoreError
from mda.store.load import load_day, load_reference
from mda.store.queries import check_names, query_names, query_text, run_checks, run_query
from tests.store.factories import (
    CABLE_NAME,
    DAY,
    EMPTY_EVENTS,
    EMPTY_POSITIONS,
    EMPTY_VESSELS,
    REGION,
    lon_east_of_cable,
    make_event,
    make_events,
    make_positions,
    make_stations,
    make_vessels,
    reference_layers,
    utc,
)

pytestmark = pytest.mark.db

WEEK = {"start": utc(DAY, 0), "end": utc(DAY + dt.timedelta(days=7), 0)}


def _load_events(conn: Connection, rows: list[dict], day: dt.date = DAY, vessels=None) -> None:
    load_day(
        conn,
        day,
        positions=EMPTY_POSITIONS,
        vessels=EMPTY_VESSELS if vessels is None else vessels,
        events=make_events(rows),
        region=REGION,
    )


def _near_cable_scenario(conn: Connection) -> None:
    load_reference(conn, reference_layers(), REGION)
    _load_events(
        conn,
        [
            make_event("near-1km", lon=lon_east_of_cable(1)),
            make_event("far-30km", lon=lon_east_of_cable(30)),
            make_event("edge-9.9km", lon=lon_east_of_cable(9.9)),  # just inside a 10 km radius
            make_event("near-but-later", lon=lon_east_of_cable(1), start=utc(DAY, 23)),
            # on the cable's line but 0.1 deg (~11 km) beyond its north end at 56 N
            make_event("past-cable-end", lat=56.11, lon=11.0),
        ],
    )


def test_events_near_cable_keeps_only_events_within_radius(pg_conn: Connection) -> None:
    _near_cable_scenario(pg_conn)
    rows = run_query(
        pg_conn,
        "events_near_cable",
        cable_name=CABLE_NAME,
        radius_km=10,
        start=utc(DAY, 0),
        end=utc(DAY, 12),
    )
    assert [r["event_id"] for r in rows] == ["near-1km", "edge-9.9km"]  # nearest first
    assert rows[0]["distance_m"] == pytest.approx(1000, rel=0.02)
    assert rows[0]["cable_id"] == "test-cable-a"


def test_events_near_cable_respects_time_window_and_name(pg_conn: Connection) -> None:
    _near_cable_scenario(pg_conn)
    late = run_query(
        pg_conn,
        "events_near_cable",
        cable_name=CABLE_NAME,
        radius_km=10,
        start=utc(DAY, 12),
        end=utc(DAY + dt.timedelta(days=1), 0),
    )
    assert [r["event_id"] for r in late] == ["near-but-later"]
    nothing = run_query(
        pg_conn, "events_near_cable", cable_name="NO SUCH CABLE", radius_km=1000, **WEEK
    )
    assert nothing == []
    wide = run_query(pg_conn, "events_near_cable", cable_name=CABLE_NAME, radius_km=31, **WEEK)
    assert len(wide) == 5


def test_events_near_cable_uses_the_geography_gist_index(pg_conn: Connection) -> None:
    _near_cable_scenario(pg_conn)
    pg_conn.execute(text("ANALYZE mda.events"))
    pg_conn.execute(text("SET LOCAL enable_seqscan = off"))  # tiny table: force the choice
    sql = "EXPLAIN " + query_text("events_near_cable")
    plan = "\n".join(
        pg_conn.execute(text(sql), {"cable_name": CABLE_NAME, "radius_km": 10.0, **WEEK}).scalars()
    )
    assert "ix_events_geom_geog" in plan, plan


def test_vessel_track_is_ordered_and_counted(pg_conn: Connection) -> None:
    positions = make_positions(
        [
            (211000001, utc(DAY, 2), 55.2, 10.2),  # loaded out of order on purpose
            (211000001, utc(DAY, 0), 55.0, 10.0),
            (211000001, utc(DAY, 1), 55.1, 10.1),
            (211000002, utc(DAY, 1), 56.0, 11.0),  # another vessel
        ]
    )
    next_day = make_positions([(211000001, utc(DAY + dt.timedelta(days=1), 0), 57.0, 12.0)])
    load_day(
        pg_conn, DAY, positions=positions, vessels=EMPTY_VESSELS, events=EMPTY_EVENTS, region=REGION
    )
    load_day(
        pg_conn,
        DAY + dt.timedelta(days=1),
        positions=next_day,
        vessels=EMPTY_VESSELS,
        events=EMPTY_EVENTS,
        region=REGION,
    )
    [row] = run_query(pg_conn, "vessel_track", mmsi=211000001, day=DAY)
    assert row["n_points"] == 3
    assert wkt.loads(row["track_wkt"]).equals(
        LineString([(10.0, 55.0), (10.1, 55.1), (10.2, 55.2)])
    )
    assert json.loads(row["track_geojson"])["type"] == "LineString"
    assert (row["start_time"], row["end_time"]) == (utc(DAY, 0), utc(DAY, 2))
    assert row["length_km"] == pytest.approx(25.6, abs=0.5)  # two ~12.8 km diagonal steps


def test_vessel_track_counts_a_duplicated_timestamp_once(pg_conn: Connection) -> None:
    positions = make_positions(
        [
            (211000001, utc(DAY, 0), 55.0, 10.0),
            (211000001, utc(DAY, 0), 55.0, 10.0),  # same report from a second source
            (211000001, utc(DAY, 1), 55.1, 10.1),
        ]
    )
    load_day(
        pg_conn, DAY, positions=positions, vessels=EMPTY_VESSELS, events=EMPTY_EVENTS, region=REGION
    )
    [row] = run_query(pg_conn, "vessel_track", mmsi=211000001, day=DAY)
    assert row["n_points"] == 2


def test_vessel_track_single_point_and_unknown_vessel(pg_conn: Connection) -> None:
    positions = make_positions([(211000001, utc(DAY, 5), 55.0, 10.0)])
    load_day(
        pg_conn, DAY, positions=positions, vessels=EMPTY_VESSELS, events=EMPTY_EVENTS, region=REGION
    )
    [row] = run_query(pg_conn, "vessel_track", mmsi=211000001, day=DAY)
    assert (row["n_points"], row["track_wkt"], row["length_km"]) == (1, None, None)
    assert run_query(pg_conn, "vessel_track", mmsi=999999999, day=DAY) == []


def test_repeated_gaps_finds_vessels_over_the_threshold(pg_conn: Connection) -> None:
    def gap(event_id: str, mmsi: int, hour: int, hours: float = 8.0) -> dict:
        return make_event(
            event_id, mmsi=mmsi, event_type="ais_gap", start=utc(DAY, hour), hours=hours
        )

    vessels = make_vessels(
        [
            (211000001, utc(DAY, 0), "OLD NAME"),
            (211000001, utc(DAY, 6), "<b>NEW</b> NAME"),  # the latest report wins
        ]
    )
    _load_events(
        pg_conn,
        [
            gap("g1", 211000001, 1),
            gap("g2", 211000001, 10, 6.0),
            gap("g3", 211000001, 20),
            gap("h1", 211000002, 2),
            gap("h2", 211000002, 3),
            gap("k1", 211000003, 4),  # a single gap: below the threshold
            make_event("loiter", mmsi=211000003),  # not a gap
        ],
        vessels=vessels,
    )
    rows = run_query(pg_conn, "repeated_gaps", min_gaps=2, **WEEK)
    assert [(r["mmsi"], r["n_gaps"]) for r in rows] == [(211000001, 3), (211000002, 2)]
    assert rows[0]["event_ids"] == ["g1", "g2", "g3"]
    assert rows[0]["total_gap_h"] == pytest.approx(22.0)
    assert rows[0]["vessel_name"] == "<b>NEW</b> NAME"
    assert rows[1]["vessel_name"] is None
    # the window is half-open on start_time: h2 starts exactly at 03:00
    before_h2 = run_query(pg_conn, "repeated_gaps", min_gaps=2, start=utc(DAY, 2), end=utc(DAY, 3))
    assert before_h2 == []
    with_h2 = run_query(pg_conn, "repeated_gaps", min_gaps=2, start=utc(DAY, 2), end=utc(DAY, 4))
    assert [r["mmsi"] for r in with_h2] == [211000002]


def test_unknown_query_name_is_a_store_error(pg_conn: Connection) -> None:
    with pytest.raises(StoreError, match=r"known:.*events_near_cable"):
        run_query(pg_conn, "drop_everything")
    with pytest.raises(StoreError, match="lower_snake_case"):
        run_query(pg_conn, "../checks/x")
    assert {"events_near_cable", "vessel_track", "repeated_gaps"} <= set(query_names())


def _good_data(conn: Connection) -> None:
    load_reference(conn, reference_layers(), REGION)
    load_day(
        conn,
        DAY,
        positions=make_positions([(211000001, utc(DAY, 0), 55.0, 10.0)]),
        vessels=make_vessels([(211000001, utc(DAY, 0), "A")]),
        events=make_events([make_event("e1")]),
        region=REGION,
        stations=make_stations(),  # one without a position: no geometry, not a bad SRID
    )


def test_checks_pass_on_good_data(pg_conn: Connection) -> None:
    _good_data(pg_conn)
    counts = run_checks(pg_conn)
    assert set(counts) == set(check_names())
    assert len(counts) >= 5
    assert counts == dict.fromkeys(counts, 0)


def test_checks_catch_an_invalid_zone(pg_conn: Connection) -> None:
    _good_data(pg_conn)
    bowtie = Polygon([(11.0, 55.0), (11.2, 55.2), (11.2, 55.0), (11.0, 55.2)])  # self-crossing
    load_reference(pg_conn, reference_layers(zone=bowtie), REGION)
    counts = run_checks(pg_conn)
    assert counts["geometry_valid"] == 1
    assert sum(counts.values()) == 1


def test_checks_catch_an_inconsistent_event(pg_conn: Connection) -> None:
    _good_data(pg_conn)
    pg_conn.execute(
        text("UPDATE mda.events SET score = 1.5, end_time = start_time - interval '1 h'")
    )
    assert run_checks(pg_conn)["events_not_null"] == 1


@pytest.mark.parametrize("regions", [(REGION,), (REGION, "neighbour")])
def test_events_view_adds_vessel_cable_and_zone(pg_conn: Connection, regions) -> None:
    """Also when a neighbouring region shares the cable and the zone: listed once."""
    for region in regions:
        load_reference(pg_conn, reference_layers(), region)
    event = make_event("in-zone", lat=55.1, lon=11.1)  # inside "Test closure"
    event["cable_name"] = CABLE_NAME
    vessels = make_vessels(
        [(211000001, utc(DAY, 1), "SEA <WOLF>"), (211000001, utc(DAY, 23), "TOO LATE")]
    )  # after the event end
    _load_events(pg_conn, [event], vessels=vessels)
    row = pg_conn.execute(text("SELECT * FROM mda.v_events_latest")).mappings().one()
    assert row["vessel_name"] == "SEA <WOLF>"
    assert row["cable_id"] == "test-cable-a"
    assert row["zones_hit"] == "Test closure (closure)"
