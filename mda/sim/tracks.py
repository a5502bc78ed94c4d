"""Low-level track factories: positions tables in ``mda.schema.POSITIONS_SCHEMA``.

Every factory returns positions already quantised to AIS resolution (lat/lon 1/600000
degree, SOG 0.1 kn, COG 0.1 degree, heading 1 degree), so encoding them to NMEA and
decoding again gives the same values within those resolutions. Times are UTC; a factory
refuses a naive ``start``.

Tests of other modules build their scenarios from these pieces, e.g.::

    a = make_track(265000001, [(18.0, 56.0), (19.0, 56.5)], 12.0, t0, interval_s=30)
    lon, lat, t_end = track_end(a)
    b = make_loiter(265000001, lon, lat, t_end + timedelta(seconds=30), duration_h=3)
    track = drop_between(concat_tracks(a, b), t_end - timedelta(hours=1), t_end)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np
import polars as pl
from pyproj import Geod

from mda import schema
from mda.errors import MdaError

GEOD = Geod(ellps="WGS84")
KN_MS = 1852.0 / 3600.0  # metres per second in one knot
AIS_DEG = 1.0 / 600000.0  # AIS position resolution in degrees (1/10000 minute)
M_PER_DEG_LAT = 111_320.0  # good enough for metre-scale jitter


def _check_start(start: datetime) -> None:
    if start.tzinfo is None or start.utcoffset() is None:
        raise MdaError(
            f"simulated track start {start!r} is a naive datetime; "
            "pass a timezone-aware UTC time, e.g. datetime(2024, 3, 5, tzinfo=UTC)"
        )


def _epoch_us(t: datetime) -> int:
    return round(t.timestamp() * 1_000_000)


def quantise_positions(
    lon: np.ndarray,
    lat: np.ndarray,
    sog_kn: np.ndarray,
    cog_deg: np.ndarray,
    heading_deg: np.ndarray,
) -> tuple[np.ndarray, ...]:
    """Round kinematics to AIS resolution (deg 1/600000, kn 0.1, deg 0.1, heading 1 deg)."""
    lon_q = np.round(np.asarray(lon, float) * 600000.0) / 600000.0
    lat_q = np.round(np.asarray(lat, float) * 600000.0) / 600000.0
    sog_q = np.clip(np.round(np.asarray(sog_kn, float) * 10.0) / 10.0, 0.0, 102.2)
    cog_q = (np.round(np.mod(cog_deg, 360.0) * 10.0) % 3600) / 10.0
    hdg_q = np.round(np.mod(heading_deg, 360.0)) % 360
    return lon_q, lat_q, sog_q, cog_q, hdg_q


def positions_frame(
    mmsi: int,
    ts_us: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
    sog_kn: np.ndarray,
    cog_deg: np.ndarray,
    heading_deg: np.ndarray,
    *,
    nav_status: int | None = 0,
    msg_type: int = 1,
) -> pl.DataFrame:
    """Assemble one vessel's arrays (epoch microseconds, degrees, knots) into POSITIONS_SCHEMA.

    Class B reports (``msg_type`` 18/19) carry no navigational status: it is null for them.
    """
    if msg_type in (18, 19):
        nav_status = None
    lon, lat, sog, cog, hdg = quantise_positions(lon, lat, sog_kn, cog_deg, heading_deg)
    n = len(ts_us)
    frame = pl.DataFrame(
        {
            schema.MMSI: np.full(n, mmsi, dtype=np.int64),
            schema.TS: np.asarray(ts_us, dtype=np.int64),
            schema.LAT: lat,
            schema.LON: lon,
            schema.SOG_KN: sog,
            schema.COG_DEG: cog,
            schema.HEADING_DEG: hdg,
            schema.NAV_STATUS: [nav_status] * n,
            schema.MSG_TYPE: np.full(n, msg_type),
            schema.SOURCE: ["nmea"] * n,
        }
    )
    frame = frame.with_columns(pl.col(schema.TS).cast(schema.UTC_TS))
    return schema.conform(frame, schema.POSITIONS_SCHEMA)


def _leg_speeds(speed_kn: float | Sequence[float], n_legs: int) -> np.ndarray:
    speeds = np.asarray(speed_kn, dtype=float)
    speeds = np.full(n_legs, float(speeds)) if speeds.ndim == 0 else speeds
    if speeds.shape != (n_legs,) or (speeds <= 0).any():
        raise MdaError(
            f"make_track needs one positive speed or one per leg ({n_legs} legs); got {speed_kn!r}"
        )
    return speeds


def _jitter(
    lon: np.ndarray, lat: np.ndarray, jitter_m: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    if jitter_m <= 0:
        return lon, lat
    north = rng.normal(0.0, jitter_m, lon.shape)
    east = rng.normal(0.0, jitter_m, lon.shape)
    lat2 = lat + north / M_PER_DEG_LAT
    lon2 = lon + east / (M_PER_DEG_LAT * np.cos(np.radians(lat)))
    return lon2, lat2


def make_track(
    mmsi: int,
    waypoints: Sequence[tuple[float, float]],
    speed_kn: float | Sequence[float],
    start: datetime,
    interval_s: float = 10,
    *,
    nav_status: int | None = 0,
    heading_offset_deg: float = 0.0,
    jitter_m: float = 0.0,
    sog_sd_kn: float = 0.0,
    cog_sd_deg: float = 0.0,
    msg_type: int = 1,
    seed: int = 0,
) -> pl.DataFrame:
    """A vessel sailing geodesic legs through ``waypoints`` (lon, lat) at ``speed_kn``.

    ``speed_kn`` is one speed or one per leg (knots). One report every ``interval_s``
    seconds from ``start`` (UTC) until the last waypoint is reached (the last report is the
    last whole interval before arrival). Heading is COG + ``heading_offset_deg`` (crab
    angle). ``jitter_m`` (metres), ``sog_sd_kn`` and ``cog_sd_deg`` add Gaussian noise as a
    real GNSS would. ``msg_type`` 1 for Class A, 18 for Class B.
    """
    _check_start(start)
    pts = np.asarray(waypoints, dtype=float)
    if pts.ndim != 2 or len(pts) < 2:
        raise MdaError(f"make_track needs at least two (lon, lat) waypoints, got {waypoints!r}")
    az, _, dist = GEOD.inv(pts[:-1, 0], pts[:-1, 1], pts[1:, 0], pts[1:, 1])
    speeds = _leg_speeds(speed_kn, len(dist))
    leg_start = np.concatenate([[0.0], np.cumsum(dist / (speeds * KN_MS))])
    t = np.arange(0.0, leg_start[-1] + 1e-6, interval_s)
    leg = np.clip(np.searchsorted(leg_start, t, side="right") - 1, 0, len(dist) - 1)
    along = (t - leg_start[leg]) * speeds[leg] * KN_MS
    lon, lat, back = GEOD.fwd(pts[leg, 0], pts[leg, 1], az[leg], along)
    rng = np.random.default_rng(seed)
    lon, lat = _jitter(np.asarray(lon), np.asarray(lat), jitter_m, rng)
    cog = np.mod(np.asarray(back) + 180.0, 360.0) + cog_sd_deg * rng.standard_normal(t.shape)
    sog = speeds[leg] + sog_sd_kn * rng.standard_normal(t.shape)
    ts_us = _epoch_us(start) + np.round(t * 1e6).astype(np.int64)
    return positions_frame(
        mmsi,
        ts_us,
        lon,
        lat,
        sog,
        cog,
        cog + heading_offset_deg,
        nav_status=nav_status,
        msg_type=msg_type,
    )


def _n_reports(duration_h: float, interval_s: float) -> int:
    if duration_h <= 0 or interval_s <= 0:
        raise MdaError(
            f"duration_h and interval_s must be positive, got {duration_h} h, {interval_s} s"
        )
    return int(duration_h * 3600.0 // interval_s) + 1


def make_loiter(
    mmsi: int,
    lon: float,
    lat: float,
    start: datetime,
    duration_h: float,
    speed_kn: float = 0.5,
    interval_s: float = 30,
    *,
    nav_status: int | None = 0,
    speed_range_kn: tuple[float, float] | None = None,
    turn_sd_deg: float = 6.0,
    msg_type: int = 1,
    seed: int = 0,
) -> pl.DataFrame:
    """A vessel stopped and drifting from (lon, lat) for ``duration_h`` hours.

    Speed over ground is ``speed_kn`` with 15 % Gaussian noise, clipped to
    ``speed_range_kn`` when given (knots); the course wanders by ``turn_sd_deg`` per report,
    so the vessel meanders around its start rather than running straight. The heading stays
    near one random direction (a ship lying to the wind).
    """
    _check_start(start)
    rng = np.random.default_rng(seed)
    n = _n_reports(duration_h, interval_s)
    course = np.mod(rng.uniform(0, 360) + np.cumsum(rng.normal(0.0, turn_sd_deg, n)), 360.0)
    speed = np.abs(rng.normal(speed_kn, 0.15 * speed_kn, n))
    if speed_range_kn is not None:
        speed = np.clip(speed, *speed_range_kn)
    step_m = speed * KN_MS * interval_s
    north = np.concatenate([[0.0], np.cumsum(step_m * np.cos(np.radians(course)))[:-1]])
    east = np.concatenate([[0.0], np.cumsum(step_m * np.sin(np.radians(course)))[:-1]])
    lats = lat + north / M_PER_DEG_LAT
    lons = lon + east / (M_PER_DEG_LAT * np.cos(np.radians(lat)))
    heading = rng.uniform(0, 360) + rng.normal(0.0, 3.0, n)
    ts_us = _epoch_us(start) + np.round(np.arange(n) * interval_s * 1e6).astype(np.int64)
    return positions_frame(
        mmsi, ts_us, lons, lats, speed, course, heading, nav_status=nav_status, msg_type=msg_type
    )


def make_anchored(
    mmsi: int,
    lon: float,
    lat: float,
    start: datetime,
    duration_h: float,
    interval_s: float = 180,
    *,
    nav_status: int | None = 1,
    swing_radius_m: float = 80.0,
    msg_type: int = 1,
    seed: int = 0,
) -> pl.DataFrame:
    """A vessel at anchor (nav_status 1) or moored (5, use a small radius) at (lon, lat).

    The ship swings slowly on a circle of about ``swing_radius_m`` metres around the anchor,
    bow to the anchor; SOG/COG are those of the swing (a few tenths of a knot at most).
    Class A ships at anchor report every 3 minutes, hence the default ``interval_s``.
    """
    _check_start(start)
    rng = np.random.default_rng(seed)
    n = _n_reports(duration_h, interval_s)
    bearing = rng.uniform(0, 360) + np.cumsum(rng.normal(0.0, 2.0, n))
    radius = swing_radius_m * rng.uniform(0.85, 1.0, n)
    north = radius * np.cos(np.radians(bearing))
    east = radius * np.sin(np.radians(bearing))
    lats = lat + north / M_PER_DEG_LAT
    lons = lon + east / (M_PER_DEG_LAT * np.cos(np.radians(lat)))
    dn, de = np.diff(north, prepend=north[0]), np.diff(east, prepend=east[0])
    sog = np.hypot(dn, de) / interval_s / KN_MS
    cog = np.degrees(np.arctan2(de, dn))
    ts_us = _epoch_us(start) + np.round(np.arange(n) * interval_s * 1e6).astype(np.int64)
    return positions_frame(
        mmsi,
        ts_us,
        lons,
        lats,
        sog,
        cog,
        bearing + 180.0,
        nav_status=nav_status,
        msg_type=msg_type,
    )


def concat_tracks(*pieces: pl.DataFrame) -> pl.DataFrame:
    """Join position pieces, sorted by (mmsi, ts); a repeated (mmsi, ts) keeps the first piece's."""
    frames = [schema.conform(p, schema.POSITIONS_SCHEMA) for p in pieces]
    if not frames:
        return schema.empty(schema.POSITIONS_SCHEMA)
    joined = pl.concat(frames, how="vertical")
    joined = joined.unique([schema.MMSI, schema.TS], keep="first", maintain_order=True)
    return joined.sort([schema.MMSI, schema.TS], maintain_order=True)


def drop_between(
    positions: pl.DataFrame, t1: datetime, t2: datetime, mmsi: int | None = None
) -> pl.DataFrame:
    """Make a gap: remove positions with t1 < ts < t2 (both exclusive), of one MMSI or all."""
    _check_start(t1)
    _check_start(t2)
    inside = (pl.col(schema.TS) > t1) & (pl.col(schema.TS) < t2)
    if mmsi is not None:
        inside = inside & (pl.col(schema.MMSI) == mmsi)
    return positions.filter(~inside)


def clip_time(positions: pl.DataFrame, t1: datetime, t2: datetime) -> pl.DataFrame:
    """Keep positions with t1 <= ts < t2 (a day window, a receiver's uptime...)."""
    _check_start(t1)
    _check_start(t2)
    return positions.filter((pl.col(schema.TS) >= t1) & (pl.col(schema.TS) < t2))


def track_end(positions: pl.DataFrame) -> tuple[float, float, datetime]:
    """(lon, lat, ts) of the last report of a one-vessel piece, to chain the next piece on."""
    if positions.height == 0:
        raise MdaError("track_end got an empty positions table")
    last = positions.sort(schema.TS).row(-1, named=True)
    return last[schema.LON], last[schema.LAT], last[schema.TS]
