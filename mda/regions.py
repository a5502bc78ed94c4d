"""Region configuration: what a daily run reads, which layers it uses, its parameters.

Regions are declared in a TOML file (``config/regions.toml`` by default)::

    [regions.baltic_demo]
    title = "Baltic Proper around Gotland"
    bbox = [16.5, 55.0, 22.5, 59.0]            # min_lon, min_lat, max_lon, max_lat
    inputs = ["{home}/incoming/baltic_demo/ais_{date:%Y%m%d}.nmea"]
    cables = ["../mda/sim/data/baltic_cables.geojson"]
    zones = ["../mda/sim/data/baltic_zones.geojson"]
    land = "../mda/sim/data/baltic_land.geojson"
    [regions.baltic_demo.params.loitering]
    min_shore_distance_nm = 5

Relative layer paths are relative to the TOML file. Input patterns take ``{home}`` (the
settings' home) and ``{date:...}`` (the UTC day, strftime codes).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from mda.detect.params import DetectParams, params_from_dict
from mda.errors import ConfigError
from mda.ingest.reference import load_layers
from mda.reference import ReferenceLayers

NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
LANGUAGES = ("en", "ja", "fr")  # the report catalogues (mda.reports.i18n.LANGUAGES; a test checks)


@dataclass(frozen=True)
class Region:
    """One configured region."""

    name: str
    title: str = ""
    bbox: tuple[float, float, float, float] | None = None
    inputs: tuple[str, ...] = ()
    cables: tuple[Path, ...] = ()
    cable_names: Path | None = None
    zones: tuple[Path, ...] = ()
    land: Path | None = None
    params: DetectParams = field(default_factory=DetectParams)
    language: str = "en"  # language of the case-study packs and the morning brief
    casestudies: int = 3  # case-study packs made by the DAG for the day's top-ranked events
    fishing_model: Path | None = None  # a model from `mda fishing train` (default: bundled)

    def input_paths(self, day: date, home: Path) -> list[Path]:
        """The day's input files (patterns expanded; missing files are the caller's concern)."""
        return [Path(p.format(home=home, date=day)) for p in self.inputs]

    def load_layers(self) -> ReferenceLayers:
        """Read this region's reference layers from disk."""
        return load_layers(
            cables=self.cables,
            zones=self.zones,
            land=self.land,
            cable_names=self.cable_names,
            bbox=self.bbox,
        )


def _paths(value: Any, base: Path, key: str, name: str) -> tuple[Path, ...]:
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
        raise ConfigError(f"region {name!r}: {key} must be a path or a list of paths")
    return tuple((base / v).resolve() for v in items)


def region_from_dict(name: str, cfg: dict[str, Any], base: Path) -> Region:
    """Build a Region from its TOML table; relative paths resolve against ``base``."""
    if not NAME_RE.match(name):
        raise ConfigError(f"region name {name!r} must be lower-case letters, digits, underscores")
    known = {
        "title",
        "bbox",
        "inputs",
        "cables",
        "cable_names",
        "zones",
        "land",
        "params",
        "language",
        "casestudies",
        "fishing_model",
    }
    if unknown := set(cfg) - known:
        raise ConfigError(f"region {name!r}: unknown key(s) {sorted(unknown)}")
    bbox = cfg.get("bbox")
    if bbox is not None and (len(bbox) != 4 or not bbox[0] < bbox[2] or not bbox[1] < bbox[3]):
        raise ConfigError(f"region {name!r}: bbox must be [min_lon, min_lat, max_lon, max_lat]")
    land = _paths(cfg.get("land"), base, "land", name)
    names = _paths(cfg.get("cable_names"), base, "cable_names", name)
    model = _paths(cfg.get("fishing_model"), base, "fishing_model", name)
    return Region(
        name=name,
        title=str(cfg.get("title", name)),
        bbox=tuple(float(v) for v in bbox) if bbox else None,  # type: ignore[arg-type]
        inputs=tuple(cfg.get("inputs", ())),
        cables=_paths(cfg.get("cables"), base, "cables", name),
        cable_names=names[0] if names else None,
        zones=_paths(cfg.get("zones"), base, "zones", name),
        land=land[0] if land else None,
        params=params_from_dict(cfg.get("params")),
        language=_language(cfg.get("language", "en"), name),
        casestudies=_count(cfg.get("casestudies", 3), "casestudies", name),
        fishing_model=model[0] if model else None,
    )


def _language(value: Any, name: str) -> str:
    """A report language code the project has catalogues for."""
    if value not in LANGUAGES:
        raise ConfigError(
            f"region {name!r}: language must be one of {list(LANGUAGES)}, not {value!r}"
        )
    return str(value)


def _count(value: Any, key: str, name: str) -> int:
    """A non-negative integer setting."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(f"region {name!r}: {key} must be a whole number >= 0, not {value!r}")
    return value


def load_regions(path: Path) -> dict[str, Region]:
    """All regions of a TOML file, by name."""
    try:
        doc = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise ConfigError(f"region file {path} not found (set MDA_REGIONS_FILE)") from e
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"region file {path} is not valid TOML: {e}") from e
    base = Path(path).resolve().parent
    return {n: region_from_dict(n, c, base) for n, c in (doc.get("regions") or {}).items()}
