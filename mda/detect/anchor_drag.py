"""Anchor drag across cables (see AnchorDragParams for the definition and anchors).

The detector finds candidate runs (reduced speed, long distance, not reported at anchor);
whether a run crosses a cable is decided after annotation (it needs the cable layer): a run
that crosses no cable is dropped.
"""

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
    step_m,
)
from mda.detect.params import AnchorDragParams
from mda.schema import (
    COG_DEG,
    DURATION_H,
    END_TIME,
    GEOMETRY_WKT,
    HEADING_DEG,
    LAT,
    LON,
    NAV_STATUS,
    START_TIME,
    TS,
)

AT_ANCHOR, ENGAGED_IN_FISHING = 1, 7


def _divergence_deg() -> pl.Expr:
    """Smallest angle between course over ground and heading, 0-180 degrees (null if unknown)."""
    d = (pl.col(COG_DEG) - pl.col(HEADING_DEG)).abs() % 360
    return pl.when(d > 180).then(360 - d).otherwise(d)


def _flagged(lf: pl.LazyFrame, p: AnchorDragParams) -> pl.LazyFrame:
    """Positions with their speed, the track's transit speed, and whether they are dragging."""
    transit = pl.col("_speed").filter(pl.col("_speed") > p.transit_min_kn).median().over(TRACK)
    dragging = (
        pl.col("_speed").is_between(p.min_speed_kn, p.max_speed_kn)
        & (pl.col("_speed") <= pl.col("_transit") - p.min_drop_kn)
    ).fill_null(False)
    return (
        sort_tracks(lf)
        .with_columns(_speed=speed_kn(), _dt_h=dt_prev_h(), _step_m=step_m())
        .with_columns(_transit=transit)
        .with_columns(_drag=dragging)
    )


def _runs(lf: pl.LazyFrame, p: AnchorDragParams) -> pl.LazyFrame:
    drag = pl.col("_drag")
    new_run = (drag != drag.shift(1).over(TRACK)).fill_null(True) | (
        pl.col("_dt_h") > p.max_point_gap_h
    ).fill_null(True)
    first_in_run = new_run  # its step comes from before the run: not counted in the distance
    return lf.with_columns(
        _run=new_run.cast(pl.Int32).cum_sum().over(TRACK),
        _step_in_run=pl.when(first_in_run).then(0.0).otherwise(pl.col("_step_m")),
    ).filter(drag)


def _summarise(runs: pl.LazyFrame, p: AnchorDragParams) -> pl.LazyFrame:
    diverging = _divergence_deg().is_between(p.divergence_min_deg, p.divergence_max_deg)
    return runs.group_by(*TRACK, "_run").agg(
        pl.col(TS).min().alias(START_TIME),
        pl.col(TS).max().alias(END_TIME),
        pl.col(LAT).mean().alias(LAT),
        pl.col(LON).mean().alias(LON),
        (pl.col("_step_in_run").sum() / 1000).alias("distance_km"),
        pl.col("_speed").mean().alias("mean_speed_kn"),
        pl.col("_transit").first().alias("transit_speed_kn"),
        (pl.col(NAV_STATUS) == AT_ANCHOR).fill_null(False).mean().alias("share_reported_anchored"),
        (pl.col(NAV_STATUS) == ENGAGED_IN_FISHING)
        .fill_null(False)
        .mean()
        .alias("share_reported_fishing"),
        diverging.fill_null(False).mean().alias("share_course_heading_diverging"),
        pl.len().alias("n_positions"),
        linestring_wkt().alias(GEOMETRY_WKT),
    )


def detect_anchor_drag(positions: pl.LazyFrame, p: AnchorDragParams) -> pl.LazyFrame:
    """Anchor-drag candidates (cable crossing is checked after annotation)."""
    duration_h = event_duration_h()
    evidence = pl.struct(
        pl.col("distance_km").round(2),
        pl.col("mean_speed_kn").round(2),
        pl.col("transit_speed_kn").round(2),
        pl.col("share_reported_anchored").round(2),
        pl.col("share_reported_fishing").round(2),
        pl.col("share_course_heading_diverging").round(2),
        pl.col("n_positions"),
        pl.lit(p.min_drop_kn).alias("threshold_drop_kn"),
        pl.lit(p.min_distance_km).alias("threshold_distance_km"),
    ).struct.json_encode()
    return (
        _summarise(_runs(_flagged(positions, p), p), p)
        .with_columns(duration_h.alias(DURATION_H))
        .filter(
            (pl.col(DURATION_H) >= p.min_duration_h)
            & (pl.col("distance_km") >= p.min_distance_km)
            & (pl.col("share_reported_anchored") <= p.max_share_anchored)
            & (pl.col("share_reported_fishing") <= p.max_share_fishing)
        )
        .select(*candidate_columns("anchor_drag", evidence))
    )
