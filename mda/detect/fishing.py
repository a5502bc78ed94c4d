"""Fishing activity in zones that forbid it (see FishingParams for the definition).

Two halves, both pure polars:

* ``movement_features``: per-position movement features that do not depend on how often a
  vessel reports (see its docstring). The classifier in :mod:`mda.detect.fishing_model`
  turns them into P(fishing) per position, behind one collect.
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
    M_PER_NM,
    SEG_ID,
    TRACK,
    candidate_columns,
    dt_prev_h,
    event_duration_h,
    haversine_m,
    linestring_wkt,
    prev,
    sort_tracks,
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
    SOG_KN,
    START_TIME,
    TS,
)

P_FISHING = "p_fishing"  # column the model adds: probability of fishing, 0-1
ZONE_IDX = "_zone"  # index (in the zones tuple) of the forbidding zone a position is in
SPEED = "speed_kn"  # reported SOG, else implied speed (knots)
WEIGHT = "weight_min"  # minutes a position stands for (not a feature: the training weight)
WINDOWS_MIN = (30, 60, 120)  # windows before and after each position, minutes
US_PER_MIN = 60_000_000
MIN_BASE_S = 60  # implied speed and course are measured over at least this many seconds
WEIGHT_CAP_MIN = 10.0  # a position stands for the time since the previous one, at most this
MAX_SPEED_KN = 30.0  # implied speeds above this are glitches: capped
STOP_KN = 0.5  # below this a vessel is "stopped" (for the time since / until a stop)
SLOW_KN, FAST_KN = 1.0, 8.0  # speed bands: slow < 1 kn <= towing/hauling < 5 <= mid < 8 <= fast
MID_KN = 5.0
MIN_DIRECTION_KN = 0.5  # a mean velocity below this has no meaningful direction (turn: null)
CAP_MIN = 240.0  # time since / until a stop is capped at this many minutes
# Per window: time-weighted sums of these quantities (weight w = minutes the position stands for).
_SUMS = ("w", "ws", "ws2", "wx", "wy", "wslow", "wmid", "wfast")
_STATS = (
    "speed_mean",  # time-weighted mean speed, kn
    "speed_std",  # time-weighted standard deviation of speed, kn
    "net_speed",  # length of the mean velocity vector: net displacement / time, kn
    "straightness",  # net_speed / speed_mean: 1 on a straight leg, ~0 circling or milling
    "share_slow",  # share of the time below SLOW_KN
    "share_mid",  # share of the time at MID_KN-FAST_KN
    "share_fast",  # share of the time at FAST_KN or more
    "coverage",  # minutes of reports / window minutes (low when the window holds a gap)
)


def _names(window: str) -> tuple[str, ...]:
    return tuple(f"{window}_{stat}" for stat in _STATS)


# Windows: b (before, t-W..t), a (after, t..t+W) and c (centred, t-W..t+W), W in WINDOWS_MIN.
WINDOWS: tuple[str, ...] = tuple(f"{d}{m}m" for d in ("b", "a", "c") for m in WINDOWS_MIN)
FEATURES: tuple[str, ...] = (
    SPEED,
    *(n for w in WINDOWS for n in _names(w)),
    *(f"turn{m}m_deg" for m in WINDOWS_MIN),
    "since_stop_min",
    "until_stop_min",
    "since_run_min",
    "until_run_min",
)


def _bearing_deg(lat1: pl.Expr, lon1: pl.Expr, lat2: pl.Expr, lon2: pl.Expr) -> pl.Expr:
    """Initial bearing from point 1 to point 2, degrees 0-360."""
    p1, p2 = lat1.radians(), lat2.radians()
    dl = (lon2 - lon1).radians()
    y = dl.sin() * p2.cos()
    x = p1.cos() * p2.sin() - p1.sin() * p2.cos() * dl.cos()
    return (pl.arctan2(y, x).degrees() + 360) % 360


def _with_base_point(lf: pl.LazyFrame) -> pl.LazyFrame:
    """Add ``_blat, _blon, _bt``: the track's last position at least MIN_BASE_S seconds
    earlier (else the previous one). Implied speed and course over that base do not grow
    with GNSS jitter when a vessel reports every few seconds."""
    base = lf.select(
        *TRACK, pl.col("_t").alias("_bt"), pl.col(LAT).alias("_blat"), pl.col(LON).alias("_blon")
    )
    joined = lf.with_columns((pl.col("_t") - MIN_BASE_S * 1_000_000).alias("_key")).join_asof(
        base, left_on="_key", right_on="_bt", by=TRACK, strategy="backward",
        check_sortedness=False,
    )  # fmt: skip
    return joined.with_columns(
        pl.coalesce("_bt", prev("_t")).alias("_bt"),
        pl.coalesce("_blat", prev(LAT)).alias("_blat"),
        pl.coalesce("_blon", prev(LON)).alias("_blon"),
    ).drop("_key")


def _base(lf: pl.LazyFrame) -> pl.LazyFrame:
    """Speed (SOG, else implied; kn), velocity components (kn), weight (minutes) per position.

    The weight is the time since the previous report (the first: until the next), capped at
    WEIGHT_CAP_MIN, so every statistic below is an average over time, not over reports.
    """
    lf = sort_tracks(lf).with_columns(pl.col(TS).dt.epoch("us").alias("_t"))
    lf = _with_base_point(lf)
    base_h = (pl.col("_t") - pl.col("_bt")) / 3.6e9
    implied = haversine_m(pl.col("_blat"), pl.col("_blon"), pl.col(LAT), pl.col(LON)) / M_PER_NM
    bearing = _bearing_deg(pl.col("_blat"), pl.col("_blon"), pl.col(LAT), pl.col(LON))
    speed = pl.coalesce(pl.col(SOG_KN).cast(pl.Float64), implied / base_h).clip(0.0, MAX_SPEED_KN)
    course = pl.coalesce(pl.col(COG_DEG).cast(pl.Float64), bearing).radians()
    dt_min = (pl.col("_t") - prev("_t")) / US_PER_MIN
    next_min = (pl.col("_t").shift(-1).over(TRACK) - pl.col("_t")) / US_PER_MIN
    weight = pl.coalesce(dt_min, next_min, pl.lit(1.0)).clip(0.0, WEIGHT_CAP_MIN)
    lf = lf.with_columns(
        speed.backward_fill().over(TRACK).fill_null(0.0).alias(SPEED),
        course.backward_fill().over(TRACK).alias("_course"),
        weight.alias(WEIGHT),
    )
    s, w = pl.col(SPEED), pl.col(WEIGHT)
    return lf.with_columns(
        w.alias("_q_w"),
        (w * s).alias("_q_ws"),
        (w * s * s).alias("_q_ws2"),
        (w * s * pl.col("_course").sin()).fill_null(0.0).alias("_q_wx"),
        (w * s * pl.col("_course").cos()).fill_null(0.0).alias("_q_wy"),
        (w * (s < SLOW_KN)).alias("_q_wslow"),
        (w * ((s >= MID_KN) & (s < FAST_KN))).alias("_q_wmid"),
        (w * (s >= FAST_KN)).alias("_q_wfast"),
    ).drop("_bt", "_blat", "_blon", "_course")


def _window_sums(by: str, window: str, minutes: int) -> list[pl.Expr]:
    """Rolling sums of the ``_q_*`` quantities over ``minutes`` along ``by`` (per track)."""
    size = f"{minutes * US_PER_MIN}i"
    return [
        pl.col(f"_q_{q}").rolling_sum_by(by, size).over(TRACK).alias(f"_{window}_{q}")
        for q in _SUMS
    ]


def _centred_sums(minutes: int) -> list[pl.Expr]:
    """Sums over t-W..t+W: before + after, minus the position itself (counted twice)."""
    return [
        (pl.col(f"_b{minutes}m_{q}") + pl.col(f"_a{minutes}m_{q}") - pl.col(f"_q_{q}")).alias(
            f"_c{minutes}m_{q}"
        )
        for q in _SUMS
    ]


def _stats(window: str, span_min: float) -> list[pl.Expr]:
    """The _STATS of one window from its sums (``span_min``: the window's length, minutes)."""

    def q(name: str) -> pl.Expr:
        return pl.col(f"_{window}_{name}")

    w = q("w")
    mean = q("ws") / w
    net = ((q("wx") / w) ** 2 + (q("wy") / w) ** 2).sqrt()
    exprs = (
        mean,
        (q("ws2") / w - mean**2).clip(lower_bound=0.0).sqrt(),
        net,
        pl.when(mean > MIN_DIRECTION_KN).then((net / mean).clip(0.0, 1.0)),
        q("wslow") / w,
        q("wmid") / w,
        q("wfast") / w,
        (w / span_min).clip(0.0, 1.0),
    )
    return [e.alias(n) for e, n in zip(exprs, _names(window), strict=True)]


def _turn(minutes: int) -> pl.Expr:
    """Degrees (0-180) between the mean velocity W minutes before and W minutes after:
    ~0 on a straight leg, ~180 at the end of a tow; null when either is near zero."""
    bx, by_ = pl.col(f"_b{minutes}m_wx"), pl.col(f"_b{minutes}m_wy")
    ax, ay = pl.col(f"_a{minutes}m_wx"), pl.col(f"_a{minutes}m_wy")
    nb = (bx**2 + by_**2).sqrt() / pl.col(f"_b{minutes}m_w")
    na = (ax**2 + ay**2).sqrt() / pl.col(f"_a{minutes}m_w")
    cos = (bx * ax + by_ * ay) / ((bx**2 + by_**2).sqrt() * (ax**2 + ay**2).sqrt())
    angle = cos.clip(-1.0, 1.0).arccos().degrees()
    return (
        pl.when((nb > MIN_DIRECTION_KN) & (na > MIN_DIRECTION_KN))
        .then(angle)
        .alias(f"turn{minutes}m_deg")
    )


def _since_until(when: pl.Expr, name: str) -> list[pl.Expr]:
    """Minutes since the last and until the next position where ``when`` holds (capped at
    CAP_MIN; CAP_MIN when there is none in the track)."""
    at = pl.when(when).then(pl.col("_t"))
    since = (pl.col("_t") - at.forward_fill().over(TRACK)) / US_PER_MIN
    until = (at.backward_fill().over(TRACK) - pl.col("_t")) / US_PER_MIN
    return [
        since.clip(upper_bound=CAP_MIN).fill_null(CAP_MIN).alias(f"since_{name}_min"),
        until.clip(upper_bound=CAP_MIN).fill_null(CAP_MIN).alias(f"until_{name}_min"),
    ]


def _stop_times() -> list[pl.Expr]:
    """Minutes to the nearest stop (below STOP_KN) and to the nearest run at MID_KN or more,
    before and after. The second pair tells hours of drifting (no run in sight) from creel
    hauling (hops between strings every 15-45 min) or pursing (the set just before)."""
    return [
        *_since_until(pl.col(SPEED) < STOP_KN, "stop"),
        *_since_until(pl.col(SPEED) >= MID_KN, "run"),
    ]


def movement_features(positions: pl.LazyFrame) -> pl.LazyFrame:
    """Positions sorted by (mmsi, seg_id, ts) with the FEATURES and WEIGHT columns added.

    Made not to depend on the reporting interval (10 s AIS, 60 s GPS, 6 min thinned AIS):
    every statistic is a time-weighted average over a window measured in minutes (30, 60,
    120 before, after and centred on each position), each report weighing the minutes since
    the previous one (at most WEIGHT_CAP_MIN, so a gap lowers ``coverage`` instead of
    stretching one report). Speed is SOG, else the implied speed over at least MIN_BASE_S
    seconds; course is COG, else the bearing over the same base. ``net_speed`` (kn) is the
    mean velocity, i.e. net displacement / time; ``straightness`` is net / mean speed;
    ``turn{W}m_deg`` compares the mean heading W minutes before and after;
    ``since``/``until_stop_min`` and ``since``/``until_run_min`` are minutes to the nearest
    report below STOP_KN and at MID_KN or more (see ``_stop_times``).
    """
    back = [e for m in WINDOWS_MIN for e in _window_sums("_t", f"b{m}m", m)]
    ahead = [e for m in WINDOWS_MIN for e in _window_sums("_rt", f"a{m}m", m)]
    centred = [e for m in WINDOWS_MIN for e in _centred_sums(m)]
    stats = [e for w in WINDOWS for e in _stats(w, float(w[1:-1]) * (2 if w[0] == "c" else 1))]
    temp = [f"_q_{q}" for q in _SUMS] + [f"_{w}_{q}" for w in WINDOWS for q in _SUMS]
    return (
        _base(positions)
        .with_columns(back)
        .with_columns((-pl.col("_t")).alias("_rt"))
        .sort([MMSI, SEG_ID, "_rt"])
        .with_columns(ahead)
        .sort([MMSI, SEG_ID, TS])
        .with_columns(centred)
        .with_columns(*stats, *(_turn(m) for m in WINDOWS_MIN), *_stop_times())
        .drop(*temp, "_t", "_rt")
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
    A run inside one zone lasting at least ``p.min_duration_h`` hours, with a mean P(fishing)
    of at least ``p.min_mean_probability``, is one event.
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
        pl.lit(p.min_mean_probability).alias("threshold_mean_p_fishing"),
    ).struct.json_encode()
    return (
        _summarise(_runs(scored, p))
        .with_columns(duration_h.alias(DURATION_H))
        .filter(
            (pl.col(DURATION_H) >= p.min_duration_h)
            & (pl.col("mean_p_fishing") >= p.min_mean_probability)
        )
        .join(table, on=ZONE_IDX, how="left")
        .select(*candidate_columns("fishing_in_zone", evidence))
    )
