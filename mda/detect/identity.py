"""Identity checks: one MMSI used by two transmitters at once, and invalid MMSIs.

Both emit ``identity_conflict`` events; ``evidence.kind`` says which:

* ``shared_mmsi``: two segments of one MMSI (see mda.detect.segment) both active for at
  least ``min_overlap_h`` with at least ``min_points`` positions each. Anchor: GFW
  pipe-segment, which flags MMSIs whose simultaneous segments overlap.
* ``invalid_mmsi``: a ship-station MMSI whose MID (first three digits) is outside the ITU
  allocation blocks (201-279, 301-379, 401-478, 501-578, 601-679, 701-775), or a
  placeholder-looking number (one digit repeated, 123456789, 987654321, X00000000).
  The blocks are coarse: a few unallocated MIDs inside them pass.
"""

from __future__ import annotations

import polars as pl

from mda.detect.exprs import SEG_ID, haversine_m, hours, linestring_wkt
from mda.detect.params import IdentityParams
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

MID_BLOCKS = ((201, 279), (301, 379), (401, 478), (501, 578), (601, 679), (701, 775))
PLACEHOLDERS = (123456789, 987654321, 234567890)


def _segments(seg: pl.LazyFrame) -> pl.LazyFrame:
    return seg.group_by(MMSI, SEG_ID).agg(
        pl.col(TS).min().alias("_t0"),
        pl.col(TS).max().alias("_t1"),
        pl.len().alias("_n"),
        pl.col(LAT).mean().alias("_lat"),
        pl.col(LON).mean().alias("_lon"),
        linestring_wkt().str.strip_prefix("LINESTRING ").alias("_coords"),
    )


def detect_shared_mmsi(segmented: pl.LazyFrame, p: IdentityParams) -> pl.LazyFrame:
    """One event per pair of simultaneous segments of the same MMSI."""
    segs = _segments(segmented).filter(pl.col("_n") >= p.min_points)
    pairs = segs.join(segs, on=MMSI, suffix="_b").filter(pl.col(SEG_ID) < pl.col(f"{SEG_ID}_b"))
    start = pl.max_horizontal("_t0", "_t0_b")
    end = pl.min_horizontal("_t1", "_t1_b")
    sep_km = haversine_m(pl.col("_lat"), pl.col("_lon"), pl.col("_lat_b"), pl.col("_lon_b")) / 1000
    evidence = pl.struct(
        pl.lit("shared_mmsi").alias("kind"),
        pl.col(SEG_ID).alias("segment_a"),
        pl.col(f"{SEG_ID}_b").alias("segment_b"),
        pl.col("_n").alias("positions_a"),
        pl.col("_n_b").alias("positions_b"),
        sep_km.round(1).alias("separation_km"),
        pl.lit(p.min_overlap_h).alias("threshold_overlap_h"),
    ).struct.json_encode()
    return (
        pairs.with_columns(_start=start, _end=end)
        .filter(hours(pl.col("_end") - pl.col("_start")) >= p.min_overlap_h)
        .select(
            pl.lit("identity_conflict").alias(EVENT_TYPE),
            MMSI,
            pl.lit(None, pl.Int64).alias(OTHER_MMSI),
            pl.col("_start").alias(START_TIME),
            pl.col("_end").alias(END_TIME),
            pl.col("_lat").alias(LAT),
            pl.col("_lon").alias(LON),
            hours(pl.col("_end") - pl.col("_start")).alias(DURATION_H),
            evidence.alias(EVIDENCE),
            pl.format("MULTILINESTRING ({}, {})", "_coords", "_coords_b").alias(GEOMETRY_WKT),
        )
    )


def invalid_mmsi() -> pl.Expr:
    """True for ship-station MMSIs with an unallocated MID or a placeholder pattern."""
    mmsi = pl.col(MMSI)
    mid = mmsi // 1_000_000
    allocated = pl.any_horizontal([mid.is_between(lo, hi) for lo, hi in MID_BLOCKS])
    one_digit = (mmsi % 111_111_111) == 0  # 222222222, 333333333, ...
    trailing_zeros = (mmsi % 100_000_000) == 0
    return ~allocated | one_digit | trailing_zeros | mmsi.is_in(PLACEHOLDERS)


def detect_invalid_mmsi(positions: pl.LazyFrame) -> pl.LazyFrame:
    """One event per invalid MMSI per day, spanning its positions."""
    evidence = pl.struct(
        pl.lit("invalid_mmsi").alias("kind"),
        (pl.col(MMSI) // 1_000_000).alias("mid"),
        pl.col("_n").alias("positions"),
    ).struct.json_encode()
    return (
        positions.filter(invalid_mmsi())
        .sort([MMSI, TS])
        .group_by(MMSI)
        .agg(
            pl.col(TS).min().alias(START_TIME),
            pl.col(TS).max().alias(END_TIME),
            pl.col(LAT).mean().alias(LAT),
            pl.col(LON).mean().alias(LON),
            pl.len().alias("_n"),
            linestring_wkt().alias(GEOMETRY_WKT),
        )
        .select(
            pl.lit("identity_conflict").alias(EVENT_TYPE),
            MMSI,
            pl.lit(None, pl.Int64).alias(OTHER_MMSI),
            START_TIME,
            END_TIME,
            LAT,
            LON,
            hours(pl.col(END_TIME) - pl.col(START_TIME)).alias(DURATION_H),
            evidence.alias(EVIDENCE),
            GEOMETRY_WKT,
        )
    )
