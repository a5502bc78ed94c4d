"""`mda ingest FILE ... --out DIR`: the stable form, its JSON summary and its errors."""

from __future__ import annotations

import json

import polars as pl
from typer.testing import CliRunner

from mda.cli.main import app
from tests.scenarios import small_day, write_nmea

runner = CliRunner()


def test_ingest_writes_parquet_and_a_summary_that_adds_up(tmp_path):
    nmea = write_nmea(small_day(), tmp_path / "day.nmea")
    with nmea.open("a") as f:
        f.write("$GPRMC,not,ais*00\n!AIVDM,1,1,,A,garbage,0*00\n")
    result = runner.invoke(app, ["ingest", str(nmea), "--out", str(tmp_path / "o"), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["accepted"] + sum(summary["rejects"].values()) == summary["lines_read"]
    assert summary["rejects"]["not_ais"] == 1 and summary["rejects"]["checksum"] == 1
    positions = pl.read_parquet(tmp_path / "o" / "positions.parquet")
    quarantine = pl.read_parquet(tmp_path / "o" / "quarantine.parquet")
    assert positions.height == summary["positions"]
    assert quarantine.height == summary["rejected"]
    assert "$GPRMC,not,ais*00" in quarantine["raw"].to_list()


def test_ingest_of_a_wrong_file_is_one_line(tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("hello\nworld\n")
    result = runner.invoke(app, ["ingest", str(bad), "--out", str(tmp_path / "o")])
    assert result.exit_code != 0
    assert result.stderr.startswith("mda: error: ") and len(result.stderr.splitlines()) == 1
