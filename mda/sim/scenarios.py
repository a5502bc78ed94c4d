"""Scenario days for the detection benchmark: every event type injected at random, with truth.

``simulate_scenarios(day, seed=...)`` builds one UTC day in the demo region (the Baltic
Proper around Gotland, see :mod:`mda.sim.scenario`) with:

* **injected events** (rows of ``ScenarioDay.truth``), each at a random place at sea, with
  random durations within the stated ranges and random timing:

  - ``loitering``: a ship arrives at 9-14 kn, drifts 2.5-8 h at a mean 0.2-1.2 kn (15 %
    speed noise, not clipped at 2 kn) at least 12 km from shore, then leaves.
  - ``ais_gap``: silent 6.5-14 h, either mid-transit (reappears 20-100 % of the distance it
    could have covered, roughly ahead) or while towing (reappears 2-30 km away).
  - ``encounter``: two ships arrive from different directions and drift together 2.5-5 h at
    < 1 kn, 100-300 m apart, more than 12 km from shore, then leave. Both ships also get a
    ``loitering`` truth row (they are loitering by that definition; note says "implied").
  - ``anchor_drag``: transit at 10-14 kn, then 2.5-5 kn for 20-60 km across a cable (crossing
    angle 30-150 degrees, crossing point 20-80 % along the drag, at least 10 km offshore),
    heading 40-90 degrees off the course, nav_status 0, then back to transit speed.
  - ``fishing_in_zone`` (``fishing_in_closure``): a trawler (ship type 30) steams in at
    8-11 kn from 20-80 km away, tows like an otter trawler (the OTB behaviour of
    :mod:`mda.sim.fishing`: 2.5-4.5 kn, one or two straight-ish tows with a 150-210 degree
    turn between them, nav_status 7) for 1.5-4 h wholly inside the East Gotland winter
    fishing closure (at least 1 km inside its edge; in force 2024-01-01 to 2024-05-01), then
    leaves. Truth spans the tow. On a day the closure is not in force the same vessel is
    recorded as the hard negative ``fishing_in_closure_out_of_season`` instead.
  - ``identity_conflict``: one MMSI on two ships more than 50 km apart for 1.2-8 h
    (``shared_mmsi``), and one ship with a placeholder or unallocated-MID MMSI (123456789,
    222222222, 300000000, MID 280-300, ...) (``invalid_mmsi``). Note that ``mda ingest``
    quarantines MMSIs below 200000000 (123456789) before detection; the benchmark feeds
    positions to the detectors directly.

* **hard negatives** (rows of ``ScenarioDay.negatives``): things that look like an event and
  are not: ``fast_pass_300m`` (two ships crossing at 10-16 kn, about 300 m apart at the
  crossing), ``cable_slowdown_15min`` (13-17 min at 3-5 kn over a cable), ``reception_gap_30min``
  (25-35 min without reports mid-transit), ``trawl_outside_closure`` (towing at 2.5-3.5 kn
  0.5-3 km outside a fishing closure in force), ``port_waiting_anchor`` (at anchor off a port)
  and ``port_waiting_pair`` (two ships anchored 150-400 m apart off a port), plus
  ``trawl_across_cable`` (beyond the issue's list: a trawler steams at 9-11 kn, then tows at
  3-4 kn for 20-40 km across a cable, heading along its course, nav_status 7 "engaged in
  fishing"), and ``trawl_in_closure_out_of_season`` (the ``fishing_in_closure`` tow inside
  the Gotland Deep summer closure, valid June-August: not in force on a March day; on a day
  it is in force the tow gets a ``fishing_in_zone`` truth row instead).

* **normal traffic** from :mod:`mda.sim.scenario` (transits on the lanes, ships at anchor
  near ports, port calls, trawlers, Class B craft).

Scenarios that tow at random places (the ``ais_gap`` towing variant, ``trawl_across_cable``)
keep their tow paths at least 1 km clear of every zone forbidding fishing (kinds
``fishing_closure``, ``no_take``) in force that day, so they need no ``fishing_in_zone``
truth; ``trawl_outside_closure`` keeps its designed 0.5-3 km (path at least 0.25 km clear).

About half of all vessels (injected ones too) get one or two short reception dropouts
(3-25 min), as in ``simulate_day``.

Positions are kept inside the region bbox and the day, as in ``simulate_day``. Every placement
is checked against the coarse land layer (paths stay at sea and inside the region); a draw that
fails is redrawn.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any

import numpy as np
import polars as pl
import shapely
from shapely.geometry import shape

from mda import schema
from mda.errors import MdaError
from mda.sim import geo
from mda.sim.fishing import _sample, _Steps, _straight, _turn
from mda.sim.fleet import Particulars
from mda.sim.scenario import (
    ANCHOR_S,
    NOTE,
    SCENARIO_ID,
    TRUTH_SCHEMA,
    UNDERWAY_S,
    _dropouts,
    _Fleet,
    _mix,
    _vessels_frame,
    _Voyage,
)
from mda.sim.tracks import (
    GEOD,
    M_PER_DEG_LAT,
    clip_time,
    concat_tracks,
    drop_between,
    make_anchored,
    positions_frame,
)

NEGATIVE = "negative"  # hard-negative name column
KM_PER_H_PER_KN = 1.852
SCENARIO_TRUTH_SCHEMA: dict[str, pl.DataType] = {
    **TRUTH_SCHEMA,
    schema.OTHER_MMSI: pl.Int64(),  # encounters: the higher MMSI of the pair (mmsi is the lower)
}
NEGATIVES_SCHEMA: dict[str, pl.DataType] = {
    NEGATIVE: pl.String(),
    SCENARIO_ID: pl.String(),
    schema.MMSI: pl.Int64(),
    schema.OTHER_MMSI: pl.Int64(),
    schema.START_TIME: schema.UTC_TS,
    schema.END_TIME: schema.UTC_TS,
    NOTE: pl.String(),
}
FISHING_UNDERWAY = 7  # AIS navigational status "engaged in fishing"
# Zone kinds where fishing is forbidden (as mda.detect.params.FishingParams.forbidden_kinds).
FORBIDDING_KINDS = ("fishing_closure", "no_take")
TOW_MARGIN_KM = 1.0  # random tows keep this far from forbidding zones in force (and inside)
WINTER_CLOSURE = "East Gotland winter fishing closure (synthetic)"  # 2024-01-01 to 05-01
SUMMER_CLOSURE = "Gotland Deep summer fishing closure (synthetic)"  # 2024-06-01 to 09-01


@dataclass(frozen=True)
class ScenarioMix:
    """How many of each injected event and hard negative one day gets."""

    loitering: int = 2
    ais_gap: int = 2
    encounter: int = 2
    anchor_drag: int = 2
    shared_mmsi: int = 1
    invalid_mmsi: int = 1
    fishing_in_closure: int = 1
    negatives: int = 1  # of each hard negative
    n_normal: int = 40  # normal vessels (mda.sim.scenario mix)


@dataclass(frozen=True)
class ScenarioDay:
    """One benchmark day: transmitted positions, vessels, injected truth and hard negatives."""

    day: date
    seed: int
    positions: pl.DataFrame  # POSITIONS_SCHEMA
    vessels: pl.DataFrame  # VESSELS_SCHEMA
    truth: pl.DataFrame  # SCENARIO_TRUTH_SCHEMA
    negatives: pl.DataFrame  # NEGATIVES_SCHEMA: hard-negative vessels (mmsi, other_mmsi)
    normal_mmsis: frozenset[int]  # vessels of the normal traffic


class _Retry(Exception):
    """A random draw did not fit (path over land, outside the region...): draw again."""


@dataclass
class _Day(_Fleet):
    negatives: list[dict[str, Any]] = field(default_factory=list)

    def hours(self, h: float) -> datetime:
        return self.t0 + timedelta(seconds=round(h * 3600))


# --- geometry helpers ---------------------------------------------------------------------------


def _fwd(lon: float, lat: float, bearing: float, km: float) -> tuple[float, float]:
    lon2, lat2, _ = GEOD.fwd(lon, lat, bearing % 360, km * 1000)
    return float(lon2), float(lat2)


def _azimuth(a: tuple[float, float], b: tuple[float, float]) -> float:
    az, _, _ = GEOD.inv(a[0], a[1], b[0], b[1])
    return float(az) % 360


def _at_sea(points: list[tuple[float, float]], min_shore_km: float) -> bool:
    """Inside the region (0.1 degree margin) and at least ``min_shore_km`` from land."""
    return (
        geo.inside_region(points, 0.1)
        and geo.path_distance_to_land_m(points) >= min_shore_km * 1000
    )


def _sea_point(f: _Day, min_shore_km: float) -> tuple[float, float]:
    x0, y0, x1, y1 = geo.REGION_BBOX
    for _ in range(2000):
        pt = (f.at((x0 + 0.2, x1 - 0.2)), f.at((y0 + 0.2, y1 - 0.2)))
        if _at_sea([pt], min_shore_km):
            return pt
    raise MdaError(f"no sea point {min_shore_km} km from shore found in the region")


def _sea_leg(
    f: _Day,
    start: tuple[float, float],
    km: float,
    *,
    bearing: float | None = None,
    spread: float = 180.0,
    min_shore_km: float = 1.0,
) -> tuple[float, float]:
    """End of a straight leg of ``km`` from ``start`` that stays at sea (bearing +- spread)."""
    for _ in range(40):
        b = f.at((0, 360)) if bearing is None else bearing + f.at((-spread, spread))
        end = _fwd(*start, b, km)
        if _at_sea([start, end], min_shore_km):
            return end
    raise _Retry


def _sea_route(
    f: _Day, start: tuple[float, float], km: float, bearing: float | None = None
) -> list[tuple[float, float]]:
    """Waypoints of a 1-3 leg route of ``km`` in total from ``start``, at sea."""
    legs = int(f.rng.integers(1, 4))
    points = [start]
    for _ in range(legs):
        end = _sea_leg(
            f, points[-1], km / legs, bearing=bearing, spread=35 if bearing is not None else 180
        )
        bearing = _azimuth(points[-1], end)
        points.append(end)
    return points[1:]


@cache
def _cables() -> tuple[shapely.Geometry, ...]:
    doc = json.loads(geo.data_file("cables").read_text(encoding="utf-8"))
    x0, y0, x1, y1 = geo.REGION_BBOX
    box = shapely.box(x0 + 0.1, y0 + 0.1, x1 - 0.1, y1 - 0.1)
    parts = [shape(ft["geometry"]).intersection(box) for ft in doc["features"]]
    return tuple(p for g in parts for p in shapely.get_parts(g) if not p.is_empty)


def _cable_point(f: _Day, min_shore_km: float) -> tuple[float, float, float]:
    """(lon, lat, local cable bearing) of a random point on a cable, offshore."""
    lines = _cables()
    weights = np.array([ln.length for ln in lines])
    for _ in range(500):
        line = lines[int(f.rng.choice(len(lines), p=weights / weights.sum()))]
        frac = f.at((0.02, 0.98))
        pt = line.interpolate(frac, normalized=True)
        ahead = line.interpolate(min(frac + 0.01, 1.0), normalized=True)
        if _at_sea([(pt.x, pt.y)], min_shore_km) and not pt.equals(ahead):
            return pt.x, pt.y, _azimuth((pt.x, pt.y), (ahead.x, ahead.y))
    raise MdaError("no offshore cable point found in the region")


@cache
def _zone_features() -> tuple[dict[str, Any], ...]:
    doc = json.loads(geo.data_file("zones").read_text(encoding="utf-8"))
    return tuple(doc["features"])


def _in_force(props: dict[str, Any], day: date) -> bool:
    """The zone is valid on ``day`` (valid_to exclusive; open ends allowed)."""
    lo = props.get("valid_from") or "0000"
    hi = props.get("valid_to") or "9999"
    return bool(lo <= day.isoformat() < hi)


@cache
def _closures(day: date) -> tuple[shapely.Geometry, ...]:
    """Fishing closures in force on ``day`` (all closures if none is)."""
    closures = [ft for ft in _zone_features() if ft["properties"].get("kind") == "fishing_closure"]
    chosen = [ft for ft in closures if _in_force(ft["properties"], day)] or closures
    return tuple(shape(ft["geometry"]) for ft in chosen)


@cache
def _zone(name: str) -> shapely.Geometry:
    """The packaged zone called ``name``."""
    for ft in _zone_features():
        if ft["properties"].get("name") == name:
            return shape(ft["geometry"])
    raise MdaError(f"no zone {name!r} in the packaged zones layer")


def _grow_km(geom: shapely.Geometry, km: float) -> shapely.Geometry:
    """``geom`` (lon/lat) grown by ``km`` (shrunk when negative), in a local metric frame."""
    k = float(np.cos(np.radians(shapely.centroid(geom).y)))
    flat = shapely.transform(geom, lambda xy: xy * [k, 1.0])
    grown = flat.buffer(km * 1000 / M_PER_DEG_LAT)
    return shapely.transform(grown, lambda xy: xy / [k, 1.0])


@cache
def _no_fishing(day: date, margin_km: float) -> shapely.Geometry | None:
    """Zones forbidding fishing in force on ``day``, grown by ``margin_km`` (None if none)."""
    zones = [
        shape(ft["geometry"])
        for ft in _zone_features()
        if ft["properties"].get("kind") in FORBIDDING_KINDS and _in_force(ft["properties"], day)
    ]
    return _grow_km(shapely.union_all(zones), margin_km) if zones else None


def _tow_clear(
    f: _Day, points: list[tuple[float, float]], margin_km: float = TOW_MARGIN_KM
) -> bool:
    """The straight path through ``points`` stays ``margin_km`` clear of zones forbidding
    fishing that are in force that day (so a random tow never needs a fishing truth row)."""
    zone = _no_fishing(f.t0.date(), margin_km)
    path = shapely.LineString(points) if len(points) > 1 else shapely.Point(points[0])
    return zone is None or not zone.intersects(path)


# --- rows ---------------------------------------------------------------------------------------


def _truth(
    sid: str, kind: str, piece: pl.DataFrame, note: str, other: int | None = None
) -> dict[str, Any]:
    return {
        SCENARIO_ID: sid,
        schema.EVENT_TYPE: kind,
        schema.MMSI: int(piece[schema.MMSI][0]),
        schema.OTHER_MMSI: other,
        schema.START_TIME: piece[schema.TS].min(),
        schema.END_TIME: piece[schema.TS].max(),
        schema.LON: piece[schema.LON].mean(),
        schema.LAT: piece[schema.LAT].mean(),
        NOTE: note,
    }


def _negative(
    f: _Day, name: str, sid: str, mmsi: int, t1: Any, t2: Any, note: str, other: Any = None
) -> None:
    f.negatives.append(
        {
            NEGATIVE: name,
            SCENARIO_ID: sid,
            schema.MMSI: mmsi,
            schema.OTHER_MMSI: other,
            schema.START_TIME: t1,
            schema.END_TIME: t2,
            NOTE: note,
        }
    )


def _num(value: Any) -> float:
    return float(value)


def _overlap(a: pl.DataFrame, b: pl.DataFrame) -> tuple[datetime, datetime]:
    """[start, end] of the time both pieces report."""
    ta, tb = a[schema.TS], b[schema.TS]
    start: datetime = max(ta.min(), tb.min())  # type: ignore[type-var,assignment]
    end: datetime = min(ta.max(), tb.max())  # type: ignore[type-var,assignment]
    return start, end


def _kind(f: _Day, *kinds: str) -> str:
    return str(f.rng.choice(list(kinds)))


def _inbound(
    f: _Day, p: Particulars, target: tuple[float, float], speed: float, arrive_h: float
) -> _Voyage:
    """A voyage arriving at ``target`` about ``arrive_h`` h after midnight from 20-80 km away."""
    km = f.at((20.0, 80.0))
    start = _sea_leg(f, target, km)
    v = f.voyage(p, arrive_h - km / (speed * KM_PER_H_PER_KN), *start)
    v.sail([target], speed)
    return v


def _outbound(f: _Day, v: _Voyage, speed: float, bearing: float | None = None) -> None:
    end = _sea_leg(f, (v.lon, v.lat), f.at((20.0, 80.0)), bearing=bearing, spread=40)
    v.sail([end], speed)


# --- injected events --------------------------------------------------------------------------


def _loitering(f: _Day, sid: str) -> None:
    spot = _sea_point(f, 12.0)
    hours = f.at((2.5, 8.0))
    p = f.vessel(_kind(f, "cargo", "tanker", "fishing", "tug"))
    speed = f.at((9.0, 14.0))
    v = _inbound(f, p, spot, speed, f.at((1.0, 23.0 - hours)))
    mean_kn = f.at((0.2, 1.2))
    slow = v.drift(hours, mean_kn, (0.0, 3.0))
    centre = [(_num(slow[schema.LON].mean()), _num(slow[schema.LAT].mean()))]
    if not _at_sea(centre, 10.0):
        raise _Retry
    _outbound(f, v, speed)
    f.tracks.append(v.frame())
    note = f"drifts {hours:.1f} h at a mean {mean_kn:.1f} kn at sea"
    f.truth.append(_truth(sid, "loitering", slow, note))


def _gap_transit(f: _Day, gap_h: float, dark_h: float) -> tuple[Particulars, _Voyage, str]:
    speed = f.at((9.0, 14.0))
    dark_at = _sea_point(f, 3.0)
    before_h = f.at((1.0, 4.0))
    start = _sea_leg(f, dark_at, speed * KM_PER_H_PER_KN * before_h)
    heading = _azimuth(start, dark_at)
    share = f.at((0.2, 1.0))  # while dark it may slow, detour or stop
    back = _sea_leg(f, dark_at, speed * KM_PER_H_PER_KN * gap_h * share, bearing=heading, spread=45)
    after = _sea_leg(
        f, back, speed * KM_PER_H_PER_KN * f.at((1.0, 4.0)), bearing=heading, spread=30
    )
    p = f.vessel(_kind(f, "cargo", "tanker"))
    v = f.voyage(p, dark_h - before_h, *start)
    v.sail([dark_at], speed)
    v.go_dark(gap_h, *back)
    v.sail([after], speed)
    return p, v, f"dark {gap_h:.1f} h mid-transit at {speed:.0f} kn, reappears {share:.0%} ahead"


def _tow_legs(
    f: _Day, start: tuple[float, float], hours: float, speed: float
) -> list[tuple[float, float]]:
    legs = max(1, int(hours // 2))
    km = speed * KM_PER_H_PER_KN * hours / legs
    points, heading = [start], f.at((0, 360))
    for _ in range(legs):
        points.append(_sea_leg(f, points[-1], km, bearing=heading, spread=40, min_shore_km=3.0))
        heading = (heading + f.at((150, 210))) % 360
    return points[1:]


def _gap_towing(f: _Day, gap_h: float, dark_h: float) -> tuple[Particulars, _Voyage, str]:
    speed = f.at((3.0, 4.5))
    before_h = f.at((1.0, 4.0))
    start = _sea_point(f, 5.0)
    before = _tow_legs(f, start, before_h, speed)
    back = _sea_leg(f, before[-1], f.at((2.0, 30.0)), min_shore_km=3.0)
    after = _tow_legs(f, back, f.at((1.0, 4.0)), speed)
    if not (_tow_clear(f, [start, *before]) and _tow_clear(f, [back, *after])):
        raise _Retry
    p = f.vessel("fishing")
    v = f.voyage(p, dark_h - before_h, *start)
    v.sail(before, speed, nav_status=FISHING_UNDERWAY)
    v.go_dark(gap_h, *back)
    v.sail(after, speed, nav_status=FISHING_UNDERWAY)
    return p, v, f"trawler dark {gap_h:.1f} h while towing at {speed:.1f} kn"


def _ais_gap(f: _Day, sid: str) -> None:
    gap_h = f.at((6.5, 14.0))
    dark_h = f.at((0.5, 23.5 - gap_h))
    build = _gap_transit if f.rng.random() < 0.6 else _gap_towing
    _, v, note = build(f, gap_h, dark_h)
    track = v.frame()
    t1 = track.filter(pl.col(schema.TS) <= v.pieces[-2][schema.TS].max())
    t2 = v.pieces[-1]
    f.tracks.append(track)
    row = _truth(sid, "ais_gap", t1, note)
    lon, lat = t1[schema.LON][-1], t1[schema.LAT][-1]
    row |= {schema.START_TIME: t1[schema.TS].max(), schema.END_TIME: t2[schema.TS].min()}
    f.truth.append(row | {schema.LON: lon, schema.LAT: lat})


def _companion(
    mmsi: int, lead: pl.DataFrame, offset_m: float, f: _Day, interval_s: float = UNDERWAY_S
) -> pl.DataFrame:
    """A second ship keeping ``offset_m`` (100-300 m, slowly varying) from ``lead``'s reports."""
    t = lead[schema.TS].dt.epoch("us").to_numpy()
    phase_us = int(f.rng.integers(1, int(interval_s))) * 1_000_000
    ts = np.arange(t[0] + phase_us, t[-1], int(interval_s * 1e6))
    n = len(ts)
    lon = np.interp(ts, t, lead[schema.LON].to_numpy())
    lat = np.interp(ts, t, lead[schema.LAT].to_numpy())
    dist = np.clip(offset_m + np.cumsum(f.rng.normal(0.0, 2.0, n)), 100.0, 300.0)
    bearing = np.radians(f.at((0, 360)) + np.cumsum(f.rng.normal(0.0, 0.5, n)))
    lat2 = lat + dist * np.cos(bearing) / M_PER_DEG_LAT
    lon2 = lon + dist * np.sin(bearing) / (M_PER_DEG_LAT * np.cos(np.radians(lat)))
    sog = np.interp(ts, t, lead[schema.SOG_KN].to_numpy()) + f.rng.normal(0.0, 0.05, n)
    cog = lead[schema.COG_DEG].to_numpy()[np.clip(np.searchsorted(t, ts), 0, len(t) - 1)]
    heading = f.at((0, 360)) + f.rng.normal(0.0, 3.0, n)
    return positions_frame(mmsi, ts, lon2, lat2, np.clip(sog, 0.0, 0.94), cog, heading)


