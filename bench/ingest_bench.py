"""Ingest benchmark: the project's NMEA and CSV ingest next to plain baselines.

    uv run python bench/ingest_bench.py [--nmea-lines 2000000] [--csv-rows 10000000] [--quick]

Inputs are generated with the project's simulator (``mda.sim``) and cached under
``--cache-dir`` (default: ``$TMPDIR/mda-bench``), never in the repository. Each figure is
measured in a fresh subprocess. Time is wall time inside the subprocess, without
interpreter start and imports; CPU is the subprocess's user + system time over the same
span (all threads). Peak memory is the subprocess's own high-water mark, ``VmHWM`` from
``/proc/self/status``, read by the worker itself at its end: unlike ``os.wait4``/getrusage
``ru_maxrss``, it does not carry the peak of the parent the worker was forked from (Linux
keeps the pre-``exec`` peak in ``ru_maxrss``). With ``--repeat N`` the jobs run in N
rounds (each job once a round, so the runs a ratio compares are seconds apart, not
minutes) and the fastest run of each job is shown, with each round's ratio (the machine
may be shared). See bench/README.md for the figures measured on the project machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

GEN_VERSION = "v2"
QUICK_NMEA, QUICK_CSV, QUICK_SAMPLE = 60_000, 200_000, 20_000

# --- workers (run in a fresh interpreter) ---------------------------------------------------


def _peak_mb() -> float:
    """This process's peak resident memory in MB: VmHWM (Linux), else ru_maxrss."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, kB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 1024 / 1024


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _worker(kind: str, path: str, out: str, sample: int) -> dict:
    """Run one measured job; returns {"seconds", "cpu_seconds", "items", "peak_mb"}."""
    if kind in ("nmea_project", "csv_project"):
        # what `mda ingest FILE --out DIR` runs, imported first as in that process (the
        # command line sets polars' allocator options before polars loads:
        # mda.allocators)
        from mda.cli.ingest import ingest
    import polars as pl

    t0, c0 = time.perf_counter(), _cpu_seconds()
    if kind in ("nmea_project", "csv_project"):
        ingest(out=Path(out), files=[Path(path)], date=None, noaa_date=None, dma_date=None,
               cache=None, as_json=False, verbose=False)  # fmt: skip
        items = None
    elif kind == "nmea_decode_only":
        from mda.ingest.fastdecode import parse_nmea_fast

        items = sum(part.lines.height for part in parse_nmea_fast(Path(path)).parts)
    elif kind == "nmea_pyais":
        import pyais

        with open(path, encoding="utf-8") as fh:
            lines = [next(fh).rstrip("\n") for _ in range(sample)]
        t0, c0 = time.perf_counter(), _cpu_seconds()
        for line in lines:
            try:  # noqa: SIM105 - the plain loop a user would write
                pyais.decode(line)  # decodes the message fully (fields of its class)
            except Exception:  # the baseline skips what pyais cannot decode
                pass
        items = len(lines)
    elif kind == "csv_read_write":
        pl.read_csv(path, ignore_errors=True).write_parquet(out)
        items = None
    elif kind == "csv_scan_sink":
        pl.scan_csv(path, ignore_errors=True).sink_parquet(out)
        items = None
    else:
        raise SystemExit(f"unknown worker {kind}")
    return {
        "seconds": time.perf_counter() - t0,
        "cpu_seconds": _cpu_seconds() - c0,
        "items": items,
        "peak_mb": _peak_mb(),
    }


Job = tuple[str, Path, int, dict[str, str] | None]
"""A measured job: worker kind, input, pyais sample size, environment added."""


def measure_rounds(jobs: dict[str, Job], repeat: int = 1) -> dict[str, list[dict]]:
    """Run every job once per round, ``repeat`` rounds, each run in a fresh subprocess;
    the runs of each job, in round order. Jobs of one round run one after another, so a
    ratio taken within a round compares runs a few seconds apart (the machine's speed may
    drift over a whole bench)."""
    runs: dict[str, list[dict]] = {name: [] for name in jobs}
    for _ in range(max(1, repeat)):
        for name, (kind, path, sample, env) in jobs.items():
            runs[name].append(_measure_once(kind, path, sample, env))
    return runs


def fastest(runs: list[dict]) -> dict:
    return min(runs, key=lambda got: got["seconds"])


def _rounds(ratios: list[float], fmt: str) -> str:
    """The ratio of each round, when there are several."""
    return "" if len(ratios) < 2 else "; rounds: " + " ".join(format(x, fmt) for x in ratios)


