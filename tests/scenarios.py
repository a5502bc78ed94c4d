"""Shared scenario builders for end-to-end tests (the simulator's demo day, written to disk)."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path

from mda.sim import SimDay, simulate_day

DEMO_DAY = date(2024, 3, 5)


@lru_cache(maxsize=4)
def small_day(n_normal: int = 12, seed: int = 7) -> SimDay:
    """Every injected anomaly plus ``n_normal`` normal vessels (deterministic)."""
    return simulate_day(DEMO_DAY, seed=seed, n_normal=n_normal)


def write_nmea(sim: SimDay, path: Path, **kwargs) -> Path:
    """The day's NMEA (tag-block timestamps unless told otherwise) as a file."""
    path.write_text("\n".join(sim.nmea_lines(**kwargs)) + "\n")
    return path
