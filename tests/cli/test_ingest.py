"""`mda ingest FILE ... --out DIR`: the stable form, its JSON summary and its errors."""

from __future__ import annotations

import json

import polars as pl
import pytest
from typer.testing import CliRunner

from mda import schema as s
from mda.cli.ingest import _Writer
from mda.cli.main import app
from mda.errors import MdaError
from mda.ingest._records import _Collector
from tests.ingest.factory import EPOCH0, sentences, tag, type1, write_lines
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


def test_ingest_writes_the_stations_table(tmp_path):
    # a base station (type 4) and an aid to navigation (type 21) beside a ship
    lines = [
        tag(sentences({"type": 4, "mmsi": 2_570_000, "lat": 59.4, "lon": 5.3})[0], c=EPOCH0),
        tag(sentences({"type": 21, "mmsi": 992_570_001, "name": "BUOY"})[0], c=EPOCH0),
        tag(type1(), c=EPOCH0),
    ]
    nmea = write_lines(tmp_path / "st.nmea", lines)
    result = runner.invoke(app, ["ingest", str(nmea), "--out", str(tmp_path / "o"), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["stations"], summary["positions"], summary["rejected"]) == (2, 1, 0)
    stations = pl.read_parquet(tmp_path / "o" / "stations.parquet")
    assert stations.schema == pl.Schema(s.STATIONS_SCHEMA)
    assert stations[s.STATION_KIND].to_list() == ["base_station", "aton"]
    plain = runner.invoke(app, ["ingest", str(nmea), "--out", str(tmp_path / "p")])
    assert "2 station reports" in plain.stdout


def test_progress_lines_name_the_stages_after_the_reading():
    # after the byte bars, a line per stage (duplicate rules, writing): the long work at the
    # end of a big ingest no longer sits behind bars at 100 %
    from rich.progress import Progress

    from mda.cli.fetch import Bars

    progress = Progress(disable=True)
    bars = Bars(progress)
    bars("https://example.invalid/ais/AIS_2024_03_05.zip", 10, 20)
    bars.stage("duplicate rules")
    bars.stage("writing Parquet")
    assert not progress.tasks[-1].finished  # under way
    bars.done()
    by_name = {t.description: t for t in progress.tasks}
    assert by_name["AIS_2024_03_05.zip"].completed == 10
    stages = [t for t in progress.tasks if t.fields.get("stage")]
    assert [t.description for t in stages] == ["duplicate rules", "writing Parquet"]
    assert all(t.finished for t in stages)


def test_an_out_folder_that_cannot_be_is_one_line_before_any_reading(tmp_path):
    taken = tmp_path / "taken"
    taken.write_text("a file, not a folder\n")
    missing = tmp_path / "never-read.nmea"  # (reading it would fail another way)
    result = runner.invoke(app, ["ingest", str(missing), "--out", str(taken)])
    assert result.exit_code != 0
    assert result.stderr.startswith(f"mda: error: --out {taken}: cannot be used as a folder")
    assert len(result.stderr.splitlines()) == 1


def test_tables_that_cannot_be_written_are_one_line(tmp_path):
    # the disk refusing a table (here: a folder where positions.parquet goes) is no traceback
    nmea = write_nmea(small_day(), tmp_path / "day.nmea")
    out = tmp_path / "o"
    (out / "positions.parquet").mkdir(parents=True)
    result = runner.invoke(app, ["ingest", str(nmea), "--out", str(out)])
    assert result.exit_code != 0
    assert result.stderr.startswith(f"mda: error: cannot write the tables to {out}")
    assert len(result.stderr.splitlines()) == 1


def test_a_run_that_fails_after_the_positions_are_ready_leaves_the_tables(tmp_path, monkeypatch):
    # the positions are written while the rest is built; a failure after that (here, made
    # to happen while the stations table is built) keeps the tables of the run before
    nmea = write_nmea(small_day(), tmp_path / "day.nmea")
    out = tmp_path / "o"
    assert runner.invoke(app, ["ingest", str(nmea), "--out", str(out)]).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    handed: list[str] = []
    ready = _Writer.ready

    def spy(self, name, table):
        handed.append(name)
        ready(self, name, table)

    def broken(self, echoes):
        raise MdaError("broken on purpose")

    monkeypatch.setattr(_Writer, "ready", spy)
    monkeypatch.setattr(_Collector, "_stations", broken)
    other = write_nmea(small_day(), tmp_path / "other.nmea")
    result = runner.invoke(app, ["ingest", str(other), "--out", str(out)])
    assert result.exit_code != 0 and "broken on purpose" in result.stderr
    assert handed == ["positions"]  # (it was being written when the run failed)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # no temporary left


@pytest.mark.parametrize(
    ("command", "option"),
    [
        (["run", "--date", "2024-03-05", "-i", "{nmea}"], "--out"),
        (["run", "--date", "2024-03-05", "-i", "{nmea}", "--out", "{tmp}/o"], "--lake"),
        (["stream", "tcp", "127.0.0.1:9"], "--out"),
        (["casestudy", "some-event"], "--out"),
        (["fetch", "noaa", "--start", "2024-03-05"], "--cache"),
        (["ingest", "--noaa-date", "2024-03-05", "--out", "{tmp}/o"], "--cache"),
        (["reference", "fetch", "ne-10m-land"], "--cache"),
    ],
)
def test_other_commands_refuse_a_folder_that_cannot_be(tmp_path, command, option):
    nmea = write_nmea(small_day(), tmp_path / "day.nmea")
    taken = tmp_path / "taken"
    taken.write_text("a file, not a folder\n")
    args = [a.format(nmea=nmea, tmp=tmp_path) for a in command]
    result = runner.invoke(app, [*args, option, str(taken)])
    assert result.exit_code != 0
    assert result.stderr.startswith(f"mda: error: {option} {taken}: cannot be used as a folder")
    assert len(result.stderr.splitlines()) == 1


def test_progress_lines_fit_a_terminal_80_wide():
    import io
    import re

    from rich.console import Console

    from mda.cli.fetch import byte_progress

    screen = io.StringIO()
    with byte_progress(Console(file=screen, force_terminal=True, width=80)) as bars:
        bars("/data/AIS_2022_01_03_first99999rows.csv", 10_452_379, 10_452_379)
        bars("/data/ais-sample.txt.gz", 833_395, 833_395)
        bars.stage("duplicate rules")
    last = re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", screen.getvalue()).split("\r")[-1]
    rows = [row for row in last.splitlines() if row.strip()]
    assert len(rows) == 3, rows  # no cell wrapped onto a line of its own
    assert "833.4/833.4 kB" in rows[1] and rows[2].startswith("duplicate rules")
