"""Loitering and AIS-gap detectors on small, named scenarios built with the simulator."""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest
import shapely

from mda.detect import SpatialIndex, detect_day
from mda.detect.gaps import detect_gaps
from mda.detect.loitering import detect_loitering
from mda.detect.params import DetectParams, GapParams, LoiteringParams, params_from_dict
from mda.reference import Cable, ReferenceLayers, Zone
from mda.schema import EVENTS_SCHEMA, POSITIONS_SCHEMA, TS, VESSELS_SCHEMA, empty
from mda.sim import make_loiter, make_track

DAY = date(2024, 3, 5)
T0 = datetime(2024, 3, 5, tzinfo=UTC)
MMSI_A, MMSI_B = 230_000_001, 265_000_002
# A synthetic cable running north-south along lon 19.0 through open water east of Gotland.
CABLE = Cable(name="Test cable", geometry=shapely.LineString([(19.0, 56.0), (19.0, 58.0)]))
# Land: a block west of lon 18.0 (about 60 km from the cable at lat 57).
LAND = shapely.box(16.0, 55.0, 18.0, 59.0)


NO_LAYERS, DEFAULTS = ReferenceLayers(), DetectParams()


def h(hours: float) -> timedelta:
    return timedelta(hours=hours)


def transit(mmsi, start, hours, lon=19.5, lat=56.5, speed=12.0):
    """A northbound transit at `speed` kn lasting `hours`."""
    dlat = speed * hours / 60.0
    return make_track(mmsi, [(lon, lat), (lon, lat + dlat)], speed, start, interval_s=60)


def cut(df: pl.DataFrame, start: datetime, end: datetime) -> pl.DataFrame:
    """Remove positions in [start, end): a reception gap or AIS switched off."""
    return df.filter((pl.col(TS) < start) | (pl.col(TS) >= end))


def run(
    positions: pl.DataFrame,
    layers: ReferenceLayers = NO_LAYERS,
    params: DetectParams = DEFAULTS,
    lookback: pl.DataFrame | None = None,
) -> pl.DataFrame:
    return detect_day(
        positions.lazy(),
        empty(VESSELS_SCHEMA),
        SpatialIndex.build(layers),
        params,
        day=DAY,
        region="test",
        lookback=None if lookback is None else lookback.lazy(),
    )


# --- loitering ---------------------------------------------------------------------------


def test_four_hours_slow_at_sea_is_loitering():
    df = pl.concat(
        [
            transit(MMSI_A, T0, 2),
            make_loiter(MMSI_A, 19.5, 56.9, T0 + h(2), 4.0, speed_kn=0.5, interval_s=60),
        ]
    )
    ev = detect_loitering(df.lazy(), LoiteringParams()).collect()
    assert ev.height == 1
    assert ev["duration_h"][0] == pytest.approx(4.0, abs=0.05)
    assert json.loads(ev["evidence"][0])["mean_speed_kn"] < 1.0


def test_one_hour_slowdown_is_not_loitering():
    df = make_loiter(MMSI_A, 19.5, 56.9, T0, 1.0, speed_kn=0.5, interval_s=60)
    assert detect_loitering(df.lazy(), LoiteringParams()).collect().is_empty()


def test_silence_inside_a_slow_period_splits_it():
    # 3 h slow, but with a 90-minute silence in the middle: two 45-minute runs, no loitering.
    slow = make_loiter(MMSI_A, 19.5, 56.9, T0, 3.0, speed_kn=0.5, interval_s=60)
    df = cut(slow, T0 + h(0.75), T0 + h(2.25))
    assert detect_loitering(df.lazy(), LoiteringParams()).collect().is_empty()


def test_loitering_near_shore_is_dropped_only_with_a_land_layer():
    df = make_loiter(MMSI_A, 18.05, 57.0, T0, 4.0, speed_kn=0.3, interval_s=60)  # 3 km off land
    assert run(df).height == 1  # no land layer: distance unknown, kept
    assert run(df, ReferenceLayers(land=LAND)).is_empty()  # 3 km < 20 nm


def test_loitering_over_a_cable_names_the_cable_and_scores_high():
    # 0.05 kn for 6 h: the vessel meanders within about 500 m of where it stopped.
    df = make_loiter(MMSI_A, 19.001, 57.0, T0, 6.0, speed_kn=0.05, interval_s=60)
    ev = run(df, ReferenceLayers(cables=(CABLE,), land=LAND))
    row = ev.row(0, named=True)
    assert row["cable_name"] == "Test cable" and row["cable_distance_m"] < 200
    # Land edge is the meridian 18.0: distance is the east-west offset of the event's point.
    expected_km = (row["lon"] - 18.0) * 111.195 * math.cos(math.radians(row["lat"]))
    assert row["distance_to_shore_km"] == pytest.approx(expected_km, rel=0.005)
    assert "Test cable" in row["explanation"]
    far_away = make_loiter(MMSI_A, 19.6, 57.0, T0, 6.0, speed_kn=0.05, interval_s=60)
    assert row["score"] > run(far_away, ReferenceLayers(cables=(CABLE,)))["score"][0] + 0.3


