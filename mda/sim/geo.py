"""Geography of the simulator's demo region: the Baltic Proper around Gotland.

Everything here is in WGS84 lon/lat (EPSG:4326). Lanes, ports and fishing grounds are
hand-placed approximations of where traffic really runs (the deep-water route east of
Gotland to the Gulf of Finland, the route west of Gotland to Stockholm, the routes to Riga
through the Irbe strait and to Klaipeda, Liepaja and Ventspils, the Gotland ferries); they
are not surveyed traffic separation schemes.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

REGION_NAME = "baltic_gotland"
# (min lon, min lat, max lon, max lat): every simulated position lies inside, edges included.
REGION_BBOX: tuple[float, float, float, float] = (16.5, 55.0, 22.5, 59.0)

NM_M = 1852.0  # metres in one nautical mile

Lane = tuple[tuple[float, float], ...]

# fmt: off
# Transit lanes (lon, lat), drawn from one region edge or port to another. Ships use them in
# either direction.
LANES: dict[str, Lane] = {
    # Bornholm gap -> east of Gotland -> Gulf of Finland (the main Baltic through route).
    "main_ne": ((16.5, 55.3), (17.8, 55.72), (19.05, 56.45), (19.95, 57.35), (20.3, 58.2),
                (21.0, 58.75), (21.6, 59.0)),
    # Bornholm gap -> between Oland and Gotland -> Landsort / Stockholm approaches.
    "stockholm": ((16.5, 55.45), (17.05, 56.0), (17.45, 56.7), (17.65, 57.5), (18.0, 58.2),
                  (18.45, 59.0)),
    # Bornholm gap -> south of Gotland -> Irbe strait (Riga).
    "riga": ((16.5, 55.55), (18.6, 56.15), (20.3, 57.05), (21.4, 57.6), (22.0, 57.72),
             (22.5, 57.76)),
    # Klaipeda -> west (Karlshamn / Bornholm gap).
    "klaipeda_west": ((20.95, 55.73), (19.5, 55.68), (18.0, 55.5), (16.5, 55.15)),
    # Liepaja -> west.
    "liepaja_west": ((20.85, 56.52), (19.0, 56.35), (17.6, 55.85), (16.5, 55.6)),
    # Ventspils -> Stockholm approaches.
    "ventspils_stockholm": ((21.4, 57.43), (20.2, 58.0), (19.2, 58.5), (18.6, 59.0)),
    # Gulf of Finland -> Klaipeda.
    "gof_klaipeda": ((21.6, 59.0), (20.5, 58.4), (20.3, 57.3), (20.9, 55.8)),
    # Gotland ferries: Visby - Nynashamn and Visby - Oskarshamn.
    "visby_nynashamn": ((18.2, 57.66), (18.05, 58.2), (18.05, 59.0)),
    "visby_oskarshamn": ((18.2, 57.64), (17.5, 57.5), (16.65, 57.27)),
}

# Anchorages and berths (lon, lat): in water, less than 3 nm from the coarse land layer.
ANCHORAGES: dict[str, tuple[float, float]] = {
    "visby_roads": (18.22, 57.645),
    "slite": (18.86, 57.70),
    "klaipeda": (21.03, 55.74),
    "liepaja": (20.96, 56.53),
    "ventspils": (21.5, 57.42),
    "oskarshamn": (16.56, 57.27),
}

# Fishing grounds (min lon, min lat, max lon, max lat), well offshore, outside closures.
FISHING_GROUNDS: dict[str, tuple[float, float, float, float]] = {
    "south_gotland_basin": (18.7, 55.6, 19.6, 56.2),
    "off_lithuania": (19.9, 55.3, 20.6, 55.9),
    "east_gotland": (19.2, 56.9, 19.7, 57.5),
}

# Coastal legs for Class B craft (small fishing boats, early-season pleasure craft).
COASTAL_ROUTES: dict[str, Lane] = {
    "gotland_west": ((18.2, 57.66), (18.05, 57.45), (18.0, 57.25)),
    "gotland_east": ((18.86, 57.70), (18.95, 57.55), (19.0, 57.40)),
    "latvia_coast": ((20.92, 56.55), (20.95, 56.9), (21.3, 57.3)),
    "lithuania_coast": ((20.98, 55.78), (20.9, 56.0), (20.95, 56.3)),
    "oland_east": ((17.2, 57.2), (17.0, 56.8), (16.75, 56.3)),
}
# fmt: on


def data_dir() -> Path:
    """The folder holding the packaged reference layers (cables, zones, coarse land)."""
    return Path(str(resources.files("mda.sim") / "data"))


def data_file(name: str) -> Path:
    """Path of one packaged layer: "cables", "zones" or "land"."""
    return data_dir() / f"baltic_{name}.geojson"


@cache
def land_geometry() -> BaseGeometry:
    """The coarse land layer as one shapely geometry (lon/lat)."""
    doc = json.loads(data_file("land").read_text(encoding="utf-8"))
    return shapely.union_all([shape(f["geometry"]) for f in doc["features"]])


@cache
def _to_metric() -> Transformer:
    # ETRS89 / LAEA Europe: metric, distances within ~0.1 % in the Baltic.
    return Transformer.from_crs(4326, 3035, always_xy=True)


@cache
def _land_metric() -> BaseGeometry:
    land = shapely.transform(land_geometry(), _project_xy)
    shapely.prepare(land)
    return land


def _project_xy(xy: np.ndarray) -> np.ndarray:
    x, y = _to_metric().transform(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])


def distance_to_land_m(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Distance in metres from each (lon, lat) to the coarse land layer (0 on land)."""
    x, y = _to_metric().transform(np.asarray(lon, float), np.asarray(lat, float))
    return shapely.distance(shapely.points(x, y), _land_metric())


def path_distance_to_land_m(points: list[tuple[float, float]]) -> float:
    """Smallest distance in metres from a (lon, lat) polyline (or one point) to the land layer."""
    xy = _project_xy(np.asarray(points, dtype=float).reshape(-1, 2))
    geom = shapely.points(xy[0]) if len(xy) == 1 else shapely.linestrings(xy)
    return float(shapely.distance(geom, _land_metric()))


def inside_region(points: list[tuple[float, float]], margin_deg: float = 0.0) -> bool:
    """True when every (lon, lat) lies inside REGION_BBOX shrunk by ``margin_deg`` degrees."""
    x0, y0, x1, y1 = REGION_BBOX
    return all(
        x0 + margin_deg <= lon <= x1 - margin_deg and y0 + margin_deg <= lat <= y1 - margin_deg
        for lon, lat in points
    )
