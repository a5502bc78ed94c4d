"""Warehouse load benchmark: positions/s into PostGIS, binary COPY vs a text COPY baseline.

    uv run python bench/load_bench.py [--rows 3000000] [--server postgresql://postgres@127.0.0.1:5432/postgres]

Creates a scratch database ``mda_load_bench`` on the server (dropped at the end unless
``--keep``), brings it to the newest schema, and loads the same simulated day of positions
(``mda.sim.simulate_day`` fleets replicated with shifted MMSIs; ~1/4 of rows carry one or
two ``sources`` entries) several ways, each in its own committed transaction and each into
a day of its own, so none replaces another. Time is wall time from the DataFrame in memory
to COMMIT; index builds are included where said.

1. baseline text COPY, indexed: CSV COPY with hex EWKB points (the loader before issue 5)
   into a leaf partition that already has its btree (mmsi, ts) and GiST (geom) indexes.
2. baseline text COPY, then index: the same CSV stream into an empty leaf, indexes built
   after, then ATTACH (the strategy of the new loader, with the text format).
3. mda binary COPY, then index: ``mda.store.load.load_positions`` (numpy-built binary COPY
   FREEZE into an empty leaf, indexes after, ATTACH); the COPY phase is also shown alone.
4. mda load_day: everything the daily pipeline's load does for these positions (positions
   as in 3, vessel-day tracks, static reports and the identity history).
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable
from datetime import date, timedelta

import numpy as np
import polars as pl
import psycopg
from psycopg import sql

from mda import schema as s

BENCH_DB = "mda_load_bench"
DAY0 = date(2024, 3, 5)
REGION = "bench"


def simulated_positions(rows: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """About ``rows`` positions of one day: the simulated fleet replicated with new MMSIs."""
    from mda.sim import simulate_day

    base = simulate_day(DAY0, seed=20240305, n_normal=60)
    copies = max(1, round(rows / base.positions.height))
    ps, vs = [], []
    for k in range(copies):
        ps.append(
            base.positions.with_columns(pl.col(s.MMSI) + 1000 * k, pl.col(s.LAT) + 0.01 * (k % 7))
        )
        vs.append(base.vessels.with_columns(pl.col(s.MMSI) + 1000 * k))
    positions = pl.concat(ps)
    choice = np.random.default_rng(1).integers(0, 8, positions.height)
    options = pl.Series(
        [
            ["nmea:ais_20240305.nmea/AIVDM/s:rx1"],
            ["nmea:ais_20240305.nmea/AIVDM/s:rx1", "noaa_csv:AIS_2024_03_05.csv"],
            *[None] * 6,
        ],
        dtype=pl.List(pl.String),
    )
    return positions.with_columns(options[choice].alias(s.SOURCES)), pl.concat(vs)


def on_day(df: pl.DataFrame, day: date) -> pl.DataFrame:
    """``df`` moved to ``day`` (whole days, so every ts stays on one UTC day)."""
    return df.with_columns(pl.col(s.TS) + (day - DAY0))


def text_copy(conn, table: str, positions: pl.DataFrame, day: date, first_id: int) -> None:
    """The pre-issue-5 path: CSV with hex EWKB points through cursor.copy()."""
    from mda.store.load import copy_frame, pg_text_array, positions_frame, with_point_geom_hex

    df = positions_frame(positions, day, REGION, first_id)
    df = with_point_geom_hex(df).with_columns(pg_text_array(s.SOURCES))
    copy_frame(conn, table, df)


def run_case(engine, label: str, n: int, work: Callable) -> dict:
    """Time ``work(conn, timings)`` in one transaction, COMMIT included."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    with engine.begin() as conn:
        work(conn, timings)
    total = time.perf_counter() - t0
    return {"label": label, "n": n, "total_s": total, **timings}


def _timed(timings: dict, key: str, fn: Callable, *args) -> object:
    t0 = time.perf_counter()
    out = fn(*args)
    timings[key] = time.perf_counter() - t0
    return out


