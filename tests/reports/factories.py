"""Small named builders for report tests: events, vessels, positions and layers."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import polars as pl
import shapely

from mda import schema as s
from mda.reference import Cable, ReferenceLayers, Zone

DAY = date(2024, 3, 5)
SCRIPT_NAME = '<script>alert("x")</script>'
IMG_DESTINATION = "</td><img src=x onerror=alert(1)>"
SVG_CABLE = "<svg onload=alert(1)>"


def at(hour: float) -> datetime:
    """A UTC time on DAY, ``hour`` hours after midnight."""
    return datetime(2024, 3, 5, tzinfo=UTC) + timedelta(hours=hour)


def make_event(event_id: str, *, score: float = 0.5, start_h: float = 2.0, **over: Any) -> dict:
    """One loitering event near (12.9 E, 55.5 N) lasting 4 h; override any column."""
    row = {
        s.EVENT_ID: event_id,
        s.EVENT_TYPE: "loitering",
        s.MMSI: 219000001,
        s.START_TIME: at(start_h),
        s.END_TIME: at(start_h + 4),
        s.LAT: 55.5,
        s.LON: 12.9,
        s.DURATION_H: 4.0,
        s.CABLE_NAME: None,
        s.CABLE_DISTANCE_M: None,
        s.ZONE_NAME: None,
        s.DISTANCE_TO_SHORE_KM: 25.0,
        s.SCORE: score,
        s.EXPLANATION: "Vessel moved below 2 kn for 4 h.",
        s.EVIDENCE: json.dumps({"mean_sog_kn": 0.7, "n_positions": 48}),
        s.GEOMETRY_WKT: "LINESTRING (12.89 55.49, 12.9 55.5, 12.91 55.505)",
        s.REGION: "baltic",
        s.EVENT_DATE: DAY,
    }
    row.update(over)
    return row


def make_gap(event_id: str, *, score: float = 0.8, **over: Any) -> dict:
    """An AIS gap of 13 h between two points 15 km apart."""
    gap = {
        s.EVENT_TYPE: "ais_gap",
        s.MMSI: 219000002,
        s.END_TIME: at(18.0),
        s.DURATION_H: 13.0,
        s.LAT: 55.6,
        s.LON: 13.1,
        s.EVIDENCE: json.dumps({"gap_h": 13.0, "implied_speed_kn": 0.6, "crosses_cable": True}),
        s.GEOMETRY_WKT: "LINESTRING (13.0 55.55, 13.2 55.65)",
        s.EXPLANATION: "AIS silent for 13 h across a cable.",
    }
    return make_event(event_id, score=score, start_h=5.0, **{**gap, **over})


def events_frame(*rows: dict) -> pl.DataFrame:
    """Rows -> an events frame in EVENTS_SCHEMA (empty frame when no rows)."""
    if not rows:
        return s.empty(s.EVENTS_SCHEMA)
    return s.conform(pl.DataFrame(list(rows), schema=s.EVENTS_SCHEMA), s.EVENTS_SCHEMA)


def vessels_frame(*rows: dict) -> pl.DataFrame:
    """Static-report rows (any subset of VESSELS_SCHEMA columns) -> VESSELS_SCHEMA frame."""
    if not rows:
        return s.empty(s.VESSELS_SCHEMA)
    full = [{name: row.get(name) for name in s.VESSELS_SCHEMA} for row in rows]
    return pl.DataFrame(full, schema=s.VESSELS_SCHEMA)


def track_frame(mmsi: int, n: int = 40) -> pl.DataFrame:
    """A straight track every 15 min from midnight, heading north-east across the event."""
    return pl.DataFrame(
        {
            s.MMSI: [mmsi] * n,
            s.TS: [at(i / 4) for i in range(n)],
            s.LAT: [55.45 + 0.002 * i for i in range(n)],
            s.LON: [12.85 + 0.002 * i for i in range(n)],
        }
    ).pipe(s.conform, s.POSITIONS_SCHEMA)


def hostile_layers() -> ReferenceLayers:
    """A cable whose name is markup, a zone whose name is mathtext, and a land polygon."""
    return ReferenceLayers(
        cables=(Cable(SVG_CABLE, shapely.LineString([(12.5, 55.49), (13.5, 55.52)])),),
        zones=(
            Zone("Closure $\\frac{1}{0}$ & <b>", "closure", shapely.box(12.85, 55.45, 13.0, 55.55)),
        ),
        land=shapely.box(12.0, 55.0, 12.88, 56.0),
    )


# --- case studies ---------------------------------------------------------------------------

CASE_MMSI, OTHER_MMSI = 219000001, 257000002
CASE_NAME, CASE_IMO, CASE_CALL_SIGN = "NORDIC STAR", 9074729, "OXAB2"
OTHER_NAME = "BALTIC TRADER"
CABLE, CLOSURE = "Test Cable", "Test Closure"


def case_layers() -> ReferenceLayers:
    """A cable the case's track crosses at about 03:00, a closure it enters, some land."""
    return ReferenceLayers(
        cables=(Cable(CABLE, shapely.LineString([(12.5, 55.485), (13.5, 55.515)])),),
        zones=(Zone(CLOSURE, "fishing_closure", shapely.box(12.9, 55.48, 13.1, 55.6)),),
        land=shapely.box(12.0, 55.0, 12.7, 56.0),
        sources={"cables": "/data/cables.geojson"},
    )


