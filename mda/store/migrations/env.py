"""Alembic environment for the warehouse schema ``mda`` (run by :mod:`mda.store.migrate`).

The caller passes its open SQLAlchemy Connection in ``config.attributes["connection"]``:
migrations run inside the caller's transaction (PostgreSQL DDL is transactional, so a
failed upgrade leaves the database as it was). The version table is ``mda.alembic_version``.
Autogenerate compares against ``mda.store.models`` and ignores the positions partitions
(created per day by the loader) and everything outside schema ``mda``.
"""

from __future__ import annotations

from alembic import context

from mda.store.migrate import include_name, include_object
from mda.store.models import SCHEMA, Base

config = context.config
connection = config.attributes["connection"]

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    version_table_schema=SCHEMA,
    include_schemas=True,
    include_name=include_name,
    include_object=include_object,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
