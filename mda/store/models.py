"""The PostGIS warehouse schema (schema ``mda``), as a typed SQLAlchemy 2 ORM.

Column names come from :mod:`mda.schema`; units are in the names. Timestamps are
``timestamptz`` (UTC), geometries are WGS84 (SRID 4326, lon/lat order) and every geometry
column has a GiST index. Rows are bulk loaded with COPY (:mod:`mda.store.load`); the ORM
classes exist for typed access, tests and migration autogenerate, not for row-by-row
inserts. The database is changed only by migrations (``mda/store/migrations``): a change
here needs a new revision (``python -m mda.store.migrate revision``).

``positions`` is partitioned by UTC day (range on ``ts``) and each day by region (list):
``mda.positions_20240305`` holds 2024-03-05, ``mda.positions_20240305_baltic`` its rows of
region ``baltic``. The loader creates, replaces and indexes those partitions
(:mod:`mda.store.partitions`); they are not in this metadata.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    REAL,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Double,
    Identity,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Sequence,
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


POSITIONS_LOAD_SEQ = Sequence("positions_load_seq", schema=SCHEMA, metadata=Base.metadata)
ROWS_PER_LOAD = 2**32  # position_id = load number * 2**32 + row number within the load


class Position(Base):
    """One AIS position report, as in the Parquet lake (POSITIONS_SCHEMA) plus region and day.

    Partitioned by UTC day (``ts``) then region; no primary key constraint (a partitioned
    table's key would have to include ``ts`` and ``region``): ``position_id`` is unique by
    construction and is the ORM identity.
    """

    __tablename__ = "positions"
    __table_args__: Any = (
        Index("ix_positions_mmsi_ts", s.MMSI, s.TS),
        _gist("positions"),
        CheckConstraint(f"{s.LAT} BETWEEN -90 AND 90", name="lat_range"),
        CheckConstraint(f"{s.LON} BETWEEN -180 AND 180", name="lon_range"),
        {
            "comment": "AIS position reports, one row per accepted report, loaded per "
            "(region, UTC day) from the Parquet lake. Partitioned by day (range on ts, "
            "partition positions_YYYYMMDD) and region (list, positions_YYYYMMDD_<region>). "
            "Reloading a (region, day) replaces its partition. Query this parent table; "
            "filter on ts to read only the days needed.",
            "postgresql_partition_by": "RANGE (ts)",
        },
    )
    __mapper_args__: Any = {"primary_key": ["position_id"]}  # noqa: RUF012

    position_id: Mapped[int] = mapped_column(
        BigInteger,
        server_default=text(f"nextval('{SCHEMA}.positions_load_seq') * {ROWS_PER_LOAD}"),
        comment="Unique id: load number * 2^32 + row number in the load (rows of a load are "
        "numbered in (mmsi, ts) order); increases with load order.",
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
        Date, comment="UTC day of the load (equals the UTC date of ts)."
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


class Station(Base):
    """One report of a fixed station (STATIONS_SCHEMA: AIS base station or aid to
    navigation) plus region and day."""

    __tablename__ = "stations"
    __table_args__: Any = (
        Index("ix_stations_mmsi_ts", s.MMSI, s.TS),
        Index("ix_stations_region_day", s.REGION, "day"),
        _gist("stations"),
        CheckConstraint(f"{s.STATION_KIND} IN ('base_station', 'aton')", name="station_kind"),
        {
            "comment": "Reports of fixed AIS stations: base stations (message type 4) and aids "
            "to navigation (type 21; DMA CSV 'Base Station'/'AtoN' rows), one row per accepted "
            "report, replaced per (region, day). Not vessels: never in positions or the "
            "detectors. Names are untrusted input, stored verbatim."
        },
    )

    station_report_id: Mapped[int] = mapped_column(
        BigInteger, Identity(), primary_key=True, comment="Surrogate key (load order)."
    )
    mmsi: Mapped[int] = mapped_column(
        BigInteger, comment="Station MMSI: 00MIDxxxx (base station) or 99MIDxxxx (AtoN)."
    )
    ts: Mapped[dt.datetime] = mapped_column(UTC_TIMESTAMP, comment="Receive time, UTC.")
    msg_type: Mapped[int | None] = mapped_column(
        SmallInteger, comment="AIS message type 4 or 21; null for CSV sources."
    )
    station_kind: Mapped[str] = mapped_column(Text, comment="base_station or aton.")
    lat: Mapped[float | None] = mapped_column(
        Double, comment="Latitude, degrees WGS84; null when not available."
    )
    lon: Mapped[float | None] = mapped_column(
        Double, comment="Longitude, degrees WGS84; null when not available."
    )
    station_name: Mapped[str | None] = mapped_column(
        Text, comment="AtoN name with its extension (untrusted); null for base stations."
    )
    aid_type: Mapped[int | None] = mapped_column(
        SmallInteger, comment="ITU-R M.1371 AtoN type code 1-31; null when not specified."
    )
    aid_type_name: Mapped[str | None] = mapped_column(
        Text, comment="Name of aid_type, e.g. cardinal_mark_n."
    )
    virtual_aid: Mapped[bool | None] = mapped_column(
        Boolean, comment="AtoN only: true when no physical aid is at the position."
    )
    off_position: Mapped[bool | None] = mapped_column(
        Boolean, comment="AtoN only: floating aid off its position; null when not valid."
    )
    epfd: Mapped[int | None] = mapped_column(
        SmallInteger, comment="Position fixing device code (7 surveyed); null when undefined."
    )
    reported_ts: Mapped[dt.datetime | None] = mapped_column(
        UTC_TIMESTAMP, comment="UTC date and time the base station reports; null if not given."
    )
    source: Mapped[str] = mapped_column(Text, comment="Input kind: nmea, dma_csv.")
    sources: Mapped[list[str] | None] = mapped_column(
        ARRAY(Text), comment="Every input that delivered this report, as for positions."
    )
    region: Mapped[str] = mapped_column(Text, comment="Region configuration that loaded the row.")
    day: Mapped[dt.date] = mapped_column(
        Date, comment="UTC day of the load (partition key for idempotent reloads)."
    )
    geom: Mapped[Any] = mapped_column(
        _geometry("POINT"),
        nullable=True,
        comment="Station position, POINT(lon lat), SRID 4326; null if none.",
    )


class Event(Base):
    """One detected event (EVENTS_SCHEMA); geometry_wkt becomes ``geom``."""

    __tablename__ = "events"
    __table_args__: Any = (
        Index("ix_events_region_event_date", s.REGION, s.EVENT_DATE),
        Index("ix_events_start_time", s.START_TIME),
        Index("ix_events_mmsi_event_type_start_time", s.MMSI, s.EVENT_TYPE, s.START_TIME),
        Index("ix_events_event_type_start_time", s.EVENT_TYPE, s.START_TIME),
        Index("ix_events_other_mmsi", s.OTHER_MMSI),
        _gist("events"),
        _gist_geography("events"),
        {
            "comment": "Anomaly events from all detectors (loitering, ais_gap, encounter, "
            "anchor_drag, fishing_in_zone, identity_conflict), one schema. Reloading a "
            "(region, event_date) replaces its events. See README: detectors."
        },
    )

    event_id: Mapped[str] = mapped_column(
        Text, primary_key=True, comment="Deterministic hash of the event's defining fields."
    )
    event_type: Mapped[str] = mapped_column(
        Text, comment="Detector name: loitering, ais_gap, encounter, anchor_drag, ..."
    )
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
        {"comment": "Submarine cable routes (reference layer, replaced per region)."},
    )

    cable_pk: Mapped[int] = mapped_column(
        BigInteger, Identity(), primary_key=True, comment="Surrogate key."
    )
    name: Mapped[str] = mapped_column(Text, comment="Cable system name.")
    cable_id: Mapped[str | None] = mapped_column(Text, comment="Source id (TeleGeography slug).")
    region: Mapped[str] = mapped_column(
        Text,
        server_default="",
        comment="Region whose layers these are (replaced when that region's day is loaded); "
        "'' = loaded before layers were kept per region.",
    )
    geom: Mapped[Any] = mapped_column(
        _geometry("MULTILINESTRING"), comment="Route, MULTILINESTRING, SRID 4326."
    )


class Zone(Base):
    """A named polygon (closure, MPA, EEZ, cable protection zone), optionally time-bounded."""

    __tablename__ = "zones"
    __table_args__: Any = (
        _gist("zones"),
        {"comment": "Named zones (reference layer, replaced per region)."},
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
    region: Mapped[str] = mapped_column(
        Text,
        server_default="",
        comment="Region whose layers these are (replaced when that region's day is loaded); "
        "'' = loaded before layers were kept per region.",
    )
    geom: Mapped[Any] = mapped_column(
        _geometry("MULTIPOLYGON"), comment="Zone area, MULTIPOLYGON, SRID 4326."
    )


class Land(Base):
    """Land polygons, one row per polygon part (small rows keep the GiST index selective)."""

    __tablename__ = "land"
    __table_args__: Any = (
        _gist("land"),
        {"comment": "Land polygons of the coastline layer, one row per part, replaced per region."},
    )

    land_pk: Mapped[int] = mapped_column(
        BigInteger, Identity(), primary_key=True, comment="Surrogate key."
    )
    region: Mapped[str] = mapped_column(
        Text,
        server_default="",
        comment="Region whose layers these are (replaced when that region's day is loaded); "
        "'' = loaded before layers were kept per region.",
    )
    geom: Mapped[Any] = mapped_column(
        _geometry("MULTIPOLYGON"), comment="One land part, MULTIPOLYGON, SRID 4326."
    )


class Coastline(Base):
    """Coastline lines (a coastline layer given as lines rather than land polygons)."""

    __tablename__ = "coastline"
    __table_args__: Any = (
        _gist("coastline"),
        {
            "comment": "Line parts of the coastline layer (e.g. Natural Earth coastline), one "
            "row per part, replaced per region with land. Polygon parts go to mda.land."
        },
    )

    coastline_pk: Mapped[int] = mapped_column(
        BigInteger, Identity(), primary_key=True, comment="Surrogate key."
    )
    region: Mapped[str] = mapped_column(
        Text,
        server_default="",
        comment="Region whose layers these are (replaced when that region's day is loaded); "
        "'' = loaded before layers were kept per region.",
    )
    geom: Mapped[Any] = mapped_column(
        _geometry("MULTILINESTRING"), comment="One coastline part, MULTILINESTRING, SRID 4326."
    )


class Port(Base):
    """A port as a point (Global Fishing Watch ports list or any GeoJSON point layer)."""

    __tablename__ = "ports"
    __table_args__: Any = (
        Index("ix_ports_name", "name"),
        _gist("ports"),
        _gist_geography("ports"),
        {
            "comment": "Ports as points (reference layer, replaced as a whole by "
            "`mda db load-ports`). Positions are approximate (an anchorage or harbour "
            "centroid), not berths."
        },
    )

    port_pk: Mapped[int] = mapped_column(
        BigInteger, Identity(), primary_key=True, comment="Surrogate key."
    )
    port_id: Mapped[str | None] = mapped_column(
        Text, comment="Source id (GFW 'area' slug, e.g. 'dnk-copenhagen'); null if none."
    )
    name: Mapped[str] = mapped_column(Text, comment="Port name as given by the source.")
    country: Mapped[str | None] = mapped_column(
        Text, comment="ISO 3166-1 alpha-3 country code of the port; null when unknown."
    )
    kind: Mapped[str | None] = mapped_column(
        Text, comment="Source's feature type (GFW: 'port'); null when not given."
    )
    geom: Mapped[Any] = mapped_column(
        _geometry("POINT"), comment="Port position, POINT(lon lat), SRID 4326."
    )


class Track(Base):
    """One vessel's positions of one (region, UTC day) as a LineStringM (M = epoch seconds)."""

    __tablename__ = "tracks"
    __table_args__: Any = (
        PrimaryKeyConstraint(s.REGION, "day", s.MMSI),
        Index("ix_tracks_mmsi_day", s.MMSI, "day"),
        _gist("tracks"),
        {
            "comment": "Vessel-day tracks built at load from mda.positions: one row per "
            "(region, UTC day, mmsi), points in time order, reports with a repeated timestamp "
            "counted once (the first loaded). Replaced with the day's positions."
        },
    )

    region: Mapped[str] = mapped_column(Text, comment="Region configuration that loaded it.")
    day: Mapped[dt.date] = mapped_column(Date, comment="UTC day of the track.")
    mmsi: Mapped[int] = mapped_column(BigInteger, comment="Maritime Mobile Service Identity.")
    n_points: Mapped[int] = mapped_column(
        Integer, comment="Distinct report times in the track (vertices of geom)."
    )
    start_time: Mapped[dt.datetime] = mapped_column(
        UTC_TIMESTAMP, comment="First report time, UTC."
    )
    end_time: Mapped[dt.datetime] = mapped_column(UTC_TIMESTAMP, comment="Last report time, UTC.")
    length_km: Mapped[float] = mapped_column(
        Double,
        comment="Geodesic length along the points (WGS84 ellipsoid), km; 0 for one point. "
        "Position jumps (spoofing, shared MMSI) are included as reported.",
    )
    geom: Mapped[Any] = mapped_column(
        Geometry("LINESTRINGM", srid=SRID, spatial_index=False),
        nullable=True,
        comment="LINESTRINGM(lon lat epoch_s), SRID 4326: M is the report time in seconds "
        "since 1970-01-01 UTC (ST_M / ST_LocateAlong read it); null when n_points = 1.",
    )


class VesselIdentity(Base):
    """One identity period of an MMSI: name, call sign, IMO and ship type while unchanged."""

    __tablename__ = "vessel_identities"
    __table_args__: Any = (
        PrimaryKeyConstraint(s.MMSI, "valid_from"),
        Index("ix_vessel_identities_imo", s.IMO),
        Index("ix_vessel_identities_call_sign", s.CALL_SIGN),
        Index("ix_vessel_identities_vessel_name", s.VESSEL_NAME),
        {
            "comment": "Identity history per MMSI, rebuilt at load from all stored static "
            "reports (mda.vessels) of the MMSIs loaded: a new row starts when the name, call "
            "sign, IMO or ship type changes. A field missing from a report (class B sends "
            "name and call sign in separate messages) keeps its last known value, and leading "
            "gaps take the first known value, so a missing field is never a change. Periods "
            "tile time: valid_to is the next period's valid_from. Text is untrusted input."
        },
    )

    mmsi: Mapped[int] = mapped_column(BigInteger, comment="Maritime Mobile Service Identity.")
    valid_from: Mapped[dt.datetime] = mapped_column(
        UTC_TIMESTAMP, comment="First report time with this identity, UTC (inclusive)."
    )
    valid_to: Mapped[dt.datetime | None] = mapped_column(
        UTC_TIMESTAMP,
        comment="First report time of the next identity, UTC (exclusive); null: current.",
    )
    last_seen: Mapped[dt.datetime] = mapped_column(
        UTC_TIMESTAMP, comment="Last report time with this identity, UTC."
    )
    vessel_name: Mapped[str | None] = mapped_column(Text, comment="Vessel name (untrusted).")
    call_sign: Mapped[str | None] = mapped_column(Text, comment="Radio call sign (untrusted).")
    imo: Mapped[int | None] = mapped_column(BigInteger, comment="IMO ship number.")
    ship_type: Mapped[int | None] = mapped_column(
        SmallInteger, comment="ITU ship-and-cargo type code."
    )
    mid: Mapped[int | None] = mapped_column(
        SmallInteger, comment="Maritime Identification Digits of the MMSI (mda.mmsi_mid)."
    )
    flag: Mapped[str | None] = mapped_column(
        Text,
        comment="Flag derived from the MID, ISO 3166-1 alpha-3 (mda.mid_flags); null for "
        "unallocated MIDs. Derived, not registry data: an MMSI can be mis-programmed.",
    )
    n_reports: Mapped[int] = mapped_column(
        Integer, comment="Static reports stored for this period (all regions)."
    )


class MidFlag(Base):
    """ITU Maritime Identification Digits -> flag state (reference data, mda.mid)."""

    __tablename__ = "mid_flags"
    __table_args__: Any = (
        {
            "comment": "ITU-R M.585 Maritime Identification Digits with the country or area "
            "they are allocated to, as ISO 3166-1 alpha-3 codes (territories have their own "
            "code, e.g. FRO, GIB). Synced from mda.mid at every schema setup."
        },
    )

    mid: Mapped[int] = mapped_column(SmallInteger, primary_key=True, comment="MID, 201-775.")
    flag: Mapped[str] = mapped_column(Text, comment="ISO 3166-1 alpha-3 code.")
    country: Mapped[str] = mapped_column(Text, comment="Country or area name (English).")
