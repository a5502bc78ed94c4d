"""Track segmentation and identity checks.

Anchor: GFW pipe-segment / gpsdio-segment. A position continues a segment when it lies within
``max_speed_kn`` x elapsed time (plus ``noise_nm``) of the segment's last position; otherwise it
starts a new segment. When one MMSI keeps two segments alive at the same time, two
transmitters are using it (spoofing, a copied MMSI, or a misconfigured transponder).

The first pass is vectorised: vessels whose consecutive positions are all mutually reachable
(nearly all) get one segment without further work. Only the few MMSIs with an impossible jump
go through the sequential assignment, which tries every open segment for each position.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from mda.detect.exprs import EARTH_RADIUS_M, M_PER_NM, SEG_ID, dt_prev_h, step_m
from mda.detect.params import SegmentParams
from mda.schema import LAT, LON, MMSI, TS


def _reachable(p: SegmentParams) -> pl.Expr:
    """True when the step from the previous position is physically possible."""
    allowed_m = (p.max_speed_kn * dt_prev_h() + p.noise_nm) * M_PER_NM
    return (step_m() <= allowed_m).fill_null(True)


def _haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle metres between two points in degrees (scalar twin of exprs.haversine_m)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def assign_segments(
    ts_h: np.ndarray, lat: np.ndarray, lon: np.ndarray, p: SegmentParams
) -> np.ndarray:
    """Segment number of each position of ONE vessel (time-sorted), gpsdio-segment style.

    Each position joins the open segment whose last position it can reach and that needs the
    lowest implied speed; if none can be reached it starts a new segment.
    """
    seg = np.zeros(len(ts_h), dtype=np.int32)
    last: list[tuple[float, float, float]] = []  # (ts_h, lat, lon) per segment
    for i in range(len(ts_h)):
        best, best_speed = -1, np.inf
        for k, (t0, la0, lo0) in enumerate(last):
            dist_nm = _haversine_m(la0, lo0, lat[i], lon[i]) / M_PER_NM
            dt = ts_h[i] - t0
            if dist_nm <= p.max_speed_kn * dt + p.noise_nm:
                speed = dist_nm / max(dt, 1e-6)
                if speed < best_speed:
                    best, best_speed = k, speed
        if best < 0:
            last.append((ts_h[i], lat[i], lon[i]))
            best = len(last) - 1
        else:
            last[best] = (ts_h[i], lat[i], lon[i])
        seg[i] = best
    return seg


def _resegment(df: pl.DataFrame, p: SegmentParams) -> pl.DataFrame:
    """Sequential assignment for the vessels that need it (df sorted by mmsi, ts)."""
    parts = []
    for _, g in df.group_by(MMSI, maintain_order=True):
        ts_h = g[TS].dt.epoch("us").to_numpy() / 3.6e9
        seg = assign_segments(ts_h, g[LAT].to_numpy(), g[LON].to_numpy(), p)
        parts.append(g.with_columns(pl.Series(SEG_ID, seg, dtype=pl.Int32)))
    return pl.concat(parts)


def segment(positions: pl.LazyFrame, p: SegmentParams) -> pl.DataFrame:
    """Positions sorted by (mmsi, ts) with a ``seg_id`` (0, 1, ... per MMSI).

    This is the one collect of the detection stage: the sequential pass needs materialised
    rows for the (few) vessels with an impossible jump.
    """
    one_segment = pl.lit(0, pl.Int32).alias(SEG_ID)
    unsegmented = positions.drop(SEG_ID, strict=False).with_columns(one_segment)
    flagged = unsegmented.sort([MMSI, TS]).with_columns(_ok=_reachable(p)).collect()
    jumpy = flagged.filter(~pl.col("_ok")).get_column(MMSI).unique()
    simple = flagged.filter(~pl.col(MMSI).is_in(jumpy.implode())).with_columns(
        pl.lit(0, pl.Int32).alias(SEG_ID)
    )
    hard = flagged.filter(pl.col(MMSI).is_in(jumpy.implode()))
    if not hard.is_empty():
        simple = pl.concat([simple, _resegment(hard, p)])
    return simple.drop("_ok").sort([MMSI, SEG_ID, TS])
