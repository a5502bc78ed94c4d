"""`mda reference list|fetch` against a real HTTP server on 127.0.0.1 that the tests start."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import typer
from typer.testing import CliRunner

from mda.cli import reference
from mda.ingest.reference import load_cables, load_land
from tests.ingest.test_download import SIDECAR_PROBES, FileServer
from tests.test_reference import SQUARE_CW, make_shapefile, zip_of

runner = CliRunner()

# The same wiring as mda/cli/main.py: `app.add_typer(reference.app, name="reference")`.
root = typer.Typer(pretty_exceptions_enable=False)
root.add_typer(reference.app, name="reference")


@root.callback()
def _root() -> None:
    """mda (test root)."""


def mda(*args: str):
    return runner.invoke(root, list(args))


@pytest.fixture
def server() -> Iterator[FileServer]:
    srv = FileServer()
    yield srv
    srv.close()


def ne_land_zip(tmp_path) -> bytes:
    """Natural Earth's ne_10m_land.zip in miniature: one land square, WGS84 .prj, a README."""
    folder = tmp_path / "build"
    folder.mkdir()
    shp = make_shapefile(folder, "ne_10m_land", [SQUARE_CW], featurecla="Land")
    return zip_of(folder, "ne_10m_land.zip", shp, extra=[("ne_10m_land.README.html", b"<p>")])


CABLE_GEO_V3 = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"id": "c-lion1", "name": "C-Lion1", "feature_id": "c-lion1-0"},
            "geometry": {"type": "MultiLineString", "coordinates": [[[18, 56], [19, 57]]]},
        }
    ],
}


def test_list_shows_names_urls_and_licences():
    result = mda("reference", "list")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "https://naciscdn.org/naturalearth/10m/physical/ne_10m_land.zip" in out
    assert "https://www.submarinecablemap.com/api/v3/cable/cable-geo.json" in out
    assert "CC BY-NC-SA" in out and "public domain" in out
    assert "marineregions-eez" in out and "manual download" in out


def test_list_json():
    layers = {
        row["name"]: row for row in json.loads(mda("reference", "list", "--json").stdout)["layers"]
    }
    assert {"ne-10m-land", "ne-50m-land", "ne-10m-coastline", "ne-50m-coastline"} <= layers.keys()
    assert layers["telegeography-landing-points"]["url"].endswith("landing-point-geo.json")
    assert layers["marineregions-eez"]["manual"] and not layers["ne-50m-land"]["manual"]


def test_fetch_into_cache_then_from_cache(server, tmp_path):
    body = ne_land_zip(tmp_path).read_bytes()
    server.add("10m/physical/ne_10m_land.zip", body)
    cache = tmp_path / "cache"
    args = ["reference", "fetch", "ne-10m-land", "--cache", str(cache)]
    args += ["--base-url", server.base_url, "--json"]
    first = mda(*args)
    assert first.exit_code == 0, first.output
    (row,) = json.loads(first.stdout)["layers"]
    assert row["cached"] is False and row["bytes"] == len(body)
    assert row["url"] == f"{server.base_url}/10m/physical/ne_10m_land.zip"
    path = cache / "reference" / "ne-10m-land" / "ne_10m_land.zip"
    assert row["path"] == str(path) and path.read_bytes() == body
    assert len(server.requests) == 1 + SIDECAR_PROBES  # the file, then .sha256/.md5 probes
    assert load_land(path).bounds == (18.0, 56.0, 19.0, 57.0)  # the download is usable as is

    (again,) = json.loads(mda(*args).stdout)["layers"]
    assert again["cached"] is True and again["path"] == str(path)
    assert len(server.requests) == 1 + SIDECAR_PROBES  # served from the cache: no request


def test_fetch_cables_text_output_names_the_licence(server, tmp_path):
    server.add("cable/cable-geo.json", json.dumps(CABLE_GEO_V3).encode())
    result = mda(
        "reference", "fetch", "telegeography-cables", "--cache", str(tmp_path),
        "--base-url", server.base_url,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "telegeography-cables: downloaded" in result.stdout and "CC BY-NC-SA" in result.stdout
    path = tmp_path / "reference" / "telegeography-cables" / "cable-geo.json"
    assert [c.name for c in load_cables(path)] == ["C-Lion1"]


def test_missing_file_is_one_line_error(server, tmp_path):
    result = mda(
        "reference", "fetch", "ne-50m-coastline", "--cache", str(tmp_path),
        "--base-url", server.base_url, "--retries", "0",
    )  # fmt: skip
    assert result.exit_code != 0 and result.stdout == ""
    err = result.stderr.strip()
    assert err.startswith("mda: error: ne-50m-coastline: ") and "\n" not in err
    assert f"{server.base_url}/50m/physical/ne_50m_coastline.zip" in err and "404" in err
    assert not list(tmp_path.rglob("*.zip*"))  # nothing (not even a .part) left in the cache


def test_manual_layer_says_where_to_download_it(tmp_path):
    result = mda("reference", "fetch", "marineregions-eez", "--cache", str(tmp_path))
    assert result.exit_code != 0
    err = result.stderr.strip()
    assert err.startswith("mda: error: ") and "\n" not in err
    assert "https://www.marineregions.org/downloads.php" in err and "zones file" in err


def test_unknown_layer_lists_the_known_ones(tmp_path):
    result = mda("reference", "fetch", "ne-1m-land", "--cache", str(tmp_path))
    assert result.exit_code != 0
    assert "unknown reference layer 'ne-1m-land'" in result.stderr
    assert "ne-10m-land" in result.stderr
