"""Scenario benchmark: precision and recall of every detector against simulated ground truth.

    uv run python bench/scenario_bench.py [--days 20] [--seed 1] [--quick]

Each day is ``mda.sim.scenarios.simulate_scenarios`` (injected events of every type at random
places and times, hard negatives, normal traffic) run through the real pipeline function
``mda.detect.detect_day`` with the ``baltic_demo`` region of ``config/regions.toml`` (its
layers and parameter overrides). Events are matched to truth with ``mda.evaluate.evaluate``
(same type, same MMSI, overlapping time); encounters must also have the same unordered pair.
A detected event matching no truth row is a false alarm; each is listed with where its vessel
came from (an injected scenario, a hard negative, or normal traffic). See bench/README.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import polars as pl

from mda.detect import SpatialIndex, detect_day
from mda.evaluate import evaluate
from mda.regions import load_regions
from mda.schema import (
    EVENT_ID,
    EVENT_TYPE,
    EXPLANATION,
    MMSI,
    OTHER_MMSI,
    START_TIME,
)
from mda.sim.scenarios import NEGATIVE, ScenarioDay, ScenarioMix, simulate_scenarios

REPO = Path(__file__).resolve().parents[1]
REGION = "baltic_demo"
TYPES = ("loitering", "ais_gap", "encounter", "anchor_drag", "identity_conflict", "fishing_in_zone")
TARGET_RECALL, TARGET_PRECISION = 0.95, 0.90
EXTRA_NEGATIVES = (
    "trawl_across_cable",
    "trawl_in_closure_out_of_season",
)  # hard negatives beyond the list


def origins(sim: ScenarioDay) -> dict[int, str]:
    """MMSI -> where the vessel comes from (scenario id, hard-negative name, or normal)."""
    out = {m: "normal traffic" for m in sim.normal_mmsis}
    for table, label in ((sim.negatives, NEGATIVE), (sim.truth, "scenario_id")):
        for row in table.iter_rows(named=True):
            for m in (row[MMSI], row[OTHER_MMSI]):
                if m is not None:
                    out.setdefault(m, row[label])
    return out


def run_day(sim: ScenarioDay, index: SpatialIndex, params) -> pl.DataFrame:
    """The pipeline's detect_day over one simulated day."""
    return detect_day(sim.positions.lazy(), sim.vessels, index, params, day=sim.day, region=REGION)


def negatives_fired(sim: ScenarioDay, events: pl.DataFrame) -> list[dict]:
    """One row per hard negative: which event types fired on its vessels that day."""
    rows = []
    for neg in sim.negatives.iter_rows(named=True):
        ships = {neg[MMSI], neg[OTHER_MMSI]} - {None}
        hit = events.filter(pl.col(MMSI).is_in(ships) | pl.col(OTHER_MMSI).is_in(ships))
        rows.append(
            {"day": sim.day, NEGATIVE: neg[NEGATIVE], "fired": sorted(set(hit[EVENT_TYPE]))}
        )
    return rows


def _ratio(a: int, b: int) -> float | None:
    return a / b if b else None


def _fmt(x: float | None) -> str:
    return "  n/a" if x is None else f"{x:5.3f}"


def summary_table(counts: pl.DataFrame) -> list[dict]:
    rows = []
    for t in TYPES:
        c = counts.filter(pl.col(EVENT_TYPE) == t)
        injected, detected, tp, fp = (
            (int(c[k][0]) if c.height else 0)
            for k in ("truth", "detected", "matched_truth", "false_alarms")
        )
        precision, recall = _ratio(detected - fp, detected), _ratio(tp, injected)
        f1 = (
            2 * precision * recall / (precision + recall)
            if precision and recall
            else (0.0 if precision is not None and recall is not None else None)
        )
        rows.append(
            dict(
                type=t,
                injected=injected,
                detected=detected,
                tp=tp,
                fp=fp,
                precision=precision,
                recall=recall,
                f1=f1,
            )
        )
    return rows


def print_summary(rows: list[dict], tag: str = "TYPE") -> None:
    print(f"\n{'type':<18} {'injected':>8} {'detected':>8} {'TP':>5} {'FP':>4} "
          f"{'precision':>9} {'recall':>7} {'F1':>6}  target")  # fmt: skip
    for r in rows:
        ok = (r["recall"] or 0) >= TARGET_RECALL and (r["precision"] or 0) >= TARGET_PRECISION
        print(f"{r['type']:<18} {r['injected']:>8} {r['detected']:>8} {r['tp']:>5} {r['fp']:>4} "
              f"{_fmt(r['precision']):>9} {_fmt(r['recall']):>7} {_fmt(r['f1']):>6}  "
              f"{'met' if ok else 'MISSED'}")  # fmt: skip
    for r in rows:  # machine-readable lines (tests/test_detect_bench_smoke.py)
        print(f"{tag} {r['type']} injected={r['injected']} detected={r['detected']} tp={r['tp']} "
              f"fp={r['fp']} precision={_fmt(r['precision']).strip()} "
              f"recall={_fmt(r['recall']).strip()} f1={_fmt(r['f1']).strip()}")  # fmt: skip


