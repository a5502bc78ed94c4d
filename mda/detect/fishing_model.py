"""The fishing-activity classifier: training, saving, loading, prediction.

This is the only module of the fishing detector that imports scikit-learn. The model is a
scikit-learn ``Pipeline`` ending in a ``HistGradientBoostingClassifier`` over the movement
features of :mod:`mda.detect.fishing` (it accepts missing values natively). It is saved
with ``pickle`` together with the feature list, a model version and the scikit-learn
version used; loading checks that the feature list matches this code and warns when the
scikit-learn version differs. Pickle runs code when loaded: load only model files you made
or trust.

The bundled model (``mda/detect/models/fishing_hgb.pkl``) was made by
``mda fishing train --simulated`` (``train_simulated()``: ``simulate_labelled(n_tracks=360,
seed=7)`` from :mod:`mda.sim.fishing`, classifier seed 0).
"""

from __future__ import annotations

import logging
import pickle
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from mda.detect.exprs import SEG_ID
from mda.detect.fishing import (
    FEATURES,
    P_FISHING,
    WEIGHT,
    detect_fishing_in_zone,
    movement_features,
    near_zones,
    zone_of_positions,
    zones_in_force,
)
from mda.detect.params import FishingParams
from mda.errors import ConfigError, InputFileError
from mda.reference import Zone
from mda.schema import COG_DEG, LAT, LON, MMSI, SOG_KN, TS

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

log = logging.getLogger(__name__)

FORMAT = 1  # layout of the saved file
BUNDLED_PATH = Path(__file__).parent / "models" / "fishing_hgb.pkl"
LABEL = "label"  # training-file column: fishing / not fishing (or true/false, 1/0)
GEAR = "gear"  # optional training-file column, kept for per-gear figures
SIM_TRACKS = 360
SIM_SEED = 7
FISHING_WORDS = {"fishing", "true", "1", "yes", "hauling", "shooting", "setting"}
NOT_FISHING_WORDS = {"not fishing", "not_fishing", "false", "0", "no", "steaming"}


def _sklearn_version() -> str:
    # scikit-learn is imported where it is used: importing it takes a second or more, and
    # most commands (`mda ingest`, a DAG file being parsed) never use it
    import sklearn

    return str(sklearn.__version__)


@dataclass(frozen=True)
class FishingModel:
    """A trained classifier and what it was trained on."""

    pipeline: Any  # sklearn Pipeline with predict_proba
    version: str  # e.g. "sim-7-360" or "user:labels.csv"
    features: tuple[str, ...] = FEATURES
    sklearn_version: str = field(default_factory=_sklearn_version)
    trained_on: str = ""  # one line: where the labels came from, how many positions


def _classifier(seed: int) -> Pipeline:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.pipeline import Pipeline

    hgb = HistGradientBoostingClassifier(
        max_iter=200,
        max_leaf_nodes=15,
        learning_rate=0.05,
        min_samples_leaf=200,
        l2_regularization=1.0,
        random_state=seed,
    )
    return Pipeline([("hgb", hgb)])


def sample_weights(features: pl.DataFrame, labels: np.ndarray) -> np.ndarray:
    """Training weight per position: the minutes it stands for (WEIGHT), so a track
    reporting every 10 s counts as much per hour as one reporting every 6 min, times a class
    weight that gives fishing and not fishing equal total time (P = 0.5 is then the
    prior-free boundary)."""
    w = features[WEIGHT].fill_null(0.0).fill_nan(0.0).to_numpy().astype(float)
    y = labels.astype(bool)
    total = w.sum()
    for cls in (True, False):
        share = w[y == cls].sum() / total if total > 0 else 0.0
        if share > 0:
            w[y == cls] *= 0.5 / share
    return w


def thin(features: pl.DataFrame) -> pl.DataFrame:
    """One row per track and minute (the first), carrying the minute's total WEIGHT.

    Training only: features are computed on every report first, so a track reporting every
    10 s gives the same rows and weights as one reporting every minute, in a sixth of the
    rows (training time grows with rows, not with information).
    """
    tracks = [c for c in (MMSI, SEG_ID) if c in features.columns]
    minute = pl.col(TS).dt.truncate("1m")
    return (
        features.with_columns(pl.col(WEIGHT).sum().over(*tracks, minute).alias("_wsum"))
        .filter(pl.int_range(pl.len()).over(*tracks, minute) == 0)
        .with_columns(pl.col("_wsum").alias(WEIGHT))
        .drop("_wsum")
    )


