"""What a command line start or a DAG file parse imports: not the heavy libraries only some
commands use (scikit-learn and SciPy take over a second to import, numba half a second)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("sklearn", "scipy", "numba", "matplotlib", "weasyprint")


def _run(code: str, **env: str) -> list:
    """The JSON list ``code`` prints last, run in a fresh interpreter (``env`` added to the
    environment)."""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         check=True, env={**os.environ, **env})  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def _imported_after(code: str) -> list[str]:
    seen = f"[m for m in {HEAVY!r} if m in sys.modules]"
    return _run(f"import json, sys\n{code}\nprint(json.dumps({seen}))")


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


def test_loading_the_compiled_functions_skips_scipy():
    # numba's first load imports its NumPy support, which imports scipy.linalg (~0.25 s) only
    # to see whether BLAS is there; the NMEA kernels skip that and set numba's answer as
    # numba itself finds it
    ours = _run(
        "import json, sys\n"
        "from mda.ingest import fastkernel as fk\n"
        "fk.warm_up().join()\n"
        "import numba.np.arraymath as a\n"
        "print(json.dumps(['scipy.linalg' in sys.modules, a._HAVE_BLAS]))",
        MDA_KERNELS="jit",  # (the module built ahead of time needs no numba at all)
    )
    numbas = _run(
        "import json, sys\n"
        "import numba.np.arraymath as a\n"
        "print(json.dumps(['scipy.linalg' in sys.modules, a._HAVE_BLAS]))"
    )
    assert ours == [False, numbas[1]]
    assert numbas[0]  # (numba alone does import it: the test can tell)
