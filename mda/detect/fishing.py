"""Fishing activity in zones that forbid it (see FishingParams for the definition).

Two halves, both pure polars:

* ``movement_features``: per-position features from movement only (speed and course, and
  their rolling statistics over 10, 30 and 60 minutes before each position and 30 and 60
  minutes after it, per track). The classifier in :mod:`mda.detect.fishing_model` turns
  them into P(fishing) per position, behind one collect.
* ``detect_fishing_in_zone``: runs of fishing positions inside a zone whose kind forbids
  fishing, while the zone is valid, become ``fishing_in_zone`` events.

Point-in-zone uses the shapely STRtree of the zones (``SpatialIndex.zone_tree``), vectorised
over the positions already classified as fishing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np
import polars as pl
import shapely
from shapely import STRtree

from mda.detect.exprs import (
    SEG_ID,
    TRACK,
    candidate_columns,
    dt_prev_h,
    event_duration_h,
    linestring_wkt,
    prev,
    sort_tracks,
    speed_kn,
)
from mda.detect.params import FishingParams
from mda.reference import Zone
from mda.schema import (
    COG_DEG,
    DURATION_H,
    END_TIME,
    GEOMETRY_WKT,
    LAT,
    LON,
    MMSI,
    START_TIME,
    TS,
)

P_FISHING = "p_fishing"  # column the model adds: probability of fishing, 0-1
ZONE_IDX = "_zone"  # index (in the zones tuple) of the forbidding zone a position is in
BACK_MIN = (10, 30, 60)  # backward windows, minutes
AHEAD_MIN = (30, 60)  # forward windows, minutes
US_PER_MIN = 60_000_000
MAX_SPEED_KN = 30.0  # implied speeds above this are glitches: capped
FAST_KN = 3.0  # "under way" for the course concentration of fast positions only


def _window_names(prefix: str, minutes: int) -> tuple[str, ...]:
    return tuple(
        f"{prefix}{minutes}m_{stat}"
        for stat in (
            "speed_mean",
            "speed_std",
            "speed_min",
            "speed_max",
            "course_r",
            "fast_course_r",
        )
    )


FEATURES: tuple[str, ...] = (
    "speed_kn",
    *(n for m in BACK_MIN for n in _window_names("b", m)),
    *(n for m in AHEAD_MIN for n in _window_names("a", m)),
)


def _bearing_deg() -> pl.Expr:
    """Initial bearing from the previous position to this one, degrees 0-360."""
    p1, p2 = prev(LAT).radians(), pl.col(LAT).radians()
    dl = (pl.col(LON) - prev(LON)).radians()
    y = dl.sin() * p2.cos()
    x = p1.cos() * p2.sin() - p1.sin() * p2.cos() * dl.cos()
    return (pl.arctan2(y, x).degrees() + 360) % 360


def _base(lf: pl.LazyFrame) -> pl.LazyFrame:
    """Speed (reported, else implied; knots), course unit vector, and epoch microseconds."""
    course = pl.coalesce(pl.col(COG_DEG).cast(pl.Float64), _bearing_deg()).radians()
    return sort_tracks(lf).with_columns(
        speed_kn().clip(0.0, MAX_SPEED_KN).fill_null(0.0).alias("speed_kn"),
        course.sin().alias("_sin"),
        course.cos().alias("_cos"),
        pl.col(TS).dt.epoch("us").alias("_t"),
    )


def _window(by: str, minutes: int, prefix: str) -> list[pl.Expr]:
    """Rolling speed statistics and course concentration over ``minutes`` along ``by``."""
    size = f"{minutes * US_PER_MIN}i"
    speed = pl.col("speed_kn")
    r = (
        pl.col("_sin").rolling_mean_by(by, size) ** 2
        + pl.col("_cos").rolling_mean_by(by, size) ** 2
    ).sqrt()
    # Course concentration of the positions above FAST_KN only: ~0 for a purse seiner's
    # circle, ~1 for steaming before a stop; null when the window has no fast position.
    fast = (speed > FAST_KN).cast(pl.Float64)
    share_fast = fast.rolling_mean_by(by, size)
    r_fast = (
        (pl.col("_sin") * fast).rolling_mean_by(by, size) ** 2
        + (pl.col("_cos") * fast).rolling_mean_by(by, size) ** 2
    ).sqrt() / share_fast
    exprs = (
        speed.rolling_mean_by(by, size),
        speed.rolling_std_by(by, size),
        speed.rolling_min_by(by, size),
        speed.rolling_max_by(by, size),
        r,
        pl.when(share_fast > 0).then(r_fast),
    )
    return [
        e.over(TRACK).alias(n) for e, n in zip(exprs, _window_names(prefix, minutes), strict=True)
    ]


def movement_features(positions: pl.LazyFrame) -> pl.LazyFrame:
    """Positions sorted by (mmsi, seg_id, ts) with the FEATURES columns added.

    Windows before a position use the time axis; windows after it use the reversed axis
    (rows sorted newest first), so both are plain ``rolling_*_by`` over each track. Course is
    COG, or the bearing from the previous position when COG is missing; speed is SOG, or the
    implied speed. Standard deviations of one-position windows are null (the model accepts it).
    """
    back = [e for m in BACK_MIN for e in _window("_t", m, "b")]
    ahead = [e for m in AHEAD_MIN for e in _window("_rt", m, "a")]
    return (
        _base(positions)
        .with_columns(back)
        .with_columns((-pl.col("_t")).alias("_rt"))
        .sort([MMSI, SEG_ID, "_rt"])
        .with_columns(ahead)
        .sort([MMSI, SEG_ID, TS])
        .drop("_sin", "_cos", "_t", "_rt")
    )


def forbidding_zones(zones: Sequence[Zone], p: FishingParams) -> tuple[Zone, ...]:
    """The zones whose kind forbids fishing (``p.forbidden_kinds``)."""
    return tuple(z for z in zones if z.kind in p.forbidden_kinds)


def _valid(zone: Zone, start: datetime, end: datetime) -> bool:
    after_start = zone.valid_to is None or zone.valid_to > start
    return after_start and (zone.valid_from is None or zone.valid_from < end)


def zones_in_force(
    zones: Sequence[Zone], p: FishingParams, start: datetime, end: datetime
) -> tuple[Zone, ...]:
    """Forbidding zones valid at some time in [start, end)."""
    return tuple(z for z in forbidding_zones(zones, p) if _valid(z, start, end))


def near_zones(positions: pl.LazyFrame, zones: Sequence[Zone]) -> pl.LazyFrame:
    """Only the tracks with at least one position inside a zone's bounding box (lazy).

    The classifier then runs only where an event is possible.
    """
    if not zones:
        return positions.filter(pl.lit(False))
    inside_any = pl.lit(False)
    for z in zones:
        x0, y0, x1, y1 = shapely.bounds(z.geometry)
        inside_any = inside_any | (pl.col(LON).is_between(x0, x1) & pl.col(LAT).is_between(y0, y1))
    return sort_tracks(positions).filter(inside_any.any().over(TRACK))


def zone_of_positions(scored: pl.DataFrame, zones: Sequence[Zone], p: FishingParams) -> pl.Series:
    """For each position: the index of the forbidding zone it is in, valid at its time (the
    first in layer order when several), else null. Every position gets one, so a short dip in
    P(fishing) inside a zone stays in that zone's run."""
    idx = np.full(scored.height, -1, dtype=np.int64)
    rows = np.arange(scored.height)
    if len(rows) and zones:
        tree = STRtree([z.geometry for z in zones])
        pts = shapely.points(scored[LON].to_numpy()[rows], scored[LAT].to_numpy()[rows])
        hit_pt, hit_zone = tree.query(pts, predicate="within")
        ts = scored[TS].to_list()
        for i, k in sorted(zip(hit_pt.tolist(), hit_zone.tolist(), strict=True), reverse=True):
            z, t = zones[k], ts[rows[i]]
            if (z.valid_from is None or t >= z.valid_from) and (
                z.valid_to is None or t < z.valid_to
            ):
                idx[rows[i]] = k
    return pl.Series(ZONE_IDX, idx).replace(-1, None)


