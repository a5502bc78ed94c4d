"""Reference layers kept per region: a ``region`` column on cables, zones, land and coastline.

Loading a region's day replaces that region's layers only (before, the last region loaded
replaced everyone's). Rows already stored get region '' and are replaced by the next load of
any region (what they would have been before this revision).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

REGION_COMMENT = (
    "Region whose layers these are (replaced when that region's day is loaded); "
    "'' = loaded before layers were kept per region."
)
TABLE_COMMENTS = {
    "cables": (
        "Submarine cable routes (reference layer, replaced per region).",
        "Submarine cable routes (reference layer, replaced as a whole).",
    ),
    "zones": (
        "Named zones (reference layer, replaced per region).",
        "Named zones (reference layer, replaced as a whole).",
    ),
    "land": (
        "Land polygons of the coastline layer, one row per part, replaced per region.",
        "Land polygons of the coastline layer, one row per part, replaced as a whole.",
    ),
    "coastline": (
        "Line parts of the coastline layer (e.g. Natural Earth coastline), one row per part, "
        "replaced per region with land. Polygon parts go to mda.land.",
        "Line parts of the coastline layer (e.g. Natural Earth coastline), one row per part, "
        "replaced as a whole with land. Polygon parts go to mda.land.",
    ),
}


def upgrade() -> None:
    for table, (comment, _) in TABLE_COMMENTS.items():
        op.add_column(
            table,
            sa.Column(
                "region", sa.Text(), server_default="", nullable=False, comment=REGION_COMMENT
            ),
            schema="mda",
        )
        op.create_table_comment(table, comment, schema="mda")


def downgrade() -> None:
    for table, (_, comment) in TABLE_COMMENTS.items():
        op.drop_column(table, "region", schema="mda")
        op.create_table_comment(table, comment, schema="mda")