def bench(url: str, positions: pl.DataFrame, vessels: pl.DataFrame) -> list[dict]:
    from mda.store import partitions
    from mda.store.db import make_engine
    from mda.store.load import (
        ROWS_PER_LOAD,
        _next_load_number,
        copy_positions_binary,
        load_day,
        load_positions,
        positions_frame,
        sorted_positions,
    )

    engine = make_engine(url)
    n = positions.height
    days = [DAY0 + timedelta(days=i) for i in range(5)]
    results = []

    def baseline_indexed(conn, t):
        day = days[0]
        partitions.ensure_day(conn, day)
        partitions.create_leaf(conn, day, REGION)
        partitions.index_and_attach(conn, day, REGION)  # indexes exist before the COPY
        leaf = f"{partitions.SCHEMA}.{partitions.leaf_table(day, REGION)}"
        first = _next_load_number(conn) * ROWS_PER_LOAD
        _timed(t, "copy_s", text_copy, conn, leaf, on_day(positions, day), day, first)

    def baseline_then_index(conn, t):
        day = days[1]
        partitions.ensure_day(conn, day)
        leaf = partitions.create_leaf(conn, day, REGION)
        first = _next_load_number(conn) * ROWS_PER_LOAD
        frame = on_day(positions, day)
        _timed(t, "copy_s", text_copy, conn, f"{partitions.SCHEMA}.{leaf}", frame, day, first)
        _timed(t, "index_s", partitions.index_and_attach, conn, day, REGION)

    def binary_phases(conn, t):
        day = days[2]
        frame = sorted_positions(on_day(positions, day))
        partitions.ensure_day(conn, day)
        leaf = partitions.create_leaf(conn, day, REGION)
        df = positions_frame(frame, day, REGION, _next_load_number(conn) * ROWS_PER_LOAD)
        _timed(t, "copy_s", copy_positions_binary, conn, f"{partitions.SCHEMA}.{leaf}", df)
        _timed(t, "index_s", partitions.index_and_attach, conn, day, REGION)

    def binary_loader(conn, t):
        day = days[3]
        _timed(t, "copy_s", load_positions, conn, on_day(positions, day), day, REGION)

    def full_day(conn, t):
        day = days[4]
        load_day(
            conn,
            day,
            positions=on_day(positions, day),
            vessels=on_day(vessels, day),
            events=s.empty(s.EVENTS_SCHEMA),
            region=REGION,
        )

    cases = [
        ("baseline: text COPY (CSV) into indexed partition", baseline_indexed),
        ("baseline: text COPY (CSV), then index + attach", baseline_then_index),
        ("mda: binary COPY, then index + attach (phases)", binary_phases),
        ("mda: load_positions (what load_day runs)", binary_loader),
        ("mda: load_day (positions, tracks, vessels, identities)", full_day),
    ]
    for label, work in cases:
        results.append(run_case(engine, label, n, work))
        print(_row(results[-1]), flush=True)
    engine.dispose()
    return results


def _row(r: dict) -> str:
    parts = [f"{r['label']:<56} {r['total_s']:7.2f} s {r['n'] / r['total_s']:>11,.0f} pos/s"]
    if "copy_s" in r and "index_s" in r:
        parts.append(
            f"  (COPY {r['copy_s']:.2f} s = {r['n'] / r['copy_s']:,.0f} pos/s; "
            f"indexes+attach {r['index_s']:.2f} s)"
        )
    return "".join(parts)


def _admin(server: str):
    conninfo = server.replace("postgresql+psycopg://", "postgresql://")
    return psycopg.connect(conninfo, autocommit=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3_000_000, help="positions to load")
    parser.add_argument(
        "--server",
        default=os.environ.get("MDA_BENCH_SERVER", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="maintenance database URL of the server (a scratch database is made there)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args(argv)

    from sqlalchemy import make_url

    from mda.store.db import setup_database

    positions, vessels = simulated_positions(args.rows)
    url = make_url(args.server).set(database=BENCH_DB).render_as_string(hide_password=False)
    with _admin(args.server) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(BENCH_DB)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(BENCH_DB)))
        version = admin.execute("SHOW server_version").fetchone()[0]
    try:
        setup_database(url).dispose()
        print(
            f"python {platform.python_version()}, {os.cpu_count()} CPUs, PostgreSQL {version}, "
            f"{positions.height:,} positions ({positions[s.MMSI].n_unique():,} vessels), "
            f"{vessels.height:,} static reports"
        )
        results = bench(url, positions, vessels)
    finally:
        if not args.keep:
            with _admin(args.server) as admin:
                admin.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(BENCH_DB))
                )
    base = results[0]["n"] / results[0]["total_s"]
    new = results[3]["n"] / results[3]["total_s"]
    print(f"RATIO load_positions_vs_text_copy_indexed = {new / base:.2f}x")
    print(f"TARGET load_positions >= 400,000 pos/s: {'met' if new >= 400_000 else 'MISSED'}")


if __name__ == "__main__":
    main()