# --- gaps ---------------------------------------------------------------------------------


def test_eight_hour_silence_is_a_gap_with_its_ends():
    df = cut(transit(MMSI_A, T0, 20), T0 + h(4), T0 + h(12))
    (row,) = detect_gaps(df.lazy(), GapParams()).collect().iter_rows(named=True)
    assert row["duration_h"] == pytest.approx(8.0, abs=0.02)
    ev = json.loads(row["evidence"])
    assert ev["implied_speed_kn"] == pytest.approx(12.0, rel=0.02)
    assert shapely.from_wkt(row["geometry_wkt"]).geom_type == "LineString"


def test_thirty_minute_dropout_is_not_a_gap():
    df = cut(transit(MMSI_A, T0, 10), T0 + h(3), T0 + h(3.5))
    assert run(df).is_empty()


def test_gap_crossing_midnight_is_found_with_the_previous_day():
    yesterday = transit(MMSI_A, T0 - h(6), 2)  # last seen 20:00 the day before
    today = transit(MMSI_A, T0 + h(4), 4, lat=56.9)  # back at 04:00
    assert run(today).is_empty()  # alone, the day shows no gap
    ev = run(today, lookback=yesterday.tail(1))
    assert ev.height == 1 and ev["start_time"][0] < T0 <= ev["end_time"][0]


def test_gap_path_across_a_cable_is_flagged():
    # Eastbound at 4 kn along lat 57 from lon 18.5 to 19.5 (8.2 h), silent while passing 19.0.
    east = make_track(MMSI_A, [(18.5, 57.0), (19.5, 57.0)], 4.0, T0, interval_s=60)
    df = cut(east, T0 + h(0.5), T0 + h(7))
    ev = run(df, ReferenceLayers(cables=(CABLE,)), params_from_dict({"gaps": {"min_gap_h": 6}}))
    (row,) = ev.iter_rows(named=True)
    assert json.loads(row["evidence"])["crosses_cable"] is True
    assert "crossing the Test cable" in row["explanation"]


def test_duplicate_timestamps_do_not_make_events():
    df = transit(MMSI_A, T0, 6)
    assert run(pl.concat([df, df])).is_empty()


# --- zones, ids, ordering -----------------------------------------------------------------


def test_zone_applies_only_while_valid():
    area = shapely.box(19.3, 56.8, 19.7, 57.0)
    expired = Zone(
        "Old closure",
        "fishing_closure",
        area,
        valid_from=datetime(2015, 1, 1, tzinfo=UTC),
        valid_to=datetime(2016, 1, 1, tzinfo=UTC),
    )
    current = Zone("Cable protection zone", "cable_protection", area)
    df = make_loiter(MMSI_A, 19.5, 56.9, T0, 4.0, speed_kn=0.5, interval_s=60)
    ev = run(df, ReferenceLayers(zones=(expired, current)))
    assert ev["zone_name"].to_list() == ["Cable protection zone"]


def test_cable_search_radius_edge():
    # 10 km east of the cable: inside a 10.5 km search radius, outside a 9.5 km one.
    df = make_loiter(
        MMSI_A, 19.0 + 10_000 / (111_195 * 0.5446), 57.0, T0, 4.0, speed_kn=0.01, interval_s=60
    )
    layers = ReferenceLayers(cables=(CABLE,))
    near = run(df, layers, params_from_dict({"annotate": {"cable_search_km": 10.5}}))
    far = run(df, layers, params_from_dict({"annotate": {"cable_search_km": 9.5}}))
    assert near["cable_distance_m"][0] == pytest.approx(10_000, rel=0.01)
    assert far["cable_name"][0] is None


def test_events_are_deterministic_and_ranked():
    a = make_loiter(MMSI_A, 19.001, 57.0, T0, 6.0, speed_kn=0.3, interval_s=60)
    b = cut(transit(MMSI_B, T0, 20), T0 + h(4), T0 + h(11))
    df = pl.concat([a, b])
    layers = ReferenceLayers(cables=(CABLE,))
    first, second = run(df, layers), run(df.sample(fraction=1.0, shuffle=True, seed=1), layers)
    assert first.equals(second)
    assert first.schema == pl.Schema(EVENTS_SCHEMA)
    assert first["score"].to_list() == sorted(first["score"].to_list(), reverse=True)
    assert all(0 <= s <= 1 for s in first["score"])


def test_empty_day_gives_empty_events():
    assert run(empty(POSITIONS_SCHEMA)).schema == pl.Schema(EVENTS_SCHEMA)
