"""bench/ingest_bench.py --quick runs and prints figures that parse (no speed asserted)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_bench_quick_prints_figures(tmp_path):
    cmd = [sys.executable, str(REPO / "bench" / "ingest_bench.py"), "--quick", "--repeat", "2",
           "--cache-dir", str(tmp_path)]  # fmt: skip
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=True).stdout
    ratios = dict(re.findall(r"^RATIO (\w+) = ([0-9.]+)", out, flags=re.M))
    assert set(ratios) == {"nmea_vs_pyais", "nmea_jit_vs_pyais", "csv_vs_polars"}
    assert all(float(v) > 0 for v in ratios.values())
    # and each round's own ratio (two rounds)
    rounds = re.findall(r"^RATIO (\w+) = .*; rounds: ([0-9.]+) ([0-9.]+)\)$", out, flags=re.M)
    assert {name for name, *_ in rounds} == set(ratios)
    assert all(float(a) > 0 and float(b) > 0 for _, a, b in rounds)
    rows = re.findall(r"([0-9.]+) s +([0-9,]+) (?:lines|rows)/s +([0-9]+) MB", out)
    assert len(rows) == 7  # (pyais, ours, decode only, ours with numba's JIT; CSV: 3)
    assert all(float(sec) > 0 and int(mb) > 0 for sec, _, mb in rows)
    assert re.search(r"^PEAK csv_mb = [0-9]+", out, flags=re.M)
