"""Fixtures for the simulator tests: one demo day, simulated once per session."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import polars as pl
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import shape

from mda.sim import SimDay, data_file, simulate_day

DEMO_DAY = date(2024, 3, 5)
NM = 1852.0


@pytest.fixture(scope="session")
def demo() -> SimDay:
    """The demo day with the default seed."""
    return simulate_day(DEMO_DAY)


@pytest.fixture(scope="session")
def demo_normal(demo: SimDay) -> pl.DataFrame:
    """Positions of the vessels without any injected event."""
    return demo.positions.filter(~pl.col("mmsi").is_in(list(demo.anomalous_mmsis)))


class Shore:
    """Distance to the packaged coarse land layer, computed here independently of mda.sim.geo."""

    def __init__(self) -> None:
        doc = json.loads(data_file("land").read_text())
        self.tr = Transformer.from_crs(4326, 3035, always_xy=True)
        land = shapely.union_all([shape(f["geometry"]) for f in doc["features"]])
        self.land = shapely.transform(land, lambda xy: np.column_stack(self.tr.transform(*xy.T)))

    def nm(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        x, y = self.tr.transform(np.asarray(lon), np.asarray(lat))
        return shapely.distance(shapely.points(x, y), self.land) / NM


@pytest.fixture(scope="session")
def shore() -> Shore:
    return Shore()


def cable_lines() -> dict[str, shapely.Geometry]:
    """The packaged synthetic cables as shapely geometries (lon/lat)."""
    doc = json.loads(data_file("cables").read_text())
    return {f["properties"]["name"]: shape(f["geometry"]) for f in doc["features"]}