def _encounter(f: _Day, sid: str) -> None:
    spot = _sea_point(f, 12.0)
    hours = f.at((2.5, 5.0))
    meet_h = f.at((1.0, 23.0 - hours))
    pa = f.vessel(_kind(f, "cargo", "tanker", "fishing"))
    pb = f.vessel(_kind(f, "cargo", "tanker", "fishing", "tug"))
    va = _inbound(f, pa, spot, f.at((9.0, 14.0)), meet_h)
    lead = va.drift(hours, f.at((0.2, 0.7)), (0.0, 0.94))
    offset = f.at((100.0, 300.0))
    side = _companion(pb.mmsi, lead, offset, f)
    vb = _inbound(f, pb, (side[schema.LON][0], side[schema.LAT][0]), f.at((9.0, 14.0)), meet_h)
    vb.pieces[-1] = vb.pieces[-1].filter(pl.col(schema.TS) < side[schema.TS][0])
    vb._push(side, UNDERWAY_S)
    _outbound(f, va, f.at((9.0, 14.0)))
    _outbound(f, vb, f.at((9.0, 14.0)))
    f.tracks += [va.frame(), vb.frame()]
    a, b = sorted((pa.mmsi, pb.mmsi))
    row = _truth(sid, "encounter", lead, f"drift together {hours:.1f} h ~{offset:.0f} m apart")
    start, end = _overlap(lead, side)
    pair = {schema.MMSI: a, schema.OTHER_MMSI: b, schema.START_TIME: start, schema.END_TIME: end}
    f.truth.append(row | pair)
    implied = "implied: encounter participant drifting < 1 kn at sea"
    f.truth += [_truth(f"{sid}_a", "loitering", lead, implied)]
    f.truth += [_truth(f"{sid}_b", "loitering", side, implied)]


