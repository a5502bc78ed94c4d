"""Place events against reference layers: nearest cable, zones, distance to shore.

Distances are computed in a local equirectangular projection centred on each event
(metres; error well under 1 % within a few hundred km of the event), which avoids a
global projection and keeps everything in shapely. Longitudes are not unwrapped across
the antimeridian: events within a few degrees of 180° get approximate distances.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import polars as pl
import shapely
from shapely import STRtree
from shapely.geometry.base import BaseGeometry

from mda.detect.exprs import EARTH_RADIUS_M
from mda.detect.params import AnnotateParams
from mda.reference import ReferenceLayers
from mda.schema import (
    CABLE_DISTANCE_M,
    CABLE_NAME,
    DISTANCE_TO_SHORE_KM,
    END_TIME,
    EVIDENCE,
    GEOMETRY_WKT,
    LAT,
    LON,
    START_TIME,
    ZONE_NAME,
)

M_PER_DEG = math.pi * EARTH_RADIUS_M / 180.0
SHORE_SEARCH_DEG = 10.0  # beyond this, distance to shore is reported as null (open ocean)


def to_local_m(geom: BaseGeometry, lon0: float, lat0: float) -> BaseGeometry:
    """Project lon/lat degrees to metres around (lon0, lat0), equirectangular."""
    k = math.cos(math.radians(lat0))

    def project(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(((xy[:, 0] - lon0) * k * M_PER_DEG, (xy[:, 1] - lat0) * M_PER_DEG))

    return shapely.transform(geom, project)


def _window(lon: float, lat: float, radius_m: float) -> BaseGeometry:
    """A lon/lat box covering ``radius_m`` around a point."""
    dlat = radius_m / M_PER_DEG
    dlon = dlat / max(math.cos(math.radians(lat)), 0.01)
    return shapely.box(lon - dlon, lat - dlat, lon + dlon, lat + dlat)


@dataclass(frozen=True)
class SpatialIndex:
    """STRtrees over the reference layers, built once per run."""

    layers: ReferenceLayers
    cable_parts: tuple[BaseGeometry, ...]
    cable_of_part: tuple[int, ...]
    cable_tree: STRtree
    zone_tree: STRtree
    land_parts: tuple[BaseGeometry, ...]
    land_tree: STRtree | None

    @classmethod
    def build(cls, layers: ReferenceLayers) -> SpatialIndex:
        parts, owner = [], []
        for i, cable in enumerate(layers.cables):
            for part in shapely.get_parts(cable.geometry):
                parts.append(part)
                owner.append(i)
        land = tuple(shapely.get_parts(layers.land)) if layers.land is not None else ()
        return cls(
            layers=layers,
            cable_parts=tuple(parts),
            cable_of_part=tuple(owner),
            cable_tree=STRtree(parts),
            zone_tree=STRtree([z.geometry for z in layers.zones]),
            land_parts=land,
            land_tree=STRtree(land) if land else None,
        )

    def nearest_cable(
        self, geom: BaseGeometry, lon: float, lat: float, radius_m: float
    ) -> tuple[str | None, float | None, bool]:
        """(name, distance in m, crosses) of the cable closest to ``geom`` within radius_m."""
        window = _window(lon, lat, radius_m).union(geom.envelope)
        best: tuple[float, int] | None = None
        local = to_local_m(geom, lon, lat)
        for idx in self.cable_tree.query(window):
            d = local.distance(to_local_m(self.cable_parts[idx], lon, lat))
            if d <= radius_m and (best is None or d < best[0]):
                best = (d, self.cable_of_part[idx])
        if best is None:
            return None, None, False
        cable = self.layers.cables[best[1]]
        return cable.name, best[0], bool(geom.intersects(cable.geometry))

    def zones_touched(self, geom: BaseGeometry, start: datetime, end: datetime) -> list[str]:
        """Names of zones the geometry touches while the zone is valid, in layer order."""
        names = []
        for idx in sorted(self.zone_tree.query(geom, predicate="intersects")):
            zone = self.layers.zones[idx]
            if zone.valid_from is not None and end < zone.valid_from:
                continue
            if zone.valid_to is not None and start >= zone.valid_to:
                continue
            names.append(zone.name)
        return names

    def shore_distance_m(self, lon: float, lat: float) -> float | None:
        """Metres from the point to the nearest land (0 on land); None without a land layer."""
        if self.land_tree is None:
            return None
        point = shapely.Point(lon, lat)
        near = self.land_tree.query(_window(lon, lat, SHORE_SEARCH_DEG * M_PER_DEG))
        if len(near) == 0:
            return None
        local = to_local_m(point, lon, lat)
        return min(local.distance(to_local_m(self.land_parts[i], lon, lat)) for i in near)


def _annotate_row(row: dict, index: SpatialIndex, p: AnnotateParams) -> dict:
    geom = shapely.from_wkt(row[GEOMETRY_WKT])
    lon, lat = row[LON], row[LAT]
    name, dist, crosses = index.nearest_cable(geom, lon, lat, p.cable_search_km * 1000)
    zones = index.zones_touched(geom, row[START_TIME], row[END_TIME])
    shore = index.shore_distance_m(lon, lat)
    evidence = json.loads(row[EVIDENCE])
    evidence["crosses_cable"] = crosses
    return {
        CABLE_NAME: name,
        CABLE_DISTANCE_M: None if dist is None else round(dist, 1),
        ZONE_NAME: "; ".join(zones) or None,
        DISTANCE_TO_SHORE_KM: None if shore is None else round(shore / 1000, 3),
        EVIDENCE: json.dumps(evidence, sort_keys=True),
    }


def annotate(events: pl.DataFrame, index: SpatialIndex, p: AnnotateParams) -> pl.DataFrame:
    """Add cable_name, cable_distance_m, zone_name, distance_to_shore_km; extend evidence."""
    schema = {
        CABLE_NAME: pl.String,
        CABLE_DISTANCE_M: pl.Float64,
        ZONE_NAME: pl.String,
        DISTANCE_TO_SHORE_KM: pl.Float64,
        EVIDENCE: pl.String,
    }
    rows = [_annotate_row(r, index, p) for r in events.iter_rows(named=True)]
    extra = pl.DataFrame(rows, schema=schema)
    return events.drop(EVIDENCE).hstack(extra)
