"""write_demo: the files the demo pipeline reads."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from mda.sim import SimDay, write_demo
from tests.sim._decode import decode_all, split_timestamps
from tests.sim.conftest import DEMO_DAY


def test_write_demo_writes_nmea_truth_and_layers(tmp_path: Path, demo: SimDay) -> None:
    files = write_demo(tmp_path / "demo", DEMO_DAY)
    assert files.nmea == tmp_path / "demo" / "ais_20240305.nmea"
    lines = files.nmea.read_text(encoding="ascii").splitlines()
    assert lines == demo.nmea_lines("tagblock")
    assert lines[0].startswith("\\c:1709596800*")
    decoded = decode_all(split_timestamps(lines[:3000], "tagblock"))
    assert {m["msg_type"] for _, m in decoded} >= {1, 5}

    truth = pl.read_csv(files.truth)
    assert truth.columns == demo.truth.columns
    assert truth["scenario_id"].to_list() == demo.truth["scenario_id"].to_list()
    assert truth["start_time"][0].endswith("Z")
    for layer in (files.cables, files.zones, files.land):
        assert json.loads(layer.read_text())["type"] == "FeatureCollection"
    assert files.cables.name == "baltic_cables.geojson"


def test_write_demo_twice_gives_identical_files(tmp_path: Path) -> None:
    first = write_demo(tmp_path, DEMO_DAY)
    before = first.nmea.read_bytes(), first.truth.read_bytes()
    again = write_demo(tmp_path, DEMO_DAY)
    assert (again.nmea.read_bytes(), again.truth.read_bytes()) == before
