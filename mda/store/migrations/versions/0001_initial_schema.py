# ruff: noqa: E501  (column comments are kept verbatim as they were created)
"""The warehouse schema as it was before migrations (mda <= 0.x ``ensure_schema``).

Revision ID: 0001
Revises: (none)

A warehouse created by ``create_all`` before migrations existed has exactly these tables
and indexes; ``mda.store.migrate.upgrade`` stamps such a database with this revision.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _geometry(geometry_type: str = "GEOMETRY") -> Geometry:
    return Geometry(geometry_type=geometry_type, srid=4326, spatial_index=False)


def upgrade() -> None:
    op.create_table(
        "cables",
        sa.Column(
            "cable_pk",
            sa.BigInteger(),
            sa.Identity(always=False),
            nullable=False,
            comment="Surrogate key.",
        ),
        sa.Column("name", sa.Text(), nullable=False, comment="Cable system name."),
        sa.Column("cable_id", sa.Text(), nullable=True, comment="Source id (TeleGeography slug)."),
        sa.Column(
            "geom",
            _geometry("MULTILINESTRING"),
            nullable=False,
            comment="Route, MULTILINESTRING, SRID 4326.",
        ),
        sa.PrimaryKeyConstraint("cable_pk", name=op.f("pk_cables")),
        schema="mda",
        comment="Submarine cable routes (reference layer, replaced as a whole).",
    )
    op.create_index(
        "ix_cables_geom", "cables", ["geom"], unique=False, schema="mda", postgresql_using="gist"
    )
    op.create_index(
        "ix_cables_geom_geog",
        "cables",
        [sa.literal_column("(geom::geography)")],
        unique=False,
        schema="mda",
        postgresql_using="gist",
    )
    op.create_index("ix_cables_name", "cables", ["name"], unique=False, schema="mda")
    op.create_table(
        "events",
        sa.Column(
            "event_id",
            sa.Text(),
            nullable=False,
            comment="Deterministic hash of the event's defining fields.",
        ),
        sa.Column(
            "event_type", sa.Text(), nullable=False, comment="Detector name: loitering, ais_gap."
        ),
        sa.Column("mmsi", sa.BigInteger(), nullable=False, comment="Vessel MMSI."),
        sa.Column(
            "other_mmsi",
            sa.BigInteger(),
            nullable=True,
            comment="Second vessel (encounters); null otherwise.",
        ),
        sa.Column(
            "start_time", sa.DateTime(timezone=True), nullable=False, comment="Event start, UTC."
        ),
        sa.Column(
            "end_time", sa.DateTime(timezone=True), nullable=False, comment="Event end, UTC."
        ),
        sa.Column(
            "lat", sa.Double(), nullable=False, comment="Representative point latitude, degrees."
        ),
        sa.Column(
            "lon", sa.Double(), nullable=False, comment="Representative point longitude, degrees."
        ),
        sa.Column(
            "duration_h", sa.Double(), nullable=False, comment="end_time - start_time, hours."
        ),
        sa.Column(
            "cable_name",
            sa.Text(),
            nullable=True,
            comment="Nearest submarine cable within the search radius; null if none.",
        ),
        sa.Column(
            "cable_distance_m",
            sa.Double(),
            nullable=True,
            comment="Geodesic distance to cable_name, metres.",
        ),
        sa.Column(
            "zone_name",
            sa.Text(),
            nullable=True,
            comment="Zones containing the point while valid, '; '-joined; null if none.",
        ),
        sa.Column(
            "distance_to_shore_km",
            sa.Double(),
            nullable=True,
            comment="Distance to the coastline layer, km; null when no layer was given.",
        ),
        sa.Column("score", sa.Double(), nullable=False, comment="Ranking score in [0, 1]."),
        sa.Column(
            "explanation",
            sa.Text(),
            nullable=True,
            comment="One sentence a trainer can read aloud.",
        ),
        sa.Column(
            "evidence",
            postgresql.JSONB(astext_type=sa.Text()),
            nullable=True,
            comment="The numbers that made the event fire (detector-specific keys).",
        ),
        sa.Column(
            "region", sa.Text(), nullable=False, comment="Region configuration that ran detection."
        ),
        sa.Column(
            "event_date",
            sa.Date(),
            nullable=False,
            comment="UTC day whose run produced the event (reload key with region).",
        ),
        sa.Column(
            "geom",
            _geometry(),
            nullable=False,
            comment="The track piece (LineString) or point, SRID 4326; from geometry_wkt.",
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_events")),
        schema="mda",
        comment="Anomaly events from all detectors (loitering, ais_gap), one schema. Reloading a (region, event_date) replaces its events. See README: detectors.",
    )
    op.create_index(
        "ix_events_geom", "events", ["geom"], unique=False, schema="mda", postgresql_using="gist"
    )
    op.create_index(
        "ix_events_geom_geog",
        "events",
        [sa.literal_column("(geom::geography)")],
        unique=False,
        schema="mda",
        postgresql_using="gist",
    )
    op.create_index(
        "ix_events_mmsi_event_type_start_time",
        "events",
        ["mmsi", "event_type", "start_time"],
        unique=False,
        schema="mda",
    )
    op.create_index(
        "ix_events_region_event_date",
        "events",
        ["region", "event_date"],
        unique=False,
        schema="mda",
    )
    op.create_index("ix_events_start_time", "events", ["start_time"], unique=False, schema="mda")
    op.create_table(
        "land",
        sa.Column(
            "land_pk",
            sa.BigInteger(),
            sa.Identity(always=False),
            nullable=False,
            comment="Surrogate key.",
        ),
        sa.Column(
            "geom",
            _geometry("MULTIPOLYGON"),
            nullable=False,
            comment="One land part, MULTIPOLYGON, SRID 4326.",
        ),
        sa.PrimaryKeyConstraint("land_pk", name=op.f("pk_land")),
        schema="mda",
        comment="Land/coastline reference layer, one row per part, replaced as a whole.",
    )
    op.create_index(
        "ix_land_geom", "land", ["geom"], unique=False, schema="mda", postgresql_using="gist"
    )
    op.create_table(
        "positions",
        sa.Column(
            "position_id",
            sa.BigInteger(),
            sa.Identity(always=False),
            nullable=False,
            comment="Surrogate key (load order).",
        ),
        sa.Column(
            "mmsi", sa.BigInteger(), nullable=False, comment="Maritime Mobile Service Identity."
        ),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False, comment="Report time, UTC."),
        sa.Column("lat", sa.Double(), nullable=False, comment="Latitude, decimal degrees WGS84."),
        sa.Column("lon", sa.Double(), nullable=False, comment="Longitude, decimal degrees WGS84."),
        sa.Column(
            "sog_kn",
            sa.REAL(),
            nullable=True,
            comment="Speed over ground, knots; null when not available (AIS 102.3).",
        ),
        sa.Column(
            "cog_deg",
            sa.REAL(),
            nullable=True,
            comment="Course over ground, degrees true [0, 360); null when not available.",
        ),
        sa.Column(
            "heading_deg",
            sa.REAL(),
            nullable=True,
            comment="True heading, degrees [0, 360); null when not available (AIS 511).",
        ),
        sa.Column(
            "nav_status",
            sa.SmallInteger(),
            nullable=True,
            comment="ITU-R M.1371 navigational status code; null when unknown.",
        ),
        sa.Column(
            "msg_type",
            sa.SmallInteger(),
            nullable=True,
            comment="AIS message type; null for CSV sources that do not say.",
        ),
        sa.Column(
            "source", sa.Text(), nullable=False, comment="Input kind: nmea, noaa_csv, dma_csv."
        ),
        sa.Column(
            "sources",
            postgresql.ARRAY(sa.Text()),
            nullable=True,
            comment="Every input that delivered this report (the same message heard by several receivers or present in several files is stored once), e.g. {nmea:a.nmea/AIVDM/s:rx1,noaa_csv:AIS_2024_03_05.csv}; null when not tracked.",
        ),
        sa.Column(
            "region", sa.Text(), nullable=False, comment="Region configuration that loaded the row."
        ),
        sa.Column(
            "day",
            sa.Date(),
            nullable=False,
            comment="UTC day of the load (partition key for idempotent reloads).",
        ),
        sa.Column(
            "geom",
            _geometry("POINT"),
            nullable=False,
            comment="Report position, POINT(lon lat), SRID 4326.",
        ),
        sa.CheckConstraint("lat BETWEEN -90 AND 90", name=op.f("ck_positions_lat_range")),
        sa.CheckConstraint("lon BETWEEN -180 AND 180", name=op.f("ck_positions_lon_range")),
        sa.PrimaryKeyConstraint("position_id", name=op.f("pk_positions")),
        schema="mda",
        comment="AIS position reports, one row per accepted report, loaded per (region, day) from the Parquet lake. Reloading a day replaces it.",
    )
    op.create_index(
        "ix_positions_geom",
        "positions",
        ["geom"],
        unique=False,
        schema="mda",
        postgresql_using="gist",
    )
    op.create_index("ix_positions_mmsi_ts", "positions", ["mmsi", "ts"], unique=False, schema="mda")
    op.create_index(
        "ix_positions_region_day", "positions", ["region", "day"], unique=False, schema="mda"
    )
    op.create_table(
        "vessels",
        sa.Column(
            "vessel_report_id",
            sa.BigInteger(),
            sa.Identity(always=False),
            nullable=False,
            comment="Surrogate key (load order).",
        ),
        sa.Column(
            "mmsi", sa.BigInteger(), nullable=False, comment="Maritime Mobile Service Identity."
        ),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False, comment="Report time, UTC."),
        sa.Column("imo", sa.BigInteger(), nullable=True, comment="IMO ship number."),
        sa.Column("call_sign", sa.Text(), nullable=True, comment="Radio call sign (untrusted)."),
        sa.Column("vessel_name", sa.Text(), nullable=True, comment="Vessel name (untrusted)."),
        sa.Column(
            "ship_type", sa.SmallInteger(), nullable=True, comment="ITU ship-and-cargo type code."
        ),
        sa.Column("length_m", sa.REAL(), nullable=True, comment="Length overall, metres."),
        sa.Column("width_m", sa.REAL(), nullable=True, comment="Beam, metres."),
        sa.Column("draught_m", sa.REAL(), nullable=True, comment="Reported draught, metres."),
        sa.Column("destination", sa.Text(), nullable=True, comment="Destination (untrusted)."),
        sa.Column(
            "ais_class",
            sa.String(length=1),
            nullable=True,
            comment="AIS transceiver class A or B; null when unknown.",
        ),
        sa.Column(
            "source", sa.Text(), nullable=False, comment="Input kind: nmea, noaa_csv, dma_csv."
        ),
        sa.Column(
            "region", sa.Text(), nullable=False, comment="Region configuration that loaded the row."
        ),
        sa.Column(
            "day",
            sa.Date(),
            nullable=False,
            comment="UTC day of the load (partition key for idempotent reloads).",
        ),
        sa.PrimaryKeyConstraint("vessel_report_id", name=op.f("pk_vessels")),
        schema="mda",
        comment="AIS static and voyage reports (names, call signs, dimensions). Text fields are untrusted input, stored verbatim: escape them when rendering.",
    )
    op.create_index("ix_vessels_mmsi_ts", "vessels", ["mmsi", "ts"], unique=False, schema="mda")
    op.create_index(
        "ix_vessels_region_day", "vessels", ["region", "day"], unique=False, schema="mda"
    )
    op.create_table(
        "zones",
        sa.Column(
            "zone_pk",
            sa.BigInteger(),
            sa.Identity(always=False),
            nullable=False,
            comment="Surrogate key.",
        ),
        sa.Column("name", sa.Text(), nullable=False, comment="Zone name."),
        sa.Column(
            "kind", sa.Text(), nullable=False, comment="Zone kind (closure, mpa, eez, cable...)."
        ),
        sa.Column(
            "valid_from",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="Start of validity, UTC, inclusive; null: always.",
        ),
        sa.Column(
            "valid_to",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="End of validity, UTC, exclusive; null: open-ended.",
        ),
        sa.Column(
            "geom",
            _geometry("MULTIPOLYGON"),
            nullable=False,
            comment="Zone area, MULTIPOLYGON, SRID 4326.",
        ),
        sa.PrimaryKeyConstraint("zone_pk", name=op.f("pk_zones")),
        schema="mda",
        comment="Named zones (reference layer, replaced as a whole).",
    )
    op.create_index(
        "ix_zones_geom", "zones", ["geom"], unique=False, schema="mda", postgresql_using="gist"
    )


def downgrade() -> None:
    op.drop_index("ix_zones_geom", table_name="zones", schema="mda", postgresql_using="gist")
    op.drop_table("zones", schema="mda")
    op.drop_index("ix_vessels_region_day", table_name="vessels", schema="mda")
    op.drop_index("ix_vessels_mmsi_ts", table_name="vessels", schema="mda")
    op.drop_table("vessels", schema="mda")
    op.drop_index("ix_positions_region_day", table_name="positions", schema="mda")
    op.drop_index("ix_positions_mmsi_ts", table_name="positions", schema="mda")
    op.drop_index(
        "ix_positions_geom", table_name="positions", schema="mda", postgresql_using="gist"
    )
    op.drop_table("positions", schema="mda")
    op.drop_index("ix_land_geom", table_name="land", schema="mda", postgresql_using="gist")
    op.drop_table("land", schema="mda")
    op.drop_index("ix_events_start_time", table_name="events", schema="mda")
    op.drop_index("ix_events_region_event_date", table_name="events", schema="mda")
    op.drop_index("ix_events_mmsi_event_type_start_time", table_name="events", schema="mda")
    op.drop_index("ix_events_geom_geog", table_name="events", schema="mda", postgresql_using="gist")
    op.drop_index("ix_events_geom", table_name="events", schema="mda", postgresql_using="gist")
    op.drop_table("events", schema="mda")
    op.drop_index("ix_cables_name", table_name="cables", schema="mda")
    op.drop_index("ix_cables_geom_geog", table_name="cables", schema="mda", postgresql_using="gist")
    op.drop_index("ix_cables_geom", table_name="cables", schema="mda", postgresql_using="gist")
    op.drop_table("cables", schema="mda")
