"""Fishing-activity model against real labelled tracks: precision, recall, F1 per gear.

    uv run python bench/fishing_eval.py [--data ../shared/data] [--model FILE] [--sample N]

Real data (never copied into the repository; read from MDA_SHARED_DATA or --data):

* fishing/ices_scotland_creel/example_data_fishing.txt: 5 Scottish creel (pot) vessels,
  GPS fixes every 60 s, 2,226 positions labelled by observers as hauling, shooting
  (= fishing) or steaming (= not fishing). No SOG or COG: the model uses implied speed and
  course. Gear FPO (pots).
* fishing/adriatic/: 6 anonymised Adriatic trawlers (datatest.csv: MMSI, time, lon, lat,
  SOG; no COG). Per-position labels exist for one vessel only (data_labelled.xlsx, MMSI 2,
  June 2018, 1,750 positions); gear.xlsx gives its gear, TBB (beam trawl). Those labels
  are the MAPSirbim workflow's own classification (k-means speed clusters per gear; for TBB
  cluster 5 is fishing, as in its ``identify_fishing_points``), validated by the authors
  at the gear level, not by observers per position. The .xlsx files are read with the
  standard library (zip + XML), so openpyxl is not needed. The other five vessels have no
  labels: only the share of positions the model calls fishing is printed for them.

Reference point: Skylight reports 71 % precision for its fishing model (on its own data).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import polars as pl

from mda.detect.fishing import P_FISHING
from mda.detect.fishing_model import (
    BUNDLED_PATH,
    FishingModel,
    load_model,
    predict_fishing,
)
from mda.schema import COG_DEG, LAT, LON, MMSI, SOG_KN, TS

REPO = Path(__file__).resolve().parents[1]
XLSX_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
LABEL, GEAR = "label", "gear"
SKYLIGHT_PRECISION = 0.71
TBB_FISHING_CLUSTER = 5  # MAPSirbim identify_fishing_points: TBB fishing is k-means cluster 5


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
    """Scottish creel positions: mmsi, ts, lat, lon, sog_kn, cog_deg (null), label, gear."""
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
        pl.lit("FPO (creel)").alias(GEAR),
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
    """Labelled Adriatic positions: mmsi, ts, label, gear (gear per vessel and month)."""
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
        pl.col("tbb").cast(pl.Float64),
    ).join(gear, on=[MMSI, "start_month"], how="inner")
    # only TBB is labelled in the release; other gears would use their own cluster number
    out = out.filter(pl.col(GEAR) == "TBB")
    return out.select(MMSI, TS, (pl.col("tbb") == TBB_FISHING_CLUSTER).alias(LABEL), GEAR)


def scores(labelled: pl.DataFrame, threshold: float = 0.5) -> pl.DataFrame:
    """Per gear: positions, share fishing, precision, recall, F1 (``label`` vs p_fishing)."""
    pred = pl.col(P_FISHING) >= threshold
    y = pl.col(LABEL)
    tp, fp, fn = (pred & y).sum(), (pred & ~y).sum(), (~pred & y).sum()
    out = labelled.group_by(GEAR).agg(
        pl.len().alias("positions"),
        y.mean().alias("share_fishing"),
        tp.alias("tp"),
        fp.alias("fp"),
        fn.alias("fn"),
    )
    p = pl.col("tp") / (pl.col("tp") + pl.col("fp"))
    r = pl.col("tp") / (pl.col("tp") + pl.col("fn"))
    return (
        out.with_columns(p.alias("precision"), r.alias("recall"))
        .with_columns(
            (
                2
                * pl.col("precision")
                * pl.col("recall")
                / (pl.col("precision") + pl.col("recall"))
            ).alias("f1")
        )
        .fill_nan(0.0)
        .sort(GEAR)
    )


def evaluate(root: Path, model: FishingModel, sample: int | None = None) -> pl.DataFrame:
    """Scores per gear on the creel and Adriatic labelled positions (first ``sample`` per set)."""
    creel = load_creel(root)
    adriatic = load_adriatic_positions(root)
    labels = load_adriatic_labels(root)
    if sample:
        creel = creel.head(sample)
        labels = labels.head(sample)
        adriatic = adriatic.filter(pl.col(MMSI).is_in(labels[MMSI].unique().to_list()))
    creel_p = predict_fishing(creel.lazy(), model)
    adr_p = predict_fishing(adriatic.lazy(), model).join(labels, on=[MMSI, TS], how="inner")
    cols = [MMSI, TS, P_FISHING, LABEL, GEAR]
    return scores(pl.concat([creel_p.select(cols), adr_p.select(cols)]))


def unlabelled_shares(root: Path, model: FishingModel) -> pl.DataFrame:
    """Share of positions called fishing per unlabelled Adriatic vessel (no ground truth)."""
    pos = load_adriatic_positions(root)
    labelled = load_adriatic_labels(root)[MMSI].unique().to_list()
    pred = predict_fishing(pos.filter(~pl.col(MMSI).is_in(labelled)).lazy(), model)
    return (
        pred.group_by(MMSI)
        .agg(
            pl.len().alias("positions"),
            (pl.col(P_FISHING) >= 0.5).mean().alias("share_called_fishing"),
        )
        .sort(MMSI)
    )


def _print(table: pl.DataFrame) -> None:
    print(f"{'gear':<14}{'positions':>10}{'fishing':>9}{'precision':>11}{'recall':>8}{'F1':>7}")
    for r in table.iter_rows(named=True):
        print(
            f"{r[GEAR]:<14}{r['positions']:>10}{r['share_fishing']:>9.0%}"
            f"{r['precision']:>11.2f}{r['recall']:>8.2f}{r['f1']:>7.2f}"
        )
    total = table.select(pl.col("tp", "fp", "fn").sum()).row(0, named=True)
    precision = total["tp"] / max(total["tp"] + total["fp"], 1)
    print(f"PRECISION all = {precision:.2f} (Skylight reports {SKYLIGHT_PRECISION:.2f})")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(os.environ.get("MDA_SHARED_DATA", REPO.parent / "shared" / "data"))
    ap.add_argument("--data", type=Path, default=default, help="the shared data folder")
    ap.add_argument("--model", type=Path, default=BUNDLED_PATH, help="fishing model file")
    ap.add_argument("--sample", type=int, default=None, help="first N labelled positions per set")
    args = ap.parse_args(argv)
    if not (args.data / "fishing").is_dir():
        print(f"no fishing data under {args.data}", file=sys.stderr)
        return 2
    model = load_model(args.model)
    print(f"model {model.version} ({model.trained_on})")
    _print(evaluate(args.data, model, args.sample))
    print("\nunlabelled Adriatic vessels (no ground truth; share of positions called fishing):")
    for r in unlabelled_shares(args.data, model).iter_rows(named=True):
        print(f"  vessel {r[MMSI]}: {r['positions']} positions, {r['share_called_fishing']:.0%}")
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    sys.exit(main())
