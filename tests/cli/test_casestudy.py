"""`mda casestudy` as a trainer runs it: from a run directory or the lake, every mode, and
one-line errors for every mistake."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from shapely.geometry import mapping
from typer.testing import CliRunner

from mda import lake
from mda import schema as s
from mda.cli.main import app
from mda.pipelines.casestudy import write_run_manifest
from mda.regions import Region
from mda.reports.exports import write_events_parquet
from tests.reports.factories import (
    CASE_NAME,
    DAY,
    case_event,
    case_layers,
    case_track,
    case_vessels,
    events_frame,
)

runner = CliRunner()
EVENT_ID = "ev0123456789abcdef"
TWIN_ID = "ev0123456789abc000"  # shares the prefix "ev0123456789abc"


def _write_layers(folder: Path) -> dict[str, Path]:
    """The case's layers as GeoJSON files, as a region would name them."""
    layers = case_layers()
    folder.mkdir(parents=True, exist_ok=True)

    def collection(features):
        return {"type": "FeatureCollection", "features": features}

    files = {
        "cables": collection(
            [
                {"type": "Feature", "properties": {"name": c.name}, "geometry": mapping(c.geometry)}
                for c in layers.cables
            ]
        ),
        "zones": collection(
            [
                {
                    "type": "Feature",
                    "properties": {"name": z.name, "kind": z.kind},
                    "geometry": mapping(z.geometry),
                }
                for z in layers.zones
            ]
        ),
        "land": collection(
            [{"type": "Feature", "properties": {}, "geometry": mapping(layers.land)}]
        ),
    }
    paths = {}
    for name, data in files.items():
        paths[name] = folder / f"{name}.geojson"
        paths[name].write_text(json.dumps(data))
    return paths


def _events() -> pl.DataFrame:
    twin = case_event(event_id=TWIN_ID, score=0.3)
    return events_frame(case_event(), twin)


def _fill_lake(lake_dir: Path) -> None:
    lake.write_partition(lake_dir, "positions", DAY, case_track())
    lake.write_partition(lake_dir, "vessels", DAY, case_vessels())
    lake.write_partition(lake_dir, "events", DAY, _events())


@pytest.fixture
def region(tmp_path) -> Region:
    paths = _write_layers(tmp_path / "layers")
    return Region(
        name="test_sound",
        title="Test Sound",
        bbox=(12.0, 55.0, 14.0, 56.0),
        cables=(paths["cables"],),
        zones=(paths["zones"],),
        land=paths["land"],
        language="fr",
    )


@pytest.fixture
def run_dir(tmp_path, region) -> Path:
    """What `mda run --out RUN` leaves: events.parquet, lake/, run.json."""
    out = tmp_path / "run"
    _fill_lake(out / "lake")
    write_events_parquet(_events(), out / "events.parquet")
    write_run_manifest(out, region, DAY, out / "lake")
    return out


def mda(*args: str, env: dict | None = None):
    return runner.invoke(app, list(args), env=env)


def test_pack_from_a_run_directory_in_the_region_language(run_dir, tmp_path):
    out = tmp_path / "pack"
    result = mda("casestudy", EVENT_ID, "--from", str(run_dir), "--out", str(out), "--json")
    assert result.exit_code == 0, result.output
    written = {Path(p).name for p in json.loads(result.stdout)["files"]}
    assert {"casestudy.html", "casestudy.pdf", "trainer_key.html", "trainer_key.pdf"} <= written
    html = (out / "casestudy.html").read_text()
    assert '<html lang="fr">' in html and CASE_NAME in html  # the region's language
    assert "Test Sound" in html and "Test Cable" in html  # region title and layers from run.json


def test_prefix_language_and_modes(run_dir, tmp_path):
    out = tmp_path / "pack"
    result = mda(
        "casestudy",
        EVENT_ID[:16],
        "--from",
        str(run_dir),
        "--out",
        str(out),
        "--lang",
        "en",
        "--anonymise",
        "--exercise",
        "--no-pdf",
    )
    assert result.exit_code == 0, result.output
    html = (out / "casestudy.html").read_text()
    assert '<html lang="en">' in html and CASE_NAME not in html and "VESSEL " in html
    assert "Loitering" not in html and "Loitering" in (out / "trainer_key.html").read_text()
    assert not (out / "casestudy.pdf").exists()