def train(
    features: pl.DataFrame, labels: np.ndarray, *, version: str, trained_on: str, seed: int = 0
) -> FishingModel:
    """Fit the classifier on FEATURES columns of ``features`` (with WEIGHT) and boolean
    ``labels``, weighted by ``sample_weights``."""
    if len(np.unique(labels)) < 2:
        raise ConfigError(
            "the training labels hold only one class; give positions both fishing and not fishing"
        )
    x = features.select(FEATURES).to_numpy()
    weights = sample_weights(features, labels)
    pipeline = _classifier(seed).fit(x, labels.astype(bool), hgb__sample_weight=weights)
    return FishingModel(pipeline=pipeline, version=version, trained_on=trained_on)


def simulated_features(
    n_tracks: int = SIM_TRACKS, seed: int = SIM_SEED, gears: Sequence[str] | None = None
) -> pl.DataFrame:
    """FEATURES, WEIGHT and ``label`` of ``simulate_labelled(n_tracks, seed, gears)``,
    thinned to one row per track and minute (``thin``)."""
    from mda.sim.fishing import FISHING, simulate_labelled

    sim = simulate_labelled(n_tracks=n_tracks, seed=seed, gears=gears)
    feats = movement_features(sim.lazy()).collect()
    return thin(feats.rename({FISHING: LABEL}))


def train_simulated(
    n_tracks: int = SIM_TRACKS, seed: int = SIM_SEED, gears: Sequence[str] | None = None
) -> FishingModel:
    """Train on the simulator's labelled behaviours (deterministic for a given seed)."""
    feats = simulated_features(n_tracks, seed, gears)
    which = f", gears {'/'.join(gears)}" if gears else ""
    trained_on = f"simulated: {n_tracks} tracks, seed {seed}{which}, {feats.height} positions"
    return train(
        feats, feats[LABEL].to_numpy(), version=f"sim-{seed}-{n_tracks}", trained_on=trained_on
    )


def read_labels(path: Path) -> pl.DataFrame:
    """A user's labelled positions (Parquet or CSV) with a boolean ``label`` column.

    Required columns: mmsi, ts (UTC), lat, lon, label (fishing / not fishing, true/false,
    1/0); optional sog_kn, cog_deg, gear. Raises InputFileError naming what is missing.
    """
    if not path.exists():
        raise InputFileError(f"label file {path} does not exist")
    df = pl.read_parquet(path) if path.suffix == ".parquet" else pl.read_csv(path)
    missing = {MMSI, TS, LAT, LON, LABEL} - set(df.columns)
    if missing:
        raise InputFileError(
            f"label file {path} lacks column(s) {sorted(missing)}; expected mmsi, ts, lat, "
            "lon, label (fishing/not fishing) and optionally sog_kn, cog_deg, gear"
        )
    return _normalise_labels(df, path)


def _normalise_labels(df: pl.DataFrame, path: Path) -> pl.DataFrame:
    words = df[LABEL].cast(pl.String).str.strip_chars().str.to_lowercase()
    unknown = set(words.unique().to_list()) - FISHING_WORDS - NOT_FISHING_WORDS
    if unknown:
        raise InputFileError(
            f"label file {path}: unknown label value(s) {sorted(map(str, unknown))[:5]}; "
            "use 'fishing' or 'not fishing'"
        )
    ts = pl.col(TS)
    if df.schema[TS] == pl.String:
        ts = ts.str.to_datetime(time_zone="UTC")
    elif getattr(df.schema[TS], "time_zone", None) is None:
        raise InputFileError(f"label file {path}: ts has no time zone; give UTC times")
    out = df.with_columns(
        ts.dt.convert_time_zone("UTC").alias(TS),
        words.is_in(sorted(FISHING_WORDS)).alias(LABEL),
        *(pl.lit(None, pl.Float64).alias(c) for c in (SOG_KN, COG_DEG) if c not in df.columns),
    )
    return out.with_columns(pl.col(SOG_KN, COG_DEG, LAT, LON).cast(pl.Float64))


