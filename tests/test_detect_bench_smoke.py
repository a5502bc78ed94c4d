"""bench/scenario_bench.py and bench/detect_bench.py --quick run and print figures that parse.

No speed and no quality target is asserted here (a benchmark prints figures; see bench/README.md).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TYPES = {"loitering", "ais_gap", "encounter", "anchor_drag", "identity_conflict", "fishing_in_zone"}
NUM = r"([0-9.]+|n/a)"


def _run(*args: str) -> str:
    cmd = [sys.executable, *args]
    return subprocess.run(
        cmd, capture_output=True, text=True, timeout=600, check=True, cwd=REPO
    ).stdout


@pytest.mark.slow
def test_scenario_bench_quick_prints_per_type_figures() -> None:
    out = _run(str(REPO / "bench" / "scenario_bench.py"), "--quick")
    rows = re.findall(
        rf"^TYPE (\w+) injected=(\d+) detected=(\d+) tp=(\d+) fp=(\d+) "
        rf"precision={NUM} recall={NUM} f1={NUM}$",
        out,
        flags=re.M,
    )
    assert {r[0] for r in rows} == TYPES
    for name, injected, detected, tp, fp, *_ in rows:
        assert int(tp) <= int(injected) and int(fp) <= int(detected)
        assert int(injected) > 0, name
    negatives = re.findall(r"^NEGATIVE (\w+) fired=(\d+) total=(\d+)$", out, flags=re.M)
    assert {"fast_pass_300m", "cable_slowdown_15min", "port_waiting_pair"} <= {
        n[0] for n in negatives
    }


@pytest.mark.slow
def test_detect_bench_quick_prints_time_memory_and_agreement(tmp_path) -> None:
    out = _run(str(REPO / "bench" / "detect_bench.py"), "--quick", "--cache-dir", str(tmp_path))
    results = dict(re.findall(r"^RESULT (\w+) = ([0-9.]+|n/a)$", out, flags=re.M))
    assert set(results) >= {"ours_s", "ours_peak_mb", "mp_extrapolated_s", "ratio_mp_over_ours",
                            "agree_precision", "agree_recall"}  # fmt: skip
    assert float(results["ours_s"]) > 0 and float(results["ours_peak_mb"]) > 0
    assert float(results["mp_extrapolated_s"]) > 0
    assert "extrapolated linearly" in out
