"""Compare detected events with a simulator's ground truth.

An event matches a truth row when event type and MMSI agree and their time spans overlap;
for encounters (both frames with ``other_mmsi``) the unordered pair of MMSIs must agree.
A truth row matched by no event is a miss; an event matching no truth row is a false alarm.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from mda.schema import END_TIME, EVENT_ID, EVENT_TYPE, MMSI, OTHER_MMSI, START_TIME


@dataclass(frozen=True)
class Evaluation:
    """Per-type counts and the unmatched rows."""

    counts: pl.DataFrame  # event_type, truth, detected, matched_truth, false_alarms
    missed: pl.DataFrame  # truth rows with no matching event
    false_alarms: pl.DataFrame  # events with no matching truth row

    @property
    def perfect(self) -> bool:
        return self.missed.is_empty() and self.false_alarms.is_empty()


PAIR_KEY = 1_000_000_000  # MMSIs have 9 digits: lo * PAIR_KEY + hi is unique per pair


def match_key(df: pl.DataFrame) -> pl.Expr:
    """MMSI, or for encounters with a second vessel a key of the unordered pair."""
    if OTHER_MMSI not in df.columns:
        return pl.col(MMSI).alias("_key")
    lo, hi = pl.min_horizontal(MMSI, OTHER_MMSI), pl.max_horizontal(MMSI, OTHER_MMSI)
    is_pair = (pl.col(EVENT_TYPE) == "encounter") & pl.col(OTHER_MMSI).is_not_null()
    return pl.when(is_pair).then(lo * PAIR_KEY + hi).otherwise(pl.col(MMSI)).alias("_key")


def _pairs(events: pl.DataFrame, truth: pl.DataFrame) -> pl.DataFrame:
    t = truth.select(
        "scenario_id",
        EVENT_TYPE,
        match_key(truth),
        pl.col(START_TIME).alias("t_start"),
        pl.col(END_TIME).alias("t_end"),
    )
    e = events.select(EVENT_ID, EVENT_TYPE, match_key(events), START_TIME, END_TIME)
    return e.join(t, on=[EVENT_TYPE, "_key"]).filter(
        (pl.col(START_TIME) <= pl.col("t_end")) & (pl.col(END_TIME) >= pl.col("t_start"))
    )


def evaluate(events: pl.DataFrame, truth: pl.DataFrame) -> Evaluation:
    """Match events to truth (see module docstring)."""
    pairs = _pairs(events, truth)
    missed = truth.join(pairs.select("scenario_id").unique(), on="scenario_id", how="anti")
    false_alarms = events.join(pairs.select(EVENT_ID).unique(), on=EVENT_ID, how="anti")
    types = sorted(set(truth[EVENT_TYPE].to_list()) | set(events[EVENT_TYPE].to_list()))
    rows = [
        {
            EVENT_TYPE: t,
            "truth": truth.filter(pl.col(EVENT_TYPE) == t).height,
            "detected": events.filter(pl.col(EVENT_TYPE) == t).height,
            "matched_truth": pairs.filter(pl.col(EVENT_TYPE) == t)["scenario_id"].n_unique(),
            "false_alarms": false_alarms.filter(pl.col(EVENT_TYPE) == t).height,
        }
        for t in types
    ]
    counts = pl.DataFrame(
        rows,
        schema={
            EVENT_TYPE: pl.String,
            "truth": pl.Int64,
            "detected": pl.Int64,
            "matched_truth": pl.Int64,
            "false_alarms": pl.Int64,
        },
    )
    return Evaluation(counts=counts, missed=missed, false_alarms=false_alarms)
