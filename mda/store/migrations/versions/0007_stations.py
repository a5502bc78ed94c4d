"""Fixed stations: ``mda.stations`` for AIS base station (type 4) and aid-to-navigation
(type 21) reports, loaded and replaced per (region, day) like vessels.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

STATIONS_COMMENT = (
    "Reports of fixed AIS stations: base stations (message type 4) and aids to navigation "
    "(type 21; DMA CSV 'Base Station'/'AtoN' rows), one row per accepted report, replaced "
    "per (region, day). Not vessels: never in positions or the detectors. Names are "
    "untrusted input, stored verbatim."
)


def upgrade() -> None:
    op.create_table(
        "stations",
        sa.Column(
            "station_report_id",
            sa.BigInteger(),
            sa.Identity(always=False),
            nullable=False,
            comment="Surrogate key (load order).",
        ),
        sa.Column(
            "mmsi",
            sa.BigInteger(),
            nullable=False,
            comment="Station MMSI: 00MIDxxxx (base station) or 99MIDxxxx (AtoN).",
        ),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False, comment="Receive time, UTC."),
        sa.Column(
            "msg_type",
            sa.SmallInteger(),
            nullable=True,
            comment="AIS message type 4 or 21; null for CSV sources.",
        ),
        sa.Column("station_kind", sa.Text(), nullable=False, comment="base_station or aton."),
        sa.Column(
            "lat",
            sa.Double(),
            nullable=True,
            comment="Latitude, degrees WGS84; null when not available.",
        ),
        sa.Column(
            "lon",
            sa.Double(),
            nullable=True,
            comment="Longitude, degrees WGS84; null when not available.",
        ),
        sa.Column(
            "station_name",
            sa.Text(),
            nullable=True,
            comment="AtoN name with its extension (untrusted); null for base stations.",
        ),
        sa.Column(
            "aid_type",
            sa.SmallInteger(),
            nullable=True,
            comment="ITU-R M.1371 AtoN type code 1-31; null when not specified.",
        ),
        sa.Column(
            "aid_type_name",
            sa.Text(),
            nullable=True,
            comment="Name of aid_type, e.g. cardinal_mark_n.",
        ),
        sa.Column(
            "virtual_aid",
            sa.Boolean(),
            nullable=True,
            comment="AtoN only: true when no physical aid is at the position.",
        ),
        sa.Column(
            "off_position",
            sa.Boolean(),
            nullable=True,
            comment="AtoN only: floating aid off its position; null when not valid.",
        ),
        sa.Column(
            "epfd",
            sa.SmallInteger(),
            nullable=True,
            comment="Position fixing device code (7 surveyed); null when undefined.",
        ),
        sa.Column(
            "reported_ts",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="UTC date and time the base station reports; null if not given.",
        ),
        sa.Column("source", sa.Text(), nullable=False, comment="Input kind: nmea, dma_csv."),
        sa.Column(
            "sources",
            postgresql.ARRAY(sa.Text()),
            nullable=True,
            comment="Every input that delivered this report, as for positions.",
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
            Geometry("POINT", srid=4326, spatial_index=False),
            nullable=True,
            comment="Station position, POINT(lon lat), SRID 4326; null if none.",
        ),
        sa.CheckConstraint(
            "station_kind IN ('base_station', 'aton')", name=op.f("ck_stations_station_kind")
        ),
        sa.PrimaryKeyConstraint("station_report_id", name=op.f("pk_stations")),
        schema="mda",
        comment=STATIONS_COMMENT,
    )
    op.create_index("ix_stations_mmsi_ts", "stations", ["mmsi", "ts"], schema="mda")
    op.create_index("ix_stations_region_day", "stations", ["region", "day"], schema="mda")
    op.create_index("ix_stations_geom", "stations", ["geom"], schema="mda", postgresql_using="gist")


def downgrade() -> None:
    op.drop_table("stations", schema="mda")
