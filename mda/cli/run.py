"""`mda run`: one day over local files, end to end."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from mda.allocators import tune_glibc_malloc
from mda.cli.common import emit_json, out_folder, parse_day, settings, setup_logging, user_errors
from mda.pipelines.daily import DayContext, run_day
from mda.regions import Region, load_regions

console = Console(stderr=True)


def _region(
    name: str | None,
    regions_file: Path | None,
    cables: list[Path],
    zones: list[Path],
    coastline: Path | None,
    fishing_model: Path | None = None,
) -> Region:
    """The named region from the regions file, or an ad-hoc one; CLI layers take precedence."""
    if name:
        regions = load_regions(regions_file or settings().regions_file)
        if name not in regions:
            from mda.errors import ConfigError

            raise ConfigError(f"region {name!r} not in the regions file; known: {sorted(regions)}")
        base = regions[name]
    else:
        base = Region(name="local")
    from dataclasses import replace

    return replace(
        base,
        cables=tuple(cables) or base.cables,
        zones=tuple(zones) or base.zones,
        land=coastline or base.land,
        fishing_model=fishing_model or base.fishing_model,
    )


def run(
    date: Annotated[str, typer.Option("--date", help="UTC day to process, YYYY-MM-DD.")],
    inputs: Annotated[
        list[Path],
        typer.Option(
            "--input",
            "-i",
            help="AIS file: NOAA/DMA CSV (.csv/.zip) or NMEA (plain/.gz). Repeat for several.",
        ),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for events and the report.")],
    cables: Annotated[
        list[Path] | None,
        typer.Option(
            "--cables",
            help="Submarine cables, TeleGeography cable-geo JSON (v2 or v3). Repeatable.",
        ),
    ] = None,
    zones: Annotated[
        list[Path] | None,
        typer.Option(
            "--zones",
            help="Zone polygons (GeoJSON with name, kind, valid_from, valid_to). Repeatable.",
        ),
    ] = None,
    coastline: Annotated[
        Path | None,
        typer.Option(
            "--coastline", help="Land polygons or coastline GeoJSON, for distance to shore."
        ),
    ] = None,
    region: Annotated[
        str | None,
        typer.Option(
            "--region", help="Use this region's layers and parameters from the regions file."
        ),
    ] = None,
    regions_file: Annotated[
        Path | None,
        typer.Option("--regions-file", envvar="MDA_REGIONS_FILE", help="Regions TOML file."),
    ] = None,
    lake_dir: Annotated[
        Path | None, typer.Option("--lake", help="Parquet lake (default OUT/lake).")
    ] = None,
    postgis_url: Annotated[
        str | None,
        typer.Option(
            "--postgis-url",
            envvar="MDA_POSTGIS_URL",
            help="Also load the day into this PostGIS database.",
        ),
    ] = None,
    fishing_model: Annotated[
        Path | None,
        typer.Option(
            "--fishing-model",
            help="Fishing classifier from `mda fishing train` (default: the region's, else "
            "the bundled one).",
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print a JSON summary on stdout.")
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Ingest one UTC day of AIS files, detect events, and write events + report under OUT."""
    setup_logging(verbose)
    tune_glibc_malloc()  # (batch work: see mda.allocators)
    day = parse_day(date)
    out_folder(out)
    if lake_dir is not None:
        out_folder(lake_dir, "--lake")
    with user_errors():
        reg = _region(region, regions_file, cables or [], zones or [], coastline, fishing_model)
        ctx = DayContext(day=day, region=reg, lake=lake_dir or out / "lake", out_dir=out)
        with console.status(f"processing {day} ({len(inputs)} input file(s))"):
            summary = run_day(ctx, inputs, postgis_url)
    if as_json:
        emit_json(summary)
        return
    ingest, detect = summary["ingest"], summary["detect"]
    rejects = ingest.get("rejects", {})
    reasons = ", ".join(
        f"{reason} {n:,}" for reason, n in sorted(rejects.items(), key=lambda kv: -kv[1])
    )
    console.print(
        f"{day}: {ingest.get('positions', 0):,} positions, "
        f"{sum(rejects.values()):,} lines quarantined{f' ({reasons})' if reasons else ''}, "
        f"{detect['events']} events {detect['by_type']}"
    )
    typer.echo(f"Report: {summary['report']['report']}")