def _measure_once(kind: str, path: Path, sample: int, env: dict[str, str] | None = None) -> dict:
    with tempfile.TemporaryDirectory(prefix="mda-bench-out-") as tmp:
        out = str(
            Path(tmp)
            / ("out.parquet" if kind.startswith("csv_") and "project" not in kind else "out")
        )
        cmd = [sys.executable, __file__, "--worker", kind, str(path), out, str(sample)]
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=False,
                              env={**os.environ, **(env or {})})  # fmt: skip
        if proc.returncode != 0:
            raise SystemExit(f"worker {kind} failed with exit code {proc.returncode}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --- inputs ------------------------------------------------------------------------------------


def _base_day(n_normal: int):
    from mda.sim import simulate_day

    return simulate_day(date(2024, 3, 5), seed=20240305, n_normal=n_normal)


def _replicate(positions, vessels, copies: int):
    """``copies`` fleets: the simulated one with MMSIs shifted by 1000 per copy and
    positions nudged by 0.01 degree, so they are distinct vessels."""
    import polars as pl

    from mda import schema as s

    ps, vs = [], []
    for k in range(copies):
        ps.append(
            positions.with_columns(
                pl.col(s.MMSI) + 1000 * k,
                pl.col(s.LAT) + 0.01 * (k % 7),
                pl.col(s.LON) + 0.01 * (k // 7 % 11),
            )
        )
        vs.append(vessels.with_columns(pl.col(s.MMSI) + 1000 * k))
    return pl.concat(ps), pl.concat(vs)


def _station_sentence(k: int, line: str) -> str:
    """A report of another kind a real feed carries, as heard at the time of ``line`` (its
    tag block): a base station's (type 4, its clock at that time) or an aid to navigation's
    (type 21); five of each, by ``k``."""
    from datetime import UTC, datetime

    from pyais import encode_dict

    tag = line[: line.index("!")] if line.startswith("\\") else ""
    at = datetime.fromtimestamp(int(tag[3 : tag.index("*")]), UTC) if tag else None
    n = k // 2 % 5
    if k % 2 == 0:
        clock = {"year": at.year, "month": at.month, "day": at.day, "hour": at.hour,
                 "minute": at.minute, "second": at.second} if at else {}  # fmt: skip
        msg = {"msg_type": 4, "mmsi": 2655000 + n, "lon": 18.1 + n / 10, "lat": 57.6, **clock}
    else:
        msg = {"msg_type": 21, "mmsi": 992651001 + n, "aid_type": 1 + n, "name": f"GOTLAND {n}",
               "lon": 18.9, "lat": 57.9 + n / 10}  # fmt: skip
    return tag + encode_dict(msg, talker_id="AI", sentence_type="VDM", radio_channel="A")[0]


def _corrupt(line: str, k: int) -> str:
    """A realistic broken line: bit flip (checksum), truncation, or GNSS noise."""
    if k % 3 == 0:
        i = line.rfind(",0*") - 5
        return line[:i] + ("0" if line[i] != "0" else "1") + line[i + 1 :]
    if k % 3 == 1:
        return line[: len(line) * 2 // 3]
    return "$GPRMC,120000,A,5740.000,N,01810.000,E,0.0,0.0,050324,,*00"


NMEA_FORMS = ("tagblock", "norway", "trailing", "leading")
"""How the generated NMEA lines carry their time: a ``\\c:`` tag block; tag blocks as
Norway's stream sends them (the receiving station first, ``\\s:2573xxx,c:...*hh\\``, seven
stations; a 2-part message's parts tagged ``g:1-2-<id>,s:...,c:...`` and ``g:2-2-<id>``);
an epoch field after the checksum (satellite feeds); an epoch before the line."""


def make_nmea(path: Path, n_lines: int, form: str = "tagblock") -> None:
    """An NMEA file of at least ``n_lines`` lines: times as ``form`` says (:data:`NMEA_FORMS`),
    types 1/2/3/18 mostly, multi-part 5, 24 A/B, a few 4 and 21, ~0.1% broken lines."""
    import numpy as np

    from mda.sim import encode_nmea

    day = _base_day(60)
    per_copy = 1.22 * day.positions.height  # statics add ~22% lines
    copies = max(1, int(np.ceil(n_lines / per_copy)))
    positions, vessels = _replicate(day.positions, day.vessels, copies)
    lines = encode_nmea(positions, vessels, engine="fast", timestamp_style="tagblock")
    with path.open("w", encoding="utf-8") as fh:
        for i, line in enumerate(lines):
            if i % 997 == 500:
                fh.write(_station_sentence(i // 997, line) + "\n")
            line = _restyle(line, form, 2573000 + i % 7, i)
            fh.write((_corrupt(line, i) if i % 1009 == 7 else line) + "\n")


def _restyle(line: str, form: str, station: int, i: int) -> str:
    """A ``\\c:<epoch>*hh\\<sentence>`` line (number ``i``) in another of
    :data:`NMEA_FORMS`."""
    if form == "tagblock" or not line.startswith("\\c:"):
        return line
    end = line.index("*")
    epoch, sentence = line[3:end], line[end + 4 :]
    if form == "trailing":
        return f"{sentence},{epoch}"
    if form == "leading":
        return f"{epoch} {sentence}"
    count, num = sentence[7:8], sentence[9:10]
    body = f"s:{station}," + line[1:end]
    if count == "2":  # the parts of a message are adjacent lines here
        group = (i if num == "1" else i - 1) % 10_000
        body = f"g:1-2-{group},{body}" if num == "1" else f"g:2-2-{group}"
    check = 0
    for ch in body:
        check ^= ord(ch)
    return f"\\{body}*{check:02X}\\{sentence}"


NOAA_HEADER = ("MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,IMO,CallSign,VesselType,"
               "Status,Length,Width,Draft,Cargo,TransceiverClass")  # fmt: skip


def make_csv(path: Path, n_rows: int) -> None:
    """A NOAA MarineCadastre-format CSV of ``n_rows`` rows (plus a few broken lines)."""
    import polars as pl

    from mda import schema as s

    day = _base_day(60)
    copies = -(-n_rows // day.positions.height)
    positions, vessels = _replicate(day.positions, day.vessels, copies)
    statics = vessels.unique(s.MMSI, keep="last").drop(s.TS, s.SOURCE)
    df = positions.head(n_rows).join(statics, on=s.MMSI, how="left")
    num = lambda c, d: pl.col(c).round(d).cast(pl.String)  # noqa: E731
    out = df.select(
        pl.col(s.MMSI).alias("MMSI"),
        pl.col(s.TS).dt.strftime("%Y-%m-%dT%H:%M:%S").alias("BaseDateTime"),
        num(s.LAT, 5).alias("LAT"),
        num(s.LON, 5).alias("LON"),
        num(s.SOG_KN, 1).fill_null("102.3").alias("SOG"),
        num(s.COG_DEG, 1).fill_null("360.0").alias("COG"),
        pl.col(s.HEADING_DEG).cast(pl.Int64).fill_null(511).alias("Heading"),
        pl.col(s.VESSEL_NAME).alias("VesselName"),
        ("IMO" + pl.col(s.IMO).cast(pl.String)).alias("IMO"),
        pl.col(s.CALL_SIGN).alias("CallSign"),
        pl.col(s.SHIP_TYPE).alias("VesselType"),
        pl.col(s.NAV_STATUS).alias("Status"),
        pl.col(s.LENGTH_M).round(0).cast(pl.Int64).alias("Length"),
        pl.col(s.WIDTH_M).round(0).cast(pl.Int64).alias("Width"),
        num(s.DRAUGHT_M, 1).alias("Draft"),
        pl.col(s.SHIP_TYPE).alias("Cargo"),
        pl.col(s.AIS_CLASS).alias("TransceiverClass"),
    )
    out.write_csv(path)
    with path.open("a", encoding="utf-8") as fh:  # a bad value and a ragged line
        fh.write("367000001,2024-03-05T12:00:00,abc,-70.1,1.0,2.0,3,X,,,,,,,,,A\n")
        fh.write("367000002,2024-03-05T12:00:00,41.0,-70.1\n")


def cached(cache: Path, name: str, size: int, make) -> Path:
    """The cached input ``name`` of ``size``; generated once."""
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"{name}-{GEN_VERSION}-{size}"
    if not path.exists():
        t0 = time.perf_counter()
        tmp = path.parent / (path.name + ".part")
        make(tmp, size)
        tmp.rename(path)
        print(f"generated {path} in {time.perf_counter() - t0:.1f} s", flush=True)
    return path


# --- report --------------------------------------------------------------------------------


def _count_lines(path: Path) -> int:
    with path.open("rb") as fh:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 24), b""))


def _row(label: str, got: dict, unit: str, n: int) -> str:
    rate = n / got["seconds"]
    return (
        f"{label:<44} {got['seconds']:8.2f} s {rate:14,.0f} {unit}/s {got['peak_mb']:9.0f} MB"
        f" {got['cpu_seconds']:8.2f} s CPU"
    )


def _compile_once() -> None:
    """Build the NMEA kernels ahead of time (``python -m mda.ingest.fastkernel``: ~30 s once
    after installation or an edit of their source, as ``scripts/bootstrap.sh`` does) and
    fill numba's cache of the same functions (for the ``MDA_KERNELS=jit`` run): the
    measured runs load them, as every later `mda` run does."""
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "mda.ingest.fastkernel"], check=True)
    code = "from mda.ingest import fastkernel as fk; fk.warm_up().join()"
    subprocess.run([sys.executable, "-c", code], check=True,
                   env={**os.environ, "MDA_KERNELS": "jit"})  # fmt: skip
    print(f"compiled functions built, cached or found in {time.perf_counter() - t0:.1f} s")


def bench_nmea(path: Path, sample: int, repeat: int = 1) -> None:
    n = _count_lines(path)
    print(f"\nNMEA: {path} ({n:,} lines, {path.stat().st_size / 1e6:,.0f} MB)")
    _compile_once()
    runs = measure_rounds({
        "base": ("nmea_pyais", path, sample, None),
        "proj": ("nmea_project", path, 0, None),
        "dec": ("nmea_decode_only", path, 0, None),
        "jit": ("nmea_project", path, 0, {"MDA_KERNELS": "jit"}),
    }, repeat)  # fmt: skip
    base, proj, dec, jit = (fastest(runs[k]) for k in ("base", "proj", "dec", "jit"))
    print(_row(f"baseline: pyais.decode loop ({sample:,} lines)", base, "lines", sample))
    print(_row("mda ingest -> Parquet", proj, "lines", n))
    print(_row("  of which fast decode (parse_nmea_fast)", dec, "lines", n))
    print(_row("mda ingest, kernels by numba's JIT", jit, "lines", n))

    def speedup(ours: dict, loop: dict) -> float:
        return (n / ours["seconds"]) / (sample / loop["seconds"])

    each = [speedup(o, b) for o, b in zip(runs["proj"], runs["base"], strict=True)]
    print(f"RATIO nmea_vs_pyais = {speedup(proj, base):.2f}x (target >= 10x"
          f"{_rounds(each, '.2f')})")  # fmt: skip
    each = [speedup(o, b) for o, b in zip(runs["jit"], runs["base"], strict=True)]
    print(f"RATIO nmea_jit_vs_pyais = {speedup(jit, base):.2f}x (without the module built "
          f"ahead of time{_rounds(each, '.2f')})")  # fmt: skip


def bench_csv(path: Path, repeat: int = 1) -> None:
    n = _count_lines(path) - 1
    print(f"\nCSV: {path} ({n:,} rows, {path.stat().st_size / 1e6:,.0f} MB)")
    runs = measure_rounds({
        "base": ("csv_read_write", path, 0, None),
        "sink": ("csv_scan_sink", path, 0, None),
        "proj": ("csv_project", path, 0, None),
    }, repeat)  # fmt: skip
    base, sink, proj = (fastest(runs[k]) for k in ("base", "sink", "proj"))
    print(_row("baseline: pl.read_csv(...).write_parquet()", base, "rows", n))
    print(_row("baseline: pl.scan_csv(...).sink_parquet()", sink, "rows", n))
    print(_row("mda ingest -> Parquet", proj, "rows", n))
    each = [b["seconds"] / o["seconds"] for b, o in zip(runs["base"], runs["proj"], strict=True)]
    print(f"RATIO csv_vs_polars = {base['seconds'] / proj['seconds']:.2f} (target >= 0.90"
          f"{_rounds(each, '.2f')})")  # fmt: skip
    cpu = base["cpu_seconds"] / proj["cpu_seconds"]
    print(f"CPU csv_vs_polars = {cpu:.2f} (baseline CPU seconds / ours; 1.0 = same work)")
    print(f"PEAK csv_mb = {proj['peak_mb']:.0f} (target <= 3072)")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--nmea-lines", type=int, default=2_000_000)
    p.add_argument("--csv-rows", type=int, default=10_000_000)
    p.add_argument("--pyais-sample", type=int, default=200_000)
    p.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    p.add_argument("--cache-dir", type=Path, default=Path(tempfile.gettempdir()) / "mda-bench")
    p.add_argument("--only", choices=["nmea", "csv"], default=None)
    p.add_argument("--repeat", type=int, default=1,
                   help="rounds of runs (each job once a round); the fastest run of each job "
                   "is shown, and each round's ratio")  # fmt: skip
    p.add_argument("--nmea-form", choices=NMEA_FORMS, default="tagblock",
                   help="how the NMEA lines carry their time (see NMEA_FORMS)")
    a = p.parse_args(argv)
    if a.quick:
        a.nmea_lines, a.csv_rows, a.pyais_sample = QUICK_NMEA, QUICK_CSV, QUICK_SAMPLE
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    if a.only in (None, "nmea"):
        name = "nmea" if a.nmea_form == "tagblock" else f"nmea-{a.nmea_form}"
        nmea = cached(a.cache_dir, name, a.nmea_lines,
                      lambda path, n: make_nmea(path, n, a.nmea_form))  # fmt: skip
        bench_nmea(nmea, min(a.pyais_sample, a.nmea_lines), a.repeat)
    if a.only in (None, "csv"):
        bench_csv(cached(a.cache_dir, "noaa.csv", a.csv_rows, make_csv), a.repeat)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        print(json.dumps(_worker(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))))
    else:
        main()
