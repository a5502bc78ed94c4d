"""`mda ingest`: decode AIS files into canonical Parquet tables."""

from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mda.allocators import tune_glibc_malloc
from mda.cli.common import emit_json, fail, out_folder, parse_day, setup_logging, user_errors
from mda.cli.fetch import byte_progress, fetch_inputs
from mda.ingest import IngestResult, read_inputs
from mda.lake import write_parquet_beside

if TYPE_CHECKING:
    import polars as pl

STAGE_WRITE = "writing Parquet"


class _Writer:
    """Writes the tables as Parquet files in ``out``, side by side (polars frees the GIL):
    a table handed to :meth:`ready` while the others are still being built (the
    positions, while the quarantine is put together) is written meanwhile. Each goes to a
    hidden file beside its name, and all are moved over their names (``os.replace``) once
    every one is written: a run that fails, or is killed, leaves the tables as they were."""

    TABLES = ("positions", "vessels", "stations", "quarantine")

    def __init__(self, out: Path, pool: ThreadPoolExecutor) -> None:
        self.out, self.pool = out, pool
        self.jobs: dict[str, Future[Path]] = {}

    def ready(self, name: str, table: pl.DataFrame) -> None:
        self.jobs[name] = self.pool.submit(write_parquet_beside, table,
                                           self.out / f"{name}.parquet")  # fmt: skip

    def write(self, result: IngestResult) -> None:
        """The tables not handed over yet, then every table moved into place; a one-line
        error when the disk refuses (full, no permission)."""
        for name in self.TABLES:
            if name not in self.jobs:
                self.ready(name, getattr(result, name))
        try:
            written = {name: job.result() for name, job in self.jobs.items()}
            for name, tmp in written.items():
                os.replace(tmp, self.out / f"{name}.parquet")
        except OSError as e:
            fail(f"cannot write the tables to {self.out}: {e.strerror or e}")
        finally:
            self.discard()

    def discard(self) -> None:
        """Wait for the writes under way, then remove what was written and not moved into
        place (a failed run's tables)."""
        wait(list(self.jobs.values()))
        for job in self.jobs.values():
            if job.exception() is None:
                job.result().unlink(missing_ok=True)


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
    with user_errors(), byte_progress() as bars, ThreadPoolExecutor(len(_Writer.TABLES)) as pool:
        writer = _Writer(out, pool)  # (the positions are written while the rest is built)
        try:
            result = read_inputs(inputs, day=day, progress=bars, stage=bars.stage,
                                 ready=writer.ready)  # fmt: skip
        except BaseException:
            writer.discard()
            raise
        bars.stage(STAGE_WRITE)
        writer.write(result)
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
