"""Loaders for reference layers: TeleGeography cables, zone polygons, land/coastline.

Accepted containers: a GeoJSON FeatureCollection, a single Feature, or a bare JSON array of
Features. Coordinates must be WGS84 lon/lat: a ``crs`` member naming anything else is an
error. Invalid polygons are repaired with ``shapely.make_valid`` and a warning.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import box, shape
from shapely.geometry.base import BaseGeometry

from mda.errors import ReferenceLayerError
from mda.reference import Cable, ReferenceLayers, Zone

log = logging.getLogger(__name__)

WGS84_NAMES = {
    "urn:ogc:def:crs:OGC:1.3:CRS84",
    "urn:ogc:def:crs:OGC::CRS84",
    "urn:ogc:def:crs:EPSG::4326",
    "EPSG:4326",
    "epsg:4326",
}
NAME_KEYS = ("name", "NAME", "Name", "GEONAME", "geoname", "title")
KIND_KEYS = ("kind", "KIND", "type", "TYPE", "category")


def _read_json(path: Path) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise ReferenceLayerError(f"{path}: file not found") from e
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ReferenceLayerError(f"{path}: not valid JSON ({e}); expected GeoJSON") from e


def _check_crs(doc: Any, path: Path) -> None:
    crs = doc.get("crs") if isinstance(doc, dict) else None
    if crs is None:
        return
    name = (crs.get("properties") or {}).get("name", "") if isinstance(crs, dict) else ""
    if name not in WGS84_NAMES:
        raise ReferenceLayerError(
            f"{path}: coordinate reference system {name or crs!r} is not WGS84 lon/lat; "
            "reproject it to EPSG:4326 first (e.g. ogr2ogr -t_srs EPSG:4326)"
        )


def read_features(path: Path) -> list[dict[str, Any]]:
    """The features of a GeoJSON file (FeatureCollection, Feature, or bare array)."""
    doc = _read_json(path)
    _check_crs(doc, path)
    if isinstance(doc, list):
        feats = doc
    elif isinstance(doc, dict) and doc.get("type") == "FeatureCollection":
        feats = doc.get("features") or []
    elif isinstance(doc, dict) and doc.get("type") == "Feature":
        feats = [doc]
    else:
        raise ReferenceLayerError(
            f"{path}: expected a GeoJSON FeatureCollection, Feature or array of Features"
        )
    bad = [i for i, f in enumerate(feats) if not isinstance(f, dict) or "geometry" not in f]
    if bad:
        raise ReferenceLayerError(f"{path}: item {bad[0]} is not a GeoJSON Feature")
    return feats


def _geometry(feat: dict[str, Any], path: Path, index: int) -> BaseGeometry | None:
    if not feat.get("geometry"):
        log.warning("%s: feature %d has no geometry; skipped", path, index)
        return None
    try:
        geom = shape(feat["geometry"])
    except (ValueError, TypeError, KeyError, AttributeError) as e:
        raise ReferenceLayerError(
            f"{path}: feature {index} has an unreadable geometry ({e})"
        ) from e
    if not geom.is_valid:
        log.warning(
            "%s: feature %d has an invalid geometry (%s); repaired with make_valid",
            path,
            index,
            shapely.is_valid_reason(geom),
        )
        geom = _repair(geom)
    return geom


def _repair(geom: BaseGeometry) -> BaseGeometry:
    """make_valid, keeping polygons polygonal (collapsed rings are dropped)."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return shapely.make_valid(geom, method="structure", keep_collapsed=False)
    return shapely.make_valid(geom)


def _first(props: dict[str, Any], keys: Sequence[str]) -> Any:
    return next((props[k] for k in keys if props.get(k) not in (None, "")), None)


def load_cable_names(path: Path) -> dict[str, str]:
    """Slug -> name from TeleGeography's ``all.json`` (v2 API: [{"id", "name"}, ...])."""
    doc = _read_json(path)
    if not isinstance(doc, list):
        raise ReferenceLayerError(f"{path}: expected a JSON array of {{id, name}} objects")
    return {str(d["id"]): str(d["name"]) for d in doc if isinstance(d, dict) and "id" in d}


