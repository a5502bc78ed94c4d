"""Entry points that open their own engine and transaction (CLI and pipeline steps)."""

from __future__ import annotations

from datetime import date

import polars as pl

from mda.reference import ReferenceLayers
from mda.store.db import connect_checked, setup_database
from mda.store.load import load_day as _load_day
from mda.store.load import load_reference


def load_day(
    url: str,
    day: date,
    *,
    region: str,
    layers: ReferenceLayers,
    positions: pl.DataFrame,
    vessels: pl.DataFrame,
    events: pl.DataFrame,
) -> dict[str, int]:
    """Replace one (region, day) in the warehouse and its reference layers, in one transaction."""
    engine = setup_database(url)
    try:
        with connect_checked(engine) as conn, conn.begin():
            counts = _load_day(
                conn, day, positions=positions, vessels=vessels, events=events, region=region
            )
            layer_counts = load_reference(conn, layers)
    finally:
        engine.dispose()
    return counts | {f"reference_{k}": v for k, v in layer_counts.items()}
