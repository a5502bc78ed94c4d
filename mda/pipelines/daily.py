"""The daily pipeline: ingest -> detect -> load -> report, one UTC day of one region.

Every step reads and writes the day-partitioned Parquet lake, so each can run alone (one
Airflow task each) and rerunning a day replaces that day's partitions. Steps return small
JSON-able summaries (Airflow XCom-sized).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from mda import lake
from mda.detect import SpatialIndex, detect_day
from mda.errors import ConfigError, InputFileError
from mda.ingest import read_inputs
from mda.reference import ReferenceLayers
from mda.regions import Region, load_regions
from mda.schema import (
    EVENTS_SCHEMA,
    MMSI,
    POSITIONS_SCHEMA,
    QUARANTINE_SCHEMA,
    STATIONS_SCHEMA,
    TS,
    VESSELS_SCHEMA,
)
from mda.settings import Settings

log = logging.getLogger(__name__)

POSITIONS, VESSELS, QUARANTINE, EVENTS = "positions", "vessels", "quarantine", "events"
STATIONS = "stations"  # base stations and aids to navigation (STATIONS_SCHEMA)


@dataclass(frozen=True)
class DayContext:
    """Where one day of one region reads and writes."""

    day: date
    region: Region
    lake: Path  # lake root for this region
    out_dir: Path  # report folder for this day


def ingest_step(ctx: DayContext, inputs: Sequence[Path]) -> dict[str, Any]:
    """Read the day's input files into the lake (positions, vessels, stations, quarantine
    partitions)."""
    missing = [str(p) for p in inputs if not Path(p).exists()]
    if missing:
        raise InputFileError(f"input file(s) not found for {ctx.day}: {', '.join(missing)}")
    result = read_inputs([Path(p) for p in inputs], day=ctx.day)
    lake.write_partition(ctx.lake, POSITIONS, ctx.day, result.positions)
    lake.write_partition(ctx.lake, VESSELS, ctx.day, result.vessels)
    lake.write_partition(ctx.lake, STATIONS, ctx.day, result.stations)
    lake.write_partition(ctx.lake, QUARANTINE, ctx.day, result.quarantine)
    summary = result.summary()
    log.info("ingested %s for %s: %s", ctx.region.name, ctx.day, json.dumps(summary))
    return summary


def _lookback(ctx: DayContext) -> pl.LazyFrame:
    """Each vessel's last position of the previous day (empty if that day was not ingested)."""
    previous = lake.scan_partition(
        ctx.lake, POSITIONS, ctx.day - timedelta(days=1), schema=POSITIONS_SCHEMA
    )
    return previous.sort([MMSI, TS]).group_by(MMSI).tail(1)


def detect_step(ctx: DayContext, layers: ReferenceLayers | None = None) -> dict[str, Any]:
    """Detect the day's events from the lake and write the events partition."""
    layers = layers if layers is not None else ctx.region.load_layers()
    positions = lake.scan_partition(ctx.lake, POSITIONS, ctx.day, schema=POSITIONS_SCHEMA)
    vessels = lake.scan_partition(ctx.lake, VESSELS, ctx.day, schema=VESSELS_SCHEMA).collect()
    model = None
    if ctx.region.fishing_model is not None:  # else the bundled model, loaded when needed
        from mda.detect.fishing_model import load_model

        model = load_model(ctx.region.fishing_model)
    events = detect_day(
        positions,
        vessels,
        SpatialIndex.build(layers),
        ctx.region.params,
        day=ctx.day,
        region=ctx.region.name,
        lookback=_lookback(ctx),
        fishing_model=model,
    )
    lake.write_partition(ctx.lake, EVENTS, ctx.day, events)
    counts = events.group_by("event_type").len().sort("event_type")
    summary = {
        "events": events.height,
        "by_type": dict(counts.iter_rows()),
        "fishing_model": model.version if model else "bundled",
    }
    log.info("detected %s for %s: %s", ctx.region.name, ctx.day, summary)
    return summary


def load_step(
    ctx: DayContext, postgis_url: str | None, layers: ReferenceLayers | None = None
) -> dict[str, Any]:
    """Load the day into PostGIS; with no URL, skip with a log line."""
    if not postgis_url:
        log.info("no PostGIS connection configured: skipping the warehouse load for %s", ctx.day)
        return {"skipped": True}
    from mda.store import warehouse  # imported here: SQLAlchemy only when a warehouse is used

    frames = {
        t: lake.scan_partition(ctx.lake, t, ctx.day, schema=s).collect()
        for t, s in (
            (POSITIONS, POSITIONS_SCHEMA),
            (VESSELS, VESSELS_SCHEMA),
            (STATIONS, STATIONS_SCHEMA),
            (EVENTS, EVENTS_SCHEMA),
        )
    }
    layers = layers if layers is not None else ctx.region.load_layers()
    counts = warehouse.load_day(
        postgis_url, ctx.day, region=ctx.region.name, layers=layers, **frames
    )
    log.info("loaded %s %s into PostGIS: %s", ctx.region.name, ctx.day, counts)
    return {"skipped": False, **counts}