def _runs(lf: pl.LazyFrame, p: FishingParams) -> pl.LazyFrame:
    """Number runs of consecutive fishing positions (``_frun``) and, inside them, runs in one
    zone (``_zrun``); a silence longer than ``max_point_gap_h`` ends both, a dip in
    P(fishing) shorter than ``max_dip_h`` between fishing positions does not."""
    fishing = pl.col(P_FISHING) >= p.min_probability
    # A short dip in P(fishing) between fishing positions does not split one tow in two.
    fishing_ts = pl.when(fishing).then(pl.col(TS))
    dip = fishing_ts.backward_fill().over(TRACK) - fishing_ts.forward_fill().over(TRACK)
    fishing = fishing | (dip <= pl.duration(seconds=round(p.max_dip_h * 3600))).fill_null(False)
    gap = (pl.col("_dt_h") > p.max_point_gap_h).fill_null(True)
    new_f = (pl.col("_f") != pl.col("_f").shift(1).over(TRACK)).fill_null(True) | gap
    zone = pl.col(ZONE_IDX).fill_null(-1)
    new_z = new_f | (zone != zone.shift(1).over(TRACK)).fill_null(True)
    return (
        lf.with_columns(_dt_h=dt_prev_h(), _f=fishing)
        .with_columns(
            _frun=new_f.cast(pl.Int32).cum_sum().over(TRACK),
            _zrun=new_z.cast(pl.Int32).cum_sum().over(TRACK),
        )
        .with_columns(_frun_n=pl.len().over(*TRACK, "_frun"))
        .filter(pl.col("_f") & pl.col(ZONE_IDX).is_not_null())
    )


