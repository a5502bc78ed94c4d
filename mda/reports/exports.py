"""Event exports for GIS and spreadsheet users: GeoJSON, CSV and Parquet.

All three take an events frame in ``EVENTS_SCHEMA`` and write byte-reproducible files:
same frame in, same bytes out (schema column order, sorted evidence keys, Python's
shortest round-trip float repr, no timestamps of the run).
"""

from __future__ import annotations

import csv
import io
import json
import logging
import math
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import polars as pl
import shapely
from shapely.geometry import mapping

from mda import schema as s
from mda.errors import MdaError
from mda.lake import write_parquet_atomic

log = logging.getLogger(__name__)

COORD_DECIMALS = 6  # RFC 7946 section 11.2: 6 decimal places is about 10 cm
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")  # OWASP CSV injection triggers


def iso_utc(value: datetime | None) -> str | None:
    """UTC ISO 8601 with a trailing ``Z``; microseconds only when non-zero."""
    if value is None:
        return None
    utc = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    if utc.microsecond:
        text += f".{utc.microsecond:06d}"
    return text + "Z"


def parse_evidence(text: str | None) -> Any:
    """The evidence JSON object, keys sorted recursively; unparseable text stays a string."""
    if text is None:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        log.warning("evidence is not valid JSON, exported as text: %.80s", text)
        return text
    return _sorted(value)


def ordered_events(events: pl.DataFrame) -> pl.DataFrame:
    """Events in EVENTS_SCHEMA, ranked: score descending, then start_time, then event_id."""
    missing = [c for c in (s.EVENT_ID, s.EVENT_TYPE, s.MMSI) if c not in events.columns]
    if missing:
        raise ReportInputError(
            f"events frame lacks column(s) {missing}; expected mda.schema.EVENTS_SCHEMA "
            "(build it with mda.schema.conform(df, EVENTS_SCHEMA))"
        )
    return s.conform(events, s.EVENTS_SCHEMA).sort(
        [s.SCORE, s.START_TIME, s.EVENT_ID],
        descending=[True, False, False],
        nulls_last=True,
        maintain_order=True,
    )


def write_events_geojson(events: pl.DataFrame, path: Path) -> Path:
    """Write an RFC 7946 FeatureCollection, one Feature per event, ranked by score.

    Geometry comes from ``geometry_wkt`` (WGS84 lon/lat, 6 decimals; null if absent);
    properties are every other column, times as UTC ISO 8601 strings ending in ``Z``,
    ``evidence`` as a nested JSON object. One feature per line, UTF-8.
    """
    lines = [_feature_json(row) for row in ordered_events(events).iter_rows(named=True)]
    body = ",\n".join(lines)
    text = '{"type":"FeatureCollection","features":[\n' + body + ("\n" if lines else "") + "]}\n"
    return write_bytes_atomic(Path(path), text.encode("utf-8"))


def write_events_csv(events: pl.DataFrame, path: Path) -> Path:
    """Write events as CSV for spreadsheets, ranked by score, UTF-8, header = schema columns.

    ``evidence`` is its JSON text, ``geometry_wkt`` the WKT. Text cells starting with
    ``= + - @`` (or tab/CR) get a leading apostrophe so no spreadsheet runs them as formulas.
    """
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(list(s.EVENTS_SCHEMA))
    for row in ordered_events(events).iter_rows(named=True):
        writer.writerow([_csv_cell(row[name]) for name in s.EVENTS_SCHEMA])
    return write_bytes_atomic(Path(path), buf.getvalue().encode("utf-8"))


def write_events_parquet(events: pl.DataFrame, path: Path) -> Path:
    """Write events in EVENTS_SCHEMA (ranked by score) as Parquet (zstd)."""
    return write_parquet_atomic(ordered_events(events), Path(path), compression="zstd")


class ReportInputError(MdaError):
    """The report was given a frame it cannot use (missing columns, bad geometry)."""


def neutralise_formula(text: str) -> str:
    """Prefix an apostrophe to text a spreadsheet would read as a formula."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def load_geometry(wkt: str | None, event_id: str) -> shapely.Geometry | None:
    """Parse an event's WKT; None when absent. Raises ReportInputError on bad WKT."""
    if wkt is None or not wkt.strip():
        return None
    try:
        return shapely.from_wkt(wkt)
    except shapely.errors.GEOSException as e:
        raise ReportInputError(
            f"event {event_id}: geometry_wkt is not valid WKT ({wkt[:60]!r}); "
            "the detector must write a WGS84 LineString or Point"
        ) from e


def _feature_json(row: dict[str, Any]) -> str:
    """One event row -> one GeoJSON Feature, as compact JSON."""
    geom = load_geometry(row[s.GEOMETRY_WKT], row[s.EVENT_ID])
    geometry = None if geom is None or geom.is_empty else _round_coords(mapping(geom))
    props = {k: _json_value(k, v) for k, v in row.items() if k != s.GEOMETRY_WKT}
    feature = {"type": "Feature", "id": row[s.EVENT_ID], "geometry": geometry, "properties": props}
    return json.dumps(feature, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _json_value(key: str, value: Any) -> Any:
    """A property value as JSON: times as ISO Z strings, evidence nested, NaN as null."""
    if key == s.EVIDENCE:
        return parse_evidence(value)
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _csv_cell(value: Any) -> str:
    """One CSV cell: null -> empty, times ISO Z, text neutralised against formulas."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return iso_utc(value) or ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ""
    if isinstance(value, str):
        return neutralise_formula(value)
    return str(value)


def _round_coords(geo: Any) -> Any:
    """Round every coordinate of a GeoJSON-like mapping to COORD_DECIMALS (tuples -> lists)."""
    if isinstance(geo, dict):
        return {k: _round_coords(v) for k, v in geo.items()}
    if isinstance(geo, list | tuple):
        return [_round_coords(v) for v in geo]
    if isinstance(geo, float):
        return round(geo, COORD_DECIMALS) + 0.0  # + 0.0 turns -0.0 into 0.0
    return geo


def _sorted(value: Any) -> Any:
    """JSON value with every object's keys sorted; non-finite floats -> None."""
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_bytes_atomic(path: Path, data: bytes) -> Path:
    """Write via a temporary sibling then rename, so a rerun never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path
