"""Detection speed benchmark: a full day through segmentation and every detector, next to
MovingPandas's stop detection on the same data.

    uv run python bench/detect_bench.py [--positions 10000000] [--vessels 5000]
        [--mp-sample 100] [--quick]

The day is generated with numpy (seconds, cached under ``--cache-dir``, default
``$TMPDIR/mda-bench``, never in the repository) in the demo region's bounding box: transits at
8-18 kn with slowly wandering courses (55 %), ships at anchor swinging within ~80 m (20 %),
trawlers towing at 3-5 kn, turning 150-210 degrees every 2-5 h (15 %), and loiterers that
transit, drift at ~0.6 kn for 2-8 h, then transit on (10 %); 1 % of vessels go silent for
6-10 h, and 0.2 % more transmitters use the MMSI of another vessel elsewhere (``--vessels``
counts MMSIs). Report intervals differ per vessel so that the total is ``--positions``. Every
vessel starts at sea (>= 10 km from the packaged land layer); tracks are not steered around
land afterwards (this measures speed).

Each job runs in a fresh subprocess: wall time inside it (reading the Parquet day included,
interpreter start and imports excluded) and its peak RSS (``getrusage(RUSAGE_SELF)`` in it).

* ours: ``mda.detect.detect_day`` over ``pl.scan_parquet(day)`` with the ``baltic_demo`` region
  (packaged Baltic cables, zones and land, its parameters): segmentation, identity, loitering,
  gaps with reception context, encounters, anchor drag, annotation, scoring.
* MovingPandas: ``TrajectoryCollection`` + ``TrajectoryStopDetector.get_stop_points
  (max_diameter=7408 m, min_duration=2 h)`` (2 kn held for 2 h spans 7.4 km: the loitering
  thresholds expressed as a stop) on ``--mp-sample`` randomly chosen vessels; its time is
  extrapolated linearly to all vessels (per vessel), which the output says.

Agreement on the sampled vessels: our loitering events against MovingPandas stops that last
>= 2 h and lie >= 5 nm from shore (the region's loitering shore rule, applied to both);
an event and a stop agree when they share the vessel and overlap in time.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np

GEN_VERSION = "v2"
DAY = date(2024, 3, 5)
REPO = Path(__file__).resolve().parents[1]
REGION = "baltic_demo"
BBOX = (16.5, 55.0, 22.5, 59.0)
M_PER_DEG = 111_320.0
KN_MS = 1852.0 / 3600.0
STOP_DIAMETER_M = 2 * 1852.0 * 2.0  # 2 kn for 2 h
STOP_MIN_H = 2.0
MIDS = (209, 211, 215, 219, 230, 244, 255, 257, 261, 265, 273, 275, 276, 277, 352, 477, 538, 636)

# --- data generation (numpy, vectorised over all positions) --------------------------------------


def _per_vessel_counts(rng: np.random.Generator, n_pos: int, n_ves: int) -> np.ndarray:
    """Positions per vessel: lognormal shares summing to n_pos (at least 50 each)."""
    w = rng.lognormal(0.0, 0.6, n_ves)
    return np.maximum(50, np.ceil(w / w.sum() * n_pos)).astype(np.int64)


def _segment_cumsum(values: np.ndarray, starts: np.ndarray, vid: np.ndarray) -> np.ndarray:
    """Cumulative sum restarting at each vessel's first position."""
    total = np.cumsum(values)
    offset = np.concatenate([[0.0], total])[starts]
    return total - offset[vid]


