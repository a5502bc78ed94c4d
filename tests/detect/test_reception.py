"""Reception context: a gap where other ships were heard scores higher than one where none were."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest

from mda.detect import SpatialIndex, detect_day
from mda.detect.params import DetectParams
from mda.reference import ReferenceLayers
from mda.schema import TS, VESSELS_SCHEMA, empty
from mda.sim import make_loiter, make_track

T0 = datetime(2024, 3, 5, tzinfo=UTC)
DARK = 230_000_001


def h(hours: float) -> timedelta:
    return timedelta(hours=hours)


def dark_vessel() -> pl.DataFrame:
    """Northbound at 6 kn from (19.5, 56.5); AIS off from 02:00 to 10:00."""
    track = make_track(DARK, [(19.5, 56.5), (19.5, 57.5)], 6.0, T0, interval_s=60)
    return track.filter((pl.col(TS) < T0 + h(2)) | (pl.col(TS) >= T0 + h(10)))


def neighbour() -> pl.DataFrame:
    """Another ship lying in the same 0.25-degree cell all day, heard every 3 minutes."""
    return make_loiter(265_000_002, 19.6, 56.62, T0, 23.9, speed_kn=0.05, interval_s=180)


def gap_event(df: pl.DataFrame) -> dict:
    ev = detect_day(
        df.lazy(),
        empty(VESSELS_SCHEMA),
        SpatialIndex.build(ReferenceLayers()),
        DetectParams(),
        day=date(2024, 3, 5),
        region="test",
    )
    return ev.filter(pl.col("event_type") == "ais_gap").row(0, named=True)


def test_gap_where_others_were_heard_scores_higher():
    alone = gap_event(dark_vessel())
    watched = gap_event(pl.concat([dark_vessel(), neighbour()]))
    assert json.loads(alone["evidence"])["reception_coverage"] == 0.0
    assert json.loads(watched["evidence"])["reception_coverage"] == 1.0
    assert watched["score"] == pytest.approx(2 * alone["score"], abs=0.002)  # 0.5 + 0.5 * cov
    assert "reception there was poor" in alone["explanation"]
    assert "other ships nearby were received" in watched["explanation"]