def test_pack_found_in_the_lake_without_a_run_directory(tmp_path, region, monkeypatch):
    home = tmp_path / "home"
    _fill_lake(home / "lake" / region.name)
    regions_file = tmp_path / "regions.toml"
    regions_file.write_text(
        f'[regions.{region.name}]\ntitle = "Test Sound"\nlanguage = "ja"\n'
        f'cables = ["{region.cables[0]}"]\nzones = ["{region.zones[0]}"]\nland = "{region.land}"\n'
    )
    monkeypatch.setenv("MDA_HOME", str(home))
    monkeypatch.setenv("MDA_REGIONS_FILE", str(regions_file))
    out = tmp_path / "pack"
    result = mda("casestudy", EVENT_ID, "--out", str(out), "--no-pdf")
    assert result.exit_code == 0, result.output
    html = (out / "casestudy.html").read_text()
    assert '<html lang="ja">' in html and "データが示すこと" in html and "Test Cable" in html


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nosuchevent0"], "no event 'nosuchevent0'"),
        (["ev0123456789abc"], "matches 2 events"),
        (["ev01"], "too short: give at least 6 characters"),
        ([EVENT_ID, "--lang", "de"], "language 'de' is not available"),
    ],
)
def test_mistakes_end_with_one_line(run_dir, tmp_path, args, message):
    result = mda("casestudy", *args, "--from", str(run_dir), "--out", str(tmp_path / "p"))
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0 and message in result.output, result.output
    assert "Traceback" not in result.output


def test_a_folder_that_is_not_a_run_is_refused(tmp_path):
    result = mda("casestudy", EVENT_ID, "--from", str(tmp_path), "--out", str(tmp_path / "p"))
    assert result.exit_code == 2 and "is not a run directory" in result.output


def test_empty_lake_says_to_pass_from(tmp_path, monkeypatch):
    monkeypatch.setenv("MDA_HOME", str(tmp_path / "empty"))
    result = mda("casestudy", EVENT_ID, "--out", str(tmp_path / "p"))
    assert result.exit_code == 2 and "pass --from RUN_DIR" in result.output


@pytest.mark.slow
def test_mda_run_then_casestudy_of_its_top_event(tmp_path):
    """The stable interface end to end: a simulated day through `mda run`, then a pack."""
    from mda.sim import data_file
    from tests.scenarios import small_day, write_nmea

    nmea = write_nmea(small_day(), tmp_path / "ais.nmea")
    out = tmp_path / "run"
    result = mda(
        "run",
        "--date",
        DAY.isoformat(),
        "--input",
        str(nmea),
        "--out",
        str(out),
        "--region",
        "baltic_demo",
        "--cables",
        str(data_file("cables")),
        "--zones",
        str(data_file("zones")),
        "--coastline",
        str(data_file("land")),
    )
    assert result.exit_code == 0, result.output
    assert (out / "run.json").is_file() and (out / "report.pdf").is_file()
    top = pl.read_parquet(out / "events.parquet")[s.EVENT_ID][0]
    pack = tmp_path / "pack"
    result = mda("casestudy", top, "--from", str(out), "--out", str(pack))
    assert result.exit_code == 0, result.output
    html = (pack / "casestudy.html").read_text()
    assert "C-Lion1" in html or "Interlink" in html  # the demo's cables drawn and named
    assert (pack / "casestudy.pdf").stat().st_size > 10_000


def test_the_dag_step_packs_the_top_events_and_a_rerun_replaces_them(tmp_path, region):
    """casestudies_step, the function the DAG's task calls, without Airflow."""
    from dataclasses import replace

    from mda.pipelines.casestudy import casestudies_step
    from mda.pipelines.daily import DayContext

    _fill_lake(tmp_path / "lake")
    ctx = DayContext(
        day=DAY,
        region=replace(region, casestudies=1),
        lake=tmp_path / "lake",
        out_dir=tmp_path / "day",
    )
    summary = casestudies_step(ctx, pdf=False)
    assert summary["packs"] == [f"01-{EVENT_ID}"] and summary["language"] == "fr"
    stale = tmp_path / "day" / "casestudies" / "stale.txt"
    stale.write_text("from an older run")
    summary = casestudies_step(ctx, top_n=2, pdf=False)
    assert summary["packs"] == [f"01-{EVENT_ID}", f"02-{TWIN_ID}"]
    assert sorted(p.name for p in (tmp_path / "day" / "casestudies").iterdir()) == summary["packs"]
    assert not any(p.name.startswith(".") for p in (tmp_path / "day").iterdir())


def test_a_moved_run_folder_falls_back_to_the_regions_file(run_dir, tmp_path, region, monkeypatch):
    moved = tmp_path / "moved"
    run_dir.rename(moved)
    for layer in (*region.cables, *region.zones, region.land):
        layer.rename(layer.with_suffix(".old"))  # the recorded layer paths are gone
    layers = _write_layers(tmp_path / "elsewhere")
    regions_file = tmp_path / "regions.toml"
    regions_file.write_text(
        f'[regions.{region.name}]\ntitle = "Test Sound (moved)"\n'
        f'cables = ["{layers["cables"]}"]\nzones = ["{layers["zones"]}"]\n'
    )
    monkeypatch.setenv("MDA_REGIONS_FILE", str(regions_file))
    out = tmp_path / "pack"
    result = mda("casestudy", EVENT_ID, "--from", str(moved), "--out", str(out), "--no-pdf")
    assert result.exit_code == 0, result.output
    html = (out / "casestudy.html").read_text()
    assert "Test Sound (moved)" in html and "Test Cable" in html and "NORDIC STAR" in html
