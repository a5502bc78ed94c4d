"""Facts of one case, measured from the positions around an event: no wording, no rendering.

A case study tells what the data shows: when the vessel was seen, how fast it went, where it
fell silent, when it crossed a cable or entered a zone. Everything here is computed from
the positions (POSITIONS_SCHEMA), static reports (VESSELS_SCHEMA) and reference layers, so
the trainee part of an exercise pack can show it without the detector's verdict. The
timeline is structured (a kind and numbers per entry); ``mda.reports.casestudy`` words it.

Distances use a local equirectangular projection around the event (error well under 1 %
over the few hundred km a case spans).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import polars as pl
import shapely

from mda import schema as s
from mda.reference import Cable, ReferenceLayers, Zone

KM_PER_DEG = 111.32
CONTEXT_H = 3.0  # the case window: the event plus this many hours either side
SILENCE_H = 0.5  # a pause between reports longer than this is a silence in the timeline
SLOW_KN = 3.0  # speed threshold for "slows down" / "speeds up" entries
MIN_STATE_H = 1 / 3  # a speed state must last this long (20 min) to be an entry
MAX_SPEED_ENTRIES = 6
MAX_ENTRIES = 30
AT_ANCHOR, MOORED, FISHING = 1, 5, 7


@dataclass(frozen=True)
class Entry:
    """One timeline entry: a UTC time, a kind (see TIMELINE_KINDS) and its values."""

    ts: datetime
    kind: str
    values: dict[str, Any] = field(default_factory=dict)
    order: int = 5  # tie-break at equal times: lower first


@dataclass(frozen=True)
class Observations:
    """Neutral measurements of the vessel during the event's period (None: not measurable)."""

    n_positions: int
    mean_speed_kn: float | None
    max_speed_kn: float | None
    distance_km: float | None
    longest_silence_h: float | None
    share_at_anchor: float | None
    share_fishing_status: float | None
    cable_name: str | None
    cable_min_km: float | None
    crosses_cable: bool
    zones: tuple[str, ...]
    other_min_m: float | None  # closest approach to the other vessel (two-vessel events)
    other_median_m: float | None


@dataclass(frozen=True)
class DaySummary:
    """The vessel's whole record in the loaded positions."""

    first: datetime | None
    last: datetime | None
    n_positions: int
    distance_km: float | None


def case_window(event: dict[str, Any]) -> tuple[datetime, datetime]:
    """[start - CONTEXT_H, end + CONTEXT_H] of an event (UTC)."""
    start = event[s.START_TIME]
    end = event.get(s.END_TIME) or start
    margin = timedelta(hours=CONTEXT_H)
    return start - margin, end + margin


def vessel_track(positions: pl.DataFrame, mmsi: int | None) -> pl.DataFrame:
    """One MMSI's located positions, by time, one per timestamp."""
    if mmsi is None or positions.is_empty():
        return s.empty(s.POSITIONS_SCHEMA)
    return (
        s.conform(positions, s.POSITIONS_SCHEMA)
        .filter(
            (pl.col(s.MMSI) == mmsi) & pl.col(s.LAT).is_not_null() & pl.col(s.LON).is_not_null()
        )
        .sort(s.TS)
        .unique(s.TS, keep="first", maintain_order=True)
    )


def between(track: pl.DataFrame, start: datetime, end: datetime) -> pl.DataFrame:
    """Positions of ``track`` with ``start <= ts <= end``."""
    return track.filter(pl.col(s.TS).is_between(start, end))


# --- geometry helpers -------------------------------------------------------------------


