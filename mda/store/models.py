"""The PostGIS warehouse schema (schema ``mda``), as a typed SQLAlchemy 2 ORM.

Column names come from :mod:`mda.schema`; units are in the names. Timestamps are
``timestamptz`` (UTC), geometries are WGS84 (SRID 4326, lon/lat order) and every geometry
column has a GiST index. Rows are bulk loaded with COPY (:mod:`mda.store.load`); the ORM
classes exist for the DDL, typed access and tests, not for row-by-row inserts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    REAL,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Double,
    Identity,
    Index,
    MetaData,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from mda import schema as s

SCHEMA = "mda"
SRID = 4326

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

UTC_TIMESTAMP = DateTime(timezone=True)


def _geometry(geometry_type: str) -> Geometry:
    """A WGS84 geometry column type; its GiST index is declared explicitly per table."""
    return Geometry(geometry_type, srid=SRID, spatial_index=False)


def _gist(table: str, column: str = "geom") -> Index:
    """A GiST index on a geometry column (bounding-box searches: ``&&``, ST_Intersects...)."""
    return Index(f"ix_{table}_{column}", column, postgresql_using="gist")


def _gist_geography(table: str, column: str = "geom") -> Index:
    """A GiST index on ``(geom::geography)`` so ``ST_DWithin(geom::geography, ..., metres)``
    is answered from the index."""
    expression = text(f"({column}::geography)")
    return Index(f"ix_{table}_{column}_geog", expression, postgresql_using="gist")


class Base(DeclarativeBase):
    """Declarative base bound to the ``mda`` schema and the naming convention."""

    metadata = MetaData(schema=SCHEMA, naming_convention=NAMING_CONVENTION)


class Position(Base):
    """One AIS position report, as in the Parquet lake (POSITIONS_SCHEMA) plus region and day."""

    __tablename__ = "positions"
    __table_args__: Any = (
        Index("ix_positions_mmsi_ts", s.MMSI, s.TS),
        Index("ix_positions_region_day", s.REGION, "day"),
        _gist("positions"),
        CheckConstraint(f"{s.LAT} BETWEEN -90 AND 90", name="lat_range"),
        CheckConstraint(f"{s.LON} BETWEEN -180 AND 180", name="lon_range"),
        {
            "comment": "AIS position reports, one row per accepted report, loaded per "
            "(region, day) from the Parquet lake. Reloading a day replaces it."
        },
    )

    position_id: Mapped[int] = mapped_column(
        BigInteger, Identity(), primary_key=True, comment="Surrogate key (load order)."
    )
    mmsi: Mapped[int] = mapped_column(BigInteger, comment="Maritime Mobile Service Identity.")
    ts: Mapped[dt.datetime] = mapped_column(UTC_TIMESTAMP, comment="Report time, UTC.")
    lat: Mapped[float] = mapped_column(Double, comment="Latitude, decimal degrees WGS84.")
    lon: Mapped[float] = mapped_column(Double, comment="Longitude, decimal degrees WGS84.")
    sog_kn: Mapped[float | None] = mapped_column(
        REAL, comment="Speed over ground, knots; null when not available (AIS 102.3)."
    )
    cog_deg: Mapped[float | None] = mapped_column(
        REAL, comment="Course over ground, degrees true [0, 360); null when not available."
    )
    heading_deg: Mapped[float | None] = mapped_column(
        REAL, comment="True heading, degrees [0, 360); null when not available (AIS 511)."
    )
    nav_status: Mapped[int | None] = mapped_column(
        SmallInteger, comment="ITU-R M.1371 navigational status code; null when unknown."
    )
    msg_type: Mapped[int | None] = mapped_column(
        SmallInteger, comment="AIS message type; null for CSV sources that do not say."
    )
    source: Mapped[str] = mapped_column(Text, comment="Input kind: nmea, noaa_csv, dma_csv.")
    sources: Mapped[list[str] | None] = mapped_column(
        ARRAY(Text),
        comment="Every input that delivered this report (the same message heard by several "
        "receivers or present in several files is stored once), e.g. "
        "{nmea:a.nmea/AIVDM/s:rx1,noaa_csv:AIS_2024_03_05.csv}; null when not tracked.",
    )
    region: Mapped[str] = mapped_column(Text, comment="Region configuration that loaded the row.")
    day: Mapped[dt.date] = mapped_column(
        Date, comment="UTC day of the load (partition key for idempotent reloads)."
    )
    geom: Mapped[Any] = mapped_column(
        _geometry("POINT"), comment="Report position, POINT(lon lat), SRID 4326."
    )


class Vessel(Base):
    """One static/voyage report (VESSELS_SCHEMA) plus region and day."""

    __tablename__ = "vessels"
    __table_args__: Any = (
        Index("ix_vessels_mmsi_ts", s.MMSI, s.TS),
        Index("ix_vessels_region_day", s.REGION, "day"),
        {
            "comment": "AIS static and voyage reports (names, call signs, dimensions). Text "
            "fields are untrusted input, stored verbatim: escape them when rendering."
        },
    )

    vessel_report_id: Mapped[int] = mapped_column(
        BigInteger, Identity(), primary_key=True, comment="Surrogate key (load order)."
    )
    mmsi: Mapped[int] = mapped_column(BigInteger, comment="Maritime Mobile Service Identity.")
    ts: Mapped[dt.datetime] = mapped_column(UTC_TIMESTAMP, comment="Report time, UTC.")
    imo: Mapped[int | None] = mapped_column(BigInteger, comment="IMO ship number.")
    call_sign: Mapped[str | None] = mapped_column(Text, comment="Radio call sign (untrusted).")
    vessel_name: Mapped[str | None] = mapped_column(Text, comment="Vessel name (untrusted).")
    ship_type: Mapped[int | None] = mapped_column(
        SmallInteger, comment="ITU ship-and-cargo type code."
    )
    length_m: Mapped[float | None] = mapped_column(REAL, comment="Length overall, metres.")
    width_m: Mapped[float | None] = mapped_column(REAL, comment="Beam, metres.")
    draught_m: Mapped[float | None] = mapped_column(REAL, comment="Reported draught, metres.")
    destination: Mapped[str | None] = mapped_column(Text, comment="Destination (untrusted).")
    ais_class: Mapped[str | None] = mapped_column(
        String(1), comment="AIS transceiver class A or B; null when unknown."
    )
    source: Mapped[str] = mapped_column(Text, comment="Input kind: nmea, noaa_csv, dma_csv.")
    region: Mapped[str] = mapped_column(Text, comment="Region configuration that loaded the row.")
    day: Mapped[dt.date] = mapped_column(
        Date, comment="UTC day of the load (partition key for idempotent reloads)."
    )


class Event(Base):
    """One detected event (EVENTS_SCHEMA); geometry_wkt becomes ``geom``."""

    __tablename__ = "events"
    __table_args__: Any = (
        Index("ix_events_region_event_date", s.REGION, s.EVENT_DATE),
        Index("ix_events_start_time", s.START_TIME),
        Index("ix_events_mmsi_event_type_start_time", s.MMSI, s.EVENT_TYPE, s.START_TIME),
        _gist("events"),
        _gist_geography("events"),
        {
            "comment": "Anomaly events from all detectors (loitering, ais_gap), one schema. "
            "Reloading a (region, event_date) replaces its events. See README: detectors."
        },
    )

    event_id: Mapped[str] = mapped_column(
        Text, primary_key=True, comment="Deterministic hash of the event's defining fields."
    )
    event_type: Mapped[str] = mapped_column(Text, comment="Detector name: loitering, ais_gap.")
    mmsi: Mapped[int] = mapped_column(BigInteger, comment="Vessel MMSI.")
    other_mmsi: Mapped[int | None] = mapped_column(
        BigInteger, comment="Second vessel (encounters); null otherwise."
    )
    start_time: Mapped[dt.datetime] = mapped_column(UTC_TIMESTAMP, comment="Event start, UTC.")
    end_time: Mapped[dt.datetime] = mapped_column(UTC_TIMESTAMP, comment="Event end, UTC.")
    lat: Mapped[float] = mapped_column(Double, comment="Representative point latitude, degrees.")
    lon: Mapped[float] = mapped_column(Double, comment="Representative point longitude, degrees.")
    duration_h: Mapped[float] = mapped_column(Double, comment="end_time - start_time, hours.")
    cable_name: Mapped[str | None] = mapped_column(
        Text, comment="Nearest submarine cable within the search radius; null if none."
    )
    cable_distance_m: Mapped[float | None] = mapped_column(
        Double, comment="Geodesic distance to cable_name, metres."
    )
    zone_name: Mapped[str | None] = mapped_column(
        Text, comment="Zones containing the point while valid, '; '-joined; null if none."
    )
    distance_to_shore_km: Mapped[float | None] = mapped_column(
        Double, comment="Distance to the coastline layer, km; null when no layer was given."
    )
    score: Mapped[float] = mapped_column(Double, comment="Ranking score in [0, 1].")
    explanation: Mapped[str | None] = mapped_column(
        Text, comment="One sentence a trainer can read aloud."
    )
    evidence: Mapped[dict[str, Any] | None] = mapped_column(
        JSONB, comment="The numbers that made the event fire (detector-specific keys)."
    )
    region: Mapped[str] = mapped_column(Text, comment="Region configuration that ran detection.")
    event_date: Mapped[dt.date] = mapped_column(
        Date, comment="UTC day whose run produced the event (reload key with region)."
    )
    geom: Mapped[Any] = mapped_column(
        _geometry("GEOMETRY"),
        comment="The track piece (LineString) or point, SRID 4326; from geometry_wkt.",
    )


class Cable(Base):
    """A submarine cable route (TeleGeography cable-geo form or a labelled synthetic one)."""

    __tablename__ = "cables"
    __table_args__: Any = (
        Index("ix_cables_name", "name"),
        _gist("cables"),
        _gist_geography("cables"),
        {"comment": "Submarine cable routes (reference layer, replaced as a whole)."},
    )

    cable_pk: Mapped[int] = mapped_column(
        BigInteger, Identity(), primary_key=True, comment="Surrogate key."
    )
    name: Mapped[str] = mapped_column(Text, comment="Cable system name.")
    cable_id: Mapped[str | None] = mapped_column(Text, comment="Source id (TeleGeography slug).")
    geom: Mapped[Any] = mapped_column(
        _geometry("MULTILINESTRING"), comment="Route, MULTILINESTRING, SRID 4326."
    )


class Zone(Base):
    """A named polygon (closure, MPA, EEZ, cable protection zone), optionally time-bounded."""

    __tablename__ = "zones"
    __table_args__: Any = (
        _gist("zones"),
        {"comment": "Named zones (reference layer, replaced as a whole)."},
    )

    zone_pk: Mapped[int] = mapped_column(
        BigInteger, Identity(), primary_key=True, comment="Surrogate key."
    )
    name: Mapped[str] = mapped_column(Text, comment="Zone name.")
    kind: Mapped[str] = mapped_column(Text, comment="Zone kind (closure, mpa, eez, cable...).")
    valid_from: Mapped[dt.datetime | None] = mapped_column(
        UTC_TIMESTAMP, comment="Start of validity, UTC, inclusive; null: always."
    )
    valid_to: Mapped[dt.datetime | None] = mapped_column(
        UTC_TIMESTAMP, comment="End of validity, UTC, exclusive; null: open-ended."
    )
    geom: Mapped[Any] = mapped_column(
        _geometry("MULTIPOLYGON"), comment="Zone area, MULTIPOLYGON, SRID 4326."
    )


class Land(Base):
    """Land polygons, one row per polygon part (small rows keep the GiST index selective)."""

    __tablename__ = "land"
    __table_args__: Any = (
        _gist("land"),
        {"comment": "Land/coastline reference layer, one row per part, replaced as a whole."},
    )

    land_pk: Mapped[int] = mapped_column(
        BigInteger, Identity(), primary_key=True, comment="Surrogate key."
    )
    geom: Mapped[Any] = mapped_column(
        _geometry("MULTIPOLYGON"), comment="One land part, MULTIPOLYGON, SRID 4326."
    )
