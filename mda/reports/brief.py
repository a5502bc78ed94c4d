"""The morning brief: one page with the day's counts by event type, the overview map and
the top-ranked events, for a watch officer's first look (HTML; PDF via ``mda.reports.pdf``).

Pure like the daily report: frames in, text out, no clock.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from mda import schema as s
from mda.reference import ReferenceLayers
from mda.reports import maps
from mda.reports.daily import TYPE_LABELS, environment, fmt_distance_m, type_counts
from mda.reports.fonts import matplotlib_families
from mda.reports.i18n import Translator, check_language, translator
from mda.reports.vessels import Particulars, latest_particulars

WHERE_MAX_CHARS = 70


def render_brief(
    *,
    ranked: pl.DataFrame,
    vessels: pl.DataFrame,
    layers: ReferenceLayers,
    region: str,
    day: date,
    language: str = "en",
    max_events: int = 8,
) -> str:
    """The brief's HTML: ``ranked`` as from ``exports.ordered_events``, the first
    ``max_events`` events listed (and numbered on the map)."""
    tr = translator(check_language(language))
    particulars = latest_particulars(vessels)
    top = ranked.head(max_events)
    overview = maps.overview_map(
        ranked,
        layers,
        max_labels=max_events,
        gettext=tr.gettext,
        families=matplotlib_families(tr.code),
        salt="brief-overview",
    )
    return (
        environment(tr.code)
        .get_template("brief.html.j2")
        .render(
            lang=tr.code,
            fonts=tr.css_fonts,
            region=region,
            day=day.isoformat(),
            date=tr.date(day),
            total=ranked.height,
            counts=[(label, n) for label, n in type_counts(ranked, tr)],
            overview=overview,
            events=[
                _row(rank, row, particulars, tr)
                for rank, row in enumerate(top.iter_rows(named=True), start=1)
            ],
            more=max(ranked.height - max_events, 0),
        )
    )


def _row(
    rank: int, row: dict[str, Any], particulars: dict[int, Particulars], tr: Translator
) -> dict[str, Any]:
    """One line of the brief's table."""
    p = particulars.get(row[s.MMSI])
    start = row[s.START_TIME]
    return {
        "rank": rank,
        "type": tr.gettext(TYPE_LABELS.get(row[s.EVENT_TYPE], row[s.EVENT_TYPE])),
        "vessel": p.vessel_name if p is not None and p.vessel_name else f"MMSI {row[s.MMSI]}",
        "start": start.strftime("%H:%M") if start is not None else "\u2013",
        "duration": tr.duration(row[s.DURATION_H]),
        "where": _where(row),
        "score": "\u2013" if row[s.SCORE] is None else f"{row[s.SCORE]:.2f}",
    }


def _where(row: dict[str, Any]) -> str:
    """Cable (distance) and zone of an event, shortened for one table cell."""
    parts = []
    if row[s.CABLE_NAME]:
        distance = fmt_distance_m(row[s.CABLE_DISTANCE_M])
        parts.append(f"{row[s.CABLE_NAME]} ({distance})" if distance else row[s.CABLE_NAME])
    if row[s.ZONE_NAME]:
        parts.append(row[s.ZONE_NAME])
    text = "; ".join(parts) or "\u2013"
    return text if len(text) <= WHERE_MAX_CHARS else text[: WHERE_MAX_CHARS - 1] + "\u2026"
