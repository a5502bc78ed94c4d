"""`mda ingest`: decode AIS files into canonical Parquet tables."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mda.cli.common import emit_json, parse_day, setup_logging, user_errors
from mda.ingest import read_inputs


def ingest(
    files: Annotated[
        list[Path], typer.Argument(help="AIS files (NOAA/DMA CSV, NMEA; format auto-detected).")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the Parquet tables.")],
    date: Annotated[
        str | None,
        typer.Option(
            "--date", help="Keep only this UTC day (others are quarantined as outside_day)."
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print a JSON summary on stdout.")
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Decode files into OUT/positions.parquet, vessels.parquet and quarantine.parquet."""
    setup_logging(verbose)
    day = parse_day(date) if date else None
    with user_errors():
        result = read_inputs(files, day=day)
    out.mkdir(parents=True, exist_ok=True)
    result.positions.write_parquet(out / "positions.parquet")
    result.vessels.write_parquet(out / "vessels.parquet")
    result.quarantine.write_parquet(out / "quarantine.parquet")
    summary = result.summary()
    if as_json:
        emit_json(summary)
    else:
        typer.echo(f"{summary} -> {out}")
