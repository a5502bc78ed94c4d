"""Encounters: two vessels close together at low speed (see EncounterParams).

Each vessel's positions are averaged in fixed time bins; bins of different vessels in the same
or neighbouring grid cells are paired and kept when closer than ``max_distance_km``;
consecutive close bins of one pair form a run, and a run long and slow enough is an encounter.
Grid cells are sized so that any two points within the distance share or neighbour a cell up
to 75 degrees of latitude.
"""

from __future__ import annotations

import math

import polars as pl

from mda.detect.exprs import (
    EARTH_RADIUS_M,
    SEG_ID,
    event_duration_h,
    haversine_m,
    sort_tracks,
    speed_kn,
)
from mda.detect.params import EncounterParams
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

KM_PER_DEG = math.pi * EARTH_RADIUS_M / 180 / 1000
MAX_LAT_DEG = 75.0
PAIR = ["_a", "_b"]


def cell_deg(p: EncounterParams) -> float:
    """Grid cell size (degrees) that keeps close points in neighbouring cells up to 75° lat."""
    return p.max_distance_km / (KM_PER_DEG * math.cos(math.radians(MAX_LAT_DEG)))


def _bins(positions: pl.LazyFrame, p: EncounterParams) -> pl.LazyFrame:
    size = cell_deg(p)
    return (
        sort_tracks(positions)
        .with_columns(_speed=speed_kn(), _bin=pl.col(TS).dt.truncate(f"{p.bin_minutes}m"))
        .group_by(MMSI, SEG_ID, "_bin")
        .agg(pl.col(LAT).mean(), pl.col(LON).mean(), pl.col("_speed").mean())
        .with_columns(
            _cy=(pl.col(LAT) / size).floor().cast(pl.Int32),
            _cx=(pl.col(LON) / size).floor().cast(pl.Int32),
        )
    )


def _close_pairs(bins: pl.LazyFrame, p: EncounterParams) -> pl.LazyFrame:
    """(bin, vessel a, vessel b) rows with the two vessels within max_distance_km."""
    offsets = pl.LazyFrame(
        {"_dy": [-1, -1, -1, 0, 0, 0, 1, 1, 1], "_dx": [-1, 0, 1, -1, 0, 1, -1, 0, 1]}
    )
    shifted = bins.join(offsets, how="cross").with_columns(
        pl.col("_cy") + pl.col("_dy"), pl.col("_cx") + pl.col("_dx")
    )
    pairs = bins.join(shifted, on=["_bin", "_cy", "_cx"], suffix="_o")
    dist_m = haversine_m(pl.col(LAT), pl.col(LON), pl.col(f"{LAT}_o"), pl.col(f"{LON}_o"))
    return (
        pairs.filter(pl.col(MMSI) < pl.col(f"{MMSI}_o"))
        .with_columns(_dist_m=dist_m)
        .filter(pl.col("_dist_m") <= p.max_distance_km * 1000)
        .select(
            pl.col(MMSI).alias("_a"),
            pl.col(f"{MMSI}_o").alias("_b"),
            "_bin",
            "_dist_m",
            pl.col("_speed").alias("_speed_a"),
            pl.col("_speed_o").alias("_speed_b"),
            ((pl.col(LAT) + pl.col(f"{LAT}_o")) / 2).alias(LAT),
            ((pl.col(LON) + pl.col(f"{LON}_o")) / 2).alias(LON),
        )
        .unique(["_a", "_b", "_bin"], keep="first")
    )


def _runs(pairs: pl.LazyFrame, p: EncounterParams) -> pl.LazyFrame:
    step = pl.duration(minutes=p.bin_minutes * (p.max_missing_bins + 1))
    new_run = ((pl.col("_bin") - pl.col("_bin").shift(1).over(PAIR)) > step).fill_null(True)
    coords = pl.format("{} {}", pl.col(LON).round(6), pl.col(LAT).round(6)).str.join(", ")
    return (
        pairs.sort([*PAIR, "_bin"])
        .with_columns(_run=new_run.cast(pl.Int32).cum_sum().over(PAIR))
        .group_by(*PAIR, "_run")
        .agg(
            pl.col("_bin").min().alias(START_TIME),
            (pl.col("_bin").max() + pl.duration(minutes=p.bin_minutes)).alias(END_TIME),
            pl.col(LAT).mean(),
            pl.col(LON).mean(),
            pl.col("_dist_m").median().alias("median_distance_m"),
            pl.col("_speed_a").median().alias("median_speed_kn"),
            pl.col("_speed_b").median().alias("other_median_speed_kn"),
            pl.len().alias("close_bins"),
            pl.when(pl.len() > 1)
            .then(pl.format("LINESTRING ({})", coords))
            .otherwise(pl.format("POINT ({})", coords))
            .alias(GEOMETRY_WKT),
        )
    )


def detect_encounters(positions: pl.LazyFrame, p: EncounterParams) -> pl.LazyFrame:
    """Encounter events: ``mmsi`` < ``other_mmsi``; geometry is the pair's midpoint track."""
    duration_h = event_duration_h()
    evidence = pl.struct(
        pl.col("median_distance_m").round(1),
        pl.col("median_speed_kn").round(2),
        pl.col("other_median_speed_kn").round(2),
        pl.col("close_bins"),
        pl.lit(p.max_distance_km).alias("threshold_distance_km"),
        pl.lit(p.min_duration_h).alias("threshold_duration_h"),
    ).struct.json_encode()
    slow = (pl.col("median_speed_kn") < p.max_median_speed_kn) & (
        pl.col("other_median_speed_kn") < p.max_median_speed_kn
    )
    return (
        _runs(_close_pairs(_bins(positions, p), p), p)
        .with_columns(duration_h.alias(DURATION_H))
        .filter((pl.col(DURATION_H) >= p.min_duration_h) & slow)
        .select(
            pl.lit("encounter").alias(EVENT_TYPE),
            pl.col("_a").alias(MMSI),
            pl.col("_b").alias(OTHER_MMSI),
            START_TIME,
            END_TIME,
            LAT,
            LON,
            DURATION_H,
            evidence.alias(EVIDENCE),
            GEOMETRY_WKT,
        )
    )
