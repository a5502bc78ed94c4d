"""Anchor drag across a cable: the Baltic incident pattern and its hard negatives."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import polars as pl
import shapely

from mda.detect import SpatialIndex, detect_day
from mda.detect.anchor_drag import detect_anchor_drag
from mda.detect.params import AnchorDragParams, DetectParams
from mda.reference import Cable, ReferenceLayers
from mda.schema import VESSELS_SCHEMA, empty
from mda.sim import concat_tracks, make_track, track_end

T0 = datetime(2024, 3, 5, tzinfo=UTC)
SHIP = 412_000_001
# A north-south cable along lon 19.5 through open water; land far to the west.
CABLE = Cable("Test cable", shapely.LineString([(19.5, 55.5), (19.5, 58.5)]))
LAND = shapely.box(16.0, 55.0, 18.0, 59.0)
LAYERS = ReferenceLayers(cables=(CABLE,), land=LAND)


def voyage(
    drag_from_lon: float,
    drag_km: float,
    drag_kn: float = 3.5,
    *,
    heading_offset: float = 60.0,
    nav_status: int = 0,
) -> pl.DataFrame:
    """Eastbound on lat 57 at 12 kn, `drag_km` slow from `drag_from_lon`, then 12 kn again."""
    deg_per_km = 1 / (111.2 * 0.5446)
    fast1 = make_track(SHIP, [(18.6, 57.0), (drag_from_lon, 57.0)], 12.0, T0, interval_s=60)
    lon, lat, t = track_end(fast1)
    drag_end = lon + drag_km * deg_per_km
    slow = make_track(
        SHIP,
        [(lon, lat), (drag_end, lat)],
        drag_kn,
        t + timedelta(seconds=60),
        interval_s=60,
        heading_offset_deg=heading_offset,
        nav_status=nav_status,
    )
    lon, lat, t = track_end(slow)
    fast2 = make_track(
        SHIP, [(lon, lat), (lon + 0.5, lat)], 12.0, t + timedelta(seconds=60), interval_s=60
    )
    return concat_tracks(fast1, slow, fast2)


def drags(df: pl.DataFrame, layers: ReferenceLayers = LAYERS) -> pl.DataFrame:
    ev = detect_day(
        df.lazy(),
        empty(VESSELS_SCHEMA),
        SpatialIndex.build(layers),
        DetectParams(),
        day=date(2024, 3, 5),
        region="test",
    )
    return ev.filter(pl.col("event_type") == "anchor_drag")


def test_thirty_km_slow_crossing_of_a_cable_is_an_anchor_drag():
    ev = drags(voyage(19.3, 30))
    assert ev.height == 1
    row = ev.row(0, named=True)
    evidence = json.loads(row["evidence"])
    assert 28 < evidence["distance_km"] < 32
    assert evidence["transit_speed_kn"] == 12.0
    assert evidence["share_course_heading_diverging"] > 0.9
    assert row["cable_name"] == "Test cable" and "without reporting" in row["explanation"]


def test_same_slow_stretch_away_from_any_cable_is_not_an_event():
    away = voyage(18.8, 30)  # ends at ~lon 19.3, short of the cable
    candidates = detect_anchor_drag(away.lazy(), AnchorDragParams()).collect()
    assert candidates.height == 1  # the slow stretch itself is found...
    assert drags(away).is_empty()  # ...but crosses no cable


def test_fifteen_minute_slowdown_over_the_cable_is_not_an_event():
    assert drags(voyage(19.48, 1.5)).is_empty()  # 1.5 km at 3.5 kn: about 15 minutes


def test_slow_stretch_reported_at_anchor_is_not_covert():
    assert drags(voyage(19.3, 30, nav_status=1)).is_empty()


def test_heading_divergence_raises_the_score():
    diverging = drags(voyage(19.3, 30))["score"][0]
    aligned = drags(voyage(19.3, 30, heading_offset=0.0))["score"][0]
    assert diverging > aligned + 0.15
