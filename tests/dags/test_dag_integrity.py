"""Every file in dags/ parses, and every DAG states what a scheduler needs."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

DAGS_DIR = Path(__file__).resolve().parents[2] / "dags"
DAG_FILES = sorted(DAGS_DIR.glob("*.py"))
HEAVY = {
    "polars",
    "shapely",
    "sqlalchemy",
    "geoalchemy2",
    "psycopg",
    "sklearn",
    "matplotlib",
    "mda",
}

pytestmark = pytest.mark.airflow


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS_DIR))


def test_dag_files_exist():
    assert DAG_FILES, "no DAG files in dags/"


def test_no_import_errors(dagbag):
    assert dagbag.import_errors == {}


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: p.name)
def test_no_heavy_imports_at_top_level(path):
    """Parse time stays fast: heavy libraries and mda are imported inside tasks only."""
    tree = ast.parse(path.read_text())
    top = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    names = {
        (a.name if isinstance(n, ast.Import) else n.module or "").split(".")[0]
        for n in top
        for a in n.names
    }
    assert not names & HEAVY


def test_one_dag_per_configured_region(dagbag):
    assert "mda_daily_baltic_demo" in dagbag.dag_ids


def test_every_dag_states_schedule_owner_retries_and_docs(dagbag):
    from airflow.sdk import CronDataIntervalTimetable

    for dag_id, dag in dagbag.dags.items():
        assert isinstance(dag.timetable, CronDataIntervalTimetable), dag_id  # real day intervals
        assert str(dag.start_date.tzinfo) == "UTC", dag_id
        assert dag.catchup is False, dag_id
        assert dag.tags and dag.doc_md, dag_id
        assert [t.task_id for t in dag.topological_sort()] == [
            "ingest",
            "detect",
            "load",
            "report",
            "casestudies",
        ]
        for t in dag.tasks:
            assert t.owner == "mda" and t.retries >= 1, (dag_id, t.task_id)
