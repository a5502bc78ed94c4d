"""'Unusual for this area': an IsolationForest over per-vessel-day features.

Every vessel seen in the day gets movement features (distance, speeds, time slow, longest
silence, turning); an IsolationForest fitted on the same day and area ranks how unusual each
vessel's day was among its neighbours. The result is context for events, not an event: each
event's evidence gets ``unusual_percentile`` (0 = most ordinary vessel, 1 = most unusual),
and the score gains up to 0.1 for the most unusual days. With fewer than ``min_vessels``
vessels there is nothing to compare with and no context is added.

This is the only place besides the fishing model where scikit-learn runs, behind one collect.
"""

from __future__ import annotations

import json

import numpy as np
import polars as pl

from mda.detect.exprs import TRACK, dt_prev_h, hours, sort_tracks, speed_kn, step_m
from mda.schema import COG_DEG, EVIDENCE, EXPLANATION, MMSI, SCORE, TS

FEATURES = (
    "distance_km",
    "mean_speed_kn",
    "max_speed_kn",
    "share_slow",
    "longest_silence_h",
    "mean_turn_deg",
    "positions_per_h",
)
PERCENTILE = "unusual_percentile"
MIN_VESSELS = 20
SCORE_BOOST = 0.1


def _turn_deg() -> pl.Expr:
    d = (pl.col(COG_DEG) - pl.col(COG_DEG).shift(1).over(TRACK)).abs() % 360
    return pl.when(d > 180).then(360 - d).otherwise(d)


def vessel_day_features(positions: pl.LazyFrame) -> pl.LazyFrame:
    """One row per MMSI with the movement features named in FEATURES."""
    span_h = hours(pl.col(TS).max() - pl.col(TS).min())
    return (
        sort_tracks(positions)
        .with_columns(_speed=speed_kn(), _dt=dt_prev_h(), _step=step_m(), _turn=_turn_deg())
        .group_by(MMSI)
        .agg(
            (pl.col("_step").sum() / 1000).alias("distance_km"),
            pl.col("_speed").mean().alias("mean_speed_kn"),
            pl.col("_speed").max().alias("max_speed_kn"),
            (pl.col("_speed") < 2).mean().alias("share_slow"),
            pl.col("_dt").max().fill_null(0).alias("longest_silence_h"),
            pl.col("_turn").mean().fill_null(0).alias("mean_turn_deg"),
            (pl.len() / pl.max_horizontal(span_h, pl.lit(1.0))).alias("positions_per_h"),
        )
        .fill_null(0)
        .fill_nan(0)
    )


def unusual_percentiles(features: pl.DataFrame, seed: int = 0) -> dict[int, float]:
    """MMSI -> percentile of IsolationForest unusualness within this day (empty if too few)."""
    if features.height < MIN_VESSELS:
        return {}
    from sklearn.ensemble import IsolationForest  # (a second to import: only when used)

    x = features.select(FEATURES).to_numpy()
    model = IsolationForest(n_estimators=100, random_state=seed).fit(x)
    unusual = -model.score_samples(x)  # higher = more unusual
    ranks = unusual.argsort().argsort() / max(len(unusual) - 1, 1)
    return dict(zip(features[MMSI].to_list(), np.round(ranks, 3).tolist(), strict=True))


def add_context(events: pl.DataFrame, positions: pl.LazyFrame) -> pl.DataFrame:
    """Events with ``unusual_percentile`` in their evidence, a score boost and a sentence."""
    if events.is_empty():
        return events
    pct = unusual_percentiles(vessel_day_features(positions).collect())
    if not pct:
        return events
    rows = []
    for row in events.iter_rows(named=True):
        p = pct.get(row[MMSI])
        if p is not None:
            ev = json.loads(row[EVIDENCE]) | {PERCENTILE: p}
            row[EVIDENCE] = json.dumps(ev, sort_keys=True)
            row[SCORE] = round(min(1.0, row[SCORE] + SCORE_BOOST * p), 3)
            if p >= 0.9:
                row[EXPLANATION] += (
                    f" Its day was more unusual than {p:.0%} of the vessels seen in this area."
                )
        rows.append(row)
    return pl.DataFrame(rows, schema=events.schema)