def _anchor_drag(f: _Day, sid: str) -> None:
    x_lon, x_lat, cable_az = _cable_point(f, 10.0)
    drag_km, frac = f.at((20.0, 60.0)), f.at((0.2, 0.8))
    bearing = cable_az + f.at((30.0, 150.0)) + (180 if f.rng.random() < 0.5 else 0)
    s = _fwd(x_lon, x_lat, bearing + 180, frac * drag_km)
    e = _fwd(x_lon, x_lat, bearing, (1 - frac) * drag_km)
    if not _at_sea([s, (x_lon, x_lat), e], 6.0):
        raise _Retry
    drag_kn, transit_kn = f.at((2.5, 5.0)), f.at((10.0, 14.0))
    drag_h = drag_km / (drag_kn * KM_PER_H_PER_KN)
    pre_h, post_h = f.at((1.0, 4.0)), f.at((1.0, 4.0))
    start = _sea_leg(f, s, transit_kn * KM_PER_H_PER_KN * pre_h, bearing=bearing + 180, spread=25)
    end = _sea_leg(f, e, transit_kn * KM_PER_H_PER_KN * post_h, bearing=bearing, spread=25)
    p = f.vessel(_kind(f, "cargo", "tanker"))
    v = f.voyage(p, f.at((0.5, 23.5 - drag_h)) - pre_h, *start)
    v.sail([s], transit_kn)
    offset = f.at((40.0, 90.0)) * (1 if f.rng.random() < 0.5 else -1)
    drag = v.sail([e], drag_kn, heading_offset_deg=offset)
    v.sail([end], transit_kn)
    f.tracks.append(v.frame())
    note = f"{drag_km:.0f} km at {drag_kn:.1f} kn across a cable, heading {offset:+.0f} deg off"
    f.truth.append(_truth(sid, "anchor_drag", drag, note))