def _summarise(runs: pl.LazyFrame) -> pl.LazyFrame:
    return runs.group_by(*TRACK, "_zrun").agg(
        pl.col(TS).min().alias(START_TIME),
        pl.col(TS).max().alias(END_TIME),
        pl.col(LAT).mean().alias(LAT),
        pl.col(LON).mean().alias(LON),
        pl.col(ZONE_IDX).first(),
        pl.col(P_FISHING).mean().alias("mean_p_fishing"),
        pl.col("speed_kn").mean().alias("mean_speed_kn"),
        pl.len().alias("n_positions"),
        (pl.len() / pl.col("_frun_n").first()).alias("share_of_fishing_run_in_zone"),
        linestring_wkt().alias(GEOMETRY_WKT),
    )


def detect_fishing_in_zone(
    scored: pl.LazyFrame, zones: Sequence[Zone], p: FishingParams, *, model_version: str
) -> pl.LazyFrame:
    """``fishing_in_zone`` candidates from positions with ``p_fishing`` and ``_zone`` columns.

    scored: positions with P(fishing) (see mda.detect.fishing_model.predict_fishing) and the
    zone index from ``zone_of_positions``; zones: the same tuple the indexes refer to.
    A run inside one zone lasting at least ``p.min_duration_h`` hours is one event.
    """
    duration_h = event_duration_h()
    table = pl.LazyFrame(
        {
            ZONE_IDX: list(range(len(zones))),
            "zone_kind": [z.kind for z in zones],
            "zone": [z.name for z in zones],
        },
        schema={ZONE_IDX: pl.Int64, "zone_kind": pl.String, "zone": pl.String},
    )
    evidence = pl.struct(
        pl.col("mean_p_fishing").round(3),
        pl.col("mean_speed_kn").round(2),
        pl.col("n_positions"),
        pl.col("share_of_fishing_run_in_zone").round(3),
        pl.col("zone_kind"),
        pl.col("zone"),
        pl.lit(model_version).alias("model_version"),
        pl.lit(p.min_probability).alias("threshold_p_fishing"),
        pl.lit(p.min_duration_h).alias("threshold_duration_h"),
    ).struct.json_encode()
    return (
        _summarise(_runs(scored, p))
        .with_columns(duration_h.alias(DURATION_H))
        .filter(pl.col(DURATION_H) >= p.min_duration_h)
        .join(table, on=ZONE_IDX, how="left")
        .select(*candidate_columns("fishing_in_zone", evidence))
    )