def labelled_features(labelled: pl.DataFrame) -> pl.DataFrame:
    """FEATURES, WEIGHT and ``label`` of a user's labelled positions (see ``read_labels``),
    thinned to one row per track and minute (``thin``)."""
    return thin(movement_features(labelled.lazy()).collect())


def train_from_labels(
    labelled: pl.DataFrame,
    *,
    source: str,
    seed: int = 0,
    simulated: int = 0,
    sim_seed: int = SIM_SEED,
) -> FishingModel:
    """Train on a user's labelled positions (see ``read_labels``); with ``simulated`` > 0,
    also on that many simulated tracks (``sim_seed``), both weighted per hour of track."""
    feats = labelled_features(labelled)
    trained_on = f"{source}: {labelled.height} labelled positions"
    version = f"user:{Path(source).name}"
    if simulated:
        sim = simulated_features(simulated, sim_seed)
        trained_on += f" + simulated: {simulated} tracks, seed {sim_seed}, {sim.height} rows"
        version += f"+sim-{sim_seed}-{simulated}"
        cols = [*FEATURES, WEIGHT, LABEL]
        feats = pl.concat([feats.select(cols), sim.select(cols)], how="vertical_relaxed")
    return train(feats, feats[LABEL].to_numpy(), version=version, trained_on=trained_on, seed=seed)


def save_model(model: FishingModel, path: Path) -> None:
    """Write the model, its feature list and versions to ``path`` (pickle)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": FORMAT,
        "version": model.version,
        "features": list(model.features),
        "sklearn_version": model.sklearn_version,
        "trained_on": model.trained_on,
        "pipeline": model.pipeline,
    }
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL))
    tmp.replace(path)


def load_model(path: Path) -> FishingModel:
    """Read a model written by ``save_model``; checks format and feature list."""
    try:
        payload = pickle.loads(path.read_bytes())  # trusted model files only (see docstring)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError) as e:
        raise ConfigError(f"cannot read fishing model {path}: {e}") from e
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ConfigError(f"{path} is not an mda fishing model (format {FORMAT})")
    if tuple(payload["features"]) != FEATURES:
        raise ConfigError(
            f"fishing model {path} was trained on other features than this version of mda "
            "computes; retrain it with `mda fishing train`"
        )
    running = _sklearn_version()
    if payload["sklearn_version"] != running:
        log.warning(
            "fishing model %s was saved with scikit-learn %s, running %s: retrain if "
            "predictions look wrong",
            path,
            payload["sklearn_version"],
            running,
        )
    return FishingModel(
        pipeline=payload["pipeline"],
        version=payload["version"],
        sklearn_version=payload["sklearn_version"],
        trained_on=payload["trained_on"],
    )


@cache
def bundled_model() -> FishingModel:
    """The model shipped with mda (trained on the simulator), loaded once per process."""
    return load_model(BUNDLED_PATH)


def predict_proba(model: FishingModel, features: pl.DataFrame) -> np.ndarray:
    """P(fishing) for each row of a frame holding the FEATURES columns."""
    if features.is_empty():
        return np.zeros(0)
    x = features.select(FEATURES).to_numpy()
    return np.asarray(model.pipeline.predict_proba(x)[:, 1], dtype=float)


def predict_fishing(positions: pl.LazyFrame, model: FishingModel) -> pl.DataFrame:
    """Positions (sorted by track and time) with FEATURES and ``p_fishing``: one collect."""
    feats = movement_features(positions).collect()
    return feats.with_columns(pl.Series(P_FISHING, predict_proba(model, feats)))


def fishing_in_zone_candidates(
    positions: pl.LazyFrame,
    zones: Sequence[Zone],
    p: FishingParams,
    start: datetime,
    end: datetime,
    model: FishingModel | None = None,
) -> pl.LazyFrame | None:
    """``fishing_in_zone`` candidates for [start, end), or None when no forbidding zone is in
    force then. Only tracks near such a zone are classified (one collect)."""
    in_force = zones_in_force(zones, p, start, end)
    if not in_force:
        return None
    model = model or bundled_model()
    scored = predict_fishing(near_zones(positions, in_force), model)
    scored = scored.with_columns(zone_of_positions(scored, in_force, p))
    return detect_fishing_in_zone(scored.lazy(), in_force, p, model_version=model.version)