def _min_separation_km(a: pl.DataFrame, b: pl.DataFrame) -> float:
    """Smallest distance between two tracks at (nearly) the same times, km."""
    cols = [schema.TS, schema.LAT, schema.LON]
    near = b.select(cols).join_asof(a.select(cols), on=schema.TS, suffix="_a", strategy="nearest")
    _, _, d = GEOD.inv(near[schema.LON], near[schema.LAT], near["lon_a"], near["lat_a"])
    return float(np.min(d)) / 1000


def _shared_mmsi(f: _Day, sid: str) -> None:
    overlap_h = f.at((1.2, 8.0))
    t1_h = f.at((0.5, 23.5 - overlap_h))
    pre_h, post_h = f.at((0.5, 4.0)), f.at((0.5, 4.0))
    speed_a, speed_b = f.at((9.0, 15.0)), f.at((9.0, 15.0))
    a0, b0 = _sea_point(f, 3.0), _sea_point(f, 3.0)
    route_a = _sea_route(f, a0, speed_a * KM_PER_H_PER_KN * (pre_h + overlap_h + post_h))
    route_b = _sea_route(f, b0, speed_b * KM_PER_H_PER_KN * overlap_h)
    p = f.vessel(_kind(f, "cargo", "tanker", "fishing"))
    va = f.voyage(p, t1_h - pre_h, *a0)
    va.sail(route_a, speed_a)
    vb = f.voyage(p, t1_h, *b0)
    vb.sail(route_b, speed_b)
    a, b = va.frame(), vb.frame()
    if a.join(b, on=schema.TS, how="semi").height:  # same report phase: shift the clone's
        b = b.with_columns(pl.col(schema.TS) + timedelta(seconds=int(f.rng.integers(1, 30))))
    if _min_separation_km(a, b) < 55.0:
        raise _Retry
    f.tracks += [a, b]
    start, end = _overlap(a, b)
    note = f"one MMSI on two ships > 55 km apart for {overlap_h:.1f} h"
    row = _truth(sid, "identity_conflict", b, note)
    f.truth.append(row | {schema.START_TIME: start, schema.END_TIME: end})


