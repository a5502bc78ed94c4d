"""Small, named test data in mda.schema shapes for the warehouse tests.

Geography used throughout: a clearly synthetic north-south cable "TEST-CABLE-A" along the
meridian 11 E from 54.5 N to 56 N (Baltic-like). A meridian is a geodesic, so distances to it
computed on the spheroid (geography) equal the east-west offset along the parallel: events
are short north-south track pieces placed ``lon_east_of_cable(km)``. (An east-west cable
would not do: between its vertices a geography edge is a great circle, which bulges poleward
of the parallel by about 1.4 km over 2 degrees of longitude at 55 N.)
"""

from __future__ import annotations

import datetime as dt
import json
import math

import polars as pl
from shapely.geometry import LineString, Polygon

from mda import schema as s
from mda.reference import Cable, ReferenceLayers, Zone

DAY = dt.date(2024, 3, 5)
REGION = "test_baltic"
CABLE_NAME = "TEST-CABLE-A"
CABLE_LON = 11.0
WGS84_A_KM = 6378.137
WGS84_E2 = 0.00669437999014


def utc(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """A UTC datetime on ``day``."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=dt.UTC)


def make_positions(rows: list[tuple[int, dt.datetime, float, float]]) -> pl.DataFrame:
    """Positions from (mmsi, ts, lat, lon) tuples; speed 5 kn, source nmea."""
    df = pl.DataFrame(rows, schema=[s.MMSI, (s.TS), s.LAT, s.LON], orient="row").with_columns(
        pl.lit(5.0).alias(s.SOG_KN), pl.lit("nmea").alias(s.SOURCE)
    )
    return s.conform(df, s.POSITIONS_SCHEMA)


def make_track(
    mmsi: int, day: dt.date, n: int, lat: float = 55.1, lon0: float = 10.5
) -> pl.DataFrame:
    """``n`` positions of ``mmsi`` one hour apart from 00:00 UTC, heading east 0.01 deg/h."""
    return make_positions([(mmsi, utc(day, h), lat, lon0 + 0.01 * h) for h in range(n)])


def make_vessels(rows: list[tuple[int, dt.datetime, str]]) -> pl.DataFrame:
    """Static reports from (mmsi, ts, vessel_name) tuples."""
    df = pl.DataFrame(rows, schema=[s.MMSI, s.TS, s.VESSEL_NAME], orient="row").with_columns(
        pl.lit("nmea").alias(s.SOURCE), pl.lit("A").alias(s.AIS_CLASS)
    )
    return s.conform(df, s.VESSELS_SCHEMA)


def make_stations(day: dt.date = DAY) -> pl.DataFrame:
    """A base station, and an AtoN reporting no position, as ingest gives them."""
    rows = [
        {s.MMSI: 2190066, s.TS: utc(day, 1), s.MSG_TYPE: 4, s.STATION_KIND: "base_station",
         s.LAT: 56.53, s.LON: 8.17, s.EPFD: 7, s.REPORTED_TS: utc(day, 0, 59),
         s.SOURCE: "nmea", s.SOURCES: ["nmea:a.nmea/BSVDM/s:rx1", 'x,"y"}']},
        {s.MMSI: 992111840, s.TS: utc(day, 2), s.MSG_TYPE: 21, s.STATION_KIND: "aton",
         s.STATION_NAME: 'WIND "FARM", NW', s.AID_TYPE: 20, s.AID_TYPE_NAME: "cardinal_mark_n",
         s.VIRTUAL_AID: True, s.OFF_POSITION: None, s.SOURCE: "dma_csv"},
    ]  # fmt: skip
    return s.conform(pl.DataFrame(rows), s.STATIONS_SCHEMA)


def make_event(
    event_id: str,
    *,
    mmsi: int = 211000001,
    event_type: str = "loitering",
    lat: float = 55.1,
    lon: float = 11.5,
    start: dt.datetime | None = None,
    hours: float = 3.0,
    day: dt.date = DAY,
    region: str = REGION,
    geometry_wkt: str | None = None,
) -> dict:
    """One event row; its geometry is a short north-south track piece through (lon, lat)."""
    start = start or utc(day, 2)
    wkt = geometry_wkt or LineString([(lon, lat - 0.01), (lon, lat + 0.01)]).wkt
    return {
        s.EVENT_ID: event_id,
        s.EVENT_TYPE: event_type,
        s.MMSI: mmsi,
        s.OTHER_MMSI: None,
        s.START_TIME: start,
        s.END_TIME: start + dt.timedelta(hours=hours),
        s.LAT: lat,
        s.LON: lon,
        s.DURATION_H: hours,
        s.CABLE_NAME: None,
        s.CABLE_DISTANCE_M: None,
        s.ZONE_NAME: None,
        s.DISTANCE_TO_SHORE_KM: None,
        s.SCORE: 0.5,
        s.EXPLANATION: f"{event_type} for {hours} h",
        s.EVIDENCE: json.dumps({"mean_sog_kn": 0.8, "n_points": 12}),
        s.GEOMETRY_WKT: wkt,
        s.REGION: region,
        s.EVENT_DATE: day,
    }


def make_events(rows: list[dict]) -> pl.DataFrame:
    """An events frame (EVENTS_SCHEMA) from make_event() rows."""
    return s.conform(pl.DataFrame(rows, schema=s.EVENTS_SCHEMA), s.EVENTS_SCHEMA)


def lon_east_of_cable(km: float, lat: float = 55.1) -> float:
    """Longitude ``km`` kilometres east of the cable along the parallel ``lat`` (WGS84)."""
    phi = math.radians(lat)
    km_per_deg = math.radians(1) * WGS84_A_KM * math.cos(phi)
    km_per_deg /= math.sqrt(1 - WGS84_E2 * math.sin(phi) ** 2)
    return CABLE_LON + km / km_per_deg


def reference_layers(zone: Polygon | None = None) -> ReferenceLayers:
    """The test cable, one closure zone around 11.0-11.2 E, and a land polygon to the south."""
    zone = zone or Polygon([(11.0, 55.05), (11.2, 55.05), (11.2, 55.2), (11.0, 55.2)])
    land = Polygon([(10.0, 54.0), (12.0, 54.0), (12.0, 54.5), (10.0, 54.5)])
    return ReferenceLayers(
        cables=(
            Cable(CABLE_NAME, LineString([(CABLE_LON, 54.5), (CABLE_LON, 56.0)]), "test-cable-a"),
        ),
        zones=(Zone("Test closure", "closure", zone, valid_from=utc(DAY, 0)),),
        land=land,
    )


EMPTY_VESSELS = s.empty(s.VESSELS_SCHEMA)
EMPTY_EVENTS = s.empty(s.EVENTS_SCHEMA)
EMPTY_POSITIONS = s.empty(s.POSITIONS_SCHEMA)


def make_static(rows: list[tuple[int, dt.datetime, str | None, str | None, int | None]]):
    """Static reports from (mmsi, ts, vessel_name, call_sign, imo) tuples (ship type 70)."""
    df = pl.DataFrame(
        rows, schema=[s.MMSI, s.TS, s.VESSEL_NAME, s.CALL_SIGN, s.IMO], orient="row"
    ).with_columns(
        pl.lit(70).alias(s.SHIP_TYPE),
        pl.lit("nmea").alias(s.SOURCE),
        pl.lit("A").alias(s.AIS_CLASS),
    )
    return s.conform(df, s.VESSELS_SCHEMA)


def load(
    conn, day: dt.date = DAY, region: str = REGION, *, positions=None, vessels=None, events=None
):
    """load_day with empty frames for what is not given."""
    from mda.store.load import load_day

    return load_day(
        conn,
        day,
        positions=EMPTY_POSITIONS if positions is None else positions,
        vessels=EMPTY_VESSELS if vessels is None else vessels,
        events=EMPTY_EVENTS if events is None else make_events(events),
        region=region,
    )


def explain(conn, sql: str, params: dict) -> str:
    """The EXPLAIN plan of ``sql`` as text (caller sets planner options first)."""
    from sqlalchemy import text

    return "\n".join(conn.execute(text("EXPLAIN " + sql), params).scalars())