def load_cables(path: Path, names: dict[str, str] | None = None) -> tuple[Cable, ...]:
    """Cables from TeleGeography cable-geo JSON, v3 (``name`` in properties) or v2 (``slug``).

    v2 features carry only a slug: names come from ``names`` (see load_cable_names), else the
    slug itself. Features of one cable (v3 ``feature_id`` pieces) are merged by id.
    """
    merged: dict[str, tuple[str, list[BaseGeometry]]] = {}
    for i, feat in enumerate(read_features(path)):
        geom = _geometry(feat, path, i)
        if geom is None:
            continue
        props = feat.get("properties") or {}
        cable_id = str(props.get("id") or props.get("slug") or _first(props, NAME_KEYS) or i)
        name = _first(props, NAME_KEYS) or (names or {}).get(cable_id) or cable_id
        merged.setdefault(cable_id, (str(name), []))[1].append(geom)
    return tuple(
        Cable(name=name, geometry=shapely.line_merge(shapely.union_all(parts)), cable_id=cid)
        for cid, (name, parts) in merged.items()
    )


def _parse_time(value: Any, path: Path, field: str) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        if isinstance(value, date) and not isinstance(value, datetime):
            value = value.isoformat()
        ts = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as e:
        raise ReferenceLayerError(f"{path}: {field}={value!r} is not an ISO 8601 date/time") from e
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


def load_zones(path: Path, default_kind: str = "zone") -> tuple[Zone, ...]:
    """Zone polygons with ``name``, ``kind`` and optional ``valid_from``/``valid_to`` (UTC).

    Features without a name are called ``<file stem> #<n>``; non-polygon features are an error.
    """
    zones = []
    for i, feat in enumerate(read_features(path)):
        geom = _geometry(feat, path, i)
        if geom is None:
            continue
        polys = shapely.get_parts(geom)
        polys = [g for g in polys if g.geom_type in ("Polygon", "MultiPolygon")]
        if not polys:
            raise ReferenceLayerError(f"{path}: feature {i} is a {geom.geom_type}, not a polygon")
        props = feat.get("properties") or {}
        zones.append(
            Zone(
                name=str(_first(props, NAME_KEYS) or f"{Path(path).stem} #{i + 1}"),
                kind=str(_first(props, KIND_KEYS) or default_kind),
                geometry=shapely.union_all(polys),
                valid_from=_parse_time(props.get("valid_from"), path, "valid_from"),
                valid_to=_parse_time(props.get("valid_to"), path, "valid_to"),
            )
        )
    return tuple(zones)


def load_land(path: Path, bbox: Sequence[float] | None = None) -> BaseGeometry:
    """Land polygons (or coastline lines) as one geometry, clipped to ``bbox`` plus 5 degrees.

    bbox: (min_lon, min_lat, max_lon, max_lat). Clipping keeps shore-distance queries fast
    with global layers such as Natural Earth.
    """
    geoms = [g for i, f in enumerate(read_features(path)) if (g := _geometry(f, path, i))]
    if not geoms:
        raise ReferenceLayerError(f"{path}: no land or coastline geometry found")
    if bbox is not None:
        window = box(bbox[0] - 5, bbox[1] - 5, bbox[2] + 5, bbox[3] + 5)
        geoms = [g.intersection(window) for g in geoms if g.intersects(window)]
    return shapely.union_all(geoms) if geoms else shapely.GeometryCollection()


def load_layers(
    *,
    cables: Iterable[Path] = (),
    zones: Iterable[Path] = (),
    land: Path | None = None,
    cable_names: Path | None = None,
    bbox: Sequence[float] | None = None,
) -> ReferenceLayers:
    """Load every given layer file into one ReferenceLayers."""
    names = load_cable_names(cable_names) if cable_names else None
    cables_t = tuple(c for p in cables for c in load_cables(p, names))
    zones_t = tuple(z for p in zones for z in load_zones(p))
    sources = {"cables": ", ".join(map(str, cables)), "zones": ", ".join(map(str, zones))}
    if land is not None:
        sources["land"] = str(land)
    return ReferenceLayers(
        cables=cables_t,
        zones=zones_t,
        land=load_land(land, bbox) if land is not None else None,
        sources=sources,
    )
