"""The NMEA kernels built ahead of time give what numba's give, refuse what they were not
compiled for, release the GIL, and spare a run numba's import."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mda.ingest import _records as r
from mda.ingest import fastdecode as fd
from mda.ingest import fastkernel as fk
from mda.ingest.fastscan import read_lines
from mda.ingest.nmea import _EPOCH_MAX, _EPOCH_MIN
from mda.sim import encode_nmea
from tests.ingest.factory import tag, write_lines

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Path:
    """The built module: the one `scripts/bootstrap.sh` made, else one built here (~30 s)."""
    path = fk.built_path()
    return path if path.is_file() else fk.build(tmp_path_factory.mktemp("kernels"))


@pytest.fixture(scope="module")
def feed(tmp_path_factory) -> Path:
    """A simulated day (types 1/18, 2-part type 5, type 24 A/B) with echoes from a second
    receiver and lines cut short."""
    from mda.sim import simulate_day

    day = simulate_day(date(2024, 3, 5), seed=5, n_normal=4)
    lines = encode_nmea(day.positions.head(4000), day.vessels, engine="fast",
                        timestamp_style="tagblock")  # fmt: skip
    mixed = []
    for i, line in enumerate(lines):
        mixed.append(line)
        if i % 4 == 0:  # heard again 2 s later by another receiver
            epoch = int(line.split("c:")[1].split("*")[0])
            mixed.append(tag(line.split("\\")[2], c=epoch + 2, s="rx2"))
        if i % 89 == 0:
            mixed.append(line[: len(line) // 2])
    return write_lines(tmp_path_factory.mktemp("feed") / "feed.nmea", mixed)


def _run_with(monkeypatch, kernels, path: Path) -> tuple[r.IngestResult, pl.DataFrame]:
    monkeypatch.setattr(fk, "kernels", lambda: kernels)
    parts = list(fd.parse_nmea_fast(path, piece_bytes=64 << 10).parts)  # several pieces
    records = pl.concat([p.records for p in parts], how="vertical_relaxed")
    return r.finalize([r.Chunked(iter(parts))]), records


def test_the_built_module_gives_what_numba_gives(built, feed, monkeypatch):
    aot, jit = fk._load_built(built), fk._jit()
    assert aot is not None and aot.built == built and jit.built is None
    # each kernel on the same bytes: every array equal (the hashes too: one key per process)
    lines, buf, offsets = read_lines(feed)
    lengths = lines.str.len_bytes().cast(pl.Int64).to_numpy()
    got_aot = aot.scan_simple(buf, offsets, lengths, _EPOCH_MIN, _EPOCH_MAX)
    got_jit = jit.scan_simple(buf, offsets, lengths, _EPOCH_MIN, _EPOCH_MAX)
    n = got_aot[1]
    assert n == got_jit[1] > 4000 and np.array_equal(got_aot[0], got_jit[0])
    assert all(np.array_equal(a[:n], b[:n]) for a, b in zip(got_aot[2:], got_jit[2:], strict=True))
    # the whole path, cut into pieces, through the rules: same records, same tables
    res_aot, rec_aot = _run_with(monkeypatch, aot, feed)
    res_jit, rec_jit = _run_with(monkeypatch, jit, feed)
    assert rec_aot.equals(rec_jit)
    for table in ("positions", "vessels", "stations", "quarantine"):
        assert getattr(res_aot, table).equals(getattr(res_jit, table)), table
    assert res_aot.rejects == res_jit.rejects and res_aot.rejects["duplicate"] > 500
    assert res_aot.vessels.height >= 4 and res_aot.positions.height > 3000


def test_the_built_module_refuses_arguments_it_was_not_compiled_for(built):
    k = fk._load_built(built)
    assert k is not None
    buf, offsets = np.zeros(300, dtype=np.uint8), np.zeros(4, dtype=np.int64)
    lengths = np.full(4, 10, dtype=np.int64)
    assert k.scan_simple(buf, offsets, lengths, 0, 1)[1] == 0  # (blank lines: none taken)
    wrong = {
        "another dtype": (buf, offsets.astype(np.int32), lengths, 0, 1),
        "strided": (buf, np.zeros(8, dtype=np.int64)[::2], lengths, 0, 1),
        "2-d": (buf, offsets.reshape(2, 2), lengths, 0, 1),
        "a list": (buf, [0, 0, 0, 0], lengths, 0, 1),
        "a float": (buf, offsets, lengths, 0.5, 1),
        "too few": (buf, offsets, lengths, 0),
    }
    for why, args in wrong.items():
        with pytest.raises(TypeError, match="scan_simple"):
            k.scan_simple(*args)
            pytest.fail(why)
    # an output array must be writable (a read-only input may be given where writable was)
    out = fk.frozen(np.zeros(1, dtype=np.uint64))
    args = fk._sample_args()["hash_payloads"]
    with pytest.raises(TypeError, match="argument 6: a writable array"):
        k.hash_payloads(*args[:6], out, args[7])
    values = fk.position_columns(1)
    with pytest.raises(TypeError, match="argument 3: a 1-d float32 array expected, got a 1-d f"):
        k.decode_positions(buf, offsets[:1], offsets[:1], (*values[:4], np.zeros(1), *values[5:]),
                           fk._sample_args()["decode_positions"][4], fk.SEED,
                           np.zeros(1, np.uint64), np.zeros(1, np.uint64))  # fmt: skip


def test_the_built_module_releases_the_gil(built):
    """A kernel running in a thread leaves the interpreter to the other thread (as numba's
    ``nogil`` versions do: the pieces of a file are scanned on both cores)."""
    if (os.cpu_count() or 1) < 2:
        pytest.skip("needs two cores")
    k = fk._load_built(built)
    assert k is not None
    n = 2_000_000
    rng = np.random.default_rng(1)
    h = fk.frozen(rng.integers(0, 2**63, n, dtype=np.int64).astype(np.uint64))
    ts, rec = fk.frozen(np.zeros(n, dtype=np.int64)), fk.frozen(np.arange(n, dtype=np.int64))

    def spin(end: float) -> int:
        count = 0
        while time.perf_counter() < end:
            count += 1
        return count

    def work(end: float) -> None:
        while time.perf_counter() < end:
            k.echo_chains(h, ts, rec, 0)  # ~0.1 s a call

    end = time.perf_counter() + 0.6
    worker = threading.Thread(target=work, args=(end,))
    worker.start()
    beside = spin(end)
    worker.join()
    alone = spin(time.perf_counter() + 0.6)
    # with the GIL held during each call, the counting thread would run only between calls
    assert beside > 0.5 * alone, (beside, alone)


def test_an_edited_source_gets_another_module(tmp_path, monkeypatch):
    source = tmp_path / "_kernels.py"
    source.write_bytes(fk._SOURCE.read_bytes())
    monkeypatch.setattr(fk, "_SOURCE", source)
    before = fk.built_name()
    source.write_bytes(fk._SOURCE.read_bytes() + b"\n# an edit\n")
    assert fk.built_name() != before
    monkeypatch.setenv("MDA_KERNEL_DIR", str(tmp_path / "k"))
    assert fk.built_path().parent == tmp_path / "k"
    assert fk.built_path().name.startswith(fk.built_name() + ".")


def _in_fresh_process(code: str, **env: str) -> list:
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         check=True, env={**os.environ, **env})  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_run_with_the_built_module_imports_no_numba(built, feed):
    code = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from mda.ingest import fastkernel as fk, _records as r, fastdecode as fd\n"
        "fk.warm_up().join()\n"
        f"res = r.finalize([fd.parse_nmea_fast(Path({str(feed)!r}))])\n"
        "print(json.dumps([str(fk.kernels().built), 'numba' in sys.modules,"
        " res.positions.height]))"
    )
    path, numba, n = _in_fresh_process(code, MDA_KERNEL_DIR=str(built.parent))
    assert (path, numba) == (str(built), False) and n > 3000
    path, numba, n_jit = _in_fresh_process(code, MDA_KERNEL_DIR=str(built.parent),
                                           MDA_KERNELS="jit")  # fmt: skip
    assert (path, numba, n_jit) == ("None", True, n)


@settings(max_examples=60, deadline=None)
@given(sizes=st.lists(st.integers(0, 400), max_size=12), seed=st.integers(0, 2**32 - 1))
def test_merging_the_pieces_runs_is_a_stable_sort(sizes, seed):
    """The pieces' fixes, each piece in key order (ties in row order), merged into one
    order: the same rows as a stable sort of all keys (ties, within and across pieces,
    in row order)."""
    rng = np.random.default_rng(seed)
    n = sum(sizes)
    keys = rng.integers(0, 50, n).astype(np.int64)  # (many ties)
    bounds = np.cumsum([0, *sizes], dtype=np.int64)
    runs = np.concatenate([np.arange(a, b)[np.argsort(keys[a:b], kind="stable")]
                           for a, b in itertools.pairwise(bounds)] or [[]])
    got, merged = fk.merge_runs(fk.frozen(keys), fk.frozen(runs.astype(np.uint32)), bounds)
    assert got.tolist() == np.argsort(keys, kind="stable").tolist()
    assert merged.tolist() == np.sort(keys).tolist()  # (their keys)
