"""Small polars expression helpers shared by detectors."""

from __future__ import annotations

import polars as pl

from mda.schema import (
    DURATION_H,
    END_TIME,
    EVENT_TYPE,
    EVIDENCE,
    GEOMETRY_WKT,
    LAT,
    LON,
    MMSI,
    OTHER_MMSI,
    SOG_KN,
    START_TIME,
    TS,
)

SEG_ID = "seg_id"  # track segment within one MMSI (see mda.detect.segment)
TRACK = [MMSI, SEG_ID]  # one physical transmitter's track

EARTH_RADIUS_M = 6_371_008.8
M_PER_NM = 1852.0


def haversine_m(lat1: pl.Expr, lon1: pl.Expr, lat2: pl.Expr, lon2: pl.Expr) -> pl.Expr:
    """Great-circle distance in metres between two points given in degrees."""
    p1, p2 = lat1.radians(), lat2.radians()
    dphi = p2 - p1
    dlmb = (lon2 - lon1).radians()
    a = (dphi / 2).sin() ** 2 + p1.cos() * p2.cos() * (dlmb / 2).sin() ** 2
    return 2 * EARTH_RADIUS_M * a.sqrt().arcsin()


def prev(col: str) -> pl.Expr:
    """The previous value of a column within the same track (frame sorted by mmsi, seg, ts)."""
    return pl.col(col).shift(1).over(TRACK)


def hours(duration: pl.Expr) -> pl.Expr:
    """A Duration expression in hours (float)."""
    return duration.dt.total_microseconds() / 3.6e9


def event_duration_h() -> pl.Expr:
    """Hours from start_time to end_time."""
    return hours(pl.col(END_TIME) - pl.col(START_TIME))


def dt_prev_h() -> pl.Expr:
    """Hours since the vessel's previous position (null for its first)."""
    return hours(pl.col(TS) - prev(TS))


def step_m() -> pl.Expr:
    """Metres from the vessel's previous position (null for its first)."""
    return haversine_m(prev(LAT), prev(LON), pl.col(LAT), pl.col(LON))


def speed_kn() -> pl.Expr:
    """Reported SOG, or the implied speed from the previous position when SOG is missing."""
    implied = (step_m() / M_PER_NM) / dt_prev_h()
    return pl.coalesce(pl.col(SOG_KN).cast(pl.Float64), implied)


def linestring_wkt(lon: str = LON, lat: str = LAT) -> pl.Expr:
    """Aggregation: WKT LINESTRING of the group's points in order (a lone point is doubled)."""
    coords = pl.format("{} {}", pl.col(lon).round(6), pl.col(lat).round(6))
    joined = coords.str.join(", ")
    single = pl.format("{} {}", pl.col(lon).first().round(6), pl.col(lat).first().round(6))
    return (
        pl.when(pl.len() > 1)
        .then(pl.format("LINESTRING ({})", joined))
        .otherwise(pl.format("LINESTRING ({}, {})", single, single))
    )


def sort_tracks(lf: pl.LazyFrame) -> pl.LazyFrame:
    """Sort by (mmsi, seg_id, ts), required before any ``.over(TRACK)``.

    Unsegmented positions are one segment per MMSI (``seg_id`` 0).
    """
    if SEG_ID not in lf.collect_schema().names():
        lf = lf.with_columns(pl.lit(0, pl.Int32).alias(SEG_ID))
    return lf.sort([MMSI, SEG_ID, TS])


def candidate_columns(
    event_type: str, evidence: pl.Expr, other_mmsi: pl.Expr | None = None
) -> list[pl.Expr]:
    """The columns every detector's candidates share, in order (select these last).

    Expects mmsi, start_time, end_time, lat, lon, duration_h and geometry_wkt to exist.
    """
    other = pl.lit(None, pl.Int64) if other_mmsi is None else other_mmsi
    return [
        pl.lit(event_type).alias(EVENT_TYPE),
        pl.col(MMSI),
        other.alias(OTHER_MMSI),
        pl.col(START_TIME),
        pl.col(END_TIME),
        pl.col(LAT),
        pl.col(LON),
        pl.col(DURATION_H),
        evidence.alias(EVIDENCE),
        pl.col(GEOMETRY_WKT),
    ]
