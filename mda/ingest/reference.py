"""Loaders for reference layers: TeleGeography cables, zone polygons, land/coastline.

Accepted files (chosen by the file name's suffix):

- GeoJSON (any other suffix, e.g. ``.geojson``, ``.json``): a FeatureCollection, a single
  Feature, or a bare JSON array of Features. A ``crs`` member naming anything but WGS84 lon/lat
  is an error.
- ESRI shapefile (``.shp``, read with its ``.dbf`` attributes and ``.prj`` CRS): the ``.prj``
  must describe WGS84 geographic coordinates; a projected CRS (UTM, Web Mercator...) is an
  error asking to reproject. A shapefile without ``.prj`` is read as WGS84 with a warning.
- ZIP (``.zip``) holding one shapefile (Marine Regions, WDPA and Natural Earth downloads come
  like that) or one GeoJSON file: members are checked by :func:`mda.ingest.download.check_zip`
  rules and extracted to a temporary folder only.

Zone attributes of two public schemas are understood (see :func:`zone_kind`): Marine Regions
(``MRGID``, ``GEONAME``, ``TERRITORY1``, ``POL_TYPE``) and the WDPA (``WDPAID``, ``NAME``,
``DESIG_ENG``, ``IUCN_CAT``, ``STATUS``, ``STATUS_YR``, ``NO_TAKE``).

Invalid polygons are repaired with ``shapely.make_valid`` and a warning.

The second half of the module is a catalogue of public layers (:data:`PUBLIC_LAYERS`) and
:func:`fetch_public_layer`, which downloads one into a cache with :mod:`mda.ingest.download`.
"""

from __future__ import annotations

import json
import logging
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import shapefile
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError
from shapely.geometry import box, shape
from shapely.geometry.base import BaseGeometry

from mda.errors import DayNotFoundError, DownloadError, InputFileError, ReferenceLayerError
from mda.ingest.download import ProgressHook, Source, cache_path, extract_zip, fetch_day
from mda.reference import Cable, ReferenceLayers, Zone

log = logging.getLogger(__name__)

WGS84_NAMES = {
    "urn:ogc:def:crs:OGC:1.3:CRS84",
    "urn:ogc:def:crs:OGC::CRS84",
    "urn:ogc:def:crs:EPSG::4326",
    "EPSG:4326",
    "epsg:4326",
}
NAME_KEYS = ("name", "NAME", "Name", "GEONAME", "geoname", "title", "TERRITORY1")
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
    """The features of a layer file as GeoJSON-like dicts; the format follows the suffix.

    ``.shp``: a shapefile; ``.zip``: an archive holding one shapefile or GeoJSON file;
    anything else: GeoJSON (FeatureCollection, Feature, or bare array of Features).
    """
    suffix = Path(path).suffix.lower()
    if suffix == ".shp":
        return _shapefile_features(Path(path))
    if suffix == ".zip":
        return _zip_features(Path(path))
    return _geojson_features(Path(path))


def _geojson_features(path: Path) -> list[dict[str, Any]]:
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


# --- shapefiles and zips ------------------------------------------------------------------

SHAPEFILE_SIDECARS = (".shx", ".dbf", ".prj", ".cpg")
GEOJSON_SUFFIXES = (".geojson", ".json")


def _sibling(shp: Path, suffix: str) -> Path | None:
    """The file next to ``shp`` with the same stem and ``suffix`` (any letter case)."""
    for candidate in (shp.with_suffix(suffix), shp.with_suffix(suffix.upper())):
        if candidate.is_file():
            return candidate
    return None


def _check_prj(shp: Path, label: Path) -> None:
    """The shapefile's .prj must be WGS84 geographic; no .prj: WGS84 assumed, with a warning."""
    prj = _sibling(shp, ".prj")
    if prj is None:
        log.warning("%s: no .prj file next to the shapefile; assuming WGS84 lon/lat", label)
        return
    wkt = prj.read_text(encoding="utf-8", errors="replace").strip()
    try:
        crs = CRS.from_wkt(wkt)
    except CRSError as e:
        raise ReferenceLayerError(
            f"{label}: {prj.name} is not a readable coordinate reference system ({e}); "
            "reproject the layer to EPSG:4326 (e.g. ogr2ogr -t_srs EPSG:4326)"
        ) from e
    if not _is_wgs84_geographic(crs):
        raise ReferenceLayerError(
            f"{label}: coordinate reference system {crs.name!r} ({prj.name}) is not WGS84 "
            "lon/lat; reproject it to EPSG:4326 first "
            "(e.g. ogr2ogr -t_srs EPSG:4326 out.shp in.shp)"
        )


