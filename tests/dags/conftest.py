"""Real Airflow: a migrated SQLite metadata database for the test session."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


@pytest.fixture(scope="session")
def airflow_db() -> str:
    """Run ``airflow db migrate`` once for the session's AIRFLOW_HOME."""
    proc = subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return os.environ["AIRFLOW_HOME"]
