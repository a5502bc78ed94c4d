"""Region configuration and detector parameters."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from mda.detect.params import DetectParams, params_from_dict
from mda.errors import ConfigError
from mda.regions import load_regions
from mda.settings import DEFAULT_REGIONS_FILE, Settings


def test_defaults_follow_the_published_anchors():
    p = DetectParams()
    assert p.loitering.max_speed_kn == 2.0 and p.loitering.min_shore_distance_nm == 20.0  # GFW
    assert p.gaps.min_gap_h == 6.0  # GFW pipe-gaps
    assert (p.gaps.intentional_min_h, p.gaps.intentional_min_shore_nm) == (12.0, 50.0)  # Welch 2022


def test_region_overrides_one_field_and_keeps_the_rest():
    p = params_from_dict({"loitering": {"min_shore_distance_nm": 5}})
    assert p.loitering.min_shore_distance_nm == 5.0
    assert p.loitering.max_speed_kn == 2.0


@pytest.mark.parametrize("bad", [{"loitering": {"min_speed": 1}}, {"encounters": {}}])
def test_unknown_parameters_are_rejected(bad):
    with pytest.raises(ConfigError, match="unknown"):
        params_from_dict(bad)


def test_bundled_regions_file_resolves_layers_relative_to_itself():
    regions = load_regions(DEFAULT_REGIONS_FILE)
    demo = regions["baltic_demo"]
    assert all(p.is_absolute() and p.exists() for p in (*demo.cables, *demo.zones, demo.land))
    assert demo.params.loitering.min_shore_distance_nm == 5.0
    paths = demo.input_paths(date(2024, 3, 5), Path("/data"))
    assert paths == [Path("/data/incoming/baltic_demo/ais_20240305.nmea")]


def test_bad_region_file_is_a_config_error(tmp_path):
    path = tmp_path / "r.toml"
    path.write_text("[regions.x]\nbbox = [10, 0, 5, 1]\n")
    with pytest.raises(ConfigError, match="bbox"):
        load_regions(path)
    with pytest.raises(ConfigError, match="not found"):
        load_regions(tmp_path / "missing.toml")


def test_settings_from_env_precedence_over_defaults():
    s = Settings.from_env({"MDA_HOME": "/srv/mda", "MDA_POSTGIS_URL": "postgresql://h/db"})
    assert s.lake == Path("/srv/mda/lake") and s.postgis_url == "postgresql://h/db"
    assert Settings.from_env({}).postgis_url is None


def test_region_language_and_casestudies(tmp_path):
    path = tmp_path / "regions.toml"
    path.write_text('[regions.a]\nlanguage = "ja"\ncasestudies = 5\n[regions.b]\n')
    regions = load_regions(path)
    assert (regions["a"].language, regions["a"].casestudies) == ("ja", 5)
    assert (regions["b"].language, regions["b"].casestudies) == ("en", 3)


@pytest.mark.parametrize(
    ("line", "message"),
    [('language = "de"', "language must be one of"), ("casestudies = -1", "whole number >= 0")],
)
def test_bad_language_or_casestudies_is_a_config_error(tmp_path, line, message):
    path = tmp_path / "regions.toml"
    path.write_text(f"[regions.a]\n{line}\n")
    with pytest.raises(ConfigError, match=message):
        load_regions(path)


def test_fishing_model_path_resolves_against_the_regions_file(tmp_path):
    (tmp_path / "models").mkdir()
    (tmp_path / "regions.toml").write_text(
        '[regions.north]\nfishing_model = "models/fleet.pkl"\n[regions.south]\n'
    )
    regions = load_regions(tmp_path / "regions.toml")
    assert regions["north"].fishing_model == (tmp_path / "models" / "fleet.pkl").resolve()
    assert regions["south"].fishing_model is None
