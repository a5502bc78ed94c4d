"""The one column vocabulary of the project.

Every table the pipeline writes (Parquet lake, GeoJSON, PostGIS) uses these names.
Units are in the names (``sog_kn``, ``duration_h``, ``distance_m``); timestamps are
timezone-aware UTC (``Datetime("us", "UTC")``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import polars as pl

UTC_TS = pl.Datetime("us", "UTC")

# --- positions -------------------------------------------------------------------------
MMSI = "mmsi"
TS = "ts"
LAT = "lat"
LON = "lon"
SOG_KN = "sog_kn"
COG_DEG = "cog_deg"
HEADING_DEG = "heading_deg"
NAV_STATUS = "nav_status"
MSG_TYPE = "msg_type"
SOURCE = "source"
SOURCES = "sources"

POSITIONS_SCHEMA: dict[str, pl.DataType] = {
    MMSI: pl.Int64(),
    TS: UTC_TS,
    LAT: pl.Float64(),
    LON: pl.Float64(),
    SOG_KN: pl.Float32(),  # null when "not available" (102.3)
    COG_DEG: pl.Float32(),  # null when "not available" (360)
    HEADING_DEG: pl.Float32(),  # null when "not available" (511)
    NAV_STATUS: pl.Int8(),  # ITU-R M.1371 navigational status, null when unknown
    MSG_TYPE: pl.Int8(),  # AIS message type, null for CSV sources that do not say
    SOURCE: pl.String(),  # "nmea", "noaa_csv", "dma_csv"
    # every input that delivered this report, e.g. ["nmea:a.nmea/AIVDM/s:rx1",
    # "noaa_csv:AIS_2024_03_05.csv"] (see mda.ingest._records); null when not tracked
    SOURCES: pl.List(pl.String()),
}

# --- static vessel data ------------------------------------------------------------------
IMO = "imo"
CALL_SIGN = "call_sign"
VESSEL_NAME = "vessel_name"
SHIP_TYPE = "ship_type"
LENGTH_M = "length_m"
WIDTH_M = "width_m"
DRAUGHT_M = "draught_m"
DESTINATION = "destination"
AIS_CLASS = "ais_class"

VESSELS_SCHEMA: dict[str, pl.DataType] = {
    MMSI: pl.Int64(),
    TS: UTC_TS,
    IMO: pl.Int64(),
    CALL_SIGN: pl.String(),
    VESSEL_NAME: pl.String(),
    SHIP_TYPE: pl.Int16(),  # ITU ship-and-cargo type code
    LENGTH_M: pl.Float32(),
    WIDTH_M: pl.Float32(),
    DRAUGHT_M: pl.Float32(),
    DESTINATION: pl.String(),
    AIS_CLASS: pl.String(),  # "A" or "B", null when unknown
    SOURCE: pl.String(),
}

# --- fixed stations: AIS base stations (type 4) and aids to navigation (type 21) ----------
STATION_KIND = "station_kind"
STATION_NAME = "station_name"
AID_TYPE = "aid_type"
AID_TYPE_NAME = "aid_type_name"
VIRTUAL_AID = "virtual_aid"
OFF_POSITION = "off_position"
EPFD = "epfd"
REPORTED_TS = "reported_ts"

STATION_KINDS = ("base_station", "aton")

STATIONS_SCHEMA: dict[str, pl.DataType] = {
    MMSI: pl.Int64(),  # 00MIDxxxx (base station) or 99MIDxxxx (AtoN)
    TS: UTC_TS,  # receive time, as for positions
    MSG_TYPE: pl.Int8(),  # 4 or 21; null for CSV sources
    STATION_KIND: pl.String(),  # "base_station" or "aton"
    LAT: pl.Float64(),  # null when "not available" (91/181) or out of range
    LON: pl.Float64(),
    STATION_NAME: pl.String(),  # AtoN name plus name extension, trimmed; null for type 4
    AID_TYPE: pl.Int8(),  # ITU-R M.1371 AtoN type code 1-31, null when 0 (not specified)
    AID_TYPE_NAME: pl.String(),  # its name as in pyais (e.g. "cardinal_mark_n")
    VIRTUAL_AID: pl.Boolean(),  # AtoN only: no physical aid at the position
    OFF_POSITION: pl.Boolean(),  # AtoN only; null when the UTC second is > 59 (not valid)
    EPFD: pl.Int8(),  # position fixing device code, null when 0 (undefined)
    REPORTED_TS: UTC_TS,  # the UTC date and time a base station reports; null if not available
    SOURCE: pl.String(),
    SOURCES: pl.List(pl.String()),  # as for positions
}

# --- quarantine: every rejected line or row, kept raw -------------------------------------
SOURCE_FILE = "source_file"
LINE_NO = "line_no"
REASON = "reason"
RAW = "raw"

QUARANTINE_SCHEMA: dict[str, pl.DataType] = {
    SOURCE_FILE: pl.String(),
    LINE_NO: pl.Int64(),  # 1-based line number in the source file (CSV: header is line 1)
    REASON: pl.String(),
    RAW: pl.String(),
}

# --- events ------------------------------------------------------------------------------
EVENT_ID = "event_id"
EVENT_TYPE = "event_type"
OTHER_MMSI = "other_mmsi"
START_TIME = "start_time"
END_TIME = "end_time"
DURATION_H = "duration_h"
CABLE_NAME = "cable_name"
CABLE_DISTANCE_M = "cable_distance_m"
ZONE_NAME = "zone_name"
DISTANCE_TO_SHORE_KM = "distance_to_shore_km"
SCORE = "score"
EXPLANATION = "explanation"
EVIDENCE = "evidence"
GEOMETRY_WKT = "geometry_wkt"
REGION = "region"
EVENT_DATE = "event_date"

EVENT_TYPES = (
    "loitering",
    "ais_gap",
    "encounter",
    "anchor_drag",
    "fishing_in_zone",
    "identity_conflict",
)

EVENTS_SCHEMA: dict[str, pl.DataType] = {
    EVENT_ID: pl.String(),  # deterministic hash of the defining fields
    EVENT_TYPE: pl.String(),
    MMSI: pl.Int64(),
    OTHER_MMSI: pl.Int64(),  # second vessel (encounters), else null
    START_TIME: UTC_TS,
    END_TIME: UTC_TS,
    LAT: pl.Float64(),  # representative point
    LON: pl.Float64(),
    DURATION_H: pl.Float64(),
    CABLE_NAME: pl.String(),  # nearest submarine cable within the search radius, else null
    CABLE_DISTANCE_M: pl.Float64(),
    ZONE_NAME: pl.String(),  # zones containing the point while valid, "; "-joined, else null
    DISTANCE_TO_SHORE_KM: pl.Float64(),  # null when no coastline layer was given
    SCORE: pl.Float64(),  # [0, 1]
    EXPLANATION: pl.String(),  # one sentence a trainer can read aloud
    EVIDENCE: pl.String(),  # JSON object: the numbers that made the event fire
    GEOMETRY_WKT: pl.String(),  # the track piece, WGS84 (EPSG:4326) WKT
    REGION: pl.String(),
    EVENT_DATE: pl.Date(),  # the UTC day whose run produced the event
}


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """[start, end) of a UTC day, tz-aware."""
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return start, start + timedelta(days=1)


def empty(schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """An empty frame with the given schema."""
    return pl.DataFrame(schema=schema)


def conform(df: pl.DataFrame | pl.LazyFrame, schema: dict[str, pl.DataType]):
    """Select exactly the schema's columns, in order, cast to the schema's types.

    Missing columns are added as nulls; extra columns are dropped.
    """
    cols = df.collect_schema().names()
    exprs = [
        (pl.col(name) if name in cols else pl.lit(None)).cast(dtype).alias(name)
        for name, dtype in schema.items()
    ]
    return df.select(exprs)
