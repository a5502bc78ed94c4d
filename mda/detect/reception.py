"""Reception context from the day's own data.

A silence means more where the receivers were hearing other ships at the time. The day's
positions from all vessels are counted per grid cell and hour; for each gap, the evidence
gets the share of the whole hours inside the gap (within the day) during which the cell where
the vessel went dark had reports from at least ``min_vessels`` vessels. Anchor: GFW weighs
gaps by a satellite reception map; this is the terrestrial, same-day equivalent.
"""

from __future__ import annotations

from datetime import datetime

import polars as pl

from mda.detect.params import ReceptionParams
from mda.schema import END_TIME, EVIDENCE, LAT, LON, MMSI, START_TIME, TS

COVERAGE = "reception_coverage"


def _cell(lat: pl.Expr, lon: pl.Expr, p: ReceptionParams) -> list[pl.Expr]:
    return [
        (lat / p.cell_deg).floor().cast(pl.Int32).alias("_cy"),
        (lon / p.cell_deg).floor().cast(pl.Int32).alias("_cx"),
    ]


def cell_hours(positions: pl.LazyFrame, p: ReceptionParams) -> pl.LazyFrame:
    """Distinct vessels heard per (cell, hour)."""
    return (
        positions.with_columns(
            *_cell(pl.col(LAT), pl.col(LON), p), pl.col(TS).dt.truncate("1h").alias("_hour")
        )
        .group_by("_cy", "_cx", "_hour")
        .agg(pl.col(MMSI).n_unique().alias("_vessels"))
    )


def with_reception(
    gaps: pl.LazyFrame,
    positions: pl.LazyFrame,
    p: ReceptionParams,
    day_start: datetime,
    day_end: datetime,
) -> pl.LazyFrame:
    """Gaps whose evidence gains ``reception_coverage`` (0..1; absent when no whole hour of the
    gap falls within the day)."""
    first = pl.max_horizontal(pl.col(START_TIME), pl.lit(day_start)).dt.truncate(
        "1h"
    ) + pl.duration(hours=1)
    last = pl.min_horizontal(pl.col(END_TIME), pl.lit(day_end)).dt.truncate("1h") - pl.duration(
        hours=1
    )
    hours = (
        gaps.with_row_index("_gap")
        .with_columns(*_cell(pl.col(LAT), pl.col(LON), p))
        .with_columns(pl.datetime_ranges(first, last, "1h").alias("_hour"))
        .select("_gap", "_cy", "_cx", "_hour", MMSI)
        .explode("_hour")
        .drop_nulls("_hour")
    )
    heard = hours.join(cell_hours(positions, p), on=["_cy", "_cx", "_hour"], how="left")
    share = heard.group_by("_gap").agg(
        (pl.col("_vessels").fill_null(0) >= p.min_vessels).mean().alias(COVERAGE)
    )
    cov = pl.col(COVERAGE).round(2).cast(pl.String)
    evidence = (
        pl.when(pl.col(COVERAGE).is_not_null())
        .then(
            pl.format('{},"{}":{}}}', pl.col(EVIDENCE).str.strip_suffix("}"), pl.lit(COVERAGE), cov)
        )
        .otherwise(pl.col(EVIDENCE))
    )
    return (
        gaps.with_row_index("_gap")
        .join(share, on="_gap", how="left")
        .with_columns(evidence.alias(EVIDENCE))
        .drop("_gap", COVERAGE)
    )