def _is_wgs84_geographic(crs: CRS) -> bool:
    """Geographic coordinates on the WGS84 datum (EPSG:4326, ESRI GCS_WGS_1984...)."""
    datum = crs.datum.name if crs.datum is not None else ""
    return crs.is_geographic and datum.startswith("World Geodetic System 1984")


def _shapefile_features(shp: Path, label: Path | None = None) -> list[dict[str, Any]]:
    """The records of a shapefile as GeoJSON-like features (null shapes have no geometry)."""
    label = label or shp
    if not shp.is_file():
        raise ReferenceLayerError(f"{label}: file not found")
    _check_prj(shp, label)
    try:
        with shapefile.Reader(str(shp), encodingErrors="replace") as reader:
            return [_shape_feature(rec) for rec in reader.iterShapeRecords()]
    except (shapefile.ShapefileException, OSError, ValueError) as e:
        raise ReferenceLayerError(
            f"{label}: not a readable shapefile ({e}); it needs its .shx and .dbf files "
            "next to it (same name)"
        ) from e


def _shape_feature(rec: Any) -> dict[str, Any]:
    """One shapefile record as a GeoJSON-like Feature."""
    geometry = None if rec.shape.shapeType == shapefile.NULL else rec.shape.__geo_interface__
    return {"type": "Feature", "properties": rec.record.as_dict(), "geometry": geometry}


def _zip_features(path: Path) -> list[dict[str, Any]]:
    """The features of the one shapefile (or GeoJSON file) in a zip, via a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="mda-reference-") as tmp:
        try:
            files = extract_zip(path, Path(tmp))
        except InputFileError as e:  # not a zip, or an unsafe one
            raise ReferenceLayerError(str(e)) from e
        files = [f for f in files if "__MACOSX" not in f.parts]
        member = _layer_member(path, files)
        label = Path(f"{path}!{member.relative_to(Path(tmp).resolve())}")
        if member.suffix.lower() == ".shp":
            return _shapefile_features(member, label)
        return _geojson_features(member)


def _layer_member(path: Path, files: list[Path]) -> Path:
    """The one layer file of an extracted zip: a .shp, else a GeoJSON file."""
    shps = [f for f in files if f.suffix.lower() == ".shp"]
    layers = shps or [f for f in files if f.suffix.lower() in GEOJSON_SUFFIXES]
    if len(layers) == 1:
        return layers[0]
    if not layers:
        raise ReferenceLayerError(
            f"{path}: the zip holds no shapefile (.shp) or GeoJSON file; is it a layer download?"
        )
    names = ", ".join(sorted(f.name for f in layers))
    raise ReferenceLayerError(
        f"{path}: the zip holds {len(layers)} layers ({names}); unzip it and pass the one to use"
    )


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


MARINE_REGIONS_KINDS = {
    "200nm": "eez",
    "overlapping claim": "eez_overlapping_claim",
    "joint regime": "eez_joint_regime",
    "12nm": "territorial_sea",
    "24nm": "contiguous_zone",
    "internal waters": "internal_waters",
}
"""Marine Regions ``POL_TYPE`` (lower case) -> Zone.kind; other values give ``eez``."""


def _is_marine_regions(props: dict[str, Any]) -> bool:
    return "MRGID" in props and ("GEONAME" in props or "POL_TYPE" in props)


def _is_wdpa(props: dict[str, Any]) -> bool:
    return "WDPAID" in props or {"DESIG_ENG", "IUCN_CAT"} <= props.keys()


def zone_kind(props: dict[str, Any], default_kind: str = "zone") -> str:
    """The Zone.kind of a feature's attributes.

    In order: an explicit ``kind`` (or ``type``/``category``) attribute; a WDPA record:
    ``no_take`` when ``NO_TAKE`` is "All", ``mpa_proposed`` when ``STATUS`` is "Proposed",
    else ``mpa``; a Marine Regions record: from ``POL_TYPE`` (``200NM`` -> ``eez``, see
    MARINE_REGIONS_KINDS); otherwise ``default_kind``.
    """
    explicit = _first(props, KIND_KEYS)
    if explicit is not None:
        return str(explicit)
    if _is_wdpa(props):
        if str(props.get("NO_TAKE") or "").strip().lower() == "all":
            return "no_take"
        proposed = str(props.get("STATUS") or "").strip().lower() == "proposed"
        return "mpa_proposed" if proposed else "mpa"
    if _is_marine_regions(props):
        pol_type = str(props.get("POL_TYPE") or "200NM").strip().lower()
        return MARINE_REGIONS_KINDS.get(pol_type, "eez")
    return default_kind


def _valid_from(props: dict[str, Any], path: Path) -> datetime | None:
    """``valid_from``; for a WDPA record without it, 1 January of ``STATUS_YR`` (0: unknown)."""
    explicit = _parse_time(props.get("valid_from"), path, "valid_from")
    if explicit is not None or not _is_wdpa(props):
        return explicit
    try:
        year = int(props.get("STATUS_YR") or 0)
    except (TypeError, ValueError):
        return None
    return datetime(year, 1, 1, tzinfo=UTC) if 1800 <= year <= 9999 else None


def load_zones(path: Path, default_kind: str = "zone") -> tuple[Zone, ...]:
    """Zone polygons with ``name``, ``kind`` and optional ``valid_from``/``valid_to`` (UTC).

    GeoJSON, shapefile or zip (see the module docstring). Names come from ``name``/``NAME``/
    ``GEONAME``/``TERRITORY1``; unnamed features are called ``<file stem> #<n>``. Kinds: see
    :func:`zone_kind` (``default_kind`` for features of no known schema). Non-polygon features
    are an error.
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
                kind=zone_kind(props, default_kind),
                geometry=shapely.union_all(polys),
                valid_from=_valid_from(props, path),
                valid_to=_parse_time(props.get("valid_to"), path, "valid_to"),
            )
        )
    return tuple(zones)