def _sea_starts(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Start points in the bbox at least 10 km from the packaged land layer."""
    from mda.sim.geo import distance_to_land_m

    lon, lat = np.empty(0), np.empty(0)
    while len(lon) < n:
        x, y = rng.uniform(BBOX[0], BBOX[2], 4 * n), rng.uniform(BBOX[1], BBOX[3], 4 * n)
        sea = distance_to_land_m(x, y) >= 10_000
        lon, lat = np.concatenate([lon, x[sea]]), np.concatenate([lat, y[sea]])
    return lon[:n], lat[:n]


def generate(path: Path, n_pos: int, n_ves: int, seed: int = 1) -> None:
    """Write the day's positions (and a minimal vessels table) as Parquet under ``path``."""
    import polars as pl

    from mda import schema

    rng = np.random.default_rng(seed)
    n_mmsi, n_ves = n_ves, n_ves + max(1, round(0.002 * n_ves))  # extra: second transmitters
    counts = _per_vessel_counts(rng, int(n_pos * 1.006), n_ves)  # +0.6 %: the silences
    n = int(counts.sum())
    vid = np.repeat(np.arange(n_ves), counts)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    idx = np.arange(n) - starts[vid]
    dt_s = 86400.0 / counts
    t_s = idx * dt_s[vid] + rng.uniform(0, 1, n) * dt_s[vid] * 0.5
    kind = rng.choice(4, n_ves, p=[0.55, 0.20, 0.15, 0.10])  # transit, anchored, trawl, loiter
    k = kind[vid]
    v0 = np.where(kind == 2, rng.uniform(3, 5, n_ves), rng.uniform(8, 18, n_ves))
    speed = v0[vid] + rng.normal(0, 0.2, n)
    heading = rng.uniform(0, 360, n_ves)[vid] + _segment_cumsum(rng.normal(0, 0.4, n), starts, vid)
    tow_s = rng.uniform(2, 5, n_ves)[vid] * 3600  # trawlers turn 150-210 deg every 2-5 h
    turn = rng.uniform(150, 210, n_ves)[vid]
    heading = np.where(k == 2, heading + turn * np.floor(t_s / tow_s), heading)
    loiter_start = rng.uniform(1, 14, n_ves)[vid] * 3600
    loiter_len = rng.uniform(2, 8, n_ves)[vid] * 3600
    drifting = (k == 3) & (t_s >= loiter_start) & (t_s < loiter_start + loiter_len)
    speed = np.where(drifting, np.abs(rng.normal(0.6, 0.3, n)), speed)
    heading = np.where(drifting, heading + rng.normal(0, 60, n), heading)
    step_dt = np.diff(t_s, prepend=0.0)
    step_dt[starts] = 0.0
    x = _segment_cumsum(speed * KN_MS * step_dt * np.sin(np.radians(heading)), starts, vid)
    y = _segment_cumsum(speed * KN_MS * step_dt * np.cos(np.radians(heading)), starts, vid)
    lon0, lat0 = (a[vid] for a in _sea_starts(rng, n_ves))
    anchored = k == 1
    swing = np.radians(rng.uniform(0, 360, n_ves)[vid] + t_s / 600.0)
    x = np.where(anchored, 80.0 * np.sin(swing), x)
    y = np.where(anchored, 80.0 * np.cos(swing), y)
    speed = np.where(anchored, np.abs(rng.normal(0.1, 0.1, n)), speed)
    lat = lat0 + y / M_PER_DEG
    lon = lon0 + x / (M_PER_DEG * np.cos(np.radians(lat0)))
    mmsi = rng.choice(MIDS, n_ves) * 1_000_000 + rng.permutation(900_000)[:n_ves] + 100_000
    mmsi[n_mmsi:] = rng.choice(mmsi[:n_mmsi], n_ves - n_mmsi, replace=False)  # shared MMSIs
    silent = rng.random(n_ves) < 0.01
    gap_from = rng.uniform(2, 12, n_ves)[vid] * 3600
    keep = ~(silent[vid] & (t_s >= gap_from) & (t_s < gap_from + rng.uniform(6, 10) * 3600))
    t0_us = int(datetime(DAY.year, DAY.month, DAY.day, tzinfo=UTC).timestamp() * 1e6)
    frame = pl.DataFrame(
        {
            schema.MMSI: mmsi[vid],
            schema.TS: t0_us + (t_s * 1e6).astype(np.int64),
            schema.LAT: np.round(lat, 6),
            schema.LON: np.round(lon, 6),
            schema.SOG_KN: np.round(np.clip(speed, 0, 102.2), 1),
            schema.COG_DEG: np.round(np.mod(heading, 360), 1),
            schema.HEADING_DEG: np.round(np.mod(heading + rng.normal(0, 2, n), 360)) % 360,
            schema.NAV_STATUS: np.where(anchored, 1, 0),
            schema.MSG_TYPE: np.ones(n, dtype=np.int64),
            schema.SOURCE: np.full(n, "bench"),
        }
    ).filter(pl.Series(keep))
    frame = frame.with_columns(pl.col(schema.TS).cast(schema.UTC_TS))
    frame = schema.conform(frame, schema.POSITIONS_SCHEMA).sort(schema.MMSI, schema.TS)
    frame = frame.unique([schema.MMSI, schema.TS], keep="first", maintain_order=True)
    path.mkdir(parents=True, exist_ok=True)
    frame.write_parquet(path / "positions.parquet")
    first = frame.group_by(schema.MMSI).agg(pl.col(schema.TS).min())
    vessels = first.with_columns(pl.format("BENCH {}", schema.MMSI).alias(schema.VESSEL_NAME))
    schema.conform(vessels, schema.VESSELS_SCHEMA).write_parquet(path / "vessels.parquet")


def cached_day(cache: Path, n_pos: int, n_ves: int) -> Path:
    path = cache / f"detect-{GEN_VERSION}-{n_pos}-{n_ves}"
    if not (path / "vessels.parquet").exists():
        t0 = time.perf_counter()
        generate(path, n_pos, n_ves)
        print(f"generated {path} in {time.perf_counter() - t0:.1f} s", flush=True)
    return path


# --- workers (fresh interpreter each) -------------------------------------------------------------


def _work_ours(day_dir: Path, out: Path) -> dict:
    import polars as pl

    from mda.detect import SpatialIndex, detect_day
    from mda.regions import load_regions

    region = load_regions(REPO / "config" / "regions.toml")[REGION]
    index = SpatialIndex.build(region.load_layers())
    t0 = time.perf_counter()
    positions = pl.scan_parquet(day_dir / "positions.parquet")
    vessels = pl.read_parquet(day_dir / "vessels.parquet")
    events = detect_day(positions, vessels, index, region.params, day=DAY, region=REGION)
    seconds = time.perf_counter() - t0
    events.write_parquet(out)
    by_type = dict(events.group_by("event_type").len().sort("event_type").iter_rows())
    return {"seconds": seconds, "events": events.height, "by_type": by_type}


def _work_mp(day_dir: Path, out: Path, sample: list[int]) -> dict:
    import warnings

    warnings.filterwarnings("ignore")
    import geopandas as gpd
    import movingpandas as mpd
    import pandas as pd
    import polars as pl

    pos = (
        pl.scan_parquet(day_dir / "positions.parquet")
        .filter(pl.col("mmsi").is_in(sample))
        .select("mmsi", "ts", "lat", "lon")
        .collect()
    )
    t0 = time.perf_counter()
    naive = pos.with_columns(pl.col("ts").dt.replace_time_zone(None))  # MovingPandas: naive
    df = pd.DataFrame({c: naive[c].to_numpy() for c in naive.columns})  # (no pyarrow here)
    gdf = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df.lon, df.lat), crs="EPSG:4326")
    tc = mpd.TrajectoryCollection(gdf, traj_id_col="mmsi", t="ts")
    stops = mpd.TrajectoryStopDetector(tc).get_stop_points(
        max_diameter=STOP_DIAMETER_M, min_duration=timedelta(hours=STOP_MIN_H)
    )
    seconds = time.perf_counter() - t0
    rows = [
        {
            "mmsi": int(r.traj_id),
            "start": r.start_time,
            "end": r.end_time,
            "lon": r.geometry.x,
            "lat": r.geometry.y,
        }
        for r in stops.itertuples()
    ]
    pl.DataFrame(rows, schema={"mmsi": pl.Int64, "start": pl.Datetime("us"),
                               "end": pl.Datetime("us"), "lon": pl.Float64,
                               "lat": pl.Float64}).write_parquet(out)  # fmt: skip
    return {"seconds": seconds, "stops": len(rows), "positions": pos.height}