def _placeholder_mmsi(f: _Day) -> int:
    kind = int(f.rng.integers(0, 4))
    if kind == 0:
        return 123456789
    if kind == 1:
        return 111_111_111 * int(f.rng.integers(2, 8))
    if kind == 2:
        return 100_000_000 * int(f.rng.integers(2, 8))
    mid = int(
        f.rng.choice([*range(280, 301), *range(479, 501), *range(579, 601), *range(776, 800)])
    )
    return mid * 1_000_000 + int(f.rng.integers(100_000, 999_999))


def _invalid_mmsi(f: _Day, sid: str) -> None:
    mmsi = _placeholder_mmsi(f)
    if mmsi in f.used_mmsi:
        raise _Retry
    hours, speed = f.at((3.0, 20.0)), f.at((6.0, 14.0))
    start = _sea_point(f, 3.0)
    route = _sea_route(f, start, speed * KM_PER_H_PER_KN * hours)
    p = f.vessel(_kind(f, "cargo", "fishing", "tug"))
    f.used_mmsi.add(mmsi)
    f.particulars[-1] = replace(p, mmsi=mmsi)
    v = f.voyage(f.particulars[-1], f.at((-2.0, 24.0 - hours)), *start)
    v.sail(route, speed)
    track = clip_time(v.frame(), f.t0, f.t0 + timedelta(days=1))
    if track.height < 20:
        raise _Retry
    f.tracks.append(track)
    f.truth.append(_truth(sid, "identity_conflict", track, f"placeholder MMSI {mmsi}"))


