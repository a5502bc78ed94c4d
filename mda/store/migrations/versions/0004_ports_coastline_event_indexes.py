"""Reference layers ports and coastline (lines); event indexes for network/grid queries.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

EVENTS_COMMENT = (
    "Anomaly events from all detectors (loitering, ais_gap, encounter, anchor_drag, "
    "fishing_in_zone, identity_conflict), one schema. Reloading a (region, event_date) "
    "replaces its events. See README: detectors."
)


def upgrade() -> None:
    op.create_table(
        "coastline",
        sa.Column(
            "coastline_pk",
            sa.BigInteger(),
            sa.Identity(always=False),
            nullable=False,
            comment="Surrogate key.",
        ),
        sa.Column(
            "geom",
            Geometry("MULTILINESTRING", srid=4326, spatial_index=False, nullable=False),
            nullable=False,
            comment="One coastline part, MULTILINESTRING, SRID 4326.",
        ),
        sa.PrimaryKeyConstraint("coastline_pk", name=op.f("pk_coastline")),
        schema="mda",
        comment="Line parts of the coastline layer (e.g. Natural Earth coastline), one row per "
        "part, replaced as a whole with land. Polygon parts go to mda.land.",
    )
    op.create_index(
        "ix_coastline_geom", "coastline", ["geom"], schema="mda", postgresql_using="gist"
    )
    op.create_table(
        "ports",
        sa.Column(
            "port_pk",
            sa.BigInteger(),
            sa.Identity(always=False),
            nullable=False,
            comment="Surrogate key.",
        ),
        sa.Column(
            "port_id",
            sa.Text(),
            comment="Source id (GFW 'area' slug, e.g. 'dnk-copenhagen'); null if none.",
        ),
        sa.Column("name", sa.Text(), nullable=False, comment="Port name as given by the source."),
        sa.Column(
            "country",
            sa.Text(),
            comment="ISO 3166-1 alpha-3 country code of the port; null when unknown.",
        ),
        sa.Column(
            "kind", sa.Text(), comment="Source's feature type (GFW: 'port'); null when not given."
        ),
        sa.Column(
            "geom",
            Geometry("POINT", srid=4326, spatial_index=False, nullable=False),
            nullable=False,
            comment="Port position, POINT(lon lat), SRID 4326.",
        ),
        sa.PrimaryKeyConstraint("port_pk", name=op.f("pk_ports")),
        schema="mda",
        comment="Ports as points (reference layer, replaced as a whole by `mda db load-ports`). "
        "Positions are approximate (an anchorage or harbour centroid), not berths.",
    )
    op.create_index("ix_ports_name", "ports", ["name"], schema="mda")
    op.create_index("ix_ports_geom", "ports", ["geom"], schema="mda", postgresql_using="gist")
    op.create_index(
        "ix_ports_geom_geog",
        "ports",
        [sa.literal_column("(geom::geography)")],
        schema="mda",
        postgresql_using="gist",
    )
    op.create_index(
        "ix_events_event_type_start_time", "events", ["event_type", "start_time"], schema="mda"
    )
    op.create_index("ix_events_other_mmsi", "events", ["other_mmsi"], schema="mda")
    op.create_table_comment("events", EVENTS_COMMENT, schema="mda")
    op.alter_column(
        "events",
        "event_type",
        schema="mda",
        existing_type=sa.Text(),
        existing_nullable=False,
        comment="Detector name: loitering, ais_gap, encounter, anchor_drag, ...",
    )
    op.create_table_comment(
        "land",
        "Land polygons of the coastline layer, one row per part, replaced as a whole.",
        schema="mda",
    )


def downgrade() -> None:
    op.create_table_comment(
        "land",
        "Land/coastline reference layer, one row per part, replaced as a whole.",
        schema="mda",
    )
    op.alter_column(
        "events",
        "event_type",
        schema="mda",
        existing_type=sa.Text(),
        existing_nullable=False,
        comment="Detector name: loitering, ais_gap.",
    )
    op.create_table_comment(
        "events",
        "Anomaly events from all detectors (loitering, ais_gap), one schema. Reloading a "
        "(region, event_date) replaces its events. See README: detectors.",
        schema="mda",
    )
    op.drop_index("ix_events_other_mmsi", table_name="events", schema="mda")
    op.drop_index("ix_events_event_type_start_time", table_name="events", schema="mda")
    op.drop_table("ports", schema="mda")
    op.drop_table("coastline", schema="mda")
