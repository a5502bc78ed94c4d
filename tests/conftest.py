"""Shared fixtures. Database fixtures live in tests/db_fixtures.py."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

pytest_plugins = ["tests.db_fixtures"]

REPO = Path(__file__).resolve().parent.parent

# Airflow reads its configuration when first imported: give the test session its own
# AIRFLOW_HOME (SQLite metadata database) before any test imports it.
_AIRFLOW_HOME = tempfile.mkdtemp(prefix="mda-airflow-")
os.environ["AIRFLOW_HOME"] = _AIRFLOW_HOME
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(REPO / "dags")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "False"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The third-party data folder (MDA_SHARED_DATA, default ../shared/data); skips if absent."""
    path = Path(os.environ.get("MDA_SHARED_DATA", REPO.parent / "shared" / "data"))
    if not path.is_dir():
        pytest.skip(f"real data folder {path} not found (set MDA_SHARED_DATA)")
    return path
