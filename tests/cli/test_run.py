"""`mda run` end to end, as a user runs it: files in, events + report out, bad input refused."""

from __future__ import annotations

import gzip
import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from mda.cli.main import app
from mda.evaluate import evaluate
from mda.sim import data_file
from tests.scenarios import DEMO_DAY, small_day, write_nmea

runner = CliRunner()
LAYERS = [
    "--cables",
    str(data_file("cables")),
    "--zones",
    str(data_file("zones")),
    "--coastline",
    str(data_file("land")),
]
DAY = DEMO_DAY.isoformat()


def mda(*args: str):
    return runner.invoke(app, list(args))


def mda_run(inp, out, *extra: str):
    """`mda run` for the test day over one input file."""
    return mda("run", "--date", DAY, "--input", str(inp), "--out", str(out), *extra)


@pytest.fixture(scope="module")
def day_run(tmp_path_factory):
    """One `mda run` over the small simulated day, with the demo region's parameters."""
    tmp = tmp_path_factory.mktemp("run")
    nmea = write_nmea(small_day(), tmp / "ais.nmea")
    out = tmp / "out"
    result = mda_run(nmea, out, "--region", "baltic_demo", *LAYERS, "--json")
    assert result.exit_code == 0, result.output
    return out, json.loads(result.stdout), nmea


def test_run_finds_every_injected_anomaly_and_nothing_else(day_run):
    out, _, _ = day_run
    events = pl.read_parquet(out / "events.parquet")
    result = evaluate(events, small_day().truth)
    assert result.missed.is_empty(), result.missed
    assert result.false_alarms.is_empty(), result.false_alarms


def test_run_writes_geojson_csv_and_report(day_run):
    out, summary, _ = day_run
    events = pl.read_parquet(out / "events.parquet")
    fc = json.loads((out / "events.geojson").read_text())
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == events.height
    ids = {f["properties"]["event_id"] for f in fc["features"]}
    assert ids == set(events["event_id"])
    assert all(f["properties"]["start_time"].endswith("Z") for f in fc["features"])
    html = (out / "report.html").read_text()
    assert all(event_id in html for event_id in ids)
    assert summary["report"]["report"] == str(out / "report.html")
    assert pl.read_csv(out / "events.csv").height == events.height


def test_every_line_is_accounted_for(day_run):
    out, summary, nmea = day_run
    ingest = summary["ingest"]
    n_lines = sum(1 for _ in nmea.open())
    assert ingest["lines_read"] == n_lines
    assert ingest["accepted"] + sum(ingest["rejects"].values()) == n_lines
    quarantine = pl.read_parquet(next((out / "lake" / "quarantine").rglob("*.parquet")))
    assert quarantine.height == sum(ingest["rejects"].values())


def test_rerunning_a_day_replaces_it(day_run, tmp_path):
    out, _, nmea = day_run
    before = pl.read_parquet(out / "events.parquet")
    again = mda_run(nmea, out, "--region", "baltic_demo", *LAYERS)
    assert again.exit_code == 0, again.output
    assert pl.read_parquet(out / "events.parquet").equals(before)
    parts = list((out / "lake" / "positions").rglob("*.parquet"))
    assert len(parts) == 1


