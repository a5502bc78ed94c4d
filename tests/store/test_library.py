"""The analyst query library added with the partitioned warehouse: known answers on
hand-built data, and each query's index use checked with EXPLAIN.

EXPLAIN checks set ``enable_seqscan = off``: the test tables hold a handful of rows, where a
sequential scan is (rightly) cheaper; the point is that the query *can* be answered from the
index, which is what matters on a real warehouse.
"""

from __future__ import annotations

import datetime as dt

import pytest
from shapely import wkt
from sqlalchemy import Connection, text

from mda.store import queries
from mda.store.load import load_reference
from mda.store.queries import query_text
from tests.store.factories import (
    DAY,
    REGION,
    explain,
    load,
    make_event,
    make_positions,
    make_static,
    reference_layers,
    utc,
)

pytestmark = pytest.mark.db

NEXT = DAY + dt.timedelta(days=1)
BEFORE = DAY - dt.timedelta(days=1)
WINDOW = {"start": utc(BEFORE, 0), "end": utc(NEXT + dt.timedelta(days=1), 0)}
BALTIC = (10.0, 54.0, 13.0, 57.0)


def _force_index(conn: Connection) -> None:
    conn.execute(text("SET LOCAL enable_seqscan = off"))  # tiny tables: see module docstring


# --- vessels_in_zone -----------------------------------------------------------------------


def _zone_scenario(conn: Connection) -> None:
    """The test closure covers 11.0-11.2 E, 55.05-55.2 N and is valid from DAY 00:00 UTC."""
    load_reference(conn, reference_layers(), REGION)
    load(
        conn,
        DAY,
        positions=make_positions(
            [
                (211000001, utc(DAY, 1), 55.10, 11.10),  # A inside x3
                (211000001, utc(DAY, 2), 55.11, 11.12),
                (211000001, utc(DAY, 3), 55.12, 11.14),
                (211000001, utc(DAY, 4), 55.30, 11.30),  # A outside
                (211000002, utc(DAY, 5), 55.15, 11.05),  # B inside on DAY ...
                (211000004, utc(DAY, 6), 55.50, 12.50),  # D never inside
                (211000005, utc(DAY, 7), 55.10, 11.20),  # E exactly on the east edge
            ]
        ),
        vessels=make_static([(211000001, utc(DAY, 0, 30), "ALPHA", "OXAB1", 9000001)]),
    )
    load(conn, NEXT, positions=make_positions([(211000002, utc(NEXT, 5), 55.06, 11.01)]))
    # C is inside on the day before, when the zone is not yet valid
    load(conn, BEFORE, positions=make_positions([(211000003, utc(BEFORE, 23), 55.1, 11.1)]))


def test_vessels_in_zone_counts_positions_inside_while_valid(pg_conn: Connection) -> None:
    _zone_scenario(pg_conn)
    rows = queries.vessels_in_zone(pg_conn, "Test closure", **WINDOW)
    got = [(r["mmsi"], r["n_positions"], r["n_days"]) for r in rows]
    assert got == [(211000001, 3, 1), (211000002, 2, 2), (211000005, 1, 1)]
    first = rows[0]
    assert (first["first_ts"], first["last_ts"]) == (utc(DAY, 1), utc(DAY, 3))
    assert first["span_h"] == pytest.approx(2.0)
    assert (first["vessel_name"], first["flag"], first["zone_kind"]) == ("ALPHA", "DEU", "closure")
    assert rows[1]["vessel_name"] is None  # no static report


def test_vessels_in_zone_respects_the_window_and_the_name(pg_conn: Connection) -> None:
    _zone_scenario(pg_conn)
    day_only = queries.vessels_in_zone(pg_conn, "Test closure", utc(DAY, 2), utc(DAY, 6))
    assert [(r["mmsi"], r["n_positions"]) for r in day_only] == [(211000001, 2), (211000002, 1)]
    assert queries.vessels_in_zone(pg_conn, "No such zone", **WINDOW) == []


def test_vessels_in_zone_reads_the_partition_gist_index(pg_conn: Connection) -> None:
    _zone_scenario(pg_conn)
    pg_conn.execute(text("ANALYZE mda.positions"))
    _force_index(pg_conn)
    plan = explain(pg_conn, query_text("vessels_in_zone"), {"zone_name": "Test closure", **WINDOW})
    assert "positions_20240305_test_baltic_geom" in plan, plan
    # partition pruning: a window on DAY alone reads no other day's partition
    plan = explain(
        pg_conn,
        query_text("vessels_in_zone"),
        {"zone_name": "Test closure", "start": utc(DAY, 0), "end": utc(NEXT, 0)},
    )
    assert "positions_20240306" not in plan and "positions_20240304" not in plan, plan


# --- vessel_history ------------------------------------------------------------------------


