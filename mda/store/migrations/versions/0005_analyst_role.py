"""The read-only analyst role ``mda_analyst`` (see :mod:`mda.store.roles`).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from alembic import op

from mda.store import roles

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    roles.create_analyst_role(op.get_bind())


def downgrade() -> None:
    roles.revoke_analyst_role(op.get_bind())
