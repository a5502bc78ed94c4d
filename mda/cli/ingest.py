"""`mda ingest`: decode AIS files into canonical Parquet tables."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Annotated

import typer

from mda.allocators import tune_glibc_malloc
from mda.cli.common import emit_json, fail, out_folder, parse_day, setup_logging, user_errors
from mda.cli.fetch import byte_progress, fetch_inputs
from mda.ingest import IngestResult, read_inputs
from mda.lake import write_parquet_atomic

STAGE_WRITE = "writing Parquet"


def _write(result: IngestResult, out: Path) -> None:
    """The tables of ``result`` as Parquet files in ``out``, each written atomically; a
    one-line error when the disk refuses (full, no permission)."""
    tables = {
        "positions": result.positions,
        "vessels": result.vessels,
        "stations": result.stations,
        "quarantine": result.quarantine,
    }
    with ThreadPoolExecutor(len(tables)) as pool:  # written side by side (polars frees the GIL)
        jobs = [pool.submit(write_parquet_atomic, df, out / f"{name}.parquet")
                for name, df in tables.items()]  # fmt: skip
        try:
            for job in jobs:
                job.result()
        except OSError as e:
            fail(f"cannot write the tables to {out}: {e.strerror or e}")


def ingest(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the Parquet tables.")],
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="AIS files (NOAA/DMA CSV, NMEA; format auto-detected)."),
    ] = None,
    date: Annotated[
        str | None,
        typer.Option(
            "--date", help="Keep only this UTC day (others are quarantined as outside_day)."
        ),
    ] = None,
    noaa_date: Annotated[
        list[str] | None,
        typer.Option("--noaa-date", help="Also fetch NOAA's daily file for this UTC day."),
    ] = None,
    dma_date: Annotated[
        list[str] | None,
        typer.Option("--dma-date", help="Also fetch the DMA daily file for this UTC day."),
    ] = None,
    cache: Annotated[
        Path | None,
        typer.Option("--cache", help="Download cache folder (default: $MDA_HOME/downloads)."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print a JSON summary on stdout.")
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Decode files into OUT/positions.parquet, vessels.parquet, stations.parquet (base
    stations and aids to navigation) and quarantine.parquet."""
    setup_logging(verbose)
    tune_glibc_malloc()  # (batch work: see mda.allocators)
    day = parse_day(date) if date else None
    out_folder(out)  # (before any reading: a wrong --out fails at once)
    inputs = [*(files or []), *fetch_inputs(noaa_date, dma_date, cache)]
    if not inputs:
        fail("nothing to ingest: give input FILEs or --noaa-date/--dma-date")
    # a bar per file as its pieces are judged, then a line per stage (rules, writing)
    with user_errors(), byte_progress() as bars:
        result = read_inputs(inputs, day=day, progress=bars, stage=bars.stage)
        bars.stage(STAGE_WRITE)
        _write(result, out)
    summary = result.summary()
    if as_json:
        emit_json(summary)
        return
    rejects = ", ".join(f"{k} {v:,}" for k, v in summary["rejects"].items()) or "none"
    typer.echo(
        f"{summary['lines_read']:,} lines: {summary['positions']:,} positions, "
        f"{summary['vessels']:,} static records, {summary['stations']:,} station reports; "
        f"quarantined: {rejects} -> {out}"
    )
