"""One simulated day of AIS traffic in the Baltic Proper around Gotland, with ground truth.

What is real and what is synthetic
----------------------------------
Real: the region and its geography (Gotland, Oland, the Swedish, Latvian and Lithuanian
coasts, coarsely digitised), the ports (Visby, Slite, Klaipeda, Liepaja, Ventspils,
Oskarshamn), the shape of the traffic (the through route east of Gotland to the Gulf of
Finland, the route to Stockholm between Oland and Gotland, Riga via the Irbe strait, the
Gotland ferries), AIS behaviour (Class A every 2-10 s under way and every 3 min at anchor,
Class B every 30 s, static data every 6 min, MMSIs with real flag MIDs, IMO numbers with
valid check digits), and the two cables' landing points: BCS East-West Interlink
(Sventoji, LT - Katthammarsvik, Gotland) and C-Lion1 (Helsinki - Rostock), both cut in
November 2024 in this sea area.

Synthetic: every vessel, name and track; the cable routes (hand-drawn approximations, not
the surveyed routes); the zones; the anomalies.

Simplifications (documented so nobody mistakes them for data):
- Class A reports under way are thinned to one every 30 s (real: 2-10 s) to keep the demo
  day near 110 000 NMEA lines (7 MB); at anchor they are every 3 min as in reality.
- Reception is perfect apart from short random dropouts (< 30 min) on some vessels, and
  vessels leaving the region (bbox) are no longer received.

Normal traffic, sized by ``n_normal``: transits along the lanes at 8-18 kn (some already
under way at midnight, some entering or leaving mid-day), ships at anchor or moored less
than 3 nm from land (nav_status 1 or 5), port calls (anchor then sail, or sail then
anchor), Class A fishing vessels towing at 3-5 kn on offshore grounds, and Class B craft
on short coastal trips. With loitering defined as mean speed < 2 kn for >= 2 h at >= 5 nm
from shore and AIS gaps as >= 6 h of silence, normal traffic triggers nothing.

Injected anomalies (rows of ``SimDay.truth``; loitering lon/lat is the mean position of the
slow period, gap lon/lat is the last position before the silence):

- ``L1_cable_loiter``: a bulk carrier (named with HTML markup, to exercise escaping) stops
  over C-Lion1 near where it crosses BCS and drifts 4.5 h at 0.2-1.5 kn, ~30 nm offshore.
- ``L2_closure_loiter``: a fishing vessel drifts 3.5 h at 0.2-1.2 kn inside the (synthetic)
  East Gotland winter fishing closure, meandering (engine off), then returns to Liepaja.
- ``G1_transit_gap_8h``: a tanker on the through route goes dark for 8 h mid-transit and
  reappears where it would have been.
- ``G2_cable_gap_14h``: a cargo ship goes dark for 14 h; the straight line from its last to
  its next position crosses the BCS cable.
- ``B1_drag_then_dark``: a cargo ship drags across C-Lion1 at ~1.2 kn for 3 h (loitering
  row), then goes dark for 7 h (gap row).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import polars as pl

from mda import schema
from mda.sim import geo
from mda.sim.fleet import Particulars, make_particulars
from mda.sim.nmea import Engine, TimestampStyle, encode_nmea
from mda.sim.tracks import (
    GEOD,
    KN_MS,
    clip_time,
    concat_tracks,
    drop_between,
    make_anchored,
    make_loiter,
    make_track,
    track_end,
)

SCENARIO_ID = "scenario_id"
NOTE = "note"
TRUTH_SCHEMA: dict[str, pl.DataType] = {
    SCENARIO_ID: pl.String(),
    schema.EVENT_TYPE: pl.String(),  # "loitering" | "ais_gap"
    schema.MMSI: pl.Int64(),
    schema.START_TIME: schema.UTC_TS,  # loitering: first slow report; gap: last report before
    schema.END_TIME: schema.UTC_TS,  # loitering: last slow report; gap: first report after
    schema.LON: pl.Float64(),
    schema.LAT: pl.Float64(),
    NOTE: pl.String(),
}

UNDERWAY_S = 30.0  # Class A and B report interval under way (Class A thinned, see docstring)
ANCHOR_S = 180.0  # Class A at anchor / moored
MARKUP_NAME = '<B>SEA & "STAR"</B>'  # AIS 6-bit text is upper case: this is how it decodes


@dataclass(frozen=True)
class SimDay:
    """One simulated UTC day: what was transmitted, who sent it, and what was injected."""

    day: date
    seed: int
    positions: pl.DataFrame  # POSITIONS_SCHEMA: the reports actually transmitted
    vessels: pl.DataFrame  # VESSELS_SCHEMA: one row per vessel (its first static report)
    truth: pl.DataFrame  # TRUTH_SCHEMA: one row per injected event

    def nmea_lines(
        self, timestamp_style: TimestampStyle = "tagblock", *, engine: Engine = "fast"
    ) -> list[str]:
        """The day as NMEA lines in time order (positions plus static reports every 6 min)."""
        return encode_nmea(
            self.positions, self.vessels, timestamp_style=timestamp_style, engine=engine
        )

    @property
    def anomalous_mmsis(self) -> frozenset[int]:
        """MMSIs with at least one injected event."""
        return frozenset(self.truth[schema.MMSI].to_list())


# --- building blocks -------------------------------------------------------------------------


@dataclass
class _Voyage:
    """Chains track pieces for one vessel: each piece starts where the last one ended."""

    mmsi: int
    t: datetime
    lon: float
    lat: float
    seed: int
    msg_type: int = 1
    pieces: list[pl.DataFrame] = field(default_factory=list)
    last_ts: datetime | None = None

    def _push(self, piece: pl.DataFrame, interval_s: float) -> pl.DataFrame:
        self.pieces.append(piece)
        self.lon, self.lat, self.last_ts = track_end(piece)
        self.t = self.last_ts + timedelta(seconds=interval_s)
        self.seed += 1
        return piece

    def sail(self, waypoints: list[tuple[float, float]], speed_kn: Any, **kw: Any) -> pl.DataFrame:
        """Sail from the current position through ``waypoints`` (Class A/B noise included)."""
        piece = make_track(
            self.mmsi,
            [(self.lon, self.lat), *waypoints],
            speed_kn,
            self.t,
            UNDERWAY_S,
            jitter_m=4.0,
            sog_sd_kn=0.1,
            cog_sd_deg=0.8,
            msg_type=self.msg_type,
            seed=self.seed,
            **kw,
        )
        return self._push(piece, UNDERWAY_S)

    def drift(
        self, hours: float, speed_kn: float, rng_kn: tuple[float, float], turn_sd_deg: float = 6.0
    ) -> pl.DataFrame:
        """Stop and drift in place for ``hours`` (speeds clipped to ``rng_kn``; the course
        wanders by ``turn_sd_deg`` per report: 6 runs nearly straight, 30 meanders)."""
        piece = make_loiter(
            self.mmsi,
            self.lon,
            self.lat,
            self.t,
            hours,
            speed_kn,
            UNDERWAY_S,
            speed_range_kn=rng_kn,
            turn_sd_deg=turn_sd_deg,
            msg_type=self.msg_type,
            seed=self.seed,
        )
        return self._push(piece, UNDERWAY_S)

    def anchor(self, hours: float, nav_status: int = 1, radius_m: float = 80.0) -> pl.DataFrame:
        """Lie at anchor (or moored, nav_status 5) at the current position."""
        piece = make_anchored(
            self.mmsi,
            self.lon,
            self.lat,
            self.t,
            hours,
            ANCHOR_S,
            nav_status=nav_status,
            swing_radius_m=radius_m,
            msg_type=self.msg_type,
            seed=self.seed,
        )
        return self._push(piece, ANCHOR_S)

    def go_dark(self, hours: float, lon: float, lat: float) -> None:
        """Transmit nothing for ``hours`` after the last report, reappear at (lon, lat)."""
        assert self.last_ts is not None, "go_dark needs a previous piece"
        self.t = self.last_ts + timedelta(hours=hours)
        self.lon, self.lat = lon, lat

    def frame(self) -> pl.DataFrame:
        return concat_tracks(*self.pieces)


def _lane(name: str, reverse: bool = False) -> list[tuple[float, float]]:
    pts = list(geo.LANES[name])
    return pts[::-1] if reverse else pts


def _lane_hours(points: list[tuple[float, float]], speed_kn: float) -> float:
    lons, lats = zip(*points, strict=True)
    return GEOD.line_length(lons, lats) / (speed_kn * KN_MS) / 3600.0


def _loiter_row(sid: str, piece: pl.DataFrame, note: str) -> dict[str, Any]:
    return {
        SCENARIO_ID: sid,
        schema.EVENT_TYPE: "loitering",
        schema.MMSI: piece[schema.MMSI][0],
        schema.START_TIME: piece[schema.TS].min(),
        schema.END_TIME: piece[schema.TS].max(),
        schema.LON: piece[schema.LON].mean(),
        schema.LAT: piece[schema.LAT].mean(),
        NOTE: note,
    }


def _gap_row(sid: str, before: pl.DataFrame, after: pl.DataFrame, note: str) -> dict[str, Any]:
    lon, lat, t1 = track_end(before)
    return {
        SCENARIO_ID: sid,
        schema.EVENT_TYPE: "ais_gap",
        schema.MMSI: before[schema.MMSI][0],
        schema.START_TIME: t1,
        schema.END_TIME: after[schema.TS].min(),
        schema.LON: lon,
        schema.LAT: lat,
        NOTE: note,
    }


@dataclass
class _Fleet:
    """Accumulates vessels (particulars + positions) and truth rows, drawing from one RNG."""

    rng: np.random.Generator
    t0: datetime
    used_mmsi: set[int] = field(default_factory=set)
    used_names: set[str] = field(default_factory=set)
    particulars: list[Particulars] = field(default_factory=list)
    tracks: list[pl.DataFrame] = field(default_factory=list)
    truth: list[dict[str, Any]] = field(default_factory=list)

    def vessel(self, kind: str, **kw: Any) -> Particulars:
        p = make_particulars(kind, self.rng, self.used_mmsi, self.used_names, **kw)
        self.particulars.append(p)
        return p

    def voyage(self, p: Particulars, hours: float, lon: float, lat: float) -> _Voyage:
        """A voyage of ``p`` starting ``hours`` after midnight (negative: before the day)."""
        start = self.t0 + timedelta(seconds=round(hours * 3600))
        msg_type = 18 if p.ais_class == "B" else 1
        return _Voyage(p.mmsi, start, lon, lat, int(self.rng.integers(2**31)), msg_type)

    def at(self, fraction_h: tuple[float, float]) -> float:
        return float(self.rng.uniform(*fraction_h))


# --- injected anomalies ------------------------------------------------------------------------


def _l1_cable_loiter(f: _Fleet) -> None:
    p = f.vessel("cargo", flag="PA", lane="main_ne", name=MARKUP_NAME)
    v = f.voyage(p, 0.17, *geo.LANES["main_ne"][0])
    v.sail([*geo.LANES["main_ne"][1:3], (19.5, 56.9)], 11.5)
    slow = v.drift(4.5, 0.8, (0.2, 1.5))
    v.sail(list(geo.LANES["main_ne"][3:]), 11.5)
    f.tracks.append(v.frame())
    f.truth.append(
        _loiter_row(
            "L1_cable_loiter",
            slow,
            "drifts 4.5 h at 0.2-1.5 kn over C-Lion1 near its BCS crossing, ~30 nm offshore",
        )
    )


def _l2_closure_loiter(f: _Fleet) -> None:
    p = f.vessel("fishing", flag="LV")
    v = f.voyage(p, -1.0, *geo.ANCHORAGES["liepaja"])
    v.anchor(4.0)
    v.sail([(20.45, 57.3)], 9.5)
    # Engine off, meandering: a slow run as straight as a longline or a string of creels
    # would move like hauling, which fishing_in_zone reports (see its caveats).
    slow = v.drift(3.5, 0.6, (0.2, 1.2), turn_sd_deg=30.0)
    v.sail([geo.ANCHORAGES["liepaja"]], 9.5)
    v.anchor(24.0)
    f.tracks.append(v.frame())
    f.truth.append(
        _loiter_row(
            "L2_closure_loiter",
            slow,
            "fishing vessel drifts 3.5 h inside the synthetic East Gotland winter fishing closure",
        )
    )


def _g1_transit_gap(f: _Fleet) -> None:
    p = f.vessel("tanker", flag="MT", lane="main_ne")
    v = f.voyage(p, 0.33, *geo.LANES["main_ne"][-1])
    whole = v.sail(_lane("main_ne", reverse=True)[1:], 12.5)
    t1 = whole[schema.TS][0] + timedelta(hours=4, minutes=20)  # on the 30 s grid
    t2 = t1 + timedelta(hours=8)
    before = whole.filter(pl.col(schema.TS) <= t1)
    after = whole.filter(pl.col(schema.TS) >= t2)
    f.tracks.append(drop_between(whole, t1, t2))
    f.truth.append(
        _gap_row(
            "G1_transit_gap_8h",
            before,
            after,
            "AIS off for 8 h mid-transit on the through route; reappears on its track",
        )
    )


def _g2_cable_gap(f: _Fleet) -> None:
    p = f.vessel("cargo", flag="AG", lane="riga")
    v = f.voyage(p, 0.08, *geo.LANES["riga"][-1])
    before = v.sail(_lane("riga", reverse=True)[1:4], 10.0)
    v.go_dark(14.0, 19.0, 56.2)
    after = v.sail([(18.6, 56.15), geo.LANES["riga"][0]], 10.0)
    f.tracks.append(v.frame())
    f.truth.append(
        _gap_row(
            "G2_cable_gap_14h",
            before,
            after,
            "AIS off for 14 h; the straight line between last and next position crosses BCS",
        )
    )


def _b1_drag_then_dark(f: _Fleet) -> None:
    p = f.vessel("cargo", flag="CY", lane="liepaja_west")
    on_cable = (18.85, 56.6)  # a point of the synthetic C-Lion1 route
    s_lon, s_lat, _ = GEOD.fwd(*on_cable, 140.0, 1.8 * geo.NM_M)
    e_lon, e_lat, _ = GEOD.fwd(*on_cable, 320.0, 1.8 * geo.NM_M)
    v = f.voyage(p, 2.0, *geo.LANES["liepaja_west"][0])
    v.sail([(s_lon, s_lat)], 10.0)
    drag = v.sail([(e_lon, e_lat)], 1.2)
    v.go_dark(7.0, 17.2, 55.8)
    after = v.sail([geo.LANES["liepaja_west"][-1]], 10.0)
    f.tracks.append(v.frame())
    f.truth.append(
        _loiter_row(
            "B1_drag_then_dark",
            drag,
            "drags across C-Lion1 at ~1.2 kn for 3 h (status under way), then goes dark",
        )
    )
    f.truth.append(
        _gap_row(
            "B1_drag_then_dark", drag, after, "AIS off for 7 h right after dragging across C-Lion1"
        )
    )


ANOMALIES = (
    _l1_cable_loiter,
    _l2_closure_loiter,
    _g1_transit_gap,
    _g2_cable_gap,
    _b1_drag_then_dark,
)


# --- normal traffic ----------------------------------------------------------------------------

SPEEDS_KN = {"cargo": (9.0, 15.0), "tanker": (10.0, 14.0), "passenger": (16.0, 18.0)}
FERRY_LANES = ("visby_nynashamn", "visby_oskarshamn")
CARGO_LANES = tuple(name for name in geo.LANES if name not in FERRY_LANES)
# anchorage -> lane leaving from it (first waypoint near the anchorage)
PORT_LANES = {
    "klaipeda": "klaipeda_west",
    "liepaja": "liepaja_west",
    "ventspils": "ventspils_stockholm",
    "visby_roads": "visby_nynashamn",
}


def _transit(f: _Fleet) -> None:
    """A ship on a lane, possibly under way at midnight or entering/leaving mid-day."""
    ferry = f.rng.random() < 0.12
    kind = "passenger" if ferry else str(f.rng.choice(["cargo", "cargo", "tanker"]))
    lane = str(f.rng.choice(FERRY_LANES if ferry else CARGO_LANES))
    p = f.vessel(kind, lane=lane)
    points = _lane(lane, reverse=bool(f.rng.random() < 0.5))
    speed = f.at(SPEEDS_KN[kind])
    hours = _lane_hours(points, speed)
    v = f.voyage(p, f.at((-(hours - 1.5), 22.5)), *points[0])
    v.sail(points[1:], speed, heading_offset_deg=float(f.rng.normal(0, 2)))
    f.tracks.append(v.frame())


def _anchored(f: _Fleet) -> None:
    """A ship at anchor (or moored to a buoy) less than 3 nm from land, all day."""
    name = str(f.rng.choice(list(geo.ANCHORAGES)))
    lon, lat = geo.ANCHORAGES[name]
    p = f.vessel(str(f.rng.choice(["cargo", "tanker", "tug"])))
    lon, lat = lon + f.at((-0.01, 0.01)), lat + f.at((-0.006, 0.006))
    v = f.voyage(p, -f.at((0.0, 2.0)), lon, lat)
    moored = f.rng.random() < 0.3
    v.anchor(26.0, nav_status=5 if moored else 1, radius_m=4.0 if moored else 80.0)
    f.tracks.append(v.frame())


def _port_call(f: _Fleet) -> None:
    """Anchored off a port then sails away, or arrives and drops anchor."""
    port = str(f.rng.choice(list(PORT_LANES)))
    lane = PORT_LANES[port]
    p = f.vessel("cargo", lane=lane)
    anchorage, points = geo.ANCHORAGES[port], _lane(lane)
    speed = f.at(SPEEDS_KN["cargo"])
    if f.rng.random() < 0.5:  # departs mid-day
        v = f.voyage(p, -1.0, *anchorage)
        v.anchor(1.0 + f.at((2.0, 18.0)))
        v.sail(points, [6.0] + [speed] * (len(points) - 1))
    else:  # arrives mid-day and anchors
        back = points[::-1]
        hours = _lane_hours(back, speed)
        v = f.voyage(p, f.at((1.0, 20.0)) - hours, *back[0])
        v.sail([*back[1:], anchorage], [speed] * (len(back) - 1) + [6.0])
        v.anchor(30.0)
    f.tracks.append(v.frame())


def _haul_end(
    f: _Fleet, lon: float, lat: float, heading: float, box: tuple[float, float, float, float]
) -> tuple[float, float, float]:
    """End of the next 2-3.5 h tow at 3-5 kn, turned back towards the ground if it would leave."""
    x0, y0, x1, y1 = box
    length_m = f.at((2.0, 3.5)) * 3600 * 4.0 * KN_MS
    for _ in range(20):
        lon2, lat2, _ = GEOD.fwd(lon, lat, heading, length_m)
        if x0 <= lon2 <= x1 and y0 <= lat2 <= y1:
            return float(lon2), float(lat2), heading
        heading = (heading + f.at((90.0, 270.0))) % 360
        length_m *= 0.8
    return (x0 + x1) / 2, (y0 + y1) / 2, heading


def _fishing(f: _Fleet) -> None:
    """A Class A trawler towing at 3-5 kn all day on an offshore ground."""
    box = geo.FISHING_GROUNDS[str(f.rng.choice(list(geo.FISHING_GROUNDS)))]
    p = f.vessel("fishing")
    lon, lat = f.at((box[0], box[2])), f.at((box[1], box[3]))
    v = f.voyage(p, -f.at((0.0, 1.0)), lon, lat)
    heading = f.at((0.0, 360.0))
    while v.t < f.t0 + timedelta(hours=24):
        lon, lat, heading = _haul_end(f, v.lon, v.lat, heading, box)
        v.sail([(lon, lat)], f.at((3.2, 4.8)))
        heading = (heading + f.at((150.0, 210.0))) % 360
    f.tracks.append(v.frame())


def _class_b_trip(f: _Fleet) -> None:
    """A Class B craft on a short coastal out-and-back trip at 5-8 kn."""
    route = list(geo.COASTAL_ROUTES[str(f.rng.choice(list(geo.COASTAL_ROUTES)))])
    if f.rng.random() < 0.5:
        route = route[::-1]
    kind = "leisure" if f.rng.random() < 0.6 else "fishing"
    p = f.vessel(kind, ais_class="B")
    v = f.voyage(p, f.at((6.0, 16.0)), *route[0])
    v.sail([*route[1:], *route[-2::-1]], f.at((5.0, 8.0)))
    f.tracks.append(v.frame())


def _mix(n_normal: int) -> list[Any]:
    """How many of each kind of normal vessel: anchored 15 %, port calls 8 %, fishing 10 %,
    Class B 10 %, the rest transits (at least one of each when n_normal >= 5)."""
    counts = {_anchored: 0.15, _port_call: 0.08, _fishing: 0.10, _class_b_trip: 0.10}
    plan: list[Any] = []
    for fn, share in counts.items():
        plan += [fn] * max(1 if n_normal >= 5 else 0, round(share * n_normal))
    return plan + [_transit] * max(0, n_normal - len(plan))


def _dropouts(f: _Fleet, track: pl.DataFrame) -> pl.DataFrame:
    """Random short reception dropouts (3-25 min) on about half of the normal vessels."""
    if track.height < 10 or f.rng.random() < 0.5:
        return track
    for _ in range(int(f.rng.integers(1, 3))):
        t1 = track[schema.TS][int(f.rng.integers(0, track.height))]
        track = drop_between(track, t1, t1 + timedelta(minutes=f.at((3.0, 25.0))))
    return track


# --- assembly ------------------------------------------------------------------------------------


def _vessels_frame(particulars: list[Particulars], positions: pl.DataFrame) -> pl.DataFrame:
    first = positions.group_by(schema.MMSI).agg(pl.col(schema.TS).min())
    rows = [
        {
            schema.MMSI: p.mmsi,
            schema.IMO: p.imo,
            schema.CALL_SIGN: p.call_sign,
            schema.VESSEL_NAME: p.name,
            schema.SHIP_TYPE: p.ship_type,
            schema.LENGTH_M: p.length_m,
            schema.WIDTH_M: p.width_m,
            schema.DRAUGHT_M: p.draught_m,
            schema.DESTINATION: p.destination,
            schema.AIS_CLASS: p.ais_class,
            schema.SOURCE: "nmea",
        }
        for p in particulars
    ]
    overrides = {schema.IMO: pl.Int64, schema.DRAUGHT_M: pl.Float64}
    table = pl.DataFrame(rows, schema_overrides=overrides)
    table = table.join(first, on=schema.MMSI, how="inner").sort(schema.MMSI)
    return schema.conform(table, schema.VESSELS_SCHEMA)


def simulate_day(day: date, *, seed: int = 20240305, n_normal: int = 60) -> SimDay:
    """Simulate one UTC day of AIS traffic in the demo region (deterministic for a seed).

    ``n_normal`` normal vessels plus the injected anomalies of the module docstring. Only
    reports inside the region bbox and inside the day are kept (what a receiver network
    covering the region would log).
    """
    t0 = datetime(day.year, day.month, day.day, tzinfo=UTC)
    f = _Fleet(np.random.default_rng(seed), t0)
    for anomaly in ANOMALIES:
        anomaly(f)
    n_anomalous = len(f.tracks)
    for build in _mix(n_normal):
        build(f)
    tracks = f.tracks[:n_anomalous] + [_dropouts(f, t) for t in f.tracks[n_anomalous:]]
    positions = clip_time(concat_tracks(*tracks), t0, t0 + timedelta(days=1))
    positions = positions.filter(
        pl.col(schema.LON).is_between(geo.REGION_BBOX[0], geo.REGION_BBOX[2])
        & pl.col(schema.LAT).is_between(geo.REGION_BBOX[1], geo.REGION_BBOX[3])
    )
    truth = schema.conform(pl.DataFrame(f.truth), TRUTH_SCHEMA)
    return SimDay(day, seed, positions, _vessels_frame(f.particulars, positions), truth)
