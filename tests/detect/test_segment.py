"""Segmentation and identity conflicts on named scenarios."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import polars as pl

from mda.detect import SpatialIndex, detect_day
from mda.detect.params import DetectParams, SegmentParams
from mda.detect.segment import segment
from mda.reference import ReferenceLayers
from mda.schema import LAT, LON, MMSI, TS, VESSELS_SCHEMA, empty
from mda.sim import make_track

T0 = datetime(2024, 3, 5, tzinfo=UTC)
SHARED = 230_000_001


def h(hours: float) -> timedelta:
    return timedelta(hours=hours)


def events(df: pl.DataFrame) -> pl.DataFrame:
    return detect_day(
        df.lazy(),
        empty(VESSELS_SCHEMA),
        SpatialIndex.build(ReferenceLayers()),
        DetectParams(),
        day=date(2024, 3, 5),
        region="test",
    )


def two_ships_one_mmsi() -> pl.DataFrame:
    """Ship A off Gotland, ship B ~150 km south-east, both using MMSI 230000001 for 3 h."""
    a = make_track(SHARED, [(19.0, 57.0), (19.6, 57.3)], 12.0, T0, interval_s=60)
    b = make_track(SHARED, [(20.5, 56.0), (20.0, 56.3)], 10.0, T0 + h(0.5), interval_s=60)
    return pl.concat([a, b])


def test_two_transmitters_become_two_segments():
    seg = segment(two_ships_one_mmsi().lazy(), SegmentParams())
    spans = seg.group_by("seg_id").agg(pl.col(LON).mean()).sort("seg_id")
    assert spans.height == 2
    assert abs(spans[LON][0] - spans[LON][1]) > 0.8  # each segment is one ship


def test_shared_mmsi_is_an_identity_conflict_and_not_a_gap():
    ev = events(two_ships_one_mmsi())
    assert ev["event_type"].to_list() == ["identity_conflict"]
    row = ev.row(0, named=True)
    evidence = json.loads(row["evidence"])
    assert evidence["kind"] == "shared_mmsi" and evidence["separation_km"] > 100
    assert row["start_time"] == T0 + h(0.5)
    assert "two transmitters" in row["explanation"]


def test_a_single_gnss_glitch_is_not_a_second_ship():
    track = make_track(SHARED, [(19.0, 57.0), (19.6, 57.3)], 12.0, T0, interval_s=60)
    glitch = track.slice(60, 1).with_columns(pl.col(LAT) + 1.0, pl.col(TS) + timedelta(seconds=1))
    seg = segment(pl.concat([track, glitch]).lazy(), SegmentParams())
    sizes = seg.group_by("seg_id").len().sort("len")["len"].to_list()
    assert sizes == [1, track.height]  # the main track stays whole
    assert events(pl.concat([track, glitch])).is_empty()


def test_fast_but_possible_vessel_stays_one_segment():
    fast = make_track(SHARED, [(19.0, 56.5), (19.0, 57.5)], 24.0, T0, interval_s=30)
    assert segment(fast.lazy(), SegmentParams())["seg_id"].unique().to_list() == [0]


def test_placeholder_mmsi_is_flagged():
    df = make_track(123_456_789, [(19.0, 57.0), (19.2, 57.1)], 10.0, T0, interval_s=60)
    ev = events(df)
    assert ev["event_type"].to_list() == ["identity_conflict"]
    assert json.loads(ev["evidence"][0])["kind"] == "invalid_mmsi"
    assert ev[MMSI][0] == 123_456_789
