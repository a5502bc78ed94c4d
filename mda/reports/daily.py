"""The daily report: one self-contained HTML file plus the events as GeoJSON, CSV, Parquet.

Pure: frames in, files out; no database, no clock. The same inputs give the same bytes.
Every AIS or layer text field is untrusted and reaches the HTML only through jinja2's
autoescaping (or, inside maps, matplotlib's XML escaping).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import jinja2
import polars as pl

from mda import schema as s
from mda.reference import ReferenceLayers
from mda.reports import exports, maps
from mda.reports.vessels import Particulars, latest_particulars

log = logging.getLogger(__name__)

MAX_EVENT_MAPS = 200  # events ranked beyond this get no map (keeps the HTML openable)
MISSING = "\u2013"  # en dash, shown where a value is missing
TYPE_LABELS = {
    "loitering": "Loitering",
    "ais_gap": "AIS gap",
    "encounter": "Encounter",
    "anchor_drag": "Anchor drag",
    "fishing_in_zone": "Fishing in zone",
    "identity_conflict": "Identity conflict",
}


@dataclass(frozen=True)
class ReportFiles:
    """Where the daily report's files were written."""

    html: Path
    geojson: Path
    csv: Path
    parquet: Path


def render_daily_report(
    *,
    events: pl.DataFrame,
    vessels: pl.DataFrame,
    layers: ReferenceLayers,
    region: str,
    day: date,
    out_dir: Path,
    positions: pl.DataFrame | None = None,
    ingest_summary: Mapping[str, Any] | None = None,
    params: Mapping[str, Any] | None = None,
    generated_note: str | None = None,
    max_event_maps: int = MAX_EVENT_MAPS,
    max_svg_chars: int = maps.MAX_SVG_CHARS,
) -> ReportFiles:
    """Write report.html, events.geojson, events.csv and events.parquet into ``out_dir``.

    ``events`` in EVENTS_SCHEMA, ``vessels`` in VESSELS_SCHEMA, ``positions`` (optional,
    POSITIONS_SCHEMA) the day's positions used to draw each vessel's track around its
    event. ``ingest_summary`` maps names to counts (a nested mapping, e.g. rejects by
    reason, becomes a sub-table); ``params`` maps detector names (or parameter names) to
    values for the method section. ``generated_note`` is printed in the footer verbatim
    (escaped); the report itself never reads the clock. Only the first ``max_event_maps``
    events get a map; a map whose SVG exceeds ``max_svg_chars`` characters is embedded as PNG.
    """
    out_dir = Path(out_dir)
    ranked = exports.ordered_events(events)
    files = ReportFiles(
        html=out_dir / "report.html",
        geojson=exports.write_events_geojson(ranked, out_dir / "events.geojson"),
        csv=exports.write_events_csv(ranked, out_dir / "events.csv"),
        parquet=exports.write_events_parquet(ranked, out_dir / "events.parquet"),
    )
    html = render_html(
        ranked=ranked,
        vessels=vessels,
        layers=layers,
        region=region,
        day=day,
        positions=positions,
        ingest_summary=ingest_summary,
        params=params,
        generated_note=generated_note,
        max_event_maps=max_event_maps,
        max_svg_chars=max_svg_chars,
    )
    exports.write_bytes_atomic(files.html, html.encode("utf-8"))
    log.info("daily report for %s %s: %d events -> %s", region, day, ranked.height, files.html)
    return files


def render_html(
    *,
    ranked: pl.DataFrame,
    vessels: pl.DataFrame,
    layers: ReferenceLayers,
    region: str,
    day: date,
    positions: pl.DataFrame | None = None,
    ingest_summary: Mapping[str, Any] | None = None,
    params: Mapping[str, Any] | None = None,
    generated_note: str | None = None,
    max_event_maps: int = MAX_EVENT_MAPS,
    max_svg_chars: int = maps.MAX_SVG_CHARS,
) -> str:
    """The report's HTML text; ``ranked`` is the output of ``exports.ordered_events``."""
    layers = zones_valid_on(layers, day)
    particulars = latest_particulars(vessels)
    tracks = _tracks_by_mmsi(positions, ranked)
    items = [
        _event_view(
            rank,
            row,
            particulars.get(row[s.MMSI]),
            layers,
            tracks.get(row[s.MMSI]),
            max_svg_chars if rank <= max_event_maps else None,
        )
        for rank, row in enumerate(ranked.iter_rows(named=True), start=1)
    ]
    return (
        _environment()
        .get_template("daily.html.j2")
        .render(
            region=region,
            day=day.isoformat(),
            events=items,
            summary=_summary(ranked, vessels, positions, ingest_summary),
            overview=maps.overview_map(ranked, layers, max_svg_chars=max_svg_chars),
            layer_sources=sorted(layers.sources.items()),
            params=_param_groups(params),
            generated_note=generated_note,
            max_event_maps=max_event_maps,
        )
    )


