"""Ports as points: read a GeoJSON point layer (e.g. Global Fishing Watch's ports list).

Accepted forms: a FeatureCollection, or a bare JSON array of Features (the form of GFW's
``ports.json`` in its ocean-areas library). Properties read: ``name`` (required), ``area``
or ``id`` (source id), ``flag`` or ``country`` (ISO 3166-1 alpha-3), ``type``. Features
without a Point geometry or a name are counted and skipped, never silently.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from mda.errors import ReferenceLayerError

PORTS_SCHEMA: dict[str, pl.DataType] = {
    "port_id": pl.String(),
    "name": pl.String(),
    "country": pl.String(),
    "kind": pl.String(),
    "lon": pl.Float64(),
    "lat": pl.Float64(),
}


@dataclass(frozen=True)
class PortsRead:
    """The ports of a file and the features skipped, by reason."""

    ports: pl.DataFrame  # PORTS_SCHEMA
    skipped: dict[str, int]


def _features(doc: Any, path: Path) -> list[Any]:
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict) and doc.get("type") == "FeatureCollection":
        return list(doc.get("features") or [])
    raise ReferenceLayerError(
        f"{path}: expected a GeoJSON FeatureCollection or a JSON array of Features, found "
        f"{type(doc).__name__}"
    )


def _port_row(feature: Any) -> dict[str, Any] | str:
    """A PORTS_SCHEMA row, or the reason the feature is skipped."""
    if not isinstance(feature, dict):
        return "not_a_feature"
    geometry = feature.get("geometry") or {}
    props = feature.get("properties") or {}
    coords = geometry.get("coordinates")
    if geometry.get("type") != "Point" or not isinstance(coords, list) or len(coords) < 2:
        return "not_a_point"
    if not props.get("name"):
        return "no_name"
    lon, lat = float(coords[0]), float(coords[1])
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return "off_the_globe"
    return {
        "port_id": props.get("area") or props.get("id"),
        "name": str(props["name"]),
        "country": props.get("flag") or props.get("country"),
        "kind": props.get("type"),
        "lon": lon,
        "lat": lat,
    }


def read_ports(path: Path) -> PortsRead:
    """Read a ports file (see module docstring); ReferenceLayerError if it is not JSON."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ReferenceLayerError(f"{path}: cannot read ports as JSON ({e})") from e
    rows: list[dict[str, Any]] = []
    skipped: dict[str, int] = {}
    for feature in _features(doc, Path(path)):
        row = _port_row(feature)
        if isinstance(row, str):
            skipped[row] = skipped.get(row, 0) + 1
        else:
            rows.append(row)
    return PortsRead(pl.DataFrame(rows, schema=PORTS_SCHEMA), skipped)