def _history_scenario(conn: Connection) -> None:
    load(
        conn,
        DAY,
        positions=make_positions(
            [(211000001, utc(DAY, h), 55.0 + 0.01 * h, 11.0) for h in (1, 2, 3)]
        ),
        vessels=make_static(
            [
                (211000001, utc(DAY, 1), "ALPHA", "OXAB1", 9000001),
                (211000001, utc(DAY, 10), "BRAVO", "OXAB1", 9000001),  # renamed
                (211000009, utc(DAY, 1), "OTHER", "OXZZ9", 9000009),
            ]
        ),
        events=[
            make_event("loiter-1", mmsi=211000001, start=utc(DAY, 4)),
            {
                **make_event("enc-1", mmsi=211000005, event_type="encounter", start=utc(DAY, 6)),
                "other_mmsi": 211000001,
            },
            make_event("other-vessel", mmsi=211000009, start=utc(DAY, 7)),
        ],
    )
    # the same hull (IMO 9000001) under a Marshall Islands MMSI the next day
    load(conn, NEXT, vessels=make_static([(538000001, utc(NEXT, 8), "BRAVO", "V7AB1", 9000001)]))


def test_vessel_history_is_one_timeline(pg_conn: Connection) -> None:
    _history_scenario(pg_conn)
    rows = queries.vessel_history(pg_conn, 211000001)
    got = [(r["kind"], r["mmsi"], r["label"]) for r in rows]
    assert got == [
        ("identity", 211000001, "ALPHA"),
        ("track", 211000001, "test_baltic 2024-03-05"),
        ("event", 211000001, "loitering"),
        ("event", 211000005, "encounter"),  # 211000001 was the other party
        ("identity", 211000001, "BRAVO"),
        ("identity", 538000001, "BRAVO"),  # linked by IMO
    ]
    alpha, track, *_, bravo, reflagged = rows
    assert alpha["end_time"] == bravo["start_time"] == utc(DAY, 10)
    assert alpha["details"]["flag"] == "DEU" and not alpha["details"]["current"]
    assert reflagged["details"]["flag"] == "MHL" and reflagged["details"]["linked_by_imo"]
    assert track["details"]["n_points"] == 3
    assert wkt.loads(track["geometry_wkt"]).geom_type == "LineString"
    assert rows[3]["details"]["other_mmsi"] == 211000001


def test_vessel_history_uses_the_mmsi_indexes(pg_conn: Connection) -> None:
    # No spatial predicate in this query: what must hold is that each part is found by MMSI
    # through an index, not a scan.
    _history_scenario(pg_conn)
    pg_conn.execute(text("ANALYZE mda.tracks; ANALYZE mda.events; ANALYZE mda.vessel_identities"))
    _force_index(pg_conn)
    plan = explain(pg_conn, query_text("vessel_history"), {"mmsi": 211000001})
    for index in ("ix_tracks_mmsi_day", "ix_events_other_mmsi", "ix_vessel_identities_imo"):
        assert index in plan, plan
    assert "Seq Scan" not in plan, plan


# --- encounter_network ---------------------------------------------------------------------


def _encounter(
    event_id: str, a: int, b: int, hour: int, lon: float = 11.5, day: dt.date = DAY, **kw
) -> dict:
    start = utc(day, hour)
    row = make_event(event_id, mmsi=a, event_type="encounter", start=start, lon=lon, day=day, **kw)
    return {**row, "other_mmsi": b}


def _network_scenario(conn: Connection) -> None:
    load(
        conn,
        DAY,
        events=[
            _encounter("e12a", 211000001, 211000002, 1),
            _encounter("e12b", 211000002, 211000001, 5, hours=2.0),  # same pair, other order
            _encounter("e23", 211000002, 211000003, 8),
            _encounter("e14-far", 211000001, 211000004, 9, lon=20.0),  # outside the box
            make_event("not-an-encounter", mmsi=211000001, start=utc(DAY, 10)),
        ],
        vessels=make_static([(211000001, utc(DAY, 0), "ALPHA", None, None)]),
    )
    load(conn, NEXT, events=[_encounter("e56-later", 211000005, 211000006, 1, day=NEXT)])