def zones_valid_on(layers: ReferenceLayers, day: date) -> ReferenceLayers:
    """The layers with only the zones valid at some time during ``day`` (UTC)."""
    start = datetime.combine(day, time(), tzinfo=UTC)
    end = start + timedelta(days=1)
    zones = tuple(
        z
        for z in layers.zones
        if (z.valid_from is None or z.valid_from < end)
        and (z.valid_to is None or z.valid_to > start)
    )
    return dataclasses.replace(layers, zones=zones)


def _environment() -> jinja2.Environment:
    """The jinja2 environment: package templates, autoescape always on, strict undefined."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("mda.reports", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["num"] = fmt_value
    return env


# --- view models ------------------------------------------------------------------------


def _event_view(
    rank: int,
    row: dict[str, Any],
    vessel: Particulars | None,
    layers: ReferenceLayers,
    track: pl.DataFrame | None,
    map_chars: int | None,
) -> dict[str, Any]:
    """Everything the template shows for one event, formatted (text still unescaped)."""
    geom = exports.load_geometry(row[s.GEOMETRY_WKT], row[s.EVENT_ID])
    score = row[s.SCORE]
    return {
        "rank": rank,
        "id": row[s.EVENT_ID],
        "type": TYPE_LABELS.get(row[s.EVENT_TYPE], row[s.EVENT_TYPE]),
        "explanation": row[s.EXPLANATION] or "",
        "start": fmt_time(row[s.START_TIME]),
        "end": fmt_time(row[s.END_TIME]),
        "duration": fmt_duration(row[s.DURATION_H]),
        "position": fmt_position(row[s.LAT], row[s.LON]),
        "cable": row[s.CABLE_NAME],
        "cable_distance": fmt_distance_m(row[s.CABLE_DISTANCE_M]),
        "zone": row[s.ZONE_NAME],
        "shore": None
        if row[s.DISTANCE_TO_SHORE_KM] is None
        else f"{row[s.DISTANCE_TO_SHORE_KM]:,.1f} km",
        "score": MISSING if score is None else f"{score:.2f}",
        "score_pct": 0 if score is None else round(max(0.0, min(1.0, score)) * 100),
        "mmsi": row[s.MMSI],
        "other_mmsi": row[s.OTHER_MMSI],
        "evidence": evidence_rows(row[s.EVIDENCE]),
        "vessel": vessel,
        "map": None
        if map_chars is None
        else maps.event_map({**row, "geometry": geom}, layers, track, max_svg_chars=map_chars),
    }


def _summary(
    ranked: pl.DataFrame,
    vessels: pl.DataFrame,
    positions: pl.DataFrame | None,
    ingest_summary: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """Counts for the summary section."""
    by_type = dict(ranked.group_by(s.EVENT_TYPE).len().iter_rows()) if ranked.height else {}
    types = list(s.EVENT_TYPES) + sorted(t for t in by_type if t not in s.EVENT_TYPES)
    counts: list[tuple[str, Any]] = [("Events", ranked.height)]
    counts += [(f"{TYPE_LABELS.get(t, t)} events", by_type.get(t, 0)) for t in types]
    if positions is not None:
        counts.append(("Vessels seen (distinct MMSI with positions)", positions[s.MMSI].n_unique()))
        counts.append(("Positions", positions.height))
    counts.append(("Vessels with static data", vessels[s.MMSI].n_unique() if vessels.height else 0))
    return {"counts": counts, "ingest": _mapping_groups(ingest_summary, "Ingest")}


def _param_groups(params: Mapping[str, Any] | None) -> list[tuple[str, list[tuple[str, str]]]]:
    """Detector parameters as (group title, [(name, exact value)]) in sorted order."""
    return _mapping_groups(params, "Parameters", fmt_param)


Formatter = Callable[[Any], str]


def _mapping_groups(
    data: Mapping[str, Any] | None, top_title: str, fmt: Formatter | None = None
) -> list[tuple[str, list[tuple[str, str]]]]:
    """A mapping as titled key/value tables: scalars in one group, nested mappings each own."""
    if not data:
        return []
    data, fmt = _plain(data), fmt or fmt_value
    scalars = [(_humanize(k), fmt(v)) for k, v in sorted(data.items()) if not _is_map(v)]
    groups = [(top_title, scalars)] if scalars else []
    for key, value in sorted(data.items()):
        if _is_map(value):
            items = sorted(value.items(), key=lambda kv: str(kv[0]))
            groups.append(
                (TYPE_LABELS.get(key, _humanize(key)), [(str(k), fmt(v)) for k, v in items])
            )
    return groups


def _plain(value: Any) -> Any:
    """Dataclass instances (frozen params objects) as dicts, recursively."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _is_map(value: Any) -> bool:
    """True for a nested mapping (rendered as its own table)."""
    return isinstance(value, Mapping)