class Local:
    """A local equirectangular projection (km) around a point."""

    def __init__(self, lon0: float, lat0: float) -> None:
        self.lon0, self.lat0 = lon0, lat0
        self.k = math.cos(math.radians(lat0))

    def xy(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Lon/lat arrays (degrees) to x/y arrays (km)."""
        return (lon - self.lon0) * self.k * KM_PER_DEG, (lat - self.lat0) * KM_PER_DEG

    def geometry(self, geom: Any) -> Any:
        """A shapely geometry in lon/lat to the local km plane."""

        def project(coords: np.ndarray) -> np.ndarray:
            x, y = self.xy(coords[:, 0], coords[:, 1])
            return np.column_stack([x, y])

        return shapely.transform(geom, project)


def step_km(track: pl.DataFrame, local: Local) -> np.ndarray:
    """Distance (km) from each position to the previous one (0 for the first)."""
    if track.height < 2:
        return np.zeros(track.height)
    x, y = local.xy(track[s.LON].to_numpy(), track[s.LAT].to_numpy())
    return np.concatenate([[0.0], np.hypot(np.diff(x), np.diff(y))])


def _silences(track: pl.DataFrame) -> list[tuple[int, float]]:
    """(index of the position after the silence, hours) for every pause > SILENCE_H."""
    if track.height < 2:
        return []
    ts = track[s.TS].to_list()
    return [
        (i + 1, (b - a).total_seconds() / 3600)
        for i, (a, b) in enumerate(itertools.pairwise(ts))
        if b - a > timedelta(hours=SILENCE_H)
    ]


def named_cable(layers: ReferenceLayers, name: str | None) -> Cable | None:
    """The cable called ``name`` (pieces merged), or None."""
    if not name:
        return None
    parts = [c.geometry for c in layers.cables if c.name == name and not c.geometry.is_empty]
    if not parts:
        return None
    return Cable(name, shapely.union_all(parts))


def named_zones(layers: ReferenceLayers, names: str | None) -> list[Zone]:
    """The zones listed in an event's ``zone_name`` ("; "-joined), as in the layers."""
    if not names:
        return []
    wanted = [n.strip() for n in names.split(";") if n.strip()]
    return [z for z in layers.zones if z.name in wanted]


# --- observations -----------------------------------------------------------------------


def observe(
    event: dict[str, Any],
    track: pl.DataFrame,
    other: pl.DataFrame | None,
    layers: ReferenceLayers,
) -> Observations:
    """Measure the vessel during the event's period (``track``: the vessel's positions)."""
    start, end = event[s.START_TIME], event.get(s.END_TIME) or event[s.START_TIME]
    period = between(track, start, end)
    local = Local(event[s.LON] or 0.0, event[s.LAT] or 0.0)
    speeds = period[s.SOG_KN].drop_nulls().cast(pl.Float64)
    status = period[s.NAV_STATUS]
    cable = named_cable(layers, event.get(s.CABLE_NAME))
    cable_km, crosses = _cable_relation(period, cable, local)
    other_min, other_median = _separation_m(period, other, local)
    return Observations(
        n_positions=period.height,
        mean_speed_kn=_float(speeds.mean()) if speeds.len() else None,
        max_speed_kn=_float(speeds.max()) if speeds.len() else None,
        distance_km=float(step_km(period, local).sum()) if period.height > 1 else None,
        longest_silence_h=max((h for _, h in _silences(period)), default=None),
        share_at_anchor=_share(status, (AT_ANCHOR, MOORED)),
        share_fishing_status=_share(status, (FISHING,)),
        cable_name=cable.name if cable else None,
        cable_min_km=cable_km,
        crosses_cable=crosses,
        zones=tuple(z.name for z in named_zones(layers, event.get(s.ZONE_NAME))),
        other_min_m=other_min,
        other_median_m=other_median,
    )


def _float(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and math.isfinite(value) else None


def _share(status: pl.Series, codes: Sequence[int]) -> float | None:
    """Share of reports whose navigational status is one of ``codes`` (None: no status)."""
    known = status.drop_nulls()
    if known.is_empty():
        return None
    share = known.is_in(list(codes)).mean()
    return float(share) if isinstance(share, int | float) else 0.0


def _cable_relation(
    period: pl.DataFrame, cable: Cable | None, local: Local
) -> tuple[float | None, bool]:
    """Closest distance (km) of the period's track to the cable, and whether it crosses it."""
    if cable is None or period.is_empty():
        return None, False
    line = _line(period)
    geom = line if line is not None else shapely.Point(period[s.LON][0], period[s.LAT][0])
    km = float(shapely.distance(local.geometry(geom), local.geometry(cable.geometry)))
    return km, bool(line is not None and shapely.intersects(line, cable.geometry))


def _line(track: pl.DataFrame) -> Any:
    """The track as a LineString, or None with fewer than two positions."""
    if track.height < 2:
        return None
    return shapely.linestrings(track.select(s.LON, s.LAT).to_numpy())


def _separation_m(
    period: pl.DataFrame, other: pl.DataFrame | None, local: Local
) -> tuple[float | None, float | None]:
    """Closest and median distance (m) to the other vessel during the period."""
    _, metres = pair_distances_m(period, other, local)
    if not len(metres):
        return None, None
    return float(metres.min()), float(np.median(metres))


def pair_distances_m(
    track: pl.DataFrame, other: pl.DataFrame | None, local: Local
) -> tuple[list[datetime], np.ndarray]:
    """Times of ``track`` and the distance (m) to ``other``'s report nearest in time (within
    10 min); positions with no such report are left out."""
    if other is None or other.is_empty() or track.is_empty():
        return [], np.zeros(0)
    joined = (
        track.select(s.TS, s.LAT, s.LON)
        .join_asof(
            other.select(s.TS, pl.col(s.LAT).alias("olat"), pl.col(s.LON).alias("olon")),
            on=s.TS,
            strategy="nearest",
            tolerance=timedelta(minutes=10),
        )
        .drop_nulls(["olat", "olon"])
    )
    x1, y1 = local.xy(joined[s.LON].to_numpy(), joined[s.LAT].to_numpy())
    x2, y2 = local.xy(joined["olon"].to_numpy(), joined["olat"].to_numpy())
    return joined[s.TS].to_list(), np.hypot(x1 - x2, y1 - y2) * 1000


def day_summary(track: pl.DataFrame, local: Local) -> DaySummary:
    """First and last report, count and distance covered (silences over 30 min excluded)."""
    if track.is_empty():
        return DaySummary(None, None, 0, None)
    steps = step_km(track, local)
    for index, _hours in _silences(track):
        steps[index] = 0.0  # a straight line across a silence is not distance sailed
    return DaySummary(
        first=track[s.TS][0],
        last=track[s.TS][-1],
        n_positions=track.height,
        distance_km=float(steps.sum()) if track.height > 1 else None,
    )


# --- timeline ---------------------------------------------------------------------------


def timeline(
    event: dict[str, Any],
    track: pl.DataFrame,
    vessels: pl.DataFrame,
    other: pl.DataFrame | None,
    layers: ReferenceLayers,
) -> list[Entry]:
    """The case's timeline over its window, ordered by time, at most MAX_ENTRIES entries.

    Kinds: ``first``/``last`` (window edges), ``period_start``/``period_end``, ``static``
    (name/destination broadcast or changed), ``status`` (navigational status changed),
    ``silence_start``/``silence_end``, ``slow``/``fast`` (speed crosses SLOW_KN for at
    least MIN_STATE_H), ``cable_cross``, ``cable_closest``, ``zone_enter``/``zone_leave``,
    ``other_closest`` (closest approach to the other vessel).
    """
    window = case_window(event)
    shown = between(track, *window)
    local = Local(event[s.LON] or 0.0, event[s.LAT] or 0.0)
    entries = [
        Entry(event[s.START_TIME], "period_start", order=0),
        Entry(event.get(s.END_TIME) or event[s.START_TIME], "period_end", order=9),
    ]
    if not shown.is_empty():
        entries.append(Entry(shown[s.TS][0], "first", {"speed_kn": _sog(shown, 0)}, order=-1))
        entries.append(Entry(shown[s.TS][-1], "last", {"speed_kn": _sog(shown, -1)}, order=10))
    entries += _static_entries(vessels, event[s.MMSI], window)
    entries += _status_entries(shown)
    entries += _silence_entries(shown, local)
    entries += _speed_entries(shown)
    entries += _cable_entries(shown, named_cable(layers, event.get(s.CABLE_NAME)), local)
    for zone in named_zones(layers, event.get(s.ZONE_NAME)):
        entries += _zone_entries(shown, zone)
    entries += _other_entries(shown, other, local)
    return _bounded(sorted(entries, key=lambda e: (e.ts, e.order)))


def _bounded(entries: list[Entry]) -> list[Entry]:
    """At most MAX_ENTRIES, dropping speed changes first (they are the most numerous)."""
    while len(entries) > MAX_ENTRIES:
        drop = next((e for e in reversed(entries) if e.kind in ("slow", "fast")), None)
        if drop is None:
            drop = next(e for e in reversed(entries) if e.kind in ("status", "static"))
        entries.remove(drop)
    return entries


def _sog(track: pl.DataFrame, index: int) -> float | None:
    value = track[s.SOG_KN][index]
    return None if value is None else float(value)


def _static_entries(
    vessels: pl.DataFrame, mmsi: int, window: tuple[datetime, datetime]
) -> list[Entry]:
    """The first static report in the window and every change of name or destination."""
    rows = (
        vessels.filter((pl.col(s.MMSI) == mmsi) & pl.col(s.TS).is_between(*window))
        .sort(s.TS)
        .select(s.TS, s.VESSEL_NAME, s.DESTINATION)
        .iter_rows()
    )
    out: list[Entry] = []
    name = destination = None
    for ts, new_name, new_destination in rows:
        new_name = (new_name or "").strip() or name
        new_destination = (new_destination or "").strip() or destination
        if not out or new_name != name or new_destination != destination:
            values = {"name": new_name, "destination": new_destination, "changed": bool(out)}
            out.append(Entry(ts, "static", values, order=2))
        name, destination = new_name, new_destination
    return out


def _status_entries(track: pl.DataFrame) -> list[Entry]:
    """Every change of reported navigational status (nulls ignored)."""
    out: list[Entry] = []
    current = None
    for ts, code in track.select(s.TS, s.NAV_STATUS).drop_nulls().iter_rows():
        if code != current:
            out.append(Entry(ts, "status", {"code": int(code)}, order=3))
            current = code
    return out[1:] if len(out) > 1 else out  # the first one is the status already in force


def _silence_entries(track: pl.DataFrame, local: Local) -> list[Entry]:
    """A pair of entries per silence: reports stop, reports resume (hours, km apart)."""
    out: list[Entry] = []
    steps = step_km(track, local)
    ts = track[s.TS].to_list()
    for index, hours in _silences(track):
        out.append(Entry(ts[index - 1], "silence_start", order=6))
        values = {"hours": hours, "km": float(steps[index])}
        out.append(Entry(ts[index], "silence_end", values, order=1))
    return out


def _speed_entries(track: pl.DataFrame) -> list[Entry]:
    """Speed crossing SLOW_KN (either way), when the new state lasts at least MIN_STATE_H."""
    known = track.select(s.TS, s.SOG_KN).drop_nulls()
    if known.height < 2:
        return []
    runs = (
        known.with_columns((pl.col(s.SOG_KN) < SLOW_KN).alias("slow"))
        .with_columns(pl.col("slow").rle_id().alias("run"))
        .group_by("run", maintain_order=True)
        .agg(
            pl.col("slow").first(),
            pl.col(s.TS).first().alias("t0"),
            pl.col(s.TS).last().alias("t1"),
        )
    )
    out: list[Entry] = []
    previous = None
    for _, slow, t0, t1 in runs.iter_rows():
        if t1 - t0 < timedelta(hours=MIN_STATE_H):
            continue
        if previous is not None and slow != previous:
            out.append(Entry(t0, "slow" if slow else "fast", {"kn": SLOW_KN}, order=4))
        previous = slow
    return out[:MAX_SPEED_ENTRIES]


def _cable_entries(track: pl.DataFrame, cable: Cable | None, local: Local) -> list[Entry]:
    """Each crossing of the cable (``silent``: the straight line across a silence crosses it)
    and the closest approach when the track never crosses."""
    if cable is None or track.height < 2:
        return []
    coords = track.select(s.LON, s.LAT).to_numpy()
    segments = shapely.linestrings(np.stack([coords[:-1], coords[1:]], axis=1))
    crossing = shapely.intersects(segments, cable.geometry)
    ts = track[s.TS].to_list()
    out = [
        Entry(
            ts[i + 1],
            "cable_cross",
            {"cable": cable.name, "silent": ts[i + 1] - ts[i] > timedelta(hours=SILENCE_H)},
            order=5,
        )
        for i in np.flatnonzero(crossing)
    ]
    if out:
        return out
    x, y = local.xy(coords[:, 0], coords[:, 1])
    far = shapely.distance(shapely.points(np.column_stack([x, y])), local.geometry(cable.geometry))
    i = int(np.argmin(far))
    return [Entry(ts[i], "cable_closest", {"cable": cable.name, "km": float(far[i])}, order=5)]


def _zone_entries(track: pl.DataFrame, zone: Zone) -> list[Entry]:
    """Entering and leaving ``zone`` (by the zone's polygon, positions inside or not)."""
    if track.is_empty():
        return []
    inside = shapely.contains_xy(zone.geometry, track[s.LON].to_numpy(), track[s.LAT].to_numpy())
    ts = track[s.TS].to_list()
    out: list[Entry] = []
    for i in range(1, len(inside)):
        if inside[i] != inside[i - 1]:
            kind = "zone_enter" if inside[i] else "zone_leave"
            out.append(Entry(ts[i], kind, {"zone": zone.name}, order=5))
    if inside[0]:
        out.insert(0, Entry(ts[0], "zone_inside", {"zone": zone.name}, order=5))
    return out


def _other_entries(track: pl.DataFrame, other: pl.DataFrame | None, local: Local) -> list[Entry]:
    """The closest approach to the other vessel (two-vessel events)."""
    times, metres = pair_distances_m(track, other, local)
    if not times:
        return []
    i = int(np.argmin(metres))
    return [Entry(times[i], "other_closest", {"m": float(metres[i])}, order=5)]
