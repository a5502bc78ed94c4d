"""Reference layers: submarine cables, zones, land/coastline.

The dataclasses are the in-memory form every consumer (detect annotation, reports, store)
uses. Geometries are shapely 2 objects in WGS84 (EPSG:4326, lon/lat order).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from shapely.geometry.base import BaseGeometry


@dataclass(frozen=True)
class Cable:
    """A submarine cable route (LineString or MultiLineString)."""

    name: str
    geometry: BaseGeometry
    cable_id: str | None = None


@dataclass(frozen=True)
class Zone:
    """A named polygon (closure, MPA, EEZ, cable protection zone...), optionally time-bounded."""

    name: str
    kind: str
    geometry: BaseGeometry
    valid_from: datetime | None = None  # UTC, inclusive
    valid_to: datetime | None = None  # UTC, exclusive


@dataclass(frozen=True)
class ReferenceLayers:
    """Everything an event is annotated and drawn against. All parts optional."""

    cables: tuple[Cable, ...] = ()
    zones: tuple[Zone, ...] = ()
    land: BaseGeometry | None = None  # land polygons (or coastline lines); None: no shore distance
    sources: dict[str, str] = field(default_factory=dict)  # layer -> file it came from
