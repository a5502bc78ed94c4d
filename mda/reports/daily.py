"""The daily report: one self-contained HTML file plus the events as GeoJSON, CSV, Parquet;
optionally its PDF, and the one-page morning brief (HTML, PDF).

Pure: frames in, files out; no database, no clock. The same inputs give the same bytes.
Every AIS or layer text field is untrusted and reaches the HTML only through jinja2's
autoescaping (or, inside maps, matplotlib's XML escaping). The text is in the report's
language (English, Japanese or French catalogues, see ``mda.reports.i18n``).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import polars as pl

from mda import schema as s
from mda.reference import ReferenceLayers
from mda.reports import charts, exports, maps
from mda.reports.fonts import matplotlib_families
from mda.reports.i18n import N_, Translator, check_language, translator
from mda.reports.vessels import Particulars, latest_particulars, ship_type_name

log = logging.getLogger(__name__)

MAX_EVENT_MAPS = 200  # events ranked beyond this get no map (keeps the HTML openable)
MISSING = "\u2013"  # en dash, shown where a value is missing
TYPE_LABELS = {
    "loitering": N_("Loitering"),
    "ais_gap": N_("AIS gap"),
    "encounter": N_("Encounter"),
    "anchor_drag": N_("Anchor drag"),
    "fishing_in_zone": N_("Fishing in zone"),
    "identity_conflict": N_("Identity conflict"),
}
BRIEF_EVENTS = 8  # events listed in the one-page morning brief


@dataclass(frozen=True)
class ReportFiles:
    """Where the daily report's files were written (PDFs only when asked for)."""

    html: Path
    geojson: Path
    csv: Path
    parquet: Path
    brief_html: Path | None = None
    pdf: Path | None = None
    brief_pdf: Path | None = None


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
    language: str = "en",
    pdf: bool = False,
    brief_events: int = BRIEF_EVENTS,
) -> ReportFiles:
    """Write report.html, brief.html (the one-page morning brief), events.geojson,
    events.csv and events.parquet into ``out_dir``; with ``pdf`` also report.pdf and
    brief.pdf.

    ``events`` in EVENTS_SCHEMA, ``vessels`` in VESSELS_SCHEMA, ``positions`` (optional,
    POSITIONS_SCHEMA) the day's positions used to draw each vessel's track around its
    event. ``ingest_summary`` maps names to counts (a nested mapping, e.g. rejects by
    reason, becomes a sub-table); ``params`` maps detector names (or parameter names) to
    values for the method section. ``generated_note`` is printed in the footer verbatim
    (escaped); the report itself never reads the clock. Only the first ``max_event_maps``
    events get a map and a speed/course chart; a map whose SVG exceeds ``max_svg_chars``
    characters is embedded as PNG. ``language`` is en, ja or fr; the brief lists the first
    ``brief_events`` events.
    """
    from mda.reports.brief import render_brief

    out_dir = Path(out_dir)
    ranked = exports.ordered_events(events)
    check_language(language)
    files = ReportFiles(
        html=out_dir / "report.html",
        geojson=exports.write_events_geojson(ranked, out_dir / "events.geojson"),
        csv=exports.write_events_csv(ranked, out_dir / "events.csv"),
        parquet=exports.write_events_parquet(ranked, out_dir / "events.parquet"),
        brief_html=out_dir / "brief.html",
        pdf=out_dir / "report.pdf" if pdf else None,
        brief_pdf=out_dir / "brief.pdf" if pdf else None,
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
        language=language,
    )
    brief = render_brief(
        ranked=ranked,
        vessels=vessels,
        layers=zones_valid_on(layers, day),
        region=region,
        day=day,
        language=language,
        max_events=brief_events,
    )
    exports.write_bytes_atomic(files.html, html.encode("utf-8"))
    exports.write_bytes_atomic(out_dir / "brief.html", brief.encode("utf-8"))
    if files.pdf is not None and files.brief_pdf is not None:
        from mda.reports.pdf import html_to_pdf

        exports.write_bytes_atomic(files.pdf, html_to_pdf(html))
        exports.write_bytes_atomic(files.brief_pdf, html_to_pdf(brief))
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
    language: str = "en",
) -> str:
    """The report's HTML text; ``ranked`` is the output of ``exports.ordered_events``."""
    tr = translator(check_language(language))
    layers = zones_valid_on(layers, day)
    particulars = latest_particulars(vessels)
    tracks = _tracks_by_mmsi(positions, ranked)
    items = [
        _event_view(
            rank,
            row,
            particulars,
            layers,
            tracks,
            max_svg_chars if rank <= max_event_maps else None,
            tr,
        )
        for rank, row in enumerate(ranked.iter_rows(named=True), start=1)
    ]
    overview = maps.overview_map(
        ranked,
        layers,
        max_svg_chars=max_svg_chars,
        gettext=tr.gettext,
        families=matplotlib_families(tr.code),
    )
    return (
        environment(tr.code)
        .get_template("daily.html.j2")
        .render(
            lang=tr.code,
            fonts=tr.css_fonts,
            region=region,
            day=day.isoformat(),
            events=items,
            summary=_summary(ranked, vessels, positions, ingest_summary, tr),
            overview=overview,
            layer_sources=sorted(layers.sources.items()),
            params=_param_groups(params, tr),
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


@cache
def environment(language: str = "en") -> jinja2.Environment:
    """The jinja2 environment of one language: package templates, gettext installed,
    autoescape always on, strict undefined."""
    tr = translator(language)
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("mda.reports", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(tr.translations, newstyle=True)  # type: ignore[attr-defined]
    env.filters["num"] = lambda value: fmt_value(value, tr)
    env.filters["ship_type"] = lambda code: ship_type_name(code, tr.gettext)
    return env


# --- view models ------------------------------------------------------------------------


def _event_view(
    rank: int,
    row: dict[str, Any],
    particulars: Mapping[int, Particulars],
    layers: ReferenceLayers,
    tracks: Mapping[int, pl.DataFrame],
    map_chars: int | None,
    tr: Translator,
) -> dict[str, Any]:
    """Everything the template shows for one event, formatted (text still unescaped).

    ``map_chars`` None: no map and no chart (beyond the report's limit)."""
    geom = exports.load_geometry(row[s.GEOMETRY_WKT], row[s.EVENT_ID])
    score = row[s.SCORE]
    vessel = particulars.get(row[s.MMSI])
    figures: dict[str, Any] = {"map": None, "chart": None}
    if map_chars is not None:
        figures = _event_figures({**row, "geometry": geom}, particulars, tracks, tr, map_chars)
        figures["map"] = maps.event_map(
            {**row, "geometry": geom},
            layers,
            tracks.get(row[s.MMSI]),
            max_svg_chars=map_chars,
            gettext=tr.gettext,
            families=matplotlib_families(tr.code),
        )
    return {
        "rank": rank,
        "id": row[s.EVENT_ID],
        "type": tr.gettext(TYPE_LABELS.get(row[s.EVENT_TYPE], row[s.EVENT_TYPE])),
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
        "evidence": evidence_rows(row[s.EVIDENCE], tr),
        "vessel": vessel,
        **figures,
    }


def _event_figures(
    event: dict[str, Any],
    particulars: Mapping[int, Particulars],
    tracks: Mapping[int, pl.DataFrame],
    tr: Translator,
    max_svg_chars: int,
) -> dict[str, Any]:
    """The speed/course chart of an event's vessel(s), 3 h either side (None: no track)."""
    margin = timedelta(hours=maps.CONTEXT_HOURS)
    start, end = event[s.START_TIME], event[s.END_TIME] or event[s.START_TIME]
    if start is None:
        return {"chart": None}
    series = []
    for mmsi in (event[s.MMSI], event[s.OTHER_MMSI]):
        track = tracks.get(mmsi) if mmsi is not None else None
        if track is not None and track.height:
            p = particulars.get(mmsi)
            label = p.vessel_name if p is not None and p.vessel_name else f"MMSI {mmsi}"
            series.append(charts.Series(label, track))
    if not series:
        return {"chart": None}
    chart = charts.speed_course_chart(
        series,
        (start - margin, end + margin),
        (start, end),
        period_label=tr.gettext(maps.TYPE_NAMES.get(event[s.EVENT_TYPE], N_("other event"))),
        salt=str(event[s.EVENT_ID]),
        gettext=tr.gettext,
        families=matplotlib_families(tr.code),
        max_svg_chars=max_svg_chars,
    )
    return {"chart": chart}


def type_counts(ranked: pl.DataFrame, tr: Translator) -> list[tuple[str, Any]]:
    """("Loitering events", n) for every event type (known ones first, zeros kept)."""
    by_type: dict[str, int] = (
        dict(ranked.group_by(s.EVENT_TYPE).len().iter_rows()) if ranked.height else {}
    )
    types = list(s.EVENT_TYPES) + sorted(t for t in by_type if t not in s.EVENT_TYPES)
    return [
        (
            tr.gettext("%(type)s events") % {"type": tr.gettext(TYPE_LABELS.get(t, t))},
            by_type.get(t, 0),
        )
        for t in types
    ]


def _summary(
    ranked: pl.DataFrame,
    vessels: pl.DataFrame,
    positions: pl.DataFrame | None,
    ingest_summary: Mapping[str, Any] | None,
    tr: Translator,
) -> dict[str, Any]:
    """Counts for the summary section."""
    _ = tr.gettext
    counts: list[tuple[str, Any]] = [(_("Events"), ranked.height), *type_counts(ranked, tr)]
    if positions is not None:
        counts.append(
            (_("Vessels seen (distinct MMSI with positions)"), positions[s.MMSI].n_unique())
        )
        counts.append((_("Positions"), positions.height))
    counts.append(
        (_("Vessels with static data"), vessels[s.MMSI].n_unique() if vessels.height else 0)
    )
    return {"counts": counts, "ingest": _mapping_groups(ingest_summary, _("Ingest"), tr=tr)}


def _param_groups(
    params: Mapping[str, Any] | None, tr: Translator
) -> list[tuple[str, list[tuple[str, str]]]]:
    """Detector parameters as (group title, [(name, exact value)]) in sorted order."""
    return _mapping_groups(params, tr.gettext("Parameters"), fmt_param, tr=tr)


Formatter = Callable[[Any], str]


def _mapping_groups(
    data: Mapping[str, Any] | None,
    top_title: str,
    fmt: Formatter | None = None,
    *,
    tr: Translator | None = None,
) -> list[tuple[str, list[tuple[str, str]]]]:
    """A mapping as titled key/value tables: scalars in one group, nested mappings each own."""
    if not data:
        return []
    data, fmt = _plain(data), fmt or (lambda v: fmt_value(v, tr))
    gettext = tr.gettext if tr is not None else (lambda m: m)
    scalars = [(_humanize(k), fmt(v)) for k, v in sorted(data.items()) if not _is_map(v)]
    groups = [(top_title, scalars)] if scalars else []
    for key, value in sorted(data.items()):
        if _is_map(value):
            items = sorted(value.items(), key=lambda kv: str(kv[0]))
            title = gettext(TYPE_LABELS[key]) if key in TYPE_LABELS else _humanize(key)
            groups.append((title, [(str(k), fmt(v)) for k, v in items]))
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


def evidence_rows(text: str | None, tr: Translator | None = None) -> list[tuple[str, str]]:
    """Evidence JSON as sorted (key, formatted value) rows; non-JSON text as one row."""
    value = exports.parse_evidence(text)
    if value is None:
        return []
    if not isinstance(value, dict):
        return [("evidence", fmt_value(value, tr))]
    return [(k, fmt_value(v, tr)) for k, v in value.items()]


def fmt_value(value: Any, tr: Translator | None = None) -> str:
    """A readable string for a number, bool, time, list or nested object (yes/no in the
    language of ``tr``; numbers stay in the report's language-neutral form)."""
    if value is None:
        return MISSING
    if isinstance(value, bool):
        yes, no = (tr.gettext("yes"), tr.gettext("no")) if tr is not None else ("yes", "no")
        return yes if value else no
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    if isinstance(value, float):
        return fmt_float(value)
    if isinstance(value, datetime):
        return fmt_time(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(fmt_value(v, tr) for v in value)
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