def measure(job: str, day_dir: Path, out: Path, sample: list[int] | None = None) -> dict:
    """Run a worker in a fresh subprocess; its result includes its own peak RSS in MB."""
    arg = json.dumps(sample or [])
    cmd = [sys.executable, __file__, "--worker", job, str(day_dir), str(out), arg]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    stdout = proc.stdout.read() if proc.stdout else ""
    if proc.wait() != 0:
        raise SystemExit(f"worker {job} failed with status {proc.returncode}")
    return json.loads(stdout.strip().splitlines()[-1])


# --- agreement ------------------------------------------------------------------------------------


def agreement(events_path: Path, stops_path: Path, day_dir: Path, sample: list[int]) -> dict:
    """Our loitering events vs MovingPandas stops on the sampled vessels (shore rule on both)."""
    import polars as pl

    from mda.detect import SpatialIndex
    from mda.regions import load_regions

    region = load_regions(REPO / "config" / "regions.toml")[REGION]
    index = SpatialIndex.build(region.load_layers())
    min_shore_m = region.params.loitering.min_shore_distance_nm * 1852.0
    ours = (
        pl.read_parquet(events_path)
        .filter((pl.col("event_type") == "loitering") & pl.col("mmsi").is_in(sample))
        .select(
            "mmsi",
            pl.col("start_time").dt.replace_time_zone(None).alias("start"),
            pl.col("end_time").dt.replace_time_zone(None).alias("end"),
        )
        .with_row_index("ours_id")
    )
    stops = pl.read_parquet(stops_path)
    shore = [index.shore_distance_m(r["lon"], r["lat"]) for r in stops.iter_rows(named=True)]
    far = [d is None or d >= min_shore_m for d in shore]
    stops = stops.filter(pl.Series(far, dtype=pl.Boolean)).with_row_index("mp_id")
    pairs = ours.join(stops, on="mmsi", suffix="_mp").filter(
        (pl.col("start") <= pl.col("end_mp")) & (pl.col("end") >= pl.col("start_mp"))
    )
    overlap = pairs.select(
        (pl.min_horizontal("end", "end_mp") - pl.max_horizontal("start", "start_mp"))
        .dt.total_seconds()
        .sum()
        / 3600
    ).item()
    unmatched = stops.join(pairs.select("mp_id").unique(), on="mp_id", how="anti")
    pos = pl.scan_parquet(day_dir / "positions.parquet").filter(pl.col("mmsi").is_in(sample))
    sog = (
        pos.with_columns(pl.col("ts").dt.replace_time_zone(None))
        .join(unmatched.lazy(), on="mmsi")
        .filter(pl.col("ts").is_between(pl.col("start"), pl.col("end")))
        .group_by("mp_id")
        .agg(pl.col("sog_kn").mean().alias("mean_sog"))
        .collect()
    )

    def hours(df):
        return df.select((pl.col("end") - pl.col("start")).dt.total_seconds().sum() / 3600).item()

    return {
        "ours": ours.height, "mp": stops.height,
        "ours_matched": pairs["ours_id"].n_unique(), "mp_matched": pairs["mp_id"].n_unique(),
        "mp_unmatched_moving": int((sog["mean_sog"] >= 2.0).sum()),
        "overlap_h": overlap or 0.0, "ours_h": hours(ours) or 0.0, "mp_h": hours(stops) or 0.0,
    }  # fmt: skip