def _otb_steps(f: _Day, hours: float) -> _Steps:
    """Otter-trawl tows lasting ``hours`` in all, as mda.sim.fishing simulates OTB: 1-2
    straight-ish tows at 2.5-4.5 kn (course wander 0.5 deg/min) with a 150-210 degree turn
    of 5-12 min at 2-3.5 kn between them."""
    s = _Steps()
    s.add(0.0, 0.0, f.at((0.0, 360.0)), True, "trawling")
    n = int(f.rng.integers(1, 3))
    turns_min = [f.at((5.0, 12.0)) for _ in range(n - 1)]
    tow_h = (hours - sum(turns_min) / 60) / n
    for k in range(n):
        if k:
            sign = 1 if f.rng.random() < 0.5 else -1
            _turn(s, f.rng, sign * f.at((150.0, 210.0)), turns_min[k - 1], f.at((2.0, 3.5)), True)
        _straight(s, f.rng, tow_h, (2.5, 4.5), 0.5, True, "trawling")
    return s


def _tow_piece(
    f: _Day, v: _Voyage, zone: shapely.Geometry, hours: float
) -> tuple[pl.DataFrame, tuple[float, float]]:
    """An OTB tow of ``hours`` placed wholly inside ``zone`` (TOW_MARGIN_KM from its edge),
    starting at ``v.t``; returns the positions (nav_status 7) and the tow's first point."""
    t, x, y, sog, cog, _ = _sample(_otb_steps(f, hours), UNDERWAY_S, f.rng)
    inner = _grow_km(zone, -TOW_MARGIN_KM)
    x0, y0, x1, y1 = inner.bounds
    for _ in range(50):
        lon0, lat0 = f.at((x0, x1)), f.at((y0, y1))
        lat = lat0 + (y + f.rng.normal(0, 4.0, len(t))) / M_PER_DEG_LAT
        lon = lon0 + (x + f.rng.normal(0, 4.0, len(t))) / (M_PER_DEG_LAT * np.cos(np.radians(lat0)))
        if shapely.contains_xy(inner, lon, lat).all():
            break
    else:
        raise _Retry
    if not _at_sea(list(zip(lon[::20], lat[::20], strict=True)), 1.0):
        raise _Retry
    cog = cog + f.rng.normal(0, 1, len(t)) * np.minimum(2.0 + 10.0 / np.maximum(sog, 0.2), 90.0)
    sog = np.maximum(sog + f.rng.normal(0, 0.15, len(t)), 0.0)
    heading = cog + f.rng.normal(0, 3.0, len(t))
    start_us = int(v.t.timestamp()) * 1_000_000
    ts_us = start_us + np.round(t).astype(np.int64) * 1_000_000  # whole seconds
    frame = positions_frame(
        v.mmsi, ts_us, lon, lat, sog, cog % 360, heading % 360, nav_status=FISHING_UNDERWAY
    )
    return frame, (float(lon[0]), float(lat[0]))


def _tow_in_zone(f: _Day, zone_name: str) -> tuple[pl.DataFrame, str]:
    """A trawler steams in at 8-11 kn from 20-80 km, tows 1.5-4 h inside the zone, leaves."""
    hours, speed = f.at((1.5, 4.0)), f.at((8.0, 11.0))
    p = f.vessel("fishing")
    v = f.voyage(p, f.at((1.0, 22.5 - hours)), 0.0, 0.0)  # placed once the tow is
    tow, first = _tow_piece(f, v, _zone(zone_name), hours)
    km = f.at((20.0, 80.0))
    start = _sea_leg(f, first, km)
    v = replace(
        v, lon=start[0], lat=start[1], t=v.t - timedelta(hours=km / (speed * KM_PER_H_PER_KN))
    )
    v.sail([first], speed)
    shift = timedelta(seconds=round((v.t - tow[schema.TS][0]).total_seconds()))  # next report
    v._push(tow.with_columns(pl.col(schema.TS) + shift), UNDERWAY_S)
    _outbound(f, v, speed)
    f.tracks.append(v.frame())
    tow = v.pieces[1]
    mean_kn = float(tow[schema.SOG_KN].mean())  # type: ignore[arg-type]
    return tow, f"tows {hours:.1f} h at a mean {mean_kn:.1f} kn inside {zone_name}"


def _closure_tow(f: _Day, sid: str, zone_name: str, negative: str) -> None:
    """Tow inside the named closure: a ``fishing_in_zone`` truth row when the closure is in
    force that day, else the hard negative ``negative`` (it must not fire)."""
    tow, note = _tow_in_zone(f, zone_name)
    (props,) = (
        ft["properties"] for ft in _zone_features() if ft["properties"]["name"] == zone_name
    )
    if _in_force(props, f.t0.date()):
        f.truth.append(_truth(sid, "fishing_in_zone", tow, note))
    else:
        t1, t2 = tow[schema.TS].min(), tow[schema.TS].max()
        _negative(f, negative, sid, int(tow[schema.MMSI][0]), t1, t2, note + " (out of season)")


# --- hard negatives -----------------------------------------------------------------------------


