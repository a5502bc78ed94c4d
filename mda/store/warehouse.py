"""Entry points that open their own engine and transaction (CLI and pipeline steps)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from mda.ports import read_ports
from mda.reference import ReferenceLayers
from mda.store.db import connect_checked, ensure_schema, make_engine, setup_database, upgrade_schema
from mda.store.load import load_day as _load_day
from mda.store.load import load_ports, load_reference
from mda.store.migrate import current_revision, head_revision


def load_day(
    url: str,
    day: date,
    *,
    region: str,
    layers: ReferenceLayers,
    positions: pl.DataFrame,
    vessels: pl.DataFrame,
    events: pl.DataFrame,
    stations: pl.DataFrame | None = None,
) -> dict[str, int]:
    """Replace one (region, day) in the warehouse and its reference layers, in one transaction."""
    engine = setup_database(url)
    try:
        with connect_checked(engine) as conn, conn.begin():
            counts = _load_day(
                conn,
                day,
                positions=positions,
                vessels=vessels,
                events=events,
                region=region,
                stations=stations,
            )
            layer_counts = load_reference(conn, layers, region)
    finally:
        engine.dispose()
    return counts | {f"reference_{k}": v for k, v in layer_counts.items()}


def upgrade(url: str, target: str = "head") -> tuple[str | None, str]:
    """Migrate the warehouse at ``url`` to ``target`` in one transaction, then refresh the
    views and grants (at head); return (revision before, revision after)."""
    engine = make_engine(url)
    try:
        with connect_checked(engine) as conn, conn.begin():
            if target == "head":
                return ensure_schema(conn)
            return upgrade_schema(conn, target)
    finally:
        engine.dispose()


def revisions(url: str) -> tuple[str | None, str]:
    """(revision of the warehouse at ``url`` or None, newest revision in this mda)."""
    engine = make_engine(url)
    try:
        with connect_checked(engine) as conn:
            return current_revision(conn), head_revision()
    finally:
        engine.dispose()


def load_ports_file(url: str, path: Path) -> tuple[int, dict[str, int]]:
    """Replace the warehouse's ports by those of ``path`` (see mda.ports); return (rows
    stored, features skipped by reason)."""
    read = read_ports(path)
    engine = setup_database(url)
    try:
        with connect_checked(engine) as conn, conn.begin():
            n = load_ports(conn, read.ports)
    finally:
        engine.dispose()
    return n, read.skipped
