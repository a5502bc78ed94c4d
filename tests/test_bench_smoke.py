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


@pytest.mark.slow
def test_compare_runs_a_revision_against_the_work_tree(tmp_path):
    """bench/compare.py runs HEAD (in a worktree, its own code) and the work tree in turn
    on one file and prints medians and whether their tables agree."""
    from tests.ingest.factory import EPOCH0, tag, type1, write_lines

    lines = [tag(type1(mmsi=211000000 + i % 50, lat=55 + i / 1e4), c=EPOCH0 + i)
             for i in range(3000)]  # fmt: skip
    feed = write_lines(tmp_path / "feed.nmea", lines)
    cmd = [sys.executable, str(REPO / "bench" / "compare.py"), "HEAD", "--pairs", "1",
           "--file", str(feed), "--jit"]  # fmt: skip
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=True).stdout
    assert re.search(r"^MEDIAN seconds A [0-9.]+  B [0-9.]+  \(B faster in [01] of 1\)$", out,
                     flags=re.M), out  # fmt: skip
    # every table both sides wrote is compared (equal on a clean checkout; a work tree
    # whose change alters the tables prints False, which is what the line is for)
    tables = r"^tables equal: " + ", ".join(
        f"{name} (True|False)" for name in ("positions", "vessels", "stations", "quarantine")
    )
    assert re.search(tables + "$", out, flags=re.M), out
