"""Loitering: sustained low speed at sea (see LoiteringParams for the definition)."""

from __future__ import annotations

import polars as pl

from mda.detect.exprs import (
    TRACK,
    candidate_columns,
    dt_prev_h,
    event_duration_h,
    linestring_wkt,
    sort_tracks,
    speed_kn,
)
from mda.detect.params import LoiteringParams
from mda.schema import (
    DURATION_H,
    END_TIME,
    GEOMETRY_WKT,
    LAT,
    LON,
    NAV_STATUS,
    START_TIME,
    TS,
)

AT_ANCHOR, MOORED = 1, 5


def _runs(lf: pl.LazyFrame, p: LoiteringParams) -> pl.LazyFrame:
    """Number each vessel's runs of consecutive slow positions (``_run``), keep slow ones."""
    slow = pl.col("_slow")
    new_run = (slow != slow.shift(1).over(TRACK)).fill_null(True) | (
        pl.col("_dt_h") > p.max_point_gap_h
    ).fill_null(True)
    return (
        lf.with_columns(_speed=speed_kn(), _dt_h=dt_prev_h())
        .with_columns(_slow=(pl.col("_speed") < p.max_speed_kn).fill_null(False))
        .with_columns(_run=new_run.cast(pl.Int32).cum_sum().over(TRACK))
        .filter(slow)
    )


def _summarise(runs: pl.LazyFrame) -> pl.LazyFrame:
    """One row per slow run with its time span, centre, speeds and track piece."""
    return runs.group_by(*TRACK, "_run").agg(
        pl.col(TS).min().alias(START_TIME),
        pl.col(TS).max().alias(END_TIME),
        pl.col(LAT).mean().alias(LAT),
        pl.col(LON).mean().alias(LON),
        pl.col("_speed").mean().alias("mean_speed_kn"),
        pl.col("_speed").max().alias("max_speed_kn"),
        pl.len().alias("n_positions"),
        pl.col(NAV_STATUS).is_in([AT_ANCHOR, MOORED]).mean().alias("share_reported_anchored"),
        linestring_wkt().alias(GEOMETRY_WKT),
    )


def detect_loitering(positions: pl.LazyFrame, p: LoiteringParams) -> pl.LazyFrame:
    """Loitering candidates: runs slow for at least ``p.min_duration_h`` hours.

    Input: positions (POSITIONS_SCHEMA). Output: candidate events with the common event
    columns; distance-from-shore filtering happens after annotation (it needs the land layer).
    """
    duration_h = event_duration_h()
    evidence = pl.struct(
        pl.col("mean_speed_kn").round(2),
        pl.col("max_speed_kn").round(2),
        pl.col("n_positions"),
        pl.col("share_reported_anchored").round(2),
        pl.lit(p.max_speed_kn).alias("threshold_speed_kn"),
        pl.lit(p.min_duration_h).alias("threshold_duration_h"),
    ).struct.json_encode()
    return (
        _summarise(_runs(sort_tracks(positions), p))
        .with_columns(duration_h.alias(DURATION_H))
        .filter(
            (pl.col(DURATION_H) >= p.min_duration_h)
            & (pl.col("mean_speed_kn") < p.max_mean_speed_kn)
        )
        .select(*candidate_columns("loitering", evidence))
    )
