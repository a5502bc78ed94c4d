"""Two versions of mda's ingest run in turn on one machine: a git revision against the work tree.

    uv run python bench/compare.py REV [--pairs 6] [--job nmea_project|csv_project] [--file F]

The revision is checked out into a temporary ``git worktree`` (its NMEA functions built into a
temporary folder); then ``A B A B ...``: one run of the revision's ingest (A), one of the work
tree's (B), each in a fresh process through ``bench/ingest_bench.py --worker`` (wall time
without imports, CPU, peak memory). Each pair runs seconds apart, so a drift of the machine's
speed hits both sides alike; the medians and how many pairs B won are printed, and the
Parquet tables the two wrote in the last pair are compared frame for frame.

The revision's runs get ``PYTHONPATH`` set to its worktree: the venv's editable install puts
the work tree on the path, so without it both sides would run the work tree's code. ``--file``
defaults to the bench file ``ingest_bench.py`` generates (run it once first).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BENCH_DIR = Path(tempfile.gettempdir()) / "mda-bench"
DEFAULT_FILES = {
    "nmea_project": BENCH_DIR / "nmea-v2-2000000",
    "csv_project": BENCH_DIR / "noaa.csv-v2-10000000",
}
TABLES = ("positions", "vessels", "stations", "quarantine")


def run_once(tree: Path, job: str, path: Path, out: Path, env: dict[str, str]) -> dict:
    """One measured run of ``tree``'s ingest (its bench worker, in a fresh process)."""
    cmd = [sys.executable, str(tree / "bench" / "ingest_bench.py"), "--worker", job, str(path),
           str(out), "0"]  # fmt: skip
    done = subprocess.run(cmd, cwd=tree, env={**os.environ, **env}, capture_output=True,
                          text=True, check=False)  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"{tree}: the worker failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def same_tables(a: Path, b: Path) -> dict[str, bool]:
    """For each table both runs wrote: are the two frames equal?"""
    import polars as pl

    return {
        name: pl.read_parquet(a / f"{name}.parquet").equals(pl.read_parquet(b / f"{name}.parquet"))
        for name in TABLES
        if (a / f"{name}.parquet").exists() and (b / f"{name}.parquet").exists()
    }


def _which_mda(tree: Path, env: dict[str, str]) -> Path:
    """The folder of the ``mda`` package a process started in ``tree`` with ``env`` imports."""
    code = "import mda, pathlib; print(pathlib.Path(mda.__file__).resolve().parent.parent)"
    done = subprocess.run([sys.executable, "-c", code], cwd=tree, env={**os.environ, **env},
                          capture_output=True, text=True, check=True)  # fmt: skip
    return Path(done.stdout.strip())


def compare(rev: str, job: str, path: Path, pairs: int, jit: bool = False) -> None:
    with tempfile.TemporaryDirectory(prefix="mda-compare-") as tmp:
        tree, kernels = Path(tmp) / "rev", Path(tmp) / "kernels"
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", "-q", str(tree),
                        rev], check=True)  # fmt: skip
        try:
            env_a = {"PYTHONPATH": str(tree), "MDA_KERNEL_DIR": str(kernels)}
            env_b = {"MDA_KERNELS": "jit"} if jit else {}
            if jit:
                env_a["MDA_KERNELS"] = "jit"
            if _which_mda(tree, env_a) != tree.resolve():
                raise SystemExit(f"the revision's runs would not import its own code ({tree})")
            if not jit:  # (each side's compiled functions, built if missing)
                for where, env in ((tree, env_a), (REPO, env_b)):
                    subprocess.run([sys.executable, "-m", "mda.ingest.fastkernel", "--quiet"],
                                   cwd=where, env={**os.environ, **env}, check=True)  # fmt: skip
            runs: dict[str, list[dict]] = {"A": [], "B": []}
            for i in range(pairs):
                for side, where, env in (("A", tree, env_a), ("B", REPO, env_b)):
                    got = run_once(where, job, path, Path(tmp) / f"out-{side}", env)
                    runs[side].append(got)
                    line = (f"pair {i + 1} {side}: {got['seconds']:.3f} s, "
                            f"{got['cpu_seconds']:.2f} s CPU, {got['peak_mb']:.0f} MB")  # fmt: skip
                    print(line, flush=True)
            report(rev, runs)
            same = same_tables(Path(tmp) / "out-A", Path(tmp) / "out-B")
            print("tables equal: " + ", ".join(f"{k} {v}" for k, v in same.items()))
        finally:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)],
                           check=False)  # fmt: skip


def report(rev: str, runs: dict[str, list[dict]]) -> None:
    a, b = runs["A"], runs["B"]
    wins = sum(y["seconds"] < x["seconds"] for x, y in zip(a, b, strict=True))

    def med(side: list[dict], key: str) -> float:
        return statistics.median(r[key] for r in side)

    print(f"A = {rev}, B = the work tree, {len(a)} pairs")
    print(f"MEDIAN seconds A {med(a, 'seconds'):.3f}  B {med(b, 'seconds'):.3f}  "
          f"(B faster in {wins} of {len(a)})")  # fmt: skip
    print(f"MEDIAN cpu_seconds A {med(a, 'cpu_seconds'):.2f}  B {med(b, 'cpu_seconds'):.2f}")
    print(f"MEDIAN peak_mb A {med(a, 'peak_mb'):.0f}  B {med(b, 'peak_mb'):.0f}")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("rev", help="git revision to run against the work tree (A)")
    p.add_argument("--pairs", type=int, default=6)
    p.add_argument("--job", choices=sorted(DEFAULT_FILES), default="nmea_project")
    p.add_argument("--file", type=Path, default=None, help="input (default: the bench file)")
    p.add_argument("--jit", action="store_true",
                   help="both sides with numba's JIT (no build ahead of time: a quick check)")
    a = p.parse_args(argv)
    path = a.file or DEFAULT_FILES[a.job]
    if not path.exists():
        raise SystemExit(f"{path} does not exist: run bench/ingest_bench.py once, or give --file")
    compare(a.rev, a.job, path, a.pairs, a.jit)


if __name__ == "__main__":
    main()
