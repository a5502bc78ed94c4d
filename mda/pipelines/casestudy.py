"""Case-study packs from a run: find an event, gather its data, write the pack.

An event is found in a run directory (the ``--out`` folder of ``mda run``, or a day's report
folder of the DAG: both hold ``events.parquet`` and the ``run.json`` written by the report
step) or, without one, in the Parquet lake under ``MDA_HOME``. ``run.json`` says where the
run's lake is and which region (title, box, layers, language) it used; without it the
region is looked up by name in the regions file.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from mda import lake
from mda import schema as s
from mda.errors import ConfigError, InputFileError, MdaError
from mda.reference import ReferenceLayers
from mda.regions import Region, load_regions
from mda.reports.casestudy import CaseInputs, PackFiles, PackOptions, write_pack
from mda.reports.exports import ordered_events, write_bytes_atomic
from mda.settings import Settings

if TYPE_CHECKING:  # the daily pipeline imports this module to write run.json
    from mda.pipelines.daily import DayContext

log = logging.getLogger(__name__)

RUN_MANIFEST = "run.json"
EVENTS_FILE = "events.parquet"
CASESTUDIES_DIR = "casestudies"
MIN_PREFIX = 6  # an event id may be abbreviated to a unique prefix of this many characters
CONTEXT = timedelta(hours=4)  # positions loaded either side of the event


class EventNotFoundError(MdaError):
    """No event (or more than one) matches the given id."""


@dataclass(frozen=True)
class Located:
    """An event and where its run keeps its data."""

    event: dict[str, Any]
    lake: Path  # the lake root of the event's region (lake/<table>/date=.../part-0.parquet)
    region: Region


# --- the run manifest -------------------------------------------------------------------------


def write_run_manifest(out_dir: Path, region: Region, day: date, lake_dir: Path) -> Path:
    """Write ``run.json`` into a run's output folder: its day, lake and region settings."""
    data = {
        "day": day.isoformat(),
        "lake": str(Path(lake_dir).resolve()),
        "region": {
            "name": region.name,
            "title": region.title,
            "bbox": list(region.bbox) if region.bbox else None,
            "cables": [str(p) for p in region.cables],
            "cable_names": str(region.cable_names) if region.cable_names else None,
            "zones": [str(p) for p in region.zones],
            "land": str(region.land) if region.land else None,
            "language": region.language,
            "casestudies": region.casestudies,
        },
    }
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return write_bytes_atomic(Path(out_dir) / RUN_MANIFEST, text.encode("utf-8"))


def _region_from_manifest(data: dict[str, Any]) -> Region:
    """The Region recorded in a run manifest."""
    r = data["region"]
    return Region(
        name=r["name"],
        title=r.get("title") or r["name"],
        bbox=tuple(r["bbox"]) if r.get("bbox") else None,  # type: ignore[arg-type]
        cables=tuple(Path(p) for p in r.get("cables") or ()),
        cable_names=Path(r["cable_names"]) if r.get("cable_names") else None,
        zones=tuple(Path(p) for p in r.get("zones") or ()),
        land=Path(r["land"]) if r.get("land") else None,
        language=r.get("language") or "en",
        casestudies=int(r.get("casestudies", 3)),
    )


# --- finding the event ------------------------------------------------------------------------


def find_event(event_id: str, run_dir: Path | None, settings: Settings) -> Located:
    """The event ``event_id`` (or a unique prefix of it) in ``run_dir``, else in the lake."""
    if len(event_id) < MIN_PREFIX:
        raise EventNotFoundError(
            f"event id {event_id!r} is too short: give at least {MIN_PREFIX} characters"
        )
    if run_dir is not None:
        return _in_run_dir(event_id, Path(run_dir), settings)
    return _in_lake(event_id, settings)


