"""Fishing-activity model against real labelled tracks: precision, recall, F1 and AUC per
dataset and gear, next to base-rate baselines measured in the same run.

    uv run python bench/fishing_eval.py [--data ../shared/data] [--model FILE] [--quick]
    uv run python bench/fishing_eval.py --export-creel creel_labels.csv

Real data (never copied into the repository; read from MDA_SHARED_DATA or --data):

* fishing/ices_scotland_creel/example_data_fishing.txt (CC0 data, MIT repository): 5
  Scottish creel (pot) vessels, one trip each, GPS fixes every 60 s, 2,226 positions
  labelled by observers as hauling, shooting (= fishing) or steaming (= not fishing). No SOG
  or COG: the features use implied speed and course. Gear FPO (pots).
* fishing/adriatic/ (GPL-3.0; evaluation only, nothing trained on it is bundled): 6
  anonymised Adriatic trawlers (datatest.csv: MMSI, time, lon, lat, SOG; AIS thinned to
  3-6 min with real gaps). Per-position labels exist for one vessel only (data_labelled.xlsx,
  MMSI 2, June 2018, 7 trips, 1,750 positions; gear.xlsx: TBB, beam trawl). Those labels
  are NOT observations: they are the MAPSirbim workflow's own output (k-means of the
  smoothed SOG with fixed centroids per gear; for TBB cluster 5, around 6-8 kn, is fishing;
  cluster 2 marks points where the cluster changes or a block was not validated, cluster 1
  the point before a transmission gap). Any speed rule near the TBB centroids reproduces
  most of them; read the Adriatic figures as agreement with that algorithm. The other five
  vessels have no labels: only the share of positions called fishing is printed.

Rows of each table (threshold P(fishing) >= 0.5 everywhere; nothing is tuned on these data):

* always fishing: precision = base rate, recall 1, AUC 0.5.
* speed band: fishing when the 60-minute centred mean speed is inside the gear's band (set a
  priori from the simulator's gear table, GEAR_BANDS_KN, in the spirit of the Global Fishing
  Watch heuristic model: one-hour speed statistics). Its AUC is that of a yes/no score.
* model file: the bundled model (or --model), trained on the simulator only.
* simulator, gear known: trained in this run on the simulator's tracks of that gear and
  non-fishing tracks (what a per-gear model would give when the gear is known).
* real labels, leave-one-out: trained on the other vessels (creel; each vessel is one trip)
  or the other trips (Adriatic: one vessel), tested on the one left out; the out-of-fold
  predictions are pooled. "+ simulator" adds the simulated tracks to each training fold.
* other dataset: trained on all labels of the other real dataset (does it transfer?).

Reference point: Skylight reports 71 % precision for its fishing model (on its own data).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple
from xml.etree import ElementTree

import numpy as np
import polars as pl
from sklearn.metrics import roc_auc_score

from mda.detect.fishing import FEATURES, P_FISHING, WEIGHT, movement_features
from mda.detect.fishing_model import (
    BUNDLED_PATH,
    FishingModel,
    load_model,
    predict_fishing,
    predict_proba,
    simulated_features,
    train,
)
from mda.schema import COG_DEG, LAT, LON, MMSI, SOG_KN, TS

REPO = Path(__file__).resolve().parents[1]
XLSX_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
LABEL, GEAR, GROUP = "label", "gear", "group"
SKYLIGHT_PRECISION = 0.71
THRESHOLD = 0.5
TBB_FISHING_CLUSTER = 5  # MAPSirbim identify_fishing_points: TBB fishing is k-means cluster 5
# Fishing speed bands (kn) of the simulator's gear table (mda.sim.fishing), for the rule.
GEAR_BANDS_KN = {"OTB": (2.5, 4.5), "PTM": (3.0, 5.0), "TBB": (4.0, 8.0), "FPO": (0.3, 2.0)}
RULE_SPEED = "c30m_speed_mean"  # 60-minute centred time-weighted mean speed
SIM_TRACKS, SIM_SEED = 240, 7  # the in-run simulator models (--quick: 60)


class Dataset(NamedTuple):
    """Labelled real positions with their movement features."""

    name: str
    gear: str  # the gear code of GEAR_BANDS_KN
    left_out: str  # what leave-one-out leaves out: "vessel" or "trip"
    features: pl.DataFrame  # FEATURES, WEIGHT, label, group (vessel or trip id)


# -- reading the real data ------------------------------------------------------------------


def read_xlsx(path: Path) -> pl.DataFrame:
    """First sheet of an .xlsx file as strings/floats (header row = column names), stdlib only."""
    with zipfile.ZipFile(path) as z:
        strings = [
            "".join(t.text or "" for t in si.iter(f"{XLSX_NS}t"))
            for si in ElementTree.fromstring(z.read("xl/sharedStrings.xml"))
        ]
        sheet = ElementTree.fromstring(z.read("xl/worksheets/sheet1.xml"))
    rows: list[dict[str, str | float | None]] = []
    for row in sheet.iter(f"{XLSX_NS}row"):
        cells: dict[str, str | float | None] = {}
        for c in row.findall(f"{XLSX_NS}c"):
            col = re.match(r"[A-Z]+", c.get("r", "")).group()  # type: ignore[union-attr]
            v = c.find(f"{XLSX_NS}v")
            if v is None or v.text is None:
                cells[col] = None
            else:
                cells[col] = strings[int(v.text)] if c.get("t") == "s" else float(v.text)
        rows.append(cells)
    header = {k: str(v) for k, v in rows[0].items()}
    data = {name: [r.get(col) for r in rows[1:]] for col, name in header.items()}
    return pl.DataFrame(data, strict=False)


def load_creel(root: Path) -> pl.DataFrame:
    """Scottish creel positions: mmsi, ts, lat, lon, sog_kn, cog_deg (null), label, gear,
    behaviour (the observers' word)."""
    path = root / "fishing" / "ices_scotland_creel" / "example_data_fishing.txt"
    names = ["row", "vessel", TS, LON, LAT, "behaviour"]  # the header omits the row column
    df = pl.read_csv(path, has_header=False, skip_rows=1, new_columns=names)
    ids = {v: i + 1 for i, v in enumerate(sorted(df["vessel"].unique().to_list()))}
    return df.select(
        pl.col("vessel").replace_strict(ids, return_dtype=pl.Int64).alias(MMSI),
        pl.col(TS).str.to_datetime(time_zone="UTC"),
        pl.col(LAT).cast(pl.Float64),
        pl.col(LON).cast(pl.Float64),
        pl.lit(None, pl.Float64).alias(SOG_KN),
        pl.lit(None, pl.Float64).alias(COG_DEG),
        pl.col("behaviour").is_in(["hauling", "shooting"]).alias(LABEL),
        pl.lit("FPO").alias(GEAR),
        pl.col("behaviour"),
    )


def load_adriatic_positions(root: Path) -> pl.DataFrame:
    """All six Adriatic trawlers' positions (datatest.csv), no labels."""
    df = pl.read_csv(
        root / "fishing" / "adriatic" / "datatest.csv", schema_overrides={"MMSI": pl.String}
    )
    return df.select(
        pl.col("MMSI").cast(pl.Int64).alias(MMSI),
        pl.col("datetime").str.to_datetime(time_zone="UTC").alias(TS),
        pl.col("latitude").cast(pl.Float64).alias(LAT),
        pl.col("longitude").cast(pl.Float64).alias(LON),
        pl.col("speed").cast(pl.Float64).alias(SOG_KN),
        pl.lit(None, pl.Float64).alias(COG_DEG),
    ).unique([MMSI, TS], keep="first", maintain_order=True)


def load_adriatic_labels(root: Path) -> pl.DataFrame:
    """Labelled Adriatic positions: mmsi, ts, label, gear, trip, cluster (gear per vessel and
    month; only TBB is labelled in the release)."""
    base = root / "fishing" / "adriatic"
    labelled = read_xlsx(base / "data_labelled.xlsx")
    gear = read_xlsx(base / "gear.xlsx").select(
        pl.col("MMSI").cast(pl.Int64).alias(MMSI),
        pl.col("start_month").cast(pl.Int64),
        pl.col("gear").alias(GEAR),
    )
    out = labelled.select(
        pl.col("MMSI").cast(pl.Int64).alias(MMSI),
        pl.col("datetime").str.to_datetime(time_zone="UTC").alias(TS),
        pl.col("start_month").cast(pl.Int64),
        pl.col("trip").cast(pl.Int64),
        pl.col("tbb").cast(pl.Int64).alias("cluster"),
    ).join(gear, on=[MMSI, "start_month"], how="inner")
    out = out.filter(pl.col(GEAR) == "TBB")
    label = (pl.col("cluster") == TBB_FISHING_CLUSTER).alias(LABEL)
    return out.select(MMSI, TS, label, GEAR, "trip", "cluster")


def creel_dataset(root: Path) -> Dataset:
    creel = load_creel(root)
    feats = movement_features(creel.lazy()).collect()
    return Dataset("Scottish creel", "FPO", "vessel", feats.with_columns(pl.col(MMSI).alias(GROUP)))


def adriatic_dataset(root: Path) -> Dataset:
    """Features over each labelled vessel's whole track, then joined to the labels."""
    labels = load_adriatic_labels(root)
    pos = load_adriatic_positions(root).filter(pl.col(MMSI).is_in(labels[MMSI].unique().implode()))
    feats = movement_features(pos.lazy()).collect().join(labels, on=[MMSI, TS], how="inner")
    return Dataset("Adriatic beam trawl", "TBB", "trip", feats.rename({"trip": GROUP}))


# -- scoring --------------------------------------------------------------------------------


def metrics(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    """Precision, recall, F1 at THRESHOLD and ROC AUC of score ``p`` against labels ``y``."""
    pred = p >= THRESHOLD
    tp, fp, fn = int((pred & y).sum()), int((pred & ~y).sum()), int((~pred & y).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    auc = float(roc_auc_score(y, p)) if len(np.unique(p)) > 1 else 0.5
    return {"precision": precision, "recall": recall, "f1": f1, "auc": auc}


def _fit(parts: list[pl.DataFrame], name: str) -> FishingModel:
    cols = [*FEATURES, WEIGHT, LABEL]
    data = pl.concat([p.select(cols) for p in parts], how="vertical_relaxed")
    return train(data, data[LABEL].to_numpy(), version=name, trained_on=name)


def leave_one_out(ds: Dataset, extra: pl.DataFrame | None = None) -> np.ndarray:
    """Out-of-fold P(fishing): per group, a model trained on the other groups (+ ``extra``)."""
    f = ds.features
    p = np.zeros(f.height)
    for g in f[GROUP].unique().sort().to_list():
        test = (f[GROUP] == g).to_numpy()
        parts = [f.filter(~test)] + ([] if extra is None else [extra])
        p[test] = predict_proba(_fit(parts, f"without {g}"), f.filter(test))
    return p


Scorer = Callable[[Dataset], np.ndarray]


def scorers(
    model: FishingModel, sim: pl.DataFrame, data: dict[str, Dataset]
) -> list[tuple[str, Scorer]]:
    """(row name, function giving P(fishing) per labelled position) for every table row."""

    def band(ds: Dataset) -> np.ndarray:
        lo, hi = GEAR_BANDS_KN[ds.gear]
        return ds.features[RULE_SPEED].is_between(lo, hi).fill_null(False).to_numpy().astype(float)

    def gear_known(ds: Dataset) -> np.ndarray:
        own = sim.filter(pl.col("gear").is_in([ds.gear, "none"]))
        return predict_proba(_fit([own], f"sim {ds.gear}"), ds.features)

    def other(ds: Dataset) -> np.ndarray:
        rest = [d.features for d in data.values() if d.name != ds.name]
        return predict_proba(_fit(rest, "other"), ds.features)

    return [
        ("always fishing", lambda ds: np.ones(ds.features.height)),
        ("speed band (gear known)", band),
        (f"model file ({model.version})", lambda ds: predict_proba(model, ds.features)),
        ("simulator, gear known", gear_known),
        ("real labels, leave-one-out", leave_one_out),
        ("  + simulator", lambda ds: leave_one_out(ds, sim)),
        ("other real dataset", other),
    ]


def evaluate(
    data: dict[str, Dataset], model: FishingModel, sim: pl.DataFrame
) -> list[dict[str, object]]:
    """One row per (dataset, scorer): positions, base rate, P, R, F1, AUC, seconds."""
    rows: list[dict[str, object]] = []
    for name, score in scorers(model, sim, data):
        for ds in data.values():
            t0 = time.perf_counter()
            p = score(ds)
            y = ds.features[LABEL].to_numpy().astype(bool)
            rows.append(
                {"dataset": ds.name, "gear": ds.gear, "row": name, "positions": len(y),
                 "base_rate": float(y.mean()), **metrics(y, p),
                 "seconds": time.perf_counter() - t0, "p": p}
            )  # fmt: skip
    return rows


def unlabelled_shares(root: Path, model: FishingModel) -> pl.DataFrame:
    """Share of positions called fishing per unlabelled Adriatic vessel (no ground truth)."""
    pos = load_adriatic_positions(root)
    labelled = load_adriatic_labels(root)[MMSI].unique().implode()
    pred = predict_fishing(pos.filter(~pl.col(MMSI).is_in(labelled)).lazy(), model)
    return (
        pred.group_by(MMSI)
        .agg(pl.len().alias("positions"), (pl.col(P_FISHING) >= THRESHOLD).mean().alias("share"))
        .sort(MMSI)
    )


# -- printing -------------------------------------------------------------------------------


def _describe(ds: Dataset) -> str:
    f = ds.features
    dt = f.select(pl.col(TS).diff().dt.total_seconds().over(MMSI).median()).item()
    groups = f[GROUP].n_unique()
    return (
        f"{ds.name} ({ds.gear}): {f.height} labelled positions, {groups} {ds.left_out}s, "
        f"median interval {dt:.0f} s, {f[LABEL].mean():.0%} fishing"
    )


def print_tables(rows: list[dict[str, object]], data: dict[str, Dataset]) -> None:
    for ds in data.values():
        print(f"\n{_describe(ds)}")
        print(f"  {'':<34}{'precision':>10}{'recall':>8}{'F1':>7}{'AUC':>7}{'s':>6}")
        for r in (r for r in rows if r["dataset"] == ds.name):
            print(
                f"  {r['row']:<34}{r['precision']:>10.2f}{r['recall']:>8.2f}{r['f1']:>7.2f}"
                f"{r['auc']:>7.2f}{r['seconds']:>6.0f}"
            )


def print_adriatic_by_cluster(rows: list[dict[str, object]], ds: Dataset) -> None:
    """Share called fishing per MAPSirbim cluster: where the model and the algorithm differ."""
    clusters = ds.features["cluster"].to_numpy()
    print("\nAdriatic: share called fishing per MAPSirbim TBB cluster (5 = its 'fishing')")
    names = {1: "before gap", 2: "change/unvalidated", 3: "~0 kn", 4: "~2.5 kn", 5: "~6 kn",
             6: "~10 kn"}  # fmt: skip
    labels = [f"{c} {names.get(c, '')}" for c in sorted(set(clusters))]
    header = "".join(f"{label:>21}" for label in labels)
    print(f"  {'':<34}{header}")
    print(f"  {'positions':<34}" + "".join(
        f"{int((clusters == c).sum()):>21}" for c in sorted(set(clusters))))  # fmt: skip
    for r in (r for r in rows if r["dataset"] == ds.name and r["row"] != "always fishing"):
        p = np.asarray(r["p"]) >= THRESHOLD
        shares = "".join(f"{p[clusters == c].mean():>21.0%}" for c in sorted(set(clusters)))
        print(f"  {r['row']:<34}{shares}")


def export_creel(root: Path, out: Path) -> None:
    """The creel labels in the form `mda fishing train --labels` reads (CSV)."""
    creel = load_creel(root).select(
        MMSI, pl.col(TS).dt.to_string("%Y-%m-%dT%H:%M:%SZ"), LAT, LON, SOG_KN, COG_DEG,
        pl.when(LABEL).then(pl.lit("fishing")).otherwise(pl.lit("not fishing")).alias(LABEL),
        GEAR,
    )  # fmt: skip
    creel.write_csv(out)
    print(f"wrote {out}: {creel.height} labelled creel positions (CC0, Mendo et al. 2019)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(os.environ.get("MDA_SHARED_DATA", REPO.parent / "shared" / "data"))
    ap.add_argument("--data", type=Path, default=default, help="the shared data folder")
    ap.add_argument("--model", type=Path, default=BUNDLED_PATH, help="fishing model file")
    ap.add_argument("--quick", action="store_true", help=f"60 simulated tracks, not {SIM_TRACKS}")
    ap.add_argument("--export-creel", type=Path, help="write the creel labels as CSV and stop")
    args = ap.parse_args(argv)
    if not (args.data / "fishing").is_dir():
        print(f"no fishing data under {args.data}", file=sys.stderr)
        return 2
    if args.export_creel:
        export_creel(args.data, args.export_creel)
        return 0
    model = load_model(args.model)
    print(f"model file: {model.version} ({model.trained_on})")
    n = 60 if args.quick else SIM_TRACKS
    sim = simulated_features(n, SIM_SEED)
    print(f"in-run simulator models: {n} tracks, seed {SIM_SEED}, {sim.height} training rows")
    data = {d.name: d for d in (creel_dataset(args.data), adriatic_dataset(args.data))}
    rows = evaluate(data, model, sim)
    print_tables(rows, data)
    print_adriatic_by_cluster(rows, data["Adriatic beam trawl"])
    best = next(r for r in rows if r["row"].startswith("model file") and r["gear"] == "FPO")
    print(
        f"\nPRECISION creel, model file = {best['precision']:.2f} "
        f"(Skylight reports {SKYLIGHT_PRECISION:.2f} on its own data)"
    )
    print("\nunlabelled Adriatic vessels (no ground truth; share of positions called fishing):")
    for r in unlabelled_shares(args.data, model).iter_rows(named=True):
        print(f"  vessel {r[MMSI]}: {r['positions']} positions, {r['share']:.0%}")
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    sys.exit(main())
