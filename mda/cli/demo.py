"""`mda demo`: the bundled demo day (simulated Baltic traffic with injected anomalies)."""

from __future__ import annotations

from datetime import date as date_t
from pathlib import Path
from typing import Annotated

import polars as pl
import typer

from mda import lake
from mda.cli.common import fail, parse_day, settings, user_errors
from mda.evaluate import evaluate
from mda.schema import EVENTS_SCHEMA

app = typer.Typer(
    help="The demo day: simulated traffic in the Baltic Proper.", no_args_is_help=True
)

DEMO_REGION = "baltic_demo"
DEMO_DAY = "2024-03-05"


def _incoming(home: Path) -> Path:
    return home / "incoming" / DEMO_REGION


def _truth_path(home: Path, day: date_t) -> Path:
    return _incoming(home) / f"truth_{day:%Y%m%d}.csv"


@app.command()
def prepare(
    date: Annotated[str, typer.Option("--date", help="UTC day to simulate.")] = DEMO_DAY,
    seed: Annotated[int, typer.Option("--seed", help="Simulator seed.")] = 20240305,
    scenarios: Annotated[
        bool,
        typer.Option(
            "--scenarios",
            help="Every event type and hard negatives, instead of the "
            "story day (loitering over cables, dark periods).",
        ),
    ] = False,
) -> None:
    """Simulate the demo day as NMEA under $MDA_HOME/incoming/baltic_demo/."""
    from mda.sim import write_demo

    day = parse_day(date)
    home = settings().home
    with user_errors():
        files = write_demo(
            _incoming(home), day, seed=seed, kind="scenarios" if scenarios else "story"
        )
    files.truth.replace(_truth_path(home, day))
    typer.echo(f"Simulated {day}: {files.nmea}")


@app.command()
def verify(
    date: Annotated[str, typer.Option("--date", help="UTC day to check.")] = DEMO_DAY,
) -> None:
    """Compare the demo day's detected events with the simulator's ground truth."""
    day = parse_day(date)
    home = settings().home
    truth_file = _truth_path(home, day)
    if not truth_file.exists():
        fail(f"no ground truth at {truth_file}: run `mda demo prepare --date {day}` first")
    with user_errors():
        truth = pl.read_csv(
            truth_file, try_parse_dates=True, infer_schema_length=None
        ).with_columns(pl.col("start_time", "end_time").dt.replace_time_zone("UTC"))
        events = lake.scan_partition(
            home / "lake" / DEMO_REGION, "events", day, schema=EVENTS_SCHEMA
        ).collect()
    result = evaluate(events, truth)
    for row in result.counts.iter_rows(named=True):
        typer.echo(
            f"  {row['event_type']:<18} injected {row['truth']}, found "
            f"{row['matched_truth']}, false alarms {row['false_alarms']}"
        )
    if not result.perfect:
        fail("the demo's detections do not match its ground truth", code=1)
