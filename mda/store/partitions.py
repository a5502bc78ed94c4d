"""Day/region partitions of ``mda.positions``: names, creation, replacement.

Layout: ``mda.positions`` is partitioned by range on ``ts``, one partition per UTC day
(``positions_20240305``, itself partitioned by list on ``region``), with one leaf per region
(``positions_20240305_baltic``). A (region, day) load builds its leaf as a standalone
table (COPY into an empty table, then index, then ATTACH), which is several times faster
than COPY into an indexed table; a reload drops the old leaf first.

Partition DDL of concurrent loads is serialized by a transaction-level advisory lock.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date

from sqlalchemy import Connection, text

from mda.schema import day_bounds
from mda.store.models import SCHEMA

PARENT = "positions"
_SAFE = re.compile(r"^[a-z0-9_]{1,40}$")
_LOCK_KEY = "mda.positions partitions"
INDEX_BUILD_MEMORY = "256MB"  # maintenance_work_mem for a leaf's index builds (sort in RAM)


def day_table(day: date) -> str:
    """Name of the day partition (without schema), e.g. ``positions_20240305``."""
    return f"{PARENT}_{day:%Y%m%d}"


def leaf_table(day: date, region: str) -> str:
    """Name of the (region, day) leaf: ``positions_20240305_<region>``.

    Regions that are not short lower_snake_case get ``r`` + 12 hex digits of their SHA-1
    instead, so any region string yields a valid, unique, <= 63 byte identifier.
    """
    suffix = region if _SAFE.match(region) else "r" + hashlib.sha1(region.encode()).hexdigest()[:12]
    return f"{day_table(day)}_{suffix}"


def _q(name: str) -> str:
    """A schema-qualified, quoted identifier for a table named by this module."""
    return f'{SCHEMA}."{name}"'


def _literal(conn: Connection, value: object) -> str:
    """``value`` as a SQL literal, quoted by the server (DDL cannot take bind parameters)."""
    return str(
        conn.execute(text("SELECT quote_literal(CAST(:v AS text))"), {"v": str(value)}).scalar_one()
    )


def lock(conn: Connection) -> None:
    """Take the partition-DDL advisory lock until the end of the transaction."""
    conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": _LOCK_KEY})


def exists(conn: Connection, name: str) -> bool:
    """True when table ``mda.<name>`` exists."""
    return bool(
        conn.execute(text("SELECT to_regclass(:n) IS NOT NULL"), {"n": _q(name)}).scalar_one()
    )


def ensure_day(conn: Connection, day: date) -> str:
    """Create the day partition (partitioned by region) if missing; return its name."""
    name = day_table(day)
    if exists(conn, name):
        return name
    start, end = (_literal(conn, t.isoformat()) for t in day_bounds(day))
    conn.execute(
        text(
            f"CREATE TABLE {_q(name)} PARTITION OF {SCHEMA}.{PARENT} "
            f"FOR VALUES FROM ({start}) TO ({end}) PARTITION BY LIST (region)"
        )
    )
    comment = _literal(conn, f"Positions of {day} (UTC), one sub-partition per region.")
    conn.execute(text(f"COMMENT ON TABLE {_q(name)} IS {comment}"))
    return name


def drop_leaf(conn: Connection, day: date, region: str) -> int:
    """Drop the (region, day) leaf if it exists; return the number of rows it held."""
    name = leaf_table(day, region)
    if not exists(conn, name):
        return 0
    n = int(conn.execute(text(f"SELECT count(*) FROM {_q(name)}")).scalar_one())
    conn.execute(text(f"DROP TABLE {_q(name)}"))
    return n


def create_leaf(conn: Connection, day: date, region: str) -> str:
    """Create the empty standalone leaf table (same columns, defaults, checks, comments).

    CHECK constraints matching the partition bounds let ATTACH skip its validation scan.
    """
    name = leaf_table(day, region)
    start, end = (_literal(conn, t.isoformat()) for t in day_bounds(day))
    conn.execute(
        text(
            f"CREATE TABLE {_q(name)} (LIKE {SCHEMA}.{PARENT} INCLUDING DEFAULTS "
            f"INCLUDING CONSTRAINTS INCLUDING COMMENTS, "
            f"CONSTRAINT ck_leaf_ts CHECK (ts >= {start} AND ts < {end}), "
            f"CONSTRAINT ck_leaf_region CHECK (region = {_literal(conn, region)}))"
        )
    )
    comment = _literal(conn, f"Positions of region {region!r} on {day} (UTC).")
    conn.execute(text(f"COMMENT ON TABLE {_q(name)} IS {comment}"))
    return name


def index_and_attach(conn: Connection, day: date, region: str) -> None:
    """Build the leaf's indexes (matching the parent's) and attach it to its day."""
    name = leaf_table(day, region)
    conn.execute(text(f"SET LOCAL maintenance_work_mem = '{INDEX_BUILD_MEMORY}'"))
    conn.execute(text(f'CREATE INDEX "{name}_mmsi_ts" ON {_q(name)} (mmsi, ts)'))
    conn.execute(text(f'CREATE INDEX "{name}_geom" ON {_q(name)} USING gist (geom)'))
    conn.execute(
        text(
            f"ALTER TABLE {_q(day_table(day))} ATTACH PARTITION {_q(name)} "
            f"FOR VALUES IN ({_literal(conn, region)})"
        )
    )


def day_partitions(conn: Connection) -> list[date]:
    """Days that have a partition, in order."""
    rows = conn.execute(
        text(
            "SELECT c.relname FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = CAST(:parent AS regclass) ORDER BY 1"
        ),
        {"parent": f"{SCHEMA}.{PARENT}"},
    ).scalars()
    prefix = len(PARENT) + 1
    return [
        date(int(r[prefix : prefix + 4]), int(r[prefix + 4 : prefix + 6]), int(r[-2:]))
        for r in rows
    ]
