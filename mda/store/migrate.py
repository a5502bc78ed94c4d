"""Versioned schema migrations (Alembic) for the warehouse, run on the caller's connection.

Revisions live in ``mda/store/migrations/versions``; the first one (``0001``) is the schema
as it was before migrations existed, so a warehouse created by an older ``mda`` (tables but
no ``mda.alembic_version``) is stamped ``0001`` and then upgraded. Upgrades run inside the
caller's transaction: a failure leaves the database unchanged.

Making a new revision (developers)::

    python -m mda.store.migrate revision "add foo" --url postgresql://postgres@127.0.0.1/mda

autogenerates it against ``mda.store.models`` from a database at head; edit it before use.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text

from mda.errors import StoreError

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
FIRST_REVISION = "0001"
VERSION_TABLE = "alembic_version"
SCHEMA = "mda"  # mda.store.models.SCHEMA (not imported: env.py imports this module first)

# Tables made at run time, not by migrations: day/region partitions of positions.
PARTITION_PREFIX = "positions_"


def alembic_config(conn: Connection | None = None) -> Config:
    """An Alembic Config for the packaged migrations, bound to ``conn`` when given."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = conn
    return cfg


def head_revision() -> str:
    """The newest revision in the package."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships revisions
        raise StoreError(f"no migrations found in {MIGRATIONS}")
    return head


def current_revision(conn: Connection) -> str | None:
    """The revision stored in ``mda.alembic_version``; None when the table does not exist."""
    context = MigrationContext.configure(conn, opts={"version_table_schema": SCHEMA})
    return context.get_current_revision()


def is_legacy(conn: Connection) -> bool:
    """True for a warehouse made before migrations: ``mda.positions`` but no version table."""
    exists = text("SELECT to_regclass(:name) IS NOT NULL")
    has_positions = conn.execute(exists, {"name": f"{SCHEMA}.positions"}).scalar_one()
    has_versions = conn.execute(exists, {"name": f"{SCHEMA}.{VERSION_TABLE}"}).scalar_one()
    return bool(has_positions and not has_versions)


def upgrade(conn: Connection, target: str = "head") -> tuple[str | None, str]:
    """Upgrade the schema to ``target``; return (revision before, revision after).

    A legacy warehouse (see :func:`is_legacy`) is stamped with the first revision first.
    """
    cfg = alembic_config(conn)
    if is_legacy(conn):
        log.warning("warehouse without version table: stamping revision %s", FIRST_REVISION)
        command.stamp(cfg, FIRST_REVISION)
    before = current_revision(conn)
    command.upgrade(cfg, target)
    _comment_version_table(conn)
    after = current_revision(conn)
    if before != after:
        log.info("schema upgraded from %s to %s", before, after)
    return before, after or ""


def _comment_version_table(conn: Connection) -> None:
    table = f"{SCHEMA}.{VERSION_TABLE}"
    conn.execute(
        text(
            f"COMMENT ON TABLE {table} IS 'Schema revision applied by mda.store.migrate "
            "(Alembic; revisions in mda/store/migrations/versions). Do not edit by hand.'"
        )
    )
    conn.execute(
        text(f"COMMENT ON COLUMN {table}.version_num IS 'Current revision id, e.g. 0005.'")
    )


def downgrade(conn: Connection, target: str) -> None:
    """Downgrade the schema to ``target`` (data in dropped structures is lost)."""
    command.downgrade(alembic_config(conn), target)


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Autogenerate: only schema ``mda``; not the runtime partitions of positions."""
    if type_ == "schema":
        return name == SCHEMA
    return not (type_ == "table" and name and name.startswith(PARTITION_PREFIX))


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Autogenerate: skip the version table and indexes of runtime partitions."""
    if type_ == "table" and name in (VERSION_TABLE,):
        return False
    return include_name(name, type_, None)


def _main() -> None:  # pragma: no cover - developer tool
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    rev = sub.add_parser("revision", help="autogenerate a new revision")
    rev.add_argument("message")
    rev.add_argument("--url", required=True)
    args = parser.parse_args()
    from mda.store.db import make_engine

    engine = make_engine(args.url)
    with engine.begin() as conn:
        command.revision(alembic_config(conn), message=args.message, autogenerate=True)


if __name__ == "__main__":  # pragma: no cover
    _main()
