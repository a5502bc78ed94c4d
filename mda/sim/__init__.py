"""The project's own AIS traffic simulator: factories for tests and a demo day with truth.

- :mod:`mda.sim.tracks`: ``make_track``, ``make_loiter``, ``make_anchored``,
  ``concat_tracks``, ``drop_between``, ``clip_time``, ``track_end`` (POSITIONS_SCHEMA).
- :mod:`mda.sim.nmea`: ``encode_nmea`` (real NMEA through pyais, four timestamp styles).
- :mod:`mda.sim.scenario`: ``simulate_day`` -> ``SimDay`` (positions, vessels, truth) for
  the Baltic Proper around Gotland; see its docstring for what is real and what is not.
- :mod:`mda.sim.demo`: ``write_demo`` -> ``DemoFiles`` (NMEA file, truth CSV, layers).

Package data (``mda/sim/data``): synthetic cable routes, synthetic zones, coarse land.
"""

from mda.sim.demo import DemoFiles, write_demo
from mda.sim.geo import REGION_BBOX, REGION_NAME, data_file
from mda.sim.nmea import encode_nmea
from mda.sim.scenario import TRUTH_SCHEMA, SimDay, simulate_day
from mda.sim.tracks import (
    clip_time,
    concat_tracks,
    drop_between,
    make_anchored,
    make_loiter,
    make_track,
    track_end,
)

__all__ = [
    "REGION_BBOX",
    "REGION_NAME",
    "TRUTH_SCHEMA",
    "DemoFiles",
    "SimDay",
    "clip_time",
    "concat_tracks",
    "data_file",
    "drop_between",
    "encode_nmea",
    "make_anchored",
    "make_loiter",
    "make_track",
    "simulate_day",
    "track_end",
    "write_demo",
]