def _in_run_dir(event_id: str, run_dir: Path, settings: Settings) -> Located:
    events_path = run_dir / EVENTS_FILE
    if not events_path.is_file():
        raise InputFileError(
            f"{run_dir} is not a run directory: no {EVENTS_FILE} in it "
            "(pass the --out folder of `mda run`, or a day's report folder)"
        )
    event = _match(pl.read_parquet(events_path), event_id, str(events_path))
    manifest_path = run_dir / RUN_MANIFEST
    if manifest_path.is_file():
        data = json.loads(manifest_path.read_text(encoding="utf-8"))
        region = _region_from_manifest(data)
        if not all(p.is_file() for p in _layer_files(region)):  # the run folder was moved
            region = _configured_region(region.name, settings)
        lake_dir = Path(data["lake"])
        if not lake_dir.is_dir() and (run_dir / "lake").is_dir():
            lake_dir = run_dir / "lake"
        return Located(event, lake_dir, region)
    region = _configured_region(event[s.REGION], settings)
    lake_dir = run_dir / "lake" if (run_dir / "lake").is_dir() else settings.lake / region.name
    return Located(event, lake_dir, region)


def _layer_files(region: Region) -> list[Path]:
    """Every layer file a region names."""
    files = [*region.cables, *region.zones]
    return files + [p for p in (region.land, region.cable_names) if p is not None]


def _in_lake(event_id: str, settings: Settings) -> Located:
    files = sorted(settings.lake.glob(f"*/events/date=*/{lake.PART_FILE}"))
    if not files:
        raise EventNotFoundError(
            f"no events in the lake under {settings.lake} (MDA_HOME={settings.home}); "
            "pass --from RUN_DIR"
        )
    found = []
    for path in files:
        ids = pl.read_parquet(path, columns=[s.EVENT_ID])[s.EVENT_ID]
        if ids.str.starts_with(event_id).any():
            found.append(path)
    if not found:
        raise EventNotFoundError(f"no event {event_id!r} in the lake under {settings.lake}")
    events = pl.concat([pl.read_parquet(p) for p in found], how="vertical_relaxed")
    event = _match(events, event_id, str(settings.lake))
    region_dir = next(p for p in found if event[s.EVENT_ID] in set(pl.read_parquet(p)[s.EVENT_ID]))
    region_name = region_dir.parents[2].name
    return Located(event, settings.lake / region_name, _configured_region(region_name, settings))


def _match(events: pl.DataFrame, event_id: str, where: str) -> dict[str, Any]:
    """The one event whose id is ``event_id`` or starts with it."""
    events = s.conform(events, s.EVENTS_SCHEMA)
    exact = events.filter(pl.col(s.EVENT_ID) == event_id)
    hits = exact if exact.height else events.filter(pl.col(s.EVENT_ID).str.starts_with(event_id))
    if hits.height == 0:
        raise EventNotFoundError(f"no event {event_id!r} in {where}")
    ids = hits[s.EVENT_ID].unique().sort().to_list()
    if len(ids) > 1:
        raise EventNotFoundError(
            f"event id {event_id!r} matches {len(ids)} events in {where} "
            f"({', '.join(ids[:5])}{', ...' if len(ids) > 5 else ''}); give more characters"
        )
    return hits.row(0, named=True)


def _configured_region(name: str | None, settings: Settings) -> Region:
    """The region ``name`` from the regions file; a bare region (no layers) if absent."""
    name = name or "local"
    try:
        regions = load_regions(settings.regions_file)
    except ConfigError:
        regions = {}
    if name in regions:
        return regions[name]
    log.warning(
        "region %r is not in %s: maps show no reference layers", name, settings.regions_file
    )
    return Region(name=name, title=name)


# --- gathering the data -----------------------------------------------------------------------


def load_case(
    located: Located, layers: ReferenceLayers | None = None, day_data: _DayData | None = None
) -> CaseInputs:
    """The event's vessels' positions and static reports around it, with the region layers."""
    event = located.event
    ids = [m for m in (event[s.MMSI], event.get(s.OTHER_MMSI)) if m is not None]
    start = event[s.START_TIME] - CONTEXT
    end = (event.get(s.END_TIME) or event[s.START_TIME]) + CONTEXT
    data = day_data or _DayData.read(located.lake, _days(start, end))
    positions = data.positions.filter(
        pl.col(s.MMSI).is_in(ids) & pl.col(s.TS).is_between(start, end)
    )
    vessels = data.vessels.filter(pl.col(s.MMSI).is_in(ids))
    if positions.is_empty():
        log.warning("no positions for event %s in %s", event[s.EVENT_ID], located.lake)
    region = located.region
    return CaseInputs(
        event=event,
        positions=positions,
        vessels=vessels,
        layers=layers if layers is not None else region.load_layers(),
        region=region.title or region.name,
        bbox=region.bbox,
    )


