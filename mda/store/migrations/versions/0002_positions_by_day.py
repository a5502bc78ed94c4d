# ruff: noqa: E501  (column comments are kept on one line each)
"""Partition mda.positions by UTC day (range on ts) and region (list), moving the rows.

Revision ID: 0002
Revises: 0001

Existing rows keep their position_id; new loads number theirs load * 2^32 + row
(``mda.positions_load_seq``). ``ix_positions_region_day`` is dropped: the partitions
replace it. The day/region partitions are made with :mod:`mda.store.partitions`, as the
loader makes them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

from mda.store import partitions

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ROWS_PER_LOAD = 2**32
COLUMNS = (
    "position_id, mmsi, ts, lat, lon, sog_kn, cog_deg, heading_deg, nav_status, msg_type, "
    "source, sources, region, day, geom"
)
TABLE_COMMENT = (
    "AIS position reports, one row per accepted report, loaded per (region, UTC day) from the "
    "Parquet lake. Partitioned by day (range on ts, partition positions_YYYYMMDD) and region "
    "(list, positions_YYYYMMDD_<region>). Reloading a (region, day) replaces its partition. "
    "Query this parent table; filter on ts to read only the days needed."
)


def _columns(position_id: sa.Column) -> list[sa.schema.SchemaItem]:
    return [
        position_id,
        sa.Column(
            "mmsi", sa.BigInteger(), nullable=False, comment="Maritime Mobile Service Identity."
        ),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False, comment="Report time, UTC."),
        sa.Column("lat", sa.Double(), nullable=False, comment="Latitude, decimal degrees WGS84."),
        sa.Column("lon", sa.Double(), nullable=False, comment="Longitude, decimal degrees WGS84."),
        sa.Column(
            "sog_kn",
            sa.REAL(),
            comment="Speed over ground, knots; null when not available (AIS 102.3).",
        ),
        sa.Column(
            "cog_deg",
            sa.REAL(),
            comment="Course over ground, degrees true [0, 360); null when not available.",
        ),
        sa.Column(
            "heading_deg",
            sa.REAL(),
            comment="True heading, degrees [0, 360); null when not available (AIS 511).",
        ),
        sa.Column(
            "nav_status",
            sa.SmallInteger(),
            comment="ITU-R M.1371 navigational status code; null when unknown.",
        ),
        sa.Column(
            "msg_type",
            sa.SmallInteger(),
            comment="AIS message type; null for CSV sources that do not say.",
        ),
        sa.Column(
            "source", sa.Text(), nullable=False, comment="Input kind: nmea, noaa_csv, dma_csv."
        ),
        sa.Column(
            "sources",
            postgresql.ARRAY(sa.Text()),
            comment="Every input that delivered this report (the same message heard by several "
            "receivers or present in several files is stored once), e.g. "
            "{nmea:a.nmea/AIVDM/s:rx1,noaa_csv:AIS_2024_03_05.csv}; null when not tracked.",
        ),
        sa.Column(
            "region", sa.Text(), nullable=False, comment="Region configuration that loaded the row."
        ),
        sa.Column(
            "day",
            sa.Date(),
            nullable=False,
            comment="UTC day of the load (equals the UTC date of ts).",
        ),
        sa.Column(
            "geom",
            Geometry("POINT", srid=4326, spatial_index=False, nullable=False),
            nullable=False,
            comment="Report position, POINT(lon lat), SRID 4326.",
        ),
        sa.CheckConstraint("lat BETWEEN -90 AND 90", name=op.f("ck_positions_lat_range")),
        sa.CheckConstraint("lon BETWEEN -180 AND 180", name=op.f("ck_positions_lon_range")),
    ]


def _keys(conn: sa.Connection, table: str) -> list[tuple]:
    return list(
        conn.execute(sa.text(f"SELECT DISTINCT day, region FROM mda.{table} ORDER BY 1, 2"))
    )


def upgrade() -> None:
    conn = op.get_bind()
    op.execute("CREATE SEQUENCE mda.positions_load_seq")
    op.execute("ALTER TABLE mda.positions RENAME TO positions_v1")
    for index in ("ix_positions_mmsi_ts", "ix_positions_geom", "ix_positions_region_day"):
        op.drop_index(index, table_name="positions_v1", schema="mda")
    position_id = sa.Column(
        "position_id",
        sa.BigInteger(),
        server_default=sa.text(f"nextval('mda.positions_load_seq') * {ROWS_PER_LOAD}"),
        nullable=False,
        comment="Unique id: load number * 2^32 + row number in the load (rows of a load are "
        "numbered in (mmsi, ts) order); increases with load order.",
    )
    op.create_table(
        "positions",
        *_columns(position_id),
        schema="mda",
        comment=TABLE_COMMENT,
        postgresql_partition_by="RANGE (ts)",
    )
    op.create_index("ix_positions_mmsi_ts", "positions", ["mmsi", "ts"], schema="mda")
    op.create_index(
        "ix_positions_geom", "positions", ["geom"], schema="mda", postgresql_using="gist"
    )
    for day, region in _keys(conn, "positions_v1"):
        partitions.ensure_day(conn, day)
        leaf = partitions.create_leaf(conn, day, region)
        conn.execute(
            sa.text(
                f'INSERT INTO mda."{leaf}" ({COLUMNS}) SELECT {COLUMNS} FROM mda.positions_v1 '
                "WHERE day = :day AND region = :region ORDER BY mmsi, ts, position_id"
            ),
            {"day": day, "region": region},
        )
        partitions.index_and_attach(conn, day, region)
    op.execute(
        "SELECT setval('mda.positions_load_seq', "
        f"(SELECT coalesce(max(position_id), 0) / {ROWS_PER_LOAD} + 1 FROM mda.positions_v1), false)"
    )
    op.drop_table("positions_v1", schema="mda")


def downgrade() -> None:
    conn = op.get_bind()
    op.execute("ALTER TABLE mda.positions RENAME TO positions_v2")
    for index in ("ix_positions_mmsi_ts", "ix_positions_geom"):
        op.execute(f"ALTER INDEX mda.{index} RENAME TO {index}_v2")
    position_id = sa.Column(
        "position_id",
        sa.BigInteger(),
        sa.Identity(always=False),
        nullable=False,
        comment="Surrogate key (load order).",
    )
    op.create_table(
        "positions",
        *_columns(position_id),
        sa.PrimaryKeyConstraint("position_id", name=op.f("pk_positions")),
        schema="mda",
        comment="AIS position reports, one row per accepted report, loaded per (region, day) "
        "from the Parquet lake. Reloading a day replaces it.",
    )
    conn.execute(
        sa.text(
            f"INSERT INTO mda.positions ({COLUMNS}) OVERRIDING SYSTEM VALUE "
            f"SELECT {COLUMNS} FROM mda.positions_v2 ORDER BY position_id"
        )
    )
    op.execute(
        "SELECT setval(pg_get_serial_sequence('mda.positions', 'position_id'), "
        "(SELECT coalesce(max(position_id), 0) + 1 FROM mda.positions), false)"
    )
    op.drop_table("positions_v2", schema="mda")  # drops its partitions too
    op.execute("DROP SEQUENCE mda.positions_load_seq")
    op.create_index(
        "ix_positions_geom", "positions", ["geom"], schema="mda", postgresql_using="gist"
    )
    op.create_index("ix_positions_mmsi_ts", "positions", ["mmsi", "ts"], schema="mda")
    op.create_index("ix_positions_region_day", "positions", ["region", "day"], schema="mda")