def test_console_script_is_installed_and_prints_the_report_path(day_run, tmp_path):
    _, _, nmea = day_run
    exe = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "mda"
    proc = subprocess.run(
        [str(exe), "run", "--date", DAY, "--input", str(nmea), "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert f"Report: {tmp_path / 'o' / 'report.html'}" in proc.stdout


# --- bad input: one clear line, no traceback, non-zero exit -------------------------------


def _refused(result, *fragments: str) -> None:
    assert result.exit_code != 0
    err = result.stderr
    assert err.startswith("mda: error: ") and len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in result.output + err
    for fragment in fragments:
        assert fragment in err, err


def test_missing_input_file(tmp_path):
    _refused(
        mda_run(tmp_path / "nope.csv", tmp_path / "o"),
        "nope.csv",
    )


def test_csv_missing_a_column(tmp_path):
    bad = tmp_path / "AIS_2024_03_05.csv"
    bad.write_text(
        "MMSI,BaseDateTime,LAT,SOG,COG,Heading,VesselName,IMO,CallSign,VesselType,"
        "Status,Length,Width,Draft,Cargo,TransceiverClass\n"
        "230000001,2024-03-05T00:00:00,57.0,10,90,90,X,,,70,0,100,20,5,,A\n"
    )
    _refused(mda_run(bad, tmp_path / "o"), "LON")


def test_empty_file(tmp_path):
    empty = tmp_path / "empty.nmea"
    empty.write_text("")
    _refused(mda_run(empty, tmp_path / "o"), "empty")


def test_truncated_gzip(tmp_path, day_run):
    _, _, nmea = day_run
    data = gzip.compress(nmea.read_bytes())
    cut = tmp_path / "cut.nmea.gz"
    cut.write_bytes(data[: len(data) // 2])
    _refused(mda_run(cut, tmp_path / "o"), "cut.nmea.gz")


def test_bad_date(tmp_path):
    _refused(
        mda("run", "--date", "05/03/2024", "--input", "x", "--out", str(tmp_path)), "YYYY-MM-DD"
    )


def test_unknown_region(tmp_path, day_run):
    _, _, nmea = day_run
    _refused(
        mda_run(nmea, tmp_path, "--region", "atlantis"),
        "atlantis",
    )


@pytest.mark.db
def test_run_loads_postgis_when_a_url_is_given(day_run, pg_fresh_url, tmp_path):
    from mda.store import make_engine, run_query

    _, _, nmea = day_run
    result = mda_run(
        nmea, tmp_path / "o", "--region", "baltic_demo", "--postgis-url", pg_fresh_url, "--json"
    )
    assert result.exit_code == 0, result.output
    events = pl.read_parquet(tmp_path / "o" / "events.parquet")
    engine = make_engine(pg_fresh_url)
    with engine.connect() as conn:
        gaps = run_query(
            conn,
            "repeated_gaps",
            min_gaps=1,
            start=datetime(2024, 3, 4, tzinfo=UTC),
            end=datetime(2024, 3, 6, tzinfo=UTC),
        )
    engine.dispose()
    assert {r["mmsi"] for r in gaps} == set(
        events.filter(pl.col("event_type") == "ais_gap")["mmsi"]
    )


def test_scenario_day_every_event_type_through_the_pipeline(tmp_path):
    """The simulator's all-types day (encounters, drags, identity...) via `mda run`."""
    from mda.sim import write_demo

    files = write_demo(tmp_path / "in", DEMO_DAY, seed=11, kind="scenarios")
    result = mda_run(files.nmea, tmp_path / "o", "--region", "baltic_demo")
    assert result.exit_code == 0, result.output
    events = pl.read_parquet(tmp_path / "o" / "events.parquet")
    truth = pl.read_csv(files.truth, try_parse_dates=True, infer_schema_length=None)
    truth = truth.with_columns(pl.col("start_time", "end_time").dt.replace_time_zone("UTC"))
    assert set(truth["event_type"]) >= {"encounter", "anchor_drag", "identity_conflict"}
    outcome = evaluate(events, truth)
    assert outcome.perfect, (outcome.missed, outcome.false_alarms)


def test_run_uses_the_fishing_model_it_is_given(day_run, tmp_path):
    """--fishing-model: a model from `mda fishing train` replaces the bundled one (its version
    is in the summary); a file that is not a model is a one-line error."""
    _, summary, nmea = day_run
    assert summary["detect"]["fishing_model"] == "bundled"
    model = tmp_path / "fleet.pkl"
    trained = mda("fishing", "train", "--simulated", "--tracks", "12", "--seed", "3",
                  "--out", str(model))  # fmt: skip
    assert trained.exit_code == 0, trained.output
    result = mda_run(nmea, tmp_path / "out", "--region", "baltic_demo", *LAYERS,
                     "--fishing-model", str(model), "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["detect"]["fishing_model"] == "sim-3-12"
    bad = tmp_path / "bad.pkl"
    bad.write_text("not a model")
    result = mda_run(nmea, tmp_path / "out2", *LAYERS, "--fishing-model", str(bad))
    assert result.exit_code != 0 and "cannot read fishing model" in result.output
    assert "Traceback" not in result.output


def test_the_lake_has_a_stations_partition(day_run):
    out, summary, _ = day_run
    parts = list((out / "lake" / "stations").rglob("*.parquet"))
    assert len(parts) == 1  # the simulated day has no base station: an empty table
    assert pl.read_parquet(parts[0]).height == summary["ingest"]["stations"] == 0


def test_run_says_why_lines_were_quarantined(day_run, tmp_path):
    """The one-line summary breaks the quarantine down by reason (most first)."""
    _, summary, nmea = day_run
    rejects = summary["ingest"]["rejects"]
    top = max(rejects, key=rejects.get)
    result = mda_run(nmea, tmp_path / "out", "--region", "baltic_demo", *LAYERS)
    assert result.exit_code == 0, result.output
    line = " ".join(result.output.split())  # the console may wrap
    assert f"lines quarantined ({top} {rejects[top]:,}" in line


def test_run_loads_the_stations_into_postgis(pg_fresh_url, tmp_path):
    from sqlalchemy import text

    from mda.store import make_engine
    from tests.ingest.factory import EPOCH0, sentences, tag, type1, write_lines

    lines = [
        tag(type1(), c=EPOCH0),
        tag(sentences({"type": 4, "mmsi": 2_570_000, "lat": 59.4, "lon": 5.3})[0], c=EPOCH0),
        tag(sentences({"type": 21, "mmsi": 992_570_001, "name": "BUOY"})[0], c=EPOCH0 + 1),
    ]
    nmea = write_lines(tmp_path / "st.nmea", lines)
    result = mda_run(nmea, tmp_path / "o", *LAYERS, "--postgis-url", pg_fresh_url, "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["ingest"]["stations"] == 2 and summary["load"]["stations"] == 2
    engine = make_engine(pg_fresh_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT mmsi, station_kind FROM mda.stations ORDER BY mmsi"))
        assert rows.all() == [(2_570_000, "base_station"), (992_570_001, "aton")]
    engine.dispose()