def print_recall_by_scenario(truth: pl.DataFrame, missed: pl.DataFrame) -> None:
    kind = pl.col("scenario_id").str.split("/").list.last().str.replace(r"_\d+(_[ab])?$", "")
    implied = pl.col("note").str.starts_with("implied")
    label = pl.when(implied).then(pl.format("{} (implied by encounter)", kind)).otherwise(kind)
    t = truth.with_columns(label.alias("kind")).group_by("kind").len()
    m = missed.with_columns(label.alias("kind")).group_by("kind").len().rename({"len": "missed"})
    print("\nrecall by scenario kind:")
    for row in t.join(m, on="kind", how="left").fill_null(0).sort("kind").iter_rows(named=True):
        print(f"  {row['kind']:<40} {row['len'] - row['missed']:>4} / {row['len']:<4}")


def print_negatives(fired: list[dict]) -> None:
    table = pl.DataFrame(fired)
    print("\nhard negatives (days on which any event fired on their vessels):")
    for name in table[NEGATIVE].unique(maintain_order=True):
        sub = table.filter(pl.col(NEGATIVE) == name)
        hits = sub.filter(pl.col("fired").list.len() > 0)
        types = sorted({t for ts in hits["fired"] for t in ts})
        print(f"  {name:<24} fired {hits.height:>3} / {sub.height:<3} {', '.join(types)}")
        print(f"NEGATIVE {name} fired={hits.height} total={sub.height}")


def print_details(missed: pl.DataFrame, false_alarms: pl.DataFrame, limit: int) -> None:
    print(f"\nmissed truth rows ({missed.height}):")
    for r in missed.head(limit).iter_rows(named=True):
        print(f"  {r['scenario_id']:<34} {r[EVENT_TYPE]:<18} {r['note']}")
    print(f"\nfalse alarms ({false_alarms.height}), by where the vessel came from:")
    by = false_alarms.group_by(EVENT_TYPE, "origin").len().sort(EVENT_TYPE, "len")
    for r in by.iter_rows(named=True):
        print(f"  {r[EVENT_TYPE]:<18} {r['origin']:<34} {r['len']}")
    for r in false_alarms.head(limit).iter_rows(named=True):
        print(f"  - {r['day']} [{r['origin']}] {r[EXPLANATION]}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--start", type=date.fromisoformat, default=date(2024, 3, 1))
    ap.add_argument("--quick", action="store_true", help="3 days, 20 normal vessels each")
    ap.add_argument("--show", type=int, default=25, help="missed/false alarms listed at most")
    args = ap.parse_args(argv)
    days = 3 if args.quick else args.days
    mix = ScenarioMix(n_normal=20) if args.quick else ScenarioMix()
    region = load_regions(REPO / "config" / "regions.toml")[REGION]
    index = SpatialIndex.build(region.load_layers())
    truths, events_all, fired = [], [], []
    t_sim = t_det = 0.0
    for i in range(days):
        t0 = time.perf_counter()
        sim = simulate_scenarios(args.start + timedelta(days=i), seed=args.seed * 1000 + i, mix=mix)
        t1 = time.perf_counter()
        events = run_day(sim, index, region.params)
        t_det += time.perf_counter() - t1
        t_sim += t1 - t0
        origin = origins(sim)
        day_id = pl.format("{}/{}", pl.lit(str(sim.day)), "scenario_id")
        truths.append(sim.truth.with_columns(day_id.alias("scenario_id")))
        events_all.append(
            events.with_columns(
                pl.lit(sim.day).alias("day"),
                pl.col(MMSI)
                .replace_strict(origin, default="unknown", return_dtype=pl.String)
                .alias("origin"),
                pl.col(EVENT_ID) + f"/{sim.day}",
            )
        )
        fired += negatives_fired(sim, events)
        print(f"day {sim.day}: {sim.positions.height:,} positions, {sim.vessels.height} vessels, "
              f"{sim.truth.height} truth rows, {events.height} events", flush=True)  # fmt: skip
    truth, events = pl.concat(truths), pl.concat(events_all)
    ev = evaluate(events, truth)
    false_alarms = events.join(ev.false_alarms.select(EVENT_ID), on=EVENT_ID, how="semi")
    print(f"\n{days} days, seed {args.seed}: simulation {t_sim:.1f} s, detect_day {t_det:.1f} s")
    rows = summary_table(ev.counts)
    print_summary(rows)
    within = events.filter(~pl.col("origin").is_in(EXTRA_NEGATIVES))
    ev_within = evaluate(within, truth)
    print(f"\nwithout events on the extra hard negatives {', '.join(EXTRA_NEGATIVES)}:")
    print_summary(summary_table(ev_within.counts), tag="WITHIN")
    print_recall_by_scenario(truth, ev.missed)
    print_negatives(fired)
    print_details(ev.missed, false_alarms.sort("day", START_TIME), args.show)
    return 0


if __name__ == "__main__":
    sys.exit(main())