def _share(a: float, b: float) -> str:
    return f"{a / b:.3f}" if b else "n/a"


def report(ours: dict, mp: dict, agree: dict, n_pos: int, n_ves: int, sample: int) -> None:
    mp_full = mp["seconds"] * n_ves / sample
    print(f"\ndetect_day, full day: {n_pos:,} positions, {n_ves:,} vessels")
    print(f"  ours: {ours['seconds']:.2f} s  peak RSS {ours['peak_mb']:.0f} MB  "
          f"{ours['events']} events {ours['by_type']}")  # fmt: skip
    print(f"  MovingPandas TrajectoryStopDetector on {sample} sampled vessels "
          f"({mp['positions']:,} positions): {mp['seconds']:.2f} s  peak RSS "
          f"{mp['peak_mb']:.0f} MB  {mp['stops']} stops")  # fmt: skip
    print(f"  MovingPandas extrapolated linearly per vessel to {n_ves:,} vessels: {mp_full:.0f} s "
          "(stop detection only; ours runs every detector)")  # fmt: skip
    print(f"RESULT ours_s = {ours['seconds']:.3f}")
    print(f"RESULT ours_peak_mb = {ours['peak_mb']:.0f}")
    print(f"RESULT mp_extrapolated_s = {mp_full:.3f}")
    print(f"RESULT ratio_mp_over_ours = {mp_full / ours['seconds']:.2f}")
    print(f"\nagreement on the {sample} sampled vessels (loitering vs stops >= {STOP_MIN_H:.0f} h "
          f"within {STOP_DIAMETER_M:.0f} m, both >= 5 nm from shore):")  # fmt: skip
    print(
        f"  our loitering events {agree['ours']}, matched by a stop {agree['ours_matched']}"
        f"  -> precision vs MovingPandas {_share(agree['ours_matched'], agree['ours'])}"
    )
    print(
        f"  MovingPandas stops   {agree['mp']}, matched by an event {agree['mp_matched']}"
        f"  -> recall vs MovingPandas {_share(agree['mp_matched'], agree['mp'])}"
    )
    print(
        f"  MovingPandas stops not matched whose vessel averaged >= 2 kn during the stop "
        f"(slow tows turning back within the diameter): {agree['mp_unmatched_moving']}"
    )
    print(
        f"  time: overlap {agree['overlap_h']:.1f} h of our {agree['ours_h']:.1f} h "
        f"({_share(agree['overlap_h'], agree['ours_h'])}) and of MovingPandas's "
        f"{agree['mp_h']:.1f} h ({_share(agree['overlap_h'], agree['mp_h'])})"
    )
    print(f"RESULT agree_precision = {_share(agree['ours_matched'], agree['ours'])}")
    print(f"RESULT agree_recall = {_share(agree['mp_matched'], agree['mp'])}")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--worker":
        job, day_dir, out, sample = argv[1], Path(argv[2]), Path(argv[3]), json.loads(argv[4])
        got = _work_ours(day_dir, out) if job == "ours" else _work_mp(day_dir, out, sample)
        # the worker's own high-water mark: a forked child's wait4 rusage can carry the
        # parent's earlier children's peak (measured: MovingPandas showed the previous job's)
        got["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(got, default=str))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--positions", type=int, default=10_000_000)
    ap.add_argument("--vessels", type=int, default=5_000)
    ap.add_argument("--mp-sample", type=int, default=100, help="vessels given to MovingPandas")
    ap.add_argument("--quick", action="store_true", help="300,000 positions, 300 vessels")
    ap.add_argument("--cache-dir", type=Path, default=Path(tempfile.gettempdir()) / "mda-bench")
    args = ap.parse_args(argv)
    n_pos, n_ves, n_mp = (300_000, 300, 20) if args.quick else (
        args.positions, args.vessels, args.mp_sample)  # fmt: skip
    day_dir = cached_day(args.cache_dir, n_pos, n_ves)
    import polars as pl

    mmsis = pl.read_parquet(day_dir / "vessels.parquet")["mmsi"].to_numpy()
    sample = sorted(int(m) for m in np.random.default_rng(7).choice(mmsis, n_mp, replace=False))
    with tempfile.TemporaryDirectory(prefix="mda-bench-out-") as tmp:
        events, stops = Path(tmp) / "events.parquet", Path(tmp) / "stops.parquet"
        ours = measure("ours", day_dir, events)
        mp = measure("mp", day_dir, stops, sample)
        agree = agreement(events, stops, day_dir, sample)
    n_pos_real = pl.scan_parquet(day_dir / "positions.parquet").select(pl.len()).collect().item()
    report(ours, mp, agree, n_pos_real, len(mmsis), n_mp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
