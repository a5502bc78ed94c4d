"""`mda fetch noaa|dma`: download public daily AIS files for a date range into a cache.

Also :func:`fetch_inputs`, the download step behind ``mda ingest --noaa-date/--dma-date``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console, RenderableType
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from mda.cli.common import emit_json, fail, out_folder, settings, setup_logging, user_errors
from mda.ingest.download import DMA, NOAA, Fetched, Source, fetch_range

app = typer.Typer(
    help="Download public daily AIS files (NOAA MarineCadastre, DMA) into a cache.",
    no_args_is_help=True,
)

BASE_URL_ENV = {NOAA.name: "MDA_NOAA_BASE_URL", DMA.name: "MDA_DMA_BASE_URL"}

Start = Annotated[str, typer.Option("--start", help="First UTC day, YYYY-MM-DD.")]
End = Annotated[
    str | None, typer.Option("--end", help="Last UTC day, included (default: --start).")
]
Cache = Annotated[
    Path | None,
    typer.Option("--cache", help="Download cache folder (default: $MDA_HOME/downloads)."),
]
Retries = Annotated[
    int, typer.Option("--retries", min=0, help="Retries of a failed transfer (backoff doubles).")
]
Backoff = Annotated[
    float, typer.Option("--backoff", min=0.0, help="Seconds before the first retry.")
]
AsJson = Annotated[bool, typer.Option("--json", help="Print a JSON summary on stdout.")]
Verbose = Annotated[bool, typer.Option("--verbose", "-v")]


@app.command("noaa")
def noaa(
    start: Start,
    end: End = None,
    cache: Cache = None,
    base_url: Annotated[
        str | None,
        typer.Option("--base-url", envvar="MDA_NOAA_BASE_URL", help="NOAA mirror base URL."),
    ] = None,
    retries: Retries = 5,
    backoff: Backoff = 1.0,
    as_json: AsJson = False,
    verbose: Verbose = False,
) -> None:
    """Download NOAA MarineCadastre daily zips (AIS_YYYY_MM_DD.zip) from START to END."""
    _fetch_command(NOAA, start, end, cache, base_url, retries, backoff, as_json, verbose)


@app.command("dma")
def dma(
    start: Start,
    end: End = None,
    cache: Cache = None,
    base_url: Annotated[
        str | None,
        typer.Option("--base-url", envvar="MDA_DMA_BASE_URL", help="DMA mirror base URL."),
    ] = None,
    retries: Retries = 5,
    backoff: Backoff = 1.0,
    as_json: AsJson = False,
    verbose: Verbose = False,
) -> None:
    """Download DMA daily zips (aisdk-YYYY-MM-DD.zip; older months are monthly archives only)."""
    _fetch_command(DMA, start, end, cache, base_url, retries, backoff, as_json, verbose)


def _fetch_command(
    source: Source,
    start: str,
    end: str | None,
    cache: Path | None,
    base_url: str | None,
    retries: int,
    backoff: float,
    as_json: bool,
    verbose: bool,
) -> None:
    """Shared body of `mda fetch noaa|dma`."""
    setup_logging(verbose)
    first = _day(start, "--start")
    last = _day(end, "--end") if end else first
    src = source.with_base_url(base_url)
    cache_dir = out_folder(cache or default_cache(), "--cache")
    with user_errors(), byte_progress() as hook:
        fetched = fetch_range(
            src, first, last, cache_dir, retries=retries, backoff_s=backoff, progress=hook
        )
    summary = summarize(src, fetched, cache_dir)
    if as_json:
        emit_json(summary)
    else:
        typer.echo(
            f"{summary['n_files']} file(s): {summary['n_downloaded']} downloaded, "
            f"{summary['n_cached']} from cache, {summary['bytes']} bytes -> {cache_dir}"
        )


def fetch_inputs(
    noaa_dates: list[str] | None,
    dma_dates: list[str] | None,
    cache: Path | None,
    *,
    env: Mapping[str, str] | None = None,
    retries: int = 5,
) -> list[Path]:
    """The cached files for `mda ingest --noaa-date D --dma-date D`, downloaded if needed.

    Base URLs come from ``MDA_NOAA_BASE_URL``/``MDA_DMA_BASE_URL`` in ``env`` (default
    ``os.environ``: this is the CLI edge). A bad date or failed download exits with one line.
    """
    env = os.environ if env is None else env
    cache_dir = cache or default_cache()
    wanted = [(NOAA, _day(d, "--noaa-date")) for d in noaa_dates or []]
    wanted += [(DMA, _day(d, "--dma-date")) for d in dma_dates or []]
    fetched: list[Fetched] = []
    if wanted:
        out_folder(cache_dir, "--cache")
    with user_errors(), byte_progress() as hook:
        for source, day in wanted:
            src = source.with_base_url(env.get(BASE_URL_ENV[source.name]))
            fetched += fetch_range(src, day, day, cache_dir, retries=retries, progress=hook)
    return [f.path for f in fetched]


def default_cache() -> Path:
    """$MDA_HOME/downloads."""
    return settings().home / "downloads"


def summarize(source: Source, fetched: list[Fetched], cache_dir: Path) -> dict[str, Any]:
    """The machine-readable summary of a fetch (sizes in bytes)."""
    downloaded = [f for f in fetched if not f.cached]
    return {
        "source": source.name,
        "base_url": source.base_url,
        "cache": str(cache_dir),
        "files": [
            {
                "day": f.day,
                "url": f.url,
                "path": str(f.path),
                "bytes": f.size_bytes,
                "cached": f.cached,
            }
            for f in fetched
        ],
        "n_files": len(fetched),
        "n_downloaded": len(downloaded),
        "n_cached": len(fetched) - len(downloaded),
        "bytes": sum(f.size_bytes for f in fetched),
        "bytes_downloaded": sum(f.size_bytes for f in downloaded),
    }


class _ByKind(ProgressColumn):
    """One column: ``bars`` on the byte bars, ``stages`` (or nothing) on the stage lines."""

    def __init__(self, bars: ProgressColumn, stages: ProgressColumn | None = None) -> None:
        super().__init__()
        self.bars, self.stages = bars, stages

    def render(self, task: Task) -> RenderableType:
        column = self.stages if task.fields.get("stage", False) else self.bars
        return column.render(task) if column is not None else ""


class Bars:
    """Rich progress bars: a byte bar per file or URL it is called with (a
    :data:`mda.ingest.formats.ProgressHook`), and a line for the stage of the work after the
    reading (:meth:`stage`)."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, TaskID] = {}
        self.current: TaskID | None = None  # the stage under way

    def __call__(self, url: str, done: int, total: int | None) -> None:
        if url not in self.tasks:
            self.tasks[url] = self.progress.add_task(url.rsplit("/", 1)[-1], total=total)
        self.progress.update(self.tasks[url], completed=done, total=total)

    def stage(self, text: str) -> None:
        """Show that the stage ``text`` has begun (a pulsing bar; the one before is done)."""
        self.done()
        self.current = self.progress.add_task(text, total=None, stage=True)

    def done(self) -> None:
        """Mark the stage under way as done."""
        if self.current is not None:
            self.progress.update(self.current, total=1, completed=1)
            self.current = None


@contextmanager
def byte_progress(console: Console | None = None) -> Iterator[Bars]:
    """Rich byte progress bars on stderr (or ``console``), one per file or URL the hook is
    called with (a download, or a file read in pieces), and the stages after
    (:class:`Bars`); silent when it is not a terminal."""
    console = console or Console(stderr=True)
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        _ByKind(DownloadColumn()),
        _ByKind(TransferSpeedColumn()),
        _ByKind(TimeRemainingColumn(), TimeElapsedColumn()),  # (one column: 80 wide fits)
        console=console,
        disable=not console.is_terminal,
    )
    bars = Bars(progress)
    with progress:
        yield bars
        bars.done()


def _day(value: str, option: str) -> date:
    """A UTC day given as YYYY-MM-DD for ``option``."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{option} {value!r} is not a date in YYYY-MM-DD form")
