"""What a command line start or a DAG file parse imports: not the heavy libraries only some
commands use (scikit-learn and SciPy take over a second to import, numba half a second)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("sklearn", "scipy", "numba", "matplotlib", "weasyprint")


def _imported_after(code: str) -> list[str]:
    seen = f"[m for m in {HEAVY!r} if m in sys.modules]"
    probe = f"import json, sys\n{code}\nprint(json.dumps({seen}))"
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True,
                         check=True)  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "code",
    [
        "import mda.cli.main",  # every `mda ...` command starts with this
        "sys.path.insert(0, 'dags'); import mda_daily",  # Airflow parses DAG files often
    ],
)
def test_starting_imports_no_heavy_library(code):
    assert _imported_after(code) == []


def test_the_heavy_libraries_come_when_used():
    # the probe itself must see them, or the test above could not fail
    got = _imported_after("from mda.detect.unusual import unusual_percentiles\n"
                          "import polars as pl\n"
                          "unusual_percentiles(pl.DataFrame({'mmsi': [1]}))")  # fmt: skip
    assert got == []  # too few vessels: no model
    got = _imported_after("from mda.detect.fishing_model import bundled_model\n"
                          "print(bundled_model().sklearn_version)")  # fmt: skip
    assert "sklearn" in got
