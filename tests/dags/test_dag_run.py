"""A real Airflow run (dag.test()) of the daily DAG over the simulator's day."""

from __future__ import annotations

import importlib.util
import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from mda.evaluate import evaluate
from mda.schema import EVENTS_SCHEMA
from tests.scenarios import DEMO_DAY, small_day, write_nmea

pytestmark = [pytest.mark.airflow, pytest.mark.slow]
DAG_FILE = Path(__file__).resolve().parents[2] / "dags" / "mda_daily.py"
REGION = "baltic_demo"


def _load_dag_module():
    spec = importlib.util.spec_from_file_location("mda_daily_under_test", DAG_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def home(tmp_path, monkeypatch):
    """An MDA_HOME holding the simulated day where the demo region expects its input."""
    incoming = tmp_path / "incoming" / REGION
    incoming.mkdir(parents=True)
    write_nmea(small_day(), incoming / f"ais_{DEMO_DAY:%Y%m%d}.nmea")
    monkeypatch.setenv("MDA_HOME", str(tmp_path))
    return tmp_path


def _run(dag):
    # A manual run dated 03-06 covers the last complete day: the interval [03-05, 03-06).
    run = dag.test(logical_date=datetime(2024, 3, 6, tzinfo=UTC))
    assert run.state == "success"
    return run


def test_dag_run_produces_the_truth_events_and_the_report(airflow_db, home, caplog):
    dag = _load_dag_module().build_dag(REGION, "test", retries=0)
    _run(dag)
    events = pl.read_parquet(next((home / "lake" / REGION / "events").rglob("*.parquet")))
    assert events.schema == pl.Schema(EVENTS_SCHEMA)
    result = evaluate(events, small_day().truth)
    assert result.perfect, (result.missed, result.false_alarms)
    report = home / "reports" / REGION / "2024-03-05" / "report.html"
    html = report.read_text()
    assert all(i in html for i in events["event_id"])
    assert "no PostGIS connection configured" in caplog.text  # load step skipped cleanly
    day_dir = report.parent
    assert (day_dir / "report.pdf").is_file() and (day_dir / "brief.pdf").is_file()
    _assert_casestudy_packs(day_dir, events)


def _assert_casestudy_packs(day_dir: Path, events: pl.DataFrame) -> None:
    """One pack per top-ranked event (the region's default, 3), named by rank and event id."""
    ranked = events.sort(["score", "start_time", "event_id"], descending=[True, False, False])
    expected = [f"{rank:02d}-{e}" for rank, e in enumerate(ranked["event_id"][:3], start=1)]
    packs = sorted(p.name for p in (day_dir / "casestudies").iterdir())
    assert packs == expected
    for name in packs:
        pack = day_dir / "casestudies" / name
        for part in ("casestudy.html", "casestudy.pdf", "trainer_key.html", "trainer_key.pdf"):
            assert (pack / part).stat().st_size > 1000, (name, part)
        assert json.loads((pack / "pack.json").read_text())["event_id"] == name[3:]


@pytest.mark.db
def test_dag_run_loads_postgis_through_the_airflow_connection(
    airflow_db, home, pg_fresh_url, monkeypatch
):
    from mda.store import make_engine

    monkeypatch.setenv("AIRFLOW_CONN_MDA_POSTGIS", pg_fresh_url)
    dag = _load_dag_module().build_dag(REGION, "test", retries=0)
    _run(dag)
    _run(dag)  # a rerun of the same day replaces it
    events = pl.read_parquet(next((home / "lake" / REGION / "events").rglob("*.parquet")))
    engine = make_engine(pg_fresh_url)
    with engine.connect() as conn:
        n_events = conn.exec_driver_sql("SELECT count(*) FROM mda.events").scalar()
        n_positions = conn.exec_driver_sql(
            "SELECT count(*) FROM mda.positions WHERE day = '2024-03-05'"
        ).scalar()
    engine.dispose()
    assert n_events == events.height > 0
    lake_positions = pl.read_parquet(
        next((home / "lake" / REGION / "positions").rglob("*.parquet"))
    )
    assert n_positions == lake_positions.height