def _fast_pass(f: _Day, sid: str) -> None:
    spot = _sea_point(f, 12.0)
    pass_h = f.at((3.0, 21.0))
    ba = f.at((0.0, 360.0))
    bb = ba + f.at((30.0, 150.0)) * (1 if f.rng.random() < 0.5 else -1)
    offset = f.at((250.0, 350.0)) / 1000
    ships = []
    for bearing, through in ((ba, spot), (bb, _fwd(*spot, bb + 90, offset))):
        speed = f.at((10.0, 16.0))
        pre, post = f.at((1.0, 3.0)), f.at((1.0, 3.0))
        a = _fwd(*through, bearing + 180, speed * KM_PER_H_PER_KN * pre)
        b = _fwd(*through, bearing, speed * KM_PER_H_PER_KN * post)
        if not _at_sea([a, through, b], 2.0):
            raise _Retry
        ships.append((a, through, b, speed, pre))
    mmsis = []
    for a, through, b, speed, pre in ships:
        p = f.vessel(_kind(f, "cargo", "tanker", "passenger"))
        v = f.voyage(p, pass_h - pre, *a)
        v.sail([through, b], speed)
        f.tracks.append(v.frame())
        mmsis.append(p.mmsi)
    cpa = _min_separation_km(f.tracks[-2], f.tracks[-1]) * 1000
    m1, m2 = sorted(mmsis)
    t = f.hours(pass_h)
    note = f"crossing at 10-16 kn, closest {cpa:.0f} m"
    _negative(
        f, "fast_pass_300m", sid, m1, t - timedelta(hours=1), t + timedelta(hours=1), note, m2
    )


def _cable_slowdown(f: _Day, sid: str) -> None:
    x_lon, x_lat, cable_az = _cable_point(f, 6.0)
    bearing = cable_az + f.at((40.0, 140.0)) + (180 if f.rng.random() < 0.5 else 0)
    slow_min, slow_kn, speed = f.at((13.0, 17.0)), f.at((3.0, 5.0)), f.at((10.0, 14.0))
    half_km = slow_kn * KM_PER_H_PER_KN * slow_min / 60 / 2
    s, e = _fwd(x_lon, x_lat, bearing + 180, half_km), _fwd(x_lon, x_lat, bearing, half_km)
    pre, post = f.at((1.5, 4.0)), f.at((1.5, 4.0))
    start = _sea_leg(f, s, speed * KM_PER_H_PER_KN * pre, bearing=bearing + 180, spread=20)
    end = _sea_leg(f, e, speed * KM_PER_H_PER_KN * post, bearing=bearing, spread=20)
    p = f.vessel(_kind(f, "cargo", "tanker"))
    v = f.voyage(p, f.at((pre, 23.0 - post)) - pre, *start)
    v.sail([s], speed)
    slow = v.sail([e], slow_kn)
    v.sail([end], speed)
    f.tracks.append(v.frame())
    t1, t2 = slow[schema.TS].min(), slow[schema.TS].max()
    note = f"{slow_min:.0f} min at {slow_kn:.1f} kn over a cable"
    _negative(f, "cable_slowdown_15min", sid, p.mmsi, t1, t2, note)


