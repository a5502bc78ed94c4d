"""'Unusual for this area' context from an IsolationForest over vessel-days."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import polars as pl

from mda.detect.unusual import PERCENTILE, add_context, unusual_percentiles, vessel_day_features
from mda.schema import EVENTS_SCHEMA
from mda.sim import make_track

T0 = datetime(2024, 3, 5, tzinfo=UTC)
ODD = 230_999_999


def ordinary_fleet(n: int) -> list[pl.DataFrame]:
    """n ships on parallel northbound transits at 11-13 kn, reporting every 2 minutes."""
    return [
        make_track(
            230_000_000 + i,
            [(18.5 + 0.05 * i, 56.0), (18.5 + 0.05 * i, 57.5)],
            11.0 + (i % 3),
            T0 + timedelta(minutes=7 * i),
            interval_s=120,
        )
        for i in range(n)
    ]


def odd_one() -> pl.DataFrame:
    """A ship zig-zagging at 22 kn with a 5-hour silence."""
    legs = [(19.0 + 0.3 * (k % 2), 56.0 + 0.1 * k) for k in range(15)]
    track = make_track(ODD, legs, 22.0, T0, interval_s=120)
    return track.filter(
        (pl.col("ts") < T0 + timedelta(hours=1)) | (pl.col("ts") > T0 + timedelta(hours=6))
    )


def test_the_odd_vessel_is_the_most_unusual():
    positions = pl.concat([*ordinary_fleet(30), odd_one()])
    pct = unusual_percentiles(vessel_day_features(positions.lazy()).collect())
    assert pct[ODD] == 1.0
    assert sorted(pct.values())[len(pct) // 2] < 0.6


def test_too_few_vessels_gives_no_context():
    positions = pl.concat([*ordinary_fleet(5), odd_one()])
    assert unusual_percentiles(vessel_day_features(positions.lazy()).collect()) == {}


def test_context_reaches_the_event_evidence_score_and_explanation():
    positions = pl.concat([*ordinary_fleet(30), odd_one()])
    event = {name: None for name in EVENTS_SCHEMA} | {
        "event_id": "x",
        "event_type": "ais_gap",
        "mmsi": ODD,
        "score": 0.5,
        "explanation": "MMSI 230999999 went silent.",
        "evidence": json.dumps({"gap_h": 5.0}),
    }
    out = add_context(pl.DataFrame([event], schema=EVENTS_SCHEMA), positions.lazy())
    row = out.row(0, named=True)
    assert json.loads(row["evidence"])[PERCENTILE] == 1.0
    assert row["score"] == 0.6
    assert "more unusual than 100%" in row["explanation"]
