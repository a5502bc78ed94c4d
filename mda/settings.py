"""One frozen settings object, read at the edge (CLI, DAG) and passed inward.

Precedence: function argument > CLI option > ``MDA_*`` environment variable > default.
Only ``Settings.from_env`` looks at the environment; library code never does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REGIONS_FILE = REPO_ROOT / "config" / "regions.toml"


@dataclass(frozen=True)
class Settings:
    """Where the pipeline keeps its data and which warehouse it loads."""

    home: Path = Path("mda-data")  # MDA_HOME: lake, reports and incoming files live under it
    regions_file: Path = DEFAULT_REGIONS_FILE  # MDA_REGIONS_FILE
    postgis_url: str | None = None  # MDA_POSTGIS_URL; None: no warehouse load

    @property
    def lake(self) -> Path:
        return self.home / "lake"

    @property
    def reports(self) -> Path:
        return self.home / "reports"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Settings from ``MDA_*`` variables in ``env`` (pass ``os.environ`` at the edge)."""
        return cls(
            home=Path(env.get("MDA_HOME", cls.home)),
            regions_file=Path(env.get("MDA_REGIONS_FILE", DEFAULT_REGIONS_FILE)),
            postgis_url=env.get("MDA_POSTGIS_URL") or None,
        )