def _humanize(key: str) -> str:
    """``rejects_by_reason`` -> ``Rejects by reason``."""
    text = str(key).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _tracks_by_mmsi(
    positions: pl.DataFrame | None, ranked: pl.DataFrame
) -> dict[int, pl.DataFrame]:
    """The day's positions of the vessels that have events, split by MMSI."""
    if positions is None or positions.is_empty() or ranked.is_empty():
        return {}
    wanted = ranked[s.MMSI].unique()
    subset = positions.filter(pl.col(s.MMSI).is_in(wanted.implode()))
    return {key[0]: part for key, part in subset.partition_by(s.MMSI, as_dict=True).items()}


# --- formatting (pure, unit-tested) -----------------------------------------------------


def evidence_rows(text: str | None) -> list[tuple[str, str]]:
    """Evidence JSON as sorted (key, formatted value) rows; non-JSON text as one row."""
    value = exports.parse_evidence(text)
    if value is None:
        return []
    if not isinstance(value, dict):
        return [("evidence", fmt_value(value))]
    return [(k, fmt_value(v)) for k, v in value.items()]


def fmt_value(value: Any) -> str:
    """A readable string for a number, bool, time, list or nested object."""
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    if isinstance(value, float):
        return fmt_float(value)
    if isinstance(value, datetime):
        return fmt_time(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(fmt_value(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return str(value)


def fmt_param(value: Any) -> str:
    """A parameter value exactly as configured (floats by repr, so 0.5 stays 0.5)."""
    if isinstance(value, float) and math.isfinite(value):
        return repr(value)
    return fmt_value(value)


def fmt_float(value: float) -> str:
    """Few digits for reading aloud: 12345.6 -> 12,345.6; 3.14159 -> 3.14; 0.01234 -> 0.0123."""
    if not math.isfinite(value):
        return MISSING
    if value.is_integer() and abs(value) < 1e15:
        return f"{int(value):,}" if abs(value) >= 10_000 else str(int(value))
    if abs(value) >= 100:
        return f"{value:,.1f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def fmt_time(value: datetime | None) -> str:
    """``2024-03-05 14:07:00 UTC``; MISSING when missing."""
    iso = exports.iso_utc(value)
    return MISSING if iso is None else iso[:-1].replace("T", " ") + " UTC"


def fmt_duration(hours: float | None) -> str:
    """``5.25`` -> ``5 h 15 min (5.25 h)``."""
    if hours is None or not math.isfinite(hours):
        return MISSING
    minutes = round(hours * 60)
    return f"{minutes // 60} h {minutes % 60:02d} min ({hours:.2f} h)"


def fmt_position(lat: float | None, lon: float | None) -> str:
    """``12.34567° N, 123.45678° E`` (5 decimals, about 1 m)."""
    if lat is None or lon is None:
        return MISSING
    ns, ew = ("N" if lat >= 0 else "S"), ("E" if lon >= 0 else "W")
    return f"{abs(lat):.5f}° {ns}, {abs(lon):.5f}° {ew}"


def fmt_distance_m(metres: float | None) -> str | None:
    """``850 m`` below 1 km, else ``12.3 km``; None when missing."""
    if metres is None or not math.isfinite(metres):
        return None
    return f"{metres:.0f} m" if metres < 1000 else f"{metres / 1000:,.1f} km"
