"""Labelled fishing and non-fishing behaviours, for training the fishing-activity model.

Each simulated track is one vessel doing a sequence of behaviours; every position carries
``fishing`` (bool), ``gear`` and ``behaviour``. The numbers follow published descriptions
of each gear (FAO gear sheets; Galdelli et al. 2021 for the Adriatic trawlers; Mendo et
al. 2019 for Scottish creel vessels):

==================  ======  =====================================================  =======
behaviour           gear    movement                                                fishing
==================  ======  =====================================================  =======
otter trawl tow     OTB     2.5-4.5 kn, long straight-ish tows (1.5-4 h), turns     yes
                            of 150-210 degrees at the ends
pelagic trawl tow   PTM     3-5 kn, tows of 1-3 h on a meandering course            yes
beam trawl tow      TBB     4-8 kn, straight tows of 1-2 h, turns at the ends       yes
purse seine set     PS      a circle of 200-400 m radius at 8-11 kn, then pursing   yes
                            and hauling at 0-1.5 kn for 1-2 h; searching between    (search:
                            sets at 6-10 kn with turns                               no)
longline setting    LLS     5-8 kn straight for 1-3 h                               yes
longline hauling    LLS     0.3-2 kn stop-and-go along the line (stops of a few     yes
                            minutes)
creel hauling       FPO     0.2-1.5 kn along a string for 15-45 min, stops of       yes
                            0.5-3 min; 1-10 min hops at cruising speed between
                            strings (not fishing)
creel shooting      FPO     3.5-7 kn straight, 3-15 min per string                  yes
steaming            none    the vessel's cruising speed (creel boats 5-9 kn,        no
                            other fishing vessels 8-12, other vessels 6-14) with
                            course changes of 10-60 degrees every 1-3 h
transit slowdown    none    steaming, then 4-7 kn for 20-60 min, then steaming      no
drifting/waiting    none    0-1.5 kn, course wandering, 1-6 h                        no
port approach       none    slowing from cruise to 2 kn over 30-60 min with turns,  no
                            then stopped (0-0.3 kn)
==================  ======  =====================================================  =======

Beam trawl speeds span the North Sea beam trawlers (4-7 kn) and the Adriatic "rapido"
trawlers, which tow at 6-8 kn. Creel numbers follow the observer-labelled Scottish trips
(hauling 0.2-1.5 kn in runs of about half an hour, shooting around 5 kn, steaming 4.5-10 kn,
median 6.7 kn): small creel boats steam no faster than a beam trawler tows, which is why
the steaming speed depends on the vessel.

Speeds are not constant within a leg: towing and steaming speeds drift (a first-order
autoregressive wander of a few tenths of a knot over tens of minutes), as real SOG does.

Reports come every 10 s to 6 min (one interval per track, with 10 % timing jitter and
random dropouts) with GNSS noise; four tracks in ten also lose reception for 10-90 minutes
one to four times (as terrestrial AIS does offshore). In some tracks SOG or COG is missing,
so the model also learns from implied speed and course. Everything is seeded: the same seed
gives the same tracks. This is synthetic data: it teaches movement patterns, not any real
fleet.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl

from mda import schema
from mda.sim.tracks import M_PER_DEG_LAT, positions_frame

FISHING = "fishing"  # label column: True when the vessel is fishing
GEAR = "gear"  # OTB, PTM, TBB, PS, LLS, FPO or "none"
BEHAVIOUR = "behaviour"
GEARS = ("OTB", "PTM", "TBB", "PS", "LLS", "FPO")
INTERVALS_S = (10.0, 30.0, 60.0, 120.0, 180.0, 300.0, 360.0)
KN_MS = 1852.0 / 3600.0
# Cruising (steaming) speed ranges, knots, by kind of vessel.
CRUISE_KN = {"FPO": (5.0, 9.0), "none": (6.0, 14.0)}
CRUISE_OTHER_KN = (8.0, 12.0)  # trawlers, seiners, longliners
GAP_SHARE = 0.4  # share of tracks with reception gaps
GAP_MIN = (10.0, 90.0)  # length of one reception gap, minutes


@dataclass
class _Steps:
    """Piecewise behaviour: per-second-free list of (duration s, speed kn, course deg) steps."""

    dur_s: list[float] = field(default_factory=list)
    speed_kn: list[float] = field(default_factory=list)
    course_deg: list[float] = field(default_factory=list)
    fishing: list[bool] = field(default_factory=list)
    behaviour: list[str] = field(default_factory=list)
    cruise_kn: float = 10.0  # this vessel's steaming speed

    @property
    def course(self) -> float:
        return self.course_deg[-1] if self.course_deg else 0.0

    def add(self, dur_s: float, speed: float, course: float, fishing: bool, what: str) -> None:
        self.dur_s.append(dur_s)
        self.speed_kn.append(max(speed, 0.0))
        self.course_deg.append(course % 360.0)
        self.fishing.append(fishing)
        self.behaviour.append(what)


Behaviour = Callable[[_Steps, np.random.Generator], None]
STEP_S = 20.0  # resolution of the underlying motion (seconds)
SPEED_WANDER_KN = 0.3  # stationary standard deviation of the speed wander within a leg
SPEED_WANDER_MIN = 15.0  # its correlation time, minutes


def _u(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(rng.uniform(lo, hi))


def _straight(
    s: _Steps,
    rng: np.random.Generator,
    hours: float,
    speed: tuple[float, float],
    wander_deg_per_min: float,
    fishing: bool,
    what: str,
) -> None:
    """A leg at a speed drawn from ``speed`` whose course random-walks by the given rate
    (constant speed plus 0.1 kn noise; the scenario simulator's tows use this)."""
    v = _u(rng, *speed)
    course = s.course
    for _ in range(max(int(hours * 3600 / STEP_S), 1)):
        course += rng.normal(0.0, wander_deg_per_min * math.sqrt(STEP_S / 60.0))
        s.add(STEP_S, v + rng.normal(0.0, 0.1), course, fishing, what)


def _leg(
    s: _Steps,
    rng: np.random.Generator,
    hours: float,
    speed: tuple[float, float],
    wander_deg_per_min: float,
    fishing: bool,
    what: str,
) -> None:
    """Like ``_straight`` but the speed wanders (AR(1), SPEED_WANDER_KN over
    SPEED_WANDER_MIN) around a value drawn from ``speed``, kept inside ``speed`` +-0.5 kn."""
    v0 = _u(rng, *speed)
    keep = math.exp(-STEP_S / 60.0 / SPEED_WANDER_MIN)
    kick = SPEED_WANDER_KN * math.sqrt(1.0 - keep * keep)
    dv, course = 0.0, s.course
    lo, hi = speed[0] - 0.5, speed[1] + 0.5
    for _ in range(max(int(hours * 3600 / STEP_S), 1)):
        course += rng.normal(0.0, wander_deg_per_min * math.sqrt(STEP_S / 60.0))
        dv = keep * dv + rng.normal(0.0, kick)
        v = float(np.clip(v0 + dv, lo, hi))
        s.add(STEP_S, v + rng.normal(0.0, 0.1), course, fishing, what)


def _turn(
    s: _Steps, rng: np.random.Generator, degrees: float, minutes: float, speed: float, f: bool
) -> None:
    n = max(int(minutes * 60 / STEP_S), 1)
    course = s.course
    for _ in range(n):
        course += degrees / n
        s.add(STEP_S, speed + rng.normal(0.0, 0.1), course, f, "turn")


def _towing(
    tow_h: tuple[float, float],
    speed: tuple[float, float],
    wander: float,
    what: str,
) -> Behaviour:
    """A towed gear: several tows with a turn of 150-210 degrees between them."""

    def run(s: _Steps, rng: np.random.Generator) -> None:
        for _ in range(int(rng.integers(2, 5))):
            _leg(s, rng, _u(rng, *tow_h), speed, wander, True, what)
            sign = 1 if rng.random() < 0.5 else -1
            _turn(s, rng, sign * _u(rng, 150, 210), _u(rng, 5, 12), _u(rng, 2, 3.5), True)

    return run


def _purse_seine(s: _Steps, rng: np.random.Generator) -> None:
    for _ in range(int(rng.integers(2, 5))):
        _leg(s, rng, _u(rng, 0.5, 2.0), (6, 10), 4.0, False, "searching")
        radius_m, v = _u(rng, 200, 400), _u(rng, 8, 11)
        minutes = 2 * math.pi * radius_m / (v * KN_MS) / 60
        _turn(s, rng, (1 if rng.random() < 0.5 else -1) * 360, minutes, v, True)
        _drift(s, rng, _u(rng, 1.0, 2.0), (0.0, 1.5), True, "pursing")


def _drift(
    s: _Steps,
    rng: np.random.Generator,
    hours: float,
    speed: tuple[float, float],
    fishing: bool,
    what: str,
) -> None:
    """Slow, wandering motion (drifting, waiting, pursing)."""
    course = s.course
    v = _u(rng, *speed)
    for _ in range(max(int(hours * 3600 / STEP_S), 1)):
        course += rng.normal(0.0, 6.0)
        v = float(np.clip(v + rng.normal(0.0, 0.1), speed[0], speed[1]))
        s.add(STEP_S, v, course, fishing, what)


def _hauling(
    s: _Steps,
    rng: np.random.Generator,
    hours: float,
    what: str,
    speed: tuple[float, float] = (0.3, 2.0),
    stop_s: tuple[float, float] = (60.0, 300.0),
) -> None:
    """Stop-and-go along a line of hooks or pots: ``speed`` with stops of ``stop_s``."""
    course, t = s.course, 0.0
    while t < hours * 3600:
        go = _u(rng, 120, 900)
        v = _u(rng, *speed)
        for _ in range(max(int(go / STEP_S), 1)):
            course += rng.normal(0.0, 2.0)
            s.add(STEP_S, v + rng.normal(0.0, 0.15), course, True, what)
        stop = _u(rng, *stop_s)
        s.add(stop, _u(rng, 0.0, 0.3), course + rng.normal(0, 30), True, what)
        t += go + stop


def _longline(s: _Steps, rng: np.random.Generator) -> None:
    _leg(s, rng, _u(rng, 1.0, 3.0), (5, 8), 0.5, True, "setting")
    _drift(s, rng, _u(rng, 1.0, 3.0), (0.0, 1.0), False, "soaking")
    _hauling(s, rng, _u(rng, 2.0, 5.0), "hauling")


def _hop(s: _Steps, rng: np.random.Generator, minutes: tuple[float, float]) -> None:
    """A short run at cruising speed to the next string (not fishing)."""
    s.course_deg[-1] = s.course + _u(rng, -120, 120)
    cruise = (s.cruise_kn - 1.0, s.cruise_kn + 0.5)
    _leg(s, rng, _u(rng, *minutes) / 60, cruise, 3.0, False, "steaming")


def _pots(s: _Steps, rng: np.random.Generator) -> None:
    """Creels: haul several strings (short hops between), then shoot them again."""
    strings = int(rng.integers(3, 9))
    for _ in range(strings):
        _hop(s, rng, (1.0, 10.0))
        _hauling(s, rng, _u(rng, 0.25, 0.75), "hauling", (0.2, 1.5), (30.0, 180.0))
    for _ in range(int(rng.integers(1, strings + 1))):
        _hop(s, rng, (1.0, 10.0))
        _leg(s, rng, _u(rng, 3, 15) / 60, (3.5, 7.0), 1.0, True, "shooting")


def _steaming(s: _Steps, rng: np.random.Generator) -> None:
    cruise = (s.cruise_kn - 1.0, s.cruise_kn + 1.0)
    for _ in range(int(rng.integers(1, 4))):
        _leg(s, rng, _u(rng, 1.0, 3.0), cruise, 0.3, False, "steaming")
        _turn(s, rng, _u(rng, -60, 60), 2, s.cruise_kn + rng.normal(0.0, 0.5), False)


def _slowdown(s: _Steps, rng: np.random.Generator) -> None:
    cruise = (s.cruise_kn - 1.0, s.cruise_kn + 1.0)
    _leg(s, rng, _u(rng, 0.5, 2.0), cruise, 0.3, False, "steaming")
    _leg(s, rng, _u(rng, 0.33, 1.0), (4, 7), 0.5, False, "slowdown")
    _leg(s, rng, _u(rng, 0.5, 2.0), cruise, 0.3, False, "steaming")


def _waiting(s: _Steps, rng: np.random.Generator) -> None:
    _drift(s, rng, _u(rng, 1.0, 6.0), (0.0, 1.5), False, "drifting")


def _port_approach(s: _Steps, rng: np.random.Generator) -> None:
    n = int(_u(rng, 30, 60) * 60 / STEP_S)
    course = s.course
    for i in range(n):
        course += rng.normal(0.0, 3.0) + (30.0 / n if i > n / 2 else 0.0)
        v = s.cruise_kn - (s.cruise_kn - 2.0) * i / n
        s.add(STEP_S, v + rng.normal(0, 0.2), course, False, "port_approach")
    _drift(s, rng, _u(rng, 0.5, 3.0), (0.0, 0.3), False, "moored")


FISHING_BEHAVIOURS: dict[str, Behaviour] = {
    "OTB": _towing((1.5, 4.0), (2.5, 4.5), 0.5, "trawling"),
    "PTM": _towing((1.0, 3.0), (3.0, 5.0), 2.0, "pelagic_trawling"),
    "TBB": _towing((1.0, 2.0), (4.0, 8.0), 0.3, "beam_trawling"),
    "PS": _purse_seine,
    "LLS": _longline,
    "FPO": _pots,
}
OTHER_BEHAVIOURS: tuple[Behaviour, ...] = (_steaming, _slowdown, _waiting, _port_approach)


def _plan(gear: str, rng: np.random.Generator) -> _Steps:
    """A trip: steaming out, fishing (or other non-fishing behaviour), then back."""
    s = _Steps(cruise_kn=_u(rng, *CRUISE_KN.get(gear, CRUISE_OTHER_KN)))
    s.add(STEP_S, 0.0, _u(rng, 0, 360), False, "start")
    if rng.random() < 0.7:
        _steaming(s, rng)
    if gear == "none":
        for _ in range(int(rng.integers(2, 5))):
            OTHER_BEHAVIOURS[int(rng.integers(0, len(OTHER_BEHAVIOURS)))](s, rng)
    else:
        FISHING_BEHAVIOURS[gear](s, rng)
        if rng.random() < 0.3:
            _waiting(s, rng)
    if rng.random() < 0.7:
        _steaming(s, rng)
    if rng.random() < 0.3:
        _port_approach(s, rng)
    return s


def _sample(s: _Steps, interval_s: float, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Report times (s), east/north offsets (m), speed, course and labels at those times."""
    dur = np.asarray(s.dur_s)
    speed = np.asarray(s.speed_kn)
    course = np.radians(np.asarray(s.course_deg))
    ends = np.cumsum(dur)
    east = np.concatenate([[0.0], np.cumsum(dur * speed * KN_MS * np.sin(course))])
    north = np.concatenate([[0.0], np.cumsum(dur * speed * KN_MS * np.cos(course))])
    t = np.arange(0.0, ends[-1], interval_s) + rng.uniform(0, 0.1 * interval_s)
    t = t[(t < ends[-1]) & (rng.random(len(t)) > 0.05)]  # 5 % of reports lost
    i = np.searchsorted(ends, t, side="right")
    grid = np.concatenate([[0.0], ends])
    x, y = np.interp(t, grid, east), np.interp(t, grid, north)
    return t, x, y, speed[i], np.degrees(course[i]), i


def _gaps(t: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Mask of reports kept: in GAP_SHARE of tracks, 1-4 reception gaps of GAP_MIN minutes."""
    keep = np.ones(len(t), dtype=bool)
    if len(t) == 0 or rng.random() >= GAP_SHARE:
        return keep
    for _ in range(int(rng.integers(1, 5))):
        start = _u(rng, float(t[0]), float(t[-1]))
        keep &= ~((t >= start) & (t < start + 60.0 * _u(rng, *GAP_MIN)))
    return keep


def simulate_track(
    mmsi: int,
    gear: str,
    start: datetime,
    seed: int,
    *,
    interval_s: float | None = None,
    origin: tuple[float, float] | None = None,
) -> pl.DataFrame:
    """One labelled track: POSITIONS_SCHEMA plus ``fishing``, ``gear``, ``behaviour``.

    gear: one of GEARS, or "none" for a vessel that does not fish. interval_s: seconds
    between reports (drawn from INTERVALS_S when None). origin: (lon, lat) of the first
    position (random in 10 W-25 E, 40-60 N when None).
    """
    rng = np.random.default_rng(seed)
    steps = _plan(gear, rng)
    interval = interval_s or float(rng.choice(INTERVALS_S))
    t, x, y, sog, cog, idx = _sample(steps, interval, rng)
    keep = _gaps(t, rng)
    t, x, y, sog, cog, idx = (a[keep] for a in (t, x, y, sog, cog, idx))
    lat0, lon0 = _u(rng, 40.0, 60.0), _u(rng, -10.0, 25.0)
    if origin is not None:
        lon0, lat0 = origin
    jitter = _u(rng, 3.0, 10.0)
    lat = lat0 + (y + rng.normal(0, jitter, len(t))) / M_PER_DEG_LAT
    lon = lon0 + (x + rng.normal(0, jitter, len(t))) / (
        M_PER_DEG_LAT * math.cos(math.radians(lat0))
    )
    cog_noise = 2.0 + 10.0 / np.maximum(sog, 0.2)  # COG is noisy at low speed, as on real GNSS
    cog = cog + rng.normal(0, 1, len(t)) * np.minimum(cog_noise, 90.0)
    sog = np.maximum(sog + rng.normal(0, 0.15, len(t)), 0.0)
    ts_us = int(start.timestamp() * 1e6) + np.round(t * 1e6).astype(np.int64)
    frame = positions_frame(mmsi, ts_us, lon, lat, sog, cog, cog)
    frame = _maybe_drop(frame, rng)
    labels = pl.DataFrame(
        {
            FISHING: np.asarray(steps.fishing, dtype=bool)[idx],
            GEAR: [gear] * len(t),
            BEHAVIOUR: np.asarray(steps.behaviour, dtype=str)[idx],
        },
        schema={FISHING: pl.Boolean, GEAR: pl.String, BEHAVIOUR: pl.String},
    )
    return frame.hstack(labels)


def _maybe_drop(frame: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """Some feeds carry no SOG or no COG (the model must cope with implied values)."""
    r = rng.random()
    if r < 0.15:
        return frame.with_columns(
            pl.lit(None).cast(frame.schema[schema.SOG_KN]).alias(schema.SOG_KN)
        )
    if r < 0.35:
        return frame.with_columns(
            pl.lit(None).cast(frame.schema[schema.COG_DEG]).alias(schema.COG_DEG)
        )
    return frame


def simulate_labelled(
    n_tracks: int = 240, seed: int = 7, gears: Sequence[str] | None = None
) -> pl.DataFrame:
    """``n_tracks`` labelled tracks, half fishing (``gears`` in turn, default all GEARS),
    half not (seeded)."""
    gears = tuple(gears or GEARS)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    kinds = [*gears, *["none"] * len(gears)]
    parts = [
        simulate_track(
            219_000_000 + i,
            kinds[i % len(kinds)],
            start + timedelta(days=i),
            seed * 100_003 + i,
        )
        for i in range(n_tracks)
    ]
    return pl.concat(parts)