def case_track(mmsi: int = CASE_MMSI, lon0: float = 12.85) -> pl.DataFrame:
    """A vessel heading north-east every 10 min from 00:00 to 10:00, at 12 kn except 1 kn
    from 02:00 to 06:00 (heading then 90° off its course), silent from 07:00 to 08:30."""
    rows = []
    lat, lon = 55.45, lon0
    for i in range(61):
        ts = at(i / 6)
        slow = 2 <= i / 6 < 6
        step = 0.0008 if slow else 0.004
        lat, lon = lat + step, lon + step
        if 7 < i / 6 < 8.5:
            continue
        rows.append(
            {
                s.MMSI: mmsi,
                s.TS: ts,
                s.LAT: lat,
                s.LON: lon,
                s.SOG_KN: 1.0 if slow else 12.0,
                s.COG_DEG: 45.0,
                s.HEADING_DEG: 315.0 if slow else 45.0,
                s.NAV_STATUS: 0,
            }
        )
    return s.conform(pl.DataFrame(rows), s.POSITIONS_SCHEMA)


def case_vessels() -> pl.DataFrame:
    """Static reports of the case's vessel (two: the destination changes) and the other one."""
    return vessels_frame(
        {
            s.MMSI: CASE_MMSI,
            s.TS: at(0.5),
            s.VESSEL_NAME: CASE_NAME,
            s.IMO: CASE_IMO,
            s.CALL_SIGN: CASE_CALL_SIGN,
            s.SHIP_TYPE: 70,
            s.LENGTH_M: 120.0,
            s.WIDTH_M: 18.0,
            s.DESTINATION: "GDANSK",
            s.AIS_CLASS: "A",
        },
        {s.MMSI: CASE_MMSI, s.TS: at(6.5), s.VESSEL_NAME: CASE_NAME, s.DESTINATION: "KLAIPEDA"},
        {s.MMSI: OTHER_MMSI, s.TS: at(1), s.VESSEL_NAME: OTHER_NAME, s.IMO: 9300001},
    )


def case_event(event_type: str = "loitering", **over: Any) -> dict:
    """The case's event (02:00-06:00) as an EVENTS_SCHEMA row, evidence of ``event_type``."""
    evidence = {
        "loitering": {
            "mean_speed_kn": 1.0,
            "max_speed_kn": 1.0,
            "n_positions": 24,
            "share_reported_anchored": 0.0,
            "threshold_speed_kn": 2.0,
            "threshold_duration_h": 2.0,
        },
        "ais_gap": {
            "gap_h": 4.0,
            "distance_km": 3.1,
            "implied_speed_kn": 0.4,
            "crosses_cable": True,
            "reception_coverage": 0.75,
            "likely_intentional": False,
            "threshold_gap_h": 6.0,
        },
        "encounter": {
            "median_distance_m": 180.0,
            "median_speed_kn": 1.0,
            "other_median_speed_kn": 1.0,
            "close_bins": 24,
        },
    }[event_type]
    explanation = (
        f"{CASE_NAME} (MMSI {CASE_MMSI}) loitered for 4.0 h at 1.0 kn near the {CABLE} cable."
    )
    row = make_event(
        over.pop(s.EVENT_ID, "ev0123456789abcdef"),
        score=over.pop(s.SCORE, 0.8),
        start_h=2.0,
        **{
            s.EVENT_TYPE: event_type,
            s.MMSI: CASE_MMSI,
            s.LAT: 55.5,
            s.LON: 12.92,
            s.CABLE_NAME: CABLE,
            s.CABLE_DISTANCE_M: 300.0,
            s.ZONE_NAME: CLOSURE,
            s.EXPLANATION: explanation,
            s.EVIDENCE: json.dumps(evidence),
            s.GEOMETRY_WKT: "LINESTRING (12.898 55.498, 12.917 55.517)",
            **over,
        },
    )
    return events_frame(row).row(0, named=True)