def load_land(path: Path, bbox: Sequence[float] | None = None) -> BaseGeometry:
    """Land polygons (or coastline lines) as one geometry, clipped to ``bbox`` plus 5 degrees.

    GeoJSON, shapefile or zip (e.g. Natural Earth's ``ne_10m_land.zip`` as downloaded).
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


# --- public layers: catalogue and download ------------------------------------------------

NATURAL_EARTH_BASE_URL = "https://naciscdn.org/naturalearth"
TELEGEOGRAPHY_BASE_URL = "https://www.submarinecablemap.com/api/v3"
NATURAL_EARTH_LICENCE = "public domain (Natural Earth terms of use)"
TELEGEOGRAPHY_LICENCE = (
    "CC BY-NC-SA 3.0 (TeleGeography): non-commercial use only, credit TeleGeography, "
    "share derivatives alike"
)


@dataclass(frozen=True)
class PublicLayer:
    """A public reference layer: where it is served, what it is for, under which licence."""

    name: str  # the CLI name, also the cache sub-folder
    title: str
    role: str  # what to pass it as: "land", "cables", "zones", "landing_points"
    base_url: str
    path: str  # under base_url; for a manual layer, empty
    licence: str
    manual: bool = False  # True: a licence form must be accepted, the user downloads it
    note: str = ""

    def url(self, base_url: str | None = None) -> str:
        """The download URL, from ``base_url`` (a mirror, a test server) when given."""
        if self.manual:
            return self.base_url
        return f"{(base_url or self.base_url).rstrip('/')}/{self.path.lstrip('/')}"

    def source(self, base_url: str | None = None) -> Source:
        """The download.Source of this layer (cache folder ``reference/<name>``)."""
        return Source(
            name=f"reference/{self.name}", base_url=base_url or self.base_url, pattern=self.path
        )


def _natural_earth(scale: str, theme: str, role: str, title: str) -> PublicLayer:
    return PublicLayer(
        name=f"ne-{scale}-{theme}",
        title=f"Natural Earth 1:{scale.removesuffix('m')} million {title}",
        role=role,
        base_url=NATURAL_EARTH_BASE_URL,
        path=f"{scale}/physical/ne_{scale}_{theme}.zip",
        licence=NATURAL_EARTH_LICENCE,
    )


PUBLIC_LAYERS: dict[str, PublicLayer] = {
    layer.name: layer
    for layer in (
        _natural_earth("10m", "land", "land", "land polygons"),
        _natural_earth("50m", "land", "land", "land polygons"),
        _natural_earth("10m", "coastline", "land", "coastline"),
        _natural_earth("50m", "coastline", "land", "coastline"),
        PublicLayer(
            name="telegeography-cables",
            title="TeleGeography submarine cable routes (cable-geo, v3 API)",
            role="cables",
            base_url=TELEGEOGRAPHY_BASE_URL,
            path="cable/cable-geo.json",
            licence=TELEGEOGRAPHY_LICENCE,
        ),
        PublicLayer(
            name="telegeography-landing-points",
            title="TeleGeography cable landing points (v3 API)",
            role="landing_points",
            base_url=TELEGEOGRAPHY_BASE_URL,
            path="landing-point/landing-point-geo.json",
            licence=TELEGEOGRAPHY_LICENCE,
        ),
        PublicLayer(
            name="marineregions-eez",
            title="Marine Regions World EEZ (Flanders Marine Institute)",
            role="zones",
            base_url="https://www.marineregions.org/downloads.php",
            path="",
            licence="CC BY 4.0 (Flanders Marine Institute), after accepting the download form",
            manual=True,
            note="download the shapefile zip by hand after the form, then pass it as a zones "
            "file (a zip with several shapefiles must be unzipped first)",
        ),
        PublicLayer(
            name="wdpa",
            title="World Database on Protected Areas (UNEP-WCMC / IUCN Protected Planet)",
            role="zones",
            base_url="https://www.protectedplanet.net/en/thematic-areas/wdpa",
            path="",
            licence="WDPA terms of use: non-commercial, no redistribution, attribution",
            manual=True,
            note="download the marine shapefile by hand after accepting the terms, then pass "
            "it as a zones file",
        ),
    )
}
_NO_DAY = date(1970, 1, 1)  # download.Source is day-based; a reference layer has no day


@dataclass(frozen=True)
class FetchedLayer:
    """A public layer file in the cache."""

    layer: PublicLayer
    url: str
    path: Path
    size_bytes: int
    cached: bool  # True: found in the cache, no network request was made


def public_layer(name: str) -> PublicLayer:
    """The catalogue entry ``name``; ReferenceLayerError naming the known ones otherwise."""
    try:
        return PUBLIC_LAYERS[name]
    except KeyError:
        known = ", ".join(PUBLIC_LAYERS)
        raise ReferenceLayerError(f"unknown reference layer {name!r}; known: {known}") from None


def fetch_public_layer(
    name: str,
    cache_dir: Path,
    *,
    base_url: str | None = None,
    client: httpx.Client | None = None,
    retries: int = 5,
    backoff_s: float = 1.0,
    progress: ProgressHook | None = None,
) -> FetchedLayer:
    """Download public layer ``name`` into ``<cache_dir>/reference/<name>/`` (or reuse it).

    Retries, resume, size/checksum (sidecar) and zip-safety checks are those of
    :func:`mda.ingest.download.fetch_day`. Raises ReferenceLayerError for an unknown layer or
    one that must be downloaded by hand, DownloadError when the server does not have it.
    """
    layer = public_layer(name)
    if layer.manual:
        raise ReferenceLayerError(
            f"{name} cannot be downloaded automatically ({layer.licence}): get it from "
            f"{layer.base_url}, then {layer.note}"
        )
    source = layer.source(base_url)
    cached = cache_path(source, _NO_DAY, cache_dir).is_file()
    try:
        path = fetch_day(
            source, _NO_DAY, cache_dir, client=client, retries=retries, backoff_s=backoff_s,
            progress=progress,
        )  # fmt: skip
    except DayNotFoundError as e:
        raise DownloadError(
            f"{name}: {layer.url(base_url)} was not found on the server (HTTP 404/410); "
            "check --base-url, or whether the provider moved the file"
        ) from e
    return FetchedLayer(layer, layer.url(base_url), path, path.stat().st_size, cached)
