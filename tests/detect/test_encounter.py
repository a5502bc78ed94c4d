"""Encounters (rendezvous at sea) and their hard negatives."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import polars as pl
import shapely

from mda.detect import SpatialIndex, detect_day
from mda.detect.params import DetectParams, params_from_dict
from mda.reference import ReferenceLayers
from mda.schema import VESSELS_SCHEMA, empty
from mda.sim import make_loiter, make_track

T0 = datetime(2024, 3, 5, 6, tzinfo=UTC)
CARRIER, FISHER = 412_000_001, 273_000_002
LAND = shapely.box(16.0, 55.0, 18.0, 59.0)  # meridian 18.0 is the shore
M_LON = 1 / (111_195 * 0.5446)  # degrees of longitude per metre at lat 57


def side_by_side(lon: float, hours: float, apart_m: float) -> pl.DataFrame:
    """Two vessels lying still together, `apart_m` east-west, for `hours`."""
    a = make_loiter(CARRIER, lon, 57.0, T0, hours, speed_kn=0.002, interval_s=60, seed=1)
    b = make_loiter(
        FISHER, lon + apart_m * M_LON, 57.0, T0, hours, speed_kn=0.002, interval_s=60, seed=2
    )
    return pl.concat([a, b])


def encounters(df: pl.DataFrame, params: DetectParams | None = None) -> pl.DataFrame:
    ev = detect_day(
        df.lazy(),
        empty(VESSELS_SCHEMA),
        SpatialIndex.build(ReferenceLayers(land=LAND)),
        params or DetectParams(),
        day=date(2024, 3, 5),
        region="test",
    )
    return ev.filter(pl.col("event_type") == "encounter")


def test_three_hours_side_by_side_at_sea_is_an_encounter():
    ev = encounters(side_by_side(19.0, 3.0, 200))
    assert ev.height == 1
    row = ev.row(0, named=True)
    assert (row["mmsi"], row["other_mmsi"]) == (FISHER, CARRIER)  # lower MMSI first
    assert 2.9 <= row["duration_h"] <= 3.2
    assert 180 < json.loads(row["evidence"])["median_distance_m"] < 220
    assert f"MMSI {CARRIER}" in row["explanation"]


def test_one_hour_together_is_too_short_for_gfw_but_a_skylight_rendezvous():
    df = side_by_side(19.0, 1.0, 200)
    assert encounters(df).is_empty()
    skylight = params_from_dict({"encounter": {"max_distance_km": 0.25, "min_duration_h": 0.5}})
    assert encounters(df, skylight).height == 1


def test_six_hundred_metres_apart_is_not_an_encounter():
    assert encounters(side_by_side(19.0, 3.0, 600)).is_empty()


def test_fast_pass_at_300_m_is_not_an_encounter():
    north = make_track(CARRIER, [(19.0, 56.8), (19.0, 57.2)], 12.0, T0, interval_s=30)
    south = make_track(
        FISHER, [(19.0 + 300 * M_LON, 57.2), (19.0 + 300 * M_LON, 56.8)], 12.0, T0, interval_s=30
    )
    assert encounters(pl.concat([north, south])).is_empty()


def test_waiting_together_near_the_shore_is_not_an_encounter():
    near_port = 18.0 + 3000 * M_LON  # 3 km off the coast, an anchorage
    assert encounters(side_by_side(near_port, 3.0, 200)).is_empty()