def test_encounter_network_counts_pairs_and_degrees(pg_conn: Connection) -> None:
    _network_scenario(pg_conn)
    rows = queries.encounter_network(pg_conn, utc(DAY, 0), utc(NEXT, 0), bbox=BALTIC)
    got = [(r["mmsi_a"], r["mmsi_b"], r["n_encounters"], r["partners_a"], r["partners_b"])
           for r in rows]  # fmt: skip
    assert got == [(211000001, 211000002, 2, 1, 2), (211000002, 211000003, 1, 2, 1)]
    assert rows[0]["event_ids"] == ["e12a", "e12b"]
    assert rows[0]["total_h"] == pytest.approx(5.0)
    assert (rows[0]["vessel_name_a"], rows[0]["flag_a"], rows[0]["vessel_name_b"]) == (
        "ALPHA", "DEU", None,
    )  # fmt: skip
    everywhere = queries.encounter_network(pg_conn, utc(DAY, 0), utc(NEXT, 0))
    assert len(everywhere) == 3  # the far pair too, not the next day's
    frequent = queries.encounter_network(
        pg_conn, utc(DAY, 0), utc(NEXT, 0), bbox=BALTIC, min_encounters=2
    )
    assert [(r["mmsi_a"], r["partners_b"]) for r in frequent] == [(211000001, 2)]


def test_encounter_network_uses_the_events_gist_index(pg_conn: Connection) -> None:
    _network_scenario(pg_conn)
    pg_conn.execute(text("ANALYZE mda.events"))
    _force_index(pg_conn)
    west, south, east, north = BALTIC
    params = {"west": west, "south": south, "east": east, "north": north,
              "start": utc(DAY, 0), "end": utc(NEXT, 0), "min_encounters": 1}  # fmt: skip
    plan = explain(pg_conn, query_text("encounter_network"), params)
    assert "ix_events_geom" in plan, plan


# --- gap_hotspots --------------------------------------------------------------------------


def _gap(
    event_id: str, mmsi: int, lat: float, lon: float, hour: int = 2, day: dt.date = DAY, **kw
) -> dict:
    start = utc(day, hour)
    return make_event(
        event_id, mmsi=mmsi, event_type="ais_gap", lat=lat, lon=lon, start=start, day=day, **kw
    )


def _hotspot_scenario(conn: Connection) -> None:
    load(
        conn,
        DAY,
        events=[
            # cell (22, 110) = 11.0-11.5 E, 55.0-55.5 N: three gaps of two vessels
            _gap("g1", 211000001, 55.10, 11.10, hours=6.0),
            _gap("g2", 211000001, 55.40, 11.40, hour=12, hours=10.0),
            _gap("g3", 211000002, 55.00, 11.00, hours=8.0),  # on the cell's south-west corner
            # cell (23, 110): one gap
            _gap("g4", 211000003, 55.20, 11.70),
            _gap("g-outside-box", 211000004, 60.0, 20.0),
            make_event("loiter-in-cell", mmsi=211000005, lat=55.1, lon=11.1),  # not a gap
        ],
    )
    load(conn, NEXT, events=[_gap("g-next-day", 211000001, 55.1, 11.1, day=NEXT)])


def test_gap_hotspots_counts_dark_points_per_cell(pg_conn: Connection) -> None:
    _hotspot_scenario(pg_conn)
    rows = queries.gap_hotspots(pg_conn, BALTIC, 0.5, utc(DAY, 0), utc(NEXT, 0))
    got = [(r["cell_x"], r["cell_y"], r["n_gaps"], r["n_vessels"]) for r in rows]
    assert got == [(22, 110, 3, 2), (23, 110, 1, 1)]
    busiest = rows[0]
    assert busiest["event_ids"] == ["g1", "g2", "g3"]
    assert busiest["total_gap_h"] == pytest.approx(24.0)
    assert busiest["median_gap_h"] == pytest.approx(8.0)
    bounds = [float(busiest[k]) for k in ("west", "south", "east", "north")]
    assert bounds == [11.0, 55.0, 11.5, 55.5]
    assert wkt.loads(busiest["cell_wkt"]).bounds == (11.0, 55.0, 11.5, 55.5)
    fine = queries.gap_hotspots(pg_conn, BALTIC, 0.1, utc(DAY, 0), utc(NEXT, 0))
    assert len(fine) == 4 and {r["n_gaps"] for r in fine} == {1}


def test_gap_hotspots_uses_the_events_gist_index(pg_conn: Connection) -> None:
    _hotspot_scenario(pg_conn)
    pg_conn.execute(text("ANALYZE mda.events"))
    _force_index(pg_conn)
    west, south, east, north = BALTIC
    params = {"west": west, "south": south, "east": east, "north": north, "cell_deg": 0.5,
              "start": utc(DAY, 0), "end": utc(NEXT, 0)}  # fmt: skip
    plan = explain(pg_conn, query_text("gap_hotspots"), params)
    assert "ix_events_geom" in plan, plan


def test_every_library_query_has_a_documented_header() -> None:
    names = queries.query_names()
    assert {"vessels_in_zone", "vessel_history", "encounter_network", "gap_hotspots"} <= set(names)
    for name in names:
        header = queries.load_sql("queries", name).split("\nWITH", 1)[0]
        assert header.startswith(f"-- {name}:") and "Parameters:" in header, name
        assert "Caveats:" in header, name