def _days(start: datetime, end: datetime) -> list[date]:
    """Every UTC day from ``start`` to ``end``."""
    day, last = start.date(), end.date()
    days = []
    while day <= last:
        days.append(day)
        day += timedelta(days=1)
    return days


@dataclass(frozen=True)
class _DayData:
    """Positions and static reports of some days of a lake."""

    positions: pl.DataFrame
    vessels: pl.DataFrame

    @classmethod
    def read(cls, lake_dir: Path, days: list[date]) -> _DayData:
        scan = lambda t, sch: lake.scan_days(lake_dir, t, days, schema=sch)  # noqa: E731
        positions = s.conform(scan("positions", s.POSITIONS_SCHEMA), s.POSITIONS_SCHEMA)
        vessels = s.conform(scan("vessels", s.VESSELS_SCHEMA), s.VESSELS_SCHEMA)
        return cls(positions.collect(), vessels.collect())


# --- entry points -----------------------------------------------------------------------------


def make_casestudy(
    event_id: str,
    out_dir: Path,
    *,
    settings: Settings,
    run_dir: Path | None = None,
    language: str | None = None,
    anonymise: bool = False,
    exercise: bool = False,
    seed: str | None = None,
    pdf: bool = True,
) -> PackFiles:
    """The `mda casestudy` command: find the event, write its pack into ``out_dir``.

    ``language`` None takes the region's language.
    """
    located = find_event(event_id, run_dir, settings)
    options = PackOptions(
        language=language or located.region.language,
        anonymise=anonymise,
        exercise=exercise,
        seed=seed,
    )
    return write_pack(load_case(located), Path(out_dir), options, pdf=pdf)


def casestudies_step(ctx: DayContext, top_n: int | None = None, pdf: bool = True) -> dict[str, Any]:
    """Packs for the day's ``top_n`` best-ranked events (default: the region's
    ``casestudies``) under ``<out_dir>/casestudies/NN-<event id>/``, in the region's language.

    The folder is rebuilt beside the old one and swapped in, so a rerun replaces it.
    """
    region = ctx.region
    n = region.casestudies if top_n is None else top_n
    events = lake.scan_partition(ctx.lake, "events", ctx.day, schema=s.EVENTS_SCHEMA).collect()
    top = ordered_events(events).head(max(n, 0))
    target = Path(ctx.out_dir) / CASESTUDIES_DIR
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{CASESTUDIES_DIR}.tmp-", dir=target.parent))
    packs = []
    try:
        if top.height:
            layers = region.load_layers()
            data = _DayData.read(
                ctx.lake, [ctx.day - timedelta(days=1), ctx.day, ctx.day + timedelta(days=1)]
            )
            options = PackOptions(language=region.language)
            for rank, event in enumerate(top.iter_rows(named=True), start=1):
                located = Located(event, ctx.lake, region)
                folder = f"{rank:02d}-{event[s.EVENT_ID]}"
                write_pack(load_case(located, layers, data), staging / folder, options, pdf=pdf)
                packs.append(folder)
        _swap(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log.info("case studies for %s %s: %s", region.name, ctx.day, packs)
    return {"casestudies": str(target), "packs": packs, "language": region.language}


def _swap(staging: Path, target: Path) -> None:
    """Replace ``target`` by ``staging`` (the old folder is removed after the rename)."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        target.rename(old)
    staging.rename(target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def casestudies_interval(region_name: str, interval_start: datetime, settings: Settings) -> dict:
    """Case-study step for a scheduler: packs for the top-ranked events of the day."""
    from mda.pipelines.daily import day_context

    return casestudies_step(day_context(region_name, interval_start, settings))


__all__ = [
    "EventNotFoundError",
    "Located",
    "casestudies_interval",
    "casestudies_step",
    "find_event",
    "load_case",
    "make_casestudy",
    "write_run_manifest",
]
