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