def report_step(
    ctx: DayContext,
    layers: ReferenceLayers | None = None,
    ingest_summary: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Render the day's report and event exports into ``ctx.out_dir``."""
    from mda.reports.daily import render_daily_report

    layers = layers if layers is not None else ctx.region.load_layers()
    read = lambda t, s: lake.scan_partition(ctx.lake, t, ctx.day, schema=s).collect()  # noqa: E731
    if ingest_summary is None:
        ingest_summary = quarantine_summary(
            read(QUARANTINE, QUARANTINE_SCHEMA), read(POSITIONS, POSITIONS_SCHEMA)
        )
    files = render_daily_report(
        events=read(EVENTS, EVENTS_SCHEMA),
        vessels=read(VESSELS, VESSELS_SCHEMA),
        layers=layers,
        region=ctx.region.title or ctx.region.name,
        day=ctx.day,
        out_dir=ctx.out_dir,
        positions=read(POSITIONS, POSITIONS_SCHEMA),
        ingest_summary=report_labels(ingest_summary),
        params=ctx.region.params.as_dict(),
        language=ctx.region.language,
        pdf=True,
    )
    from mda.pipelines.casestudy import write_run_manifest

    write_run_manifest(ctx.out_dir, ctx.region, ctx.day, ctx.lake)  # for `mda casestudy --from`
    log.info("report for %s %s: %s", ctx.region.name, ctx.day, files.html)
    return {
        "report": str(files.html),
        "pdf": str(files.pdf),
        "brief": str(files.brief_html),
        "out_dir": str(ctx.out_dir),
    }


REPORT_LABELS = {
    "lines_read": "Lines read",
    "accepted": "Lines accepted",
    "rejected": "Lines quarantined",
    "positions": "Positions stored",
    "vessels": "Static vessel records",
    "stations": "Base station and AtoN reports",
    "mmsi": "Distinct MMSI with positions",
    "rejects": "Quarantined lines by reason",
    "skipped": "Non-data lines skipped",
}


def report_labels(summary: dict[str, Any]) -> dict[str, Any]:
    """The ingest summary with readable names, in a fixed order, for the report."""
    known = {REPORT_LABELS[k]: summary[k] for k in REPORT_LABELS if k in summary}
    labelled = known | {k: v for k, v in summary.items() if k not in REPORT_LABELS}
    return {k: v for k, v in labelled.items() if v != {}}  # no empty tables


def quarantine_summary(quarantine: pl.DataFrame, positions: pl.DataFrame) -> dict[str, Any]:
    """A minimal ingest summary rebuilt from the lake (when the ingest step's is not at hand)."""
    rejects = dict(quarantine.group_by("reason").len().sort("reason").iter_rows())
    return {"positions": positions.height, "rejects": rejects}


def run_day(ctx: DayContext, inputs: Sequence[Path], postgis_url: str | None = None) -> dict:
    """All four steps in one process (the `mda run` command)."""
    layers = ctx.region.load_layers()
    ingest = ingest_step(ctx, inputs)
    detect = detect_step(ctx, layers)
    load = load_step(ctx, postgis_url, layers)
    report = report_step(ctx, layers, ingest)
    return {"ingest": ingest, "detect": detect, "load": load, "report": report}


# --- entry points for schedulers: a region name and a data interval -------------------------


def day_context(region_name: str, interval_start: datetime, settings: Settings) -> DayContext:
    """The DayContext of a region for the UTC day that starts the data interval."""
    regions = load_regions(settings.regions_file)
    if region_name not in regions:
        raise ConfigError(
            f"region {region_name!r} not in {settings.regions_file}; known: {sorted(regions)}"
        )
    region = regions[region_name]
    day = interval_start.astimezone(UTC).date()
    return DayContext(
        day=day,
        region=region,
        lake=settings.lake / region.name,
        out_dir=settings.reports / region.name / day.isoformat(),
    )


def ingest_interval(region_name: str, interval_start: datetime, settings: Settings) -> dict:
    """Ingest step for a scheduler: the region's input patterns for the interval's day."""
    ctx = day_context(region_name, interval_start, settings)
    return ingest_step(ctx, ctx.region.input_paths(ctx.day, settings.home))


def detect_interval(region_name: str, interval_start: datetime, settings: Settings) -> dict:
    """Detect step for a scheduler."""
    return detect_step(day_context(region_name, interval_start, settings))


def load_interval(
    region_name: str, interval_start: datetime, settings: Settings, postgis_url: str | None
) -> dict:
    """Load step for a scheduler (skips with a log line when postgis_url is None)."""
    return load_step(day_context(region_name, interval_start, settings), postgis_url)


def report_interval(
    region_name: str,
    interval_start: datetime,
    settings: Settings,
    ingest_summary: dict | None = None,
) -> dict:
    """Report step for a scheduler."""
    return report_step(
        day_context(region_name, interval_start, settings), ingest_summary=ingest_summary
    )