def _reception_gap(f: _Day, sid: str) -> None:
    speed, hours = f.at((9.0, 15.0)), f.at((4.0, 12.0))
    start = _sea_point(f, 3.0)
    route = _sea_route(f, start, speed * KM_PER_H_PER_KN * hours)
    p = f.vessel(_kind(f, "cargo", "tanker", "passenger"))
    v = f.voyage(p, f.at((0.0, 24.0 - hours)), *start)
    v.sail(route, speed)
    track = v.frame()
    mid = track[schema.TS][track.height // 2]
    minutes = f.at((25.0, 35.0))
    t2 = mid + timedelta(minutes=minutes)
    f.tracks.append(drop_between(track, mid, t2))
    _negative(f, "reception_gap_30min", sid, p.mmsi, mid, t2, f"{minutes:.0f} min without reports")


def _outside_edge(
    f: _Day, closure: shapely.Geometry
) -> tuple[tuple[float, float], tuple[float, float], float]:
    """Two points of a random closure edge and the bearing pointing out of the closure."""
    ring = list(closure.exterior.coords)
    i = int(f.rng.integers(0, len(ring) - 1))
    a, b = (float(ring[i][0]), float(ring[i][1])), (float(ring[i + 1][0]), float(ring[i + 1][1]))
    az = _azimuth(a, b)
    mid = _fwd(*a, az, 0.5 * GEOD.inv(*a, *b)[2] / 1000)
    out = az + 90 if not closure.contains(shapely.Point(_fwd(*mid, az + 90, 1.0))) else az - 90
    return a, b, out


def _trawl_outside_closure(f: _Day, sid: str) -> None:
    closures = _closures(f.t0.date())
    closure = closures[int(f.rng.integers(0, len(closures)))]
    a, b, out = _outside_edge(f, closure)
    legs = int(f.rng.integers(3, 8))
    points = []
    for k in range(legs):
        along = (a, b)[k % 2]
        frac = f.at((0.05, 0.25))
        base = _fwd(*along, _azimuth(along, (b, a)[k % 2]), frac * GEOD.inv(*a, *b)[2] / 1000)
        points.append(_fwd(*base, out, f.at((0.5, 3.0))))
    # 0.5-3 km outside by design: the path (4 m jitter) keeps 0.25 km from any zone in force
    if not _at_sea(points, 3.0) or not _tow_clear(f, points, margin_km=0.25):
        raise _Retry
    speed = f.at((2.5, 3.5))
    p = f.vessel("fishing")
    v = f.voyage(p, f.at((-2.0, 8.0)), *points[0])
    v.sail(points[1:], speed, nav_status=FISHING_UNDERWAY)
    track = v.frame()
    f.tracks.append(track)
    t1, t2 = track[schema.TS].min(), track[schema.TS].max()
    note = f"towing at {speed:.1f} kn 0.5-3 km outside a fishing closure"
    _negative(f, "trawl_outside_closure", sid, p.mmsi, t1, t2, note)


def _port_waiting(f: _Day, sid: str, pair: bool) -> None:
    name = str(f.rng.choice(list(geo.ANCHORAGES)))
    lon, lat = geo.ANCHORAGES[name]
    lon, lat = lon + f.at((-0.01, 0.01)), lat + f.at((-0.006, 0.006))
    hours = f.at((6.0, 24.0))
    start_h = f.at((-2.0, 24.0 - hours))
    spots = [(lon, lat)]
    if pair:
        spots.append(_fwd(lon, lat, f.at((0, 360)), f.at((0.15, 0.4))))
    mmsis = []
    for spot in spots:
        p = f.vessel(_kind(f, "cargo", "tanker"))
        status = 1 if f.rng.random() < 0.7 else 0  # many ships do not switch to "at anchor"
        start = f.hours(start_h + f.at((0.0, 1.0)))
        seed = int(f.rng.integers(2**31))
        f.tracks.append(
            make_anchored(p.mmsi, *spot, start, hours, ANCHOR_S, nav_status=status, seed=seed)
        )
        mmsis.append(p.mmsi)
    t1, t2 = f.hours(start_h), f.hours(start_h + hours)
    kind = "port_waiting_pair" if pair else "port_waiting_anchor"
    other = max(mmsis) if pair else None
    note = f"at anchor off {name} for {hours:.1f} h" + (
        " with another ship 150-400 m away" if pair else ""
    )
    _negative(f, kind, sid, min(mmsis), t1, t2, note, other)


def _trawl_across_cable(f: _Day, sid: str) -> None:
    x_lon, x_lat, cable_az = _cable_point(f, 10.0)
    tow_km, frac = f.at((20.0, 40.0)), f.at((0.2, 0.8))
    bearing = cable_az + f.at((30.0, 150.0)) + (180 if f.rng.random() < 0.5 else 0)
    s = _fwd(x_lon, x_lat, bearing + 180, frac * tow_km)
    e = _fwd(x_lon, x_lat, bearing, (1 - frac) * tow_km)
    if not _at_sea([s, (x_lon, x_lat), e], 5.0) or not _tow_clear(f, [s, e]):
        raise _Retry
    steam_kn, tow_kn = f.at((9.0, 11.0)), f.at((3.0, 4.0))
    tow_h = tow_km / (tow_kn * KM_PER_H_PER_KN)
    pre_h = f.at((1.0, 3.0))
    start = _sea_leg(f, s, steam_kn * KM_PER_H_PER_KN * pre_h)
    end = _sea_leg(f, e, steam_kn * KM_PER_H_PER_KN * f.at((1.0, 3.0)))
    p = f.vessel("fishing")
    v = f.voyage(p, f.at((0.5, 23.0 - tow_h)) - pre_h, *start)
    v.sail([s], steam_kn)
    tow = v.sail([e], tow_kn, nav_status=FISHING_UNDERWAY)
    v.sail([end], steam_kn)
    f.tracks.append(v.frame())
    note = f"steams at {steam_kn:.0f} kn, tows {tow_km:.0f} km at {tow_kn:.1f} kn across a cable"
    _negative(
        f, "trawl_across_cable", sid, p.mmsi, tow[schema.TS].min(), tow[schema.TS].max(), note
    )


Builder = Callable[[_Day, str], None]
INJECTED: dict[str, Builder] = {
    "loitering": _loitering,
    "ais_gap": _ais_gap,
    "encounter": _encounter,
    "anchor_drag": _anchor_drag,
    "shared_mmsi": _shared_mmsi,
    "invalid_mmsi": _invalid_mmsi,
    "fishing_in_closure": lambda f, sid: _closure_tow(
        f, sid, WINTER_CLOSURE, "fishing_in_closure_out_of_season"
    ),
}
HARD_NEGATIVES: dict[str, Builder] = {
    "fast_pass_300m": _fast_pass,
    "cable_slowdown_15min": _cable_slowdown,
    "reception_gap_30min": _reception_gap,
    "trawl_outside_closure": _trawl_outside_closure,
    "port_waiting_anchor": lambda f, sid: _port_waiting(f, sid, pair=False),
    "port_waiting_pair": lambda f, sid: _port_waiting(f, sid, pair=True),
    "trawl_across_cable": _trawl_across_cable,
    "trawl_in_closure_out_of_season": lambda f, sid: _closure_tow(
        f, sid, SUMMER_CLOSURE, "trawl_in_closure_out_of_season"
    ),
}


def _place(f: _Day, build: Builder, sid: str, tries: int = 300) -> None:
    """Run one builder, redrawing until its geometry fits (undoes a failed draw's vessels)."""
    for _ in range(tries):
        marks = (len(f.particulars), len(f.tracks), len(f.truth), len(f.negatives))
        try:
            build(f, sid)
            return
        except _Retry:
            del f.particulars[marks[0] :], f.tracks[marks[1] :]
            del f.truth[marks[2] :], f.negatives[marks[3] :]
    raise MdaError(f"could not place scenario {sid} in the region after {tries} draws")


def simulate_scenarios(day: date, *, seed: int = 1, mix: ScenarioMix | None = None) -> ScenarioDay:
    """One benchmark day (deterministic for a seed): injected events, hard negatives, traffic."""
    mix = mix or ScenarioMix()
    t0 = datetime(day.year, day.month, day.day, tzinfo=UTC)
    f = _Day(np.random.default_rng(seed), t0)
    for name, build in INJECTED.items():
        for k in range(getattr(mix, name)):
            _place(f, build, f"{name}_{k + 1}")
    for name, build in HARD_NEGATIVES.items():
        for k in range(mix.negatives):
            _place(f, build, f"{name}_{k + 1}")
    n_special = len(f.particulars)
    for normal in _mix(mix.n_normal):
        normal(f)
    tracks = [_dropouts(f, t) for t in f.tracks]  # short dropouts, injected vessels too
    positions = clip_time(concat_tracks(*tracks), t0, t0 + timedelta(days=1))
    x0, y0, x1, y1 = geo.REGION_BBOX
    positions = positions.filter(
        pl.col(schema.LON).is_between(x0, x1) & pl.col(schema.LAT).is_between(y0, y1)
    )
    truth = schema.conform(pl.DataFrame(f.truth), SCENARIO_TRUTH_SCHEMA)
    negatives = schema.conform(pl.DataFrame(f.negatives), NEGATIVES_SCHEMA)
    normal = frozenset(p.mmsi for p in f.particulars[n_special:])
    vessels = _vessels_frame(f.particulars, positions)
    return ScenarioDay(day, seed, positions, vessels, truth, negatives, normal)
