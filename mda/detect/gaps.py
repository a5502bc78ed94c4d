"""AIS gaps: a vessel silent for longer than a threshold (see GapParams)."""

from __future__ import annotations

import polars as pl

from mda.detect.exprs import M_PER_NM, dt_prev_h, haversine_m, prev, sort_tracks
from mda.detect.params import GapParams
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
    START_TIME,
    TS,
)


def _gap_rows(lf: pl.LazyFrame, p: GapParams) -> pl.LazyFrame:
    """Rows whose previous position of the same vessel is at least ``p.min_gap_h`` old."""
    return (
        sort_tracks(lf)
        .with_columns(
            _dt_h=dt_prev_h(),
            _lat0=prev(LAT),
            _lon0=prev(LON),
            _ts0=prev(TS),
        )
        .filter(pl.col("_dt_h") >= p.min_gap_h)
        .with_columns(
            _dist_m=haversine_m(pl.col("_lat0"), pl.col("_lon0"), pl.col(LAT), pl.col(LON))
        )
    )


def detect_gaps(positions: pl.LazyFrame, p: GapParams) -> pl.LazyFrame:
    """AIS-gap candidates: one per silence of at least ``p.min_gap_h`` hours.

    The representative point is the last position before the silence (where the vessel went
    dark); the geometry is the straight line from there to where it reappeared. Positions of
    the previous day may be included so gaps crossing midnight are found: the caller decides
    which gaps belong to the day (by ``end_time``).
    """
    wkt = pl.format(
        "LINESTRING ({} {}, {} {})",
        pl.col("_lon0").round(6),
        pl.col("_lat0").round(6),
        pl.col(LON).round(6),
        pl.col(LAT).round(6),
    )
    evidence = pl.struct(
        pl.col("_dt_h").round(2).alias("gap_h"),
        (pl.col("_dist_m") / 1000).round(2).alias("distance_km"),
        ((pl.col("_dist_m") / M_PER_NM) / pl.col("_dt_h")).round(2).alias("implied_speed_kn"),
        pl.col("_lat0").round(6).alias("last_lat"),
        pl.col("_lon0").round(6).alias("last_lon"),
        pl.col(LAT).round(6).alias("next_lat"),
        pl.col(LON).round(6).alias("next_lon"),
        pl.lit(p.min_gap_h).alias("threshold_gap_h"),
    ).struct.json_encode()
    return _gap_rows(positions, p).select(
        pl.lit("ais_gap").alias(EVENT_TYPE),
        MMSI,
        pl.lit(None, pl.Int64).alias(OTHER_MMSI),
        pl.col("_ts0").alias(START_TIME),
        pl.col(TS).alias(END_TIME),
        pl.col("_lat0").alias(LAT),
        pl.col("_lon0").alias(LON),
        pl.col("_dt_h").alias(DURATION_H),
        evidence.alias(EVIDENCE),
        wkt.alias(GEOMETRY_WKT),
    )
