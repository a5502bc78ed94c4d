"""Write the bundled demo day to disk: NMEA file, ground truth and reference layers."""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

import polars as pl

from mda.sim import geo
from mda.sim.nmea import encode_nmea
from mda.sim.scenario import SimDay, simulate_day
from mda.sim.scenarios import ScenarioDay, simulate_scenarios

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DemoFiles:
    """Paths written by :func:`write_demo`."""

    nmea: Path
    cables: Path
    zones: Path
    land: Path
    truth: Path


def write_truth_csv(sim: SimDay | ScenarioDay, path: Path) -> Path:
    """The ground truth as CSV, times in ISO 8601 UTC (``2024-03-05T04:40:30Z``)."""
    iso = "%Y-%m-%dT%H:%M:%SZ"
    truth = sim.truth.with_columns(pl.col(pl.Datetime("us", "UTC")).dt.strftime(iso))
    truth.write_csv(path)
    return path


DemoKind = Literal["story", "scenarios"]


def write_demo(
    out_dir: Path, day: date, *, seed: int = 20240305, kind: DemoKind = "story"
) -> DemoFiles:
    """Simulate ``day`` and write ``ais_<YYYYMMDD>.nmea`` (tag-block timestamps), ``truth.csv``
    and the three packaged GeoJSON layers into ``out_dir`` (created if missing).

    kind "story": the demo day of :mod:`mda.sim.scenario` (named vessels, loitering over the
    cables, dark periods). kind "scenarios": a day of :mod:`mda.sim.scenarios` with every event
    type (encounters, anchor drags, identity conflicts...) and hard negatives.
    Rewriting the same day replaces the files; the content is identical for a seed.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    sim: SimDay | ScenarioDay
    if kind == "scenarios":
        sim = simulate_scenarios(day, seed=seed)
        lines = encode_nmea(sim.positions, sim.vessels, timestamp_style="tagblock", engine="fast")
    else:
        sim = simulate_day(day, seed=seed)
        lines = sim.nmea_lines("tagblock")
    nmea = out_dir / f"ais_{day:%Y%m%d}.nmea"
    nmea.write_text("\n".join(lines) + "\n", encoding="ascii", newline="\n")
    layers = {
        name: Path(shutil.copyfile(geo.data_file(name), out_dir / geo.data_file(name).name))
        for name in ("cables", "zones", "land")
    }
    truth = write_truth_csv(sim, out_dir / "truth.csv")
    log.info(
        "demo day %s: %d NMEA lines, %d truth rows in %s",
        day,
        len(lines),
        sim.truth.height,
        out_dir,
    )
    return DemoFiles(nmea=nmea, truth=truth, **layers)
