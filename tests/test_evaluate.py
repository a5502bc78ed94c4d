"""Matching detected events to ground truth (the demo check and the scenario benchmark use it)."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl

from mda.evaluate import evaluate

T = [datetime(2024, 3, 5, h, tzinfo=UTC) for h in range(24)]


def frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "event_id": pl.String,
            "scenario_id": pl.String,
            "event_type": pl.String,
            "mmsi": pl.Int64,
            "other_mmsi": pl.Int64,
            "start_time": pl.Datetime("us", "UTC"),
            "end_time": pl.Datetime("us", "UTC"),
        },
    )


def test_encounter_matches_the_unordered_pair_only():
    truth = frame(
        [
            {
                "scenario_id": "E1",
                "event_type": "encounter",
                "mmsi": 300000002,
                "other_mmsi": 200000001,
                "start_time": T[2],
                "end_time": T[5],
            }
        ]
    )
    right = frame(
        [
            {
                "event_id": "a",
                "event_type": "encounter",
                "mmsi": 200000001,
                "other_mmsi": 300000002,
                "start_time": T[3],
                "end_time": T[5],
            }
        ]
    )
    wrong_partner = right.with_columns(pl.lit(300000003, pl.Int64).alias("other_mmsi"))
    assert evaluate(right, truth).perfect
    result = evaluate(wrong_partner, truth)
    assert result.missed["scenario_id"].to_list() == ["E1"]
    assert result.false_alarms["event_id"].to_list() == ["a"]


def test_time_spans_must_overlap():
    truth = frame(
        [
            {
                "scenario_id": "G1",
                "event_type": "ais_gap",
                "mmsi": 230000001,
                "start_time": T[1],
                "end_time": T[7],
            }
        ]
    )
    later = frame(
        [
            {
                "event_id": "b",
                "event_type": "ais_gap",
                "mmsi": 230000001,
                "start_time": T[9],
                "end_time": T[15],
            }
        ]
    )
    counts = evaluate(later, truth).counts.row(0, named=True)
    assert (counts["truth"], counts["matched_truth"], counts["false_alarms"]) == (1, 0, 1)
