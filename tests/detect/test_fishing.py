"""fishing_in_zone: movement features, the classifier, the detector and its hard negatives."""

from __future__ import annotations

import importlib.util
import json
import pickle
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import shapely
from typer.testing import CliRunner

from mda.cli.fishing import app as fishing_app
from mda.detect import SpatialIndex, detect_day
from mda.detect.fishing import FEATURES, WEIGHT, movement_features, zones_in_force
from mda.detect.fishing_model import (
    FishingModel,
    bundled_model,
    load_model,
    predict_proba,
    read_labels,
    sample_weights,
    save_model,
    thin,
    train_simulated,
)
from mda.detect.params import DetectParams, FishingParams, params_from_dict
from mda.errors import ConfigError, InputFileError
from mda.reference import ReferenceLayers, Zone
from mda.schema import VESSELS_SCHEMA, empty
from mda.sim import concat_tracks, make_loiter, make_track, track_end
from mda.sim.fishing import FISHING, simulate_labelled, simulate_track

REPO = Path(__file__).resolve().parents[2]
DAY = date(2024, 3, 5)
T0 = datetime(2024, 3, 5, 1, tzinfo=UTC)
BOAT = 265_000_101
# A closure in force all winter: 19.0-19.6 E, 57.0-57.3 N (open water, no land layer).
CLOSURE = Zone(
    "Test winter closure",
    "fishing_closure",
    shapely.box(19.0, 57.0, 19.6, 57.3),
    valid_from=datetime(2024, 1, 1, tzinfo=UTC),
    valid_to=datetime(2024, 5, 1, tzinfo=UTC),
)
KM_LAT = 1 / 111.2  # degrees of latitude per km


def tows(lat: float, *, mmsi: int = BOAT, speed: float = 3.5) -> pl.DataFrame:
    """An otter trawler towing east-west along ``lat`` (four tows of ~2.3 h at 3.5 kn,
    turning at the ends), with GNSS noise, 30 s reports."""
    pts = [(19.1, lat), (19.35, lat), (19.1, lat - 0.002), (19.35, lat - 0.004), (19.1, lat)]
    return make_track(
        mmsi, pts, speed, T0, interval_s=30, jitter_m=5, sog_sd_kn=0.2, cog_sd_deg=3, seed=1
    )


def detect(df: pl.DataFrame, zones: tuple[Zone, ...] = (CLOSURE,), **kw) -> pl.DataFrame:
    index = SpatialIndex.build(ReferenceLayers(zones=zones))
    ev = detect_day(
        df.lazy(), empty(VESSELS_SCHEMA), index, DetectParams(**kw), day=DAY, region="t"
    )
    return ev.filter(pl.col("event_type") == "fishing_in_zone")


# -- features and simulator ---------------------------------------------------------------


def test_features_straight_tow_vs_drift():
    """Straightness is ~1 on a straight tow and clearly lower while wandering."""
    tow = make_track(BOAT, [(19.0, 57.0), (19.3, 57.0)], 3.5, T0, interval_s=30)
    drift = make_loiter(BOAT + 1, 19.0, 57.5, T0, 2, 0.6, turn_sd_deg=40, seed=2)
    f = movement_features(pl.concat([tow, drift]).lazy()).collect()
    assert set(FEATURES) <= set(f.columns) and f.height == tow.height + drift.height
    last = f.group_by("mmsi").agg(pl.col("b60m_straightness", "b60m_speed_mean").last())
    r = dict(zip(last["mmsi"], last["b60m_straightness"], strict=True))
    assert r[BOAT] > 0.99 and r[BOAT + 1] < 0.6
    speed = dict(zip(last["mmsi"], last["b60m_speed_mean"], strict=True))
    assert speed[BOAT] == pytest.approx(3.5, abs=0.05)


def test_features_use_implied_speed_and_course_without_sog_cog():
    tow = make_track(BOAT, [(19.0, 57.0), (19.3, 57.0)], 4.0, T0, interval_s=60)
    bare = tow.with_columns(pl.lit(None).cast(pl.Float32).alias(c) for c in ("sog_kn", "cog_deg"))
    f = movement_features(bare.lazy()).collect()
    assert f["speed_kn"][5:].mean() == pytest.approx(4.0, rel=0.02)
    assert f["b30m_straightness"][5:].min() > 0.99


# One tow and its turn, the same movement reported every 10 s, 60 s and 6 min, with 5 m GNSS
# jitter and no SOG/COG (implied values) or with them.
FEATURE_CHECKS = ("c60m_speed_mean", "c60m_net_speed", "c60m_straightness", "b30m_share_slow")


@pytest.mark.parametrize("reported", [True, False])
def test_features_do_not_depend_on_the_reporting_interval(reported: bool):
    pts = [(19.0, 57.0), (19.2, 57.0), (19.0, 57.004)]
    frames = {}
    for interval in (10, 60, 360):
        df = make_track(BOAT, pts, 3.5, T0, interval_s=interval, jitter_m=5, seed=1)
        if not reported:
            bare = (pl.lit(None).cast(pl.Float32).alias(c) for c in ("sog_kn", "cog_deg"))
            df = df.with_columns(bare)
        f = movement_features(df.lazy()).collect()
        # compare at the same instants: every 30 minutes, mid-track
        frames[interval] = f.filter(pl.col("ts").dt.minute().is_in([0, 30])).group_by_dynamic(
            "ts", every="30m").agg(pl.col(FEATURE_CHECKS).first())  # fmt: skip
    base = frames[60]
    for interval in (10, 360):
        other = frames[interval].join(base, on="ts", suffix="_60")
        assert other.height >= 4
        # 6-minute reports move a window's edges by up to 3 minutes (5 % of the 60-minute
        # centred window): at the turn that is up to ~0.3 kn of net speed
        tolerance = 0.1 if interval < 60 else 0.3
        for c in FEATURE_CHECKS:
            diff = (other[c] - other[f"{c}_60"]).abs().max()
            assert diff < tolerance, (interval, c, diff)


def test_turn_and_stop_features():
    """At the end of a tow the course reverses (turn ~180 degrees); a stop is seen coming."""
    pts = [(19.0, 57.0), (19.2, 57.0), (19.0, 57.0005)]
    tow = make_track(BOAT, pts, 3.5, T0, interval_s=60)
    lon, lat, t = track_end(tow)
    stop = make_loiter(BOAT, lon, lat, t + timedelta(seconds=60), 1.0, 0.0, interval_s=60)
    f = movement_features(concat_tracks(tow, stop).lazy()).collect()
    assert f["turn30m_deg"].max() > 150
    # the first leg (~1.9 h east) until 30 min before its end: straight on
    assert f.filter(pl.col("ts") < T0 + timedelta(hours=1.3))["turn30m_deg"].max() < 10
    before = f.filter(pl.col("ts") == t)
    assert before["until_stop_min"][0] <= 1.0 and before["since_stop_min"][0] == 240.0


def test_training_rows_are_thinned_to_one_per_minute():
    fast = make_track(BOAT, [(19.0, 57.0), (19.1, 57.0)], 3.5, T0, interval_s=10)
    f = movement_features(fast.lazy()).collect()
    t = thin(f)
    assert t.height == pytest.approx(f.height / 6, rel=0.05)
    assert t[WEIGHT].sum() == pytest.approx(f[WEIGHT].sum())


def test_sample_weights_balance_time_per_class():
    f = pl.DataFrame({WEIGHT: [1.0, 1.0, 1.0, 6.0]})
    w = sample_weights(f, np.array([True, True, True, False]))
    assert w[:3].sum() == pytest.approx(w[3:].sum())


def test_simulator_is_seeded_and_labelled():
    a = simulate_track(BOAT, "OTB", T0, seed=3)
    assert a.equals(simulate_track(BOAT, "OTB", T0, seed=3))
    feats = movement_features(a.lazy()).collect()  # SOG may be missing: implied speed then
    trawling = feats.filter(pl.col("behaviour") == "trawling")
    assert trawling[FISHING].all() and trawling.height > 100
    assert 2.5 <= trawling["speed_kn"].median() <= 4.5
    none = simulate_track(BOAT, "none", T0, seed=4)
    assert not none[FISHING].any()


def test_simulated_creel_boats_haul_slowly_and_steam_slowly():
    """Creel (FPO) trips as observed in Scotland: hauling at 0.2-1.5 kn, short hops between
    strings at cruising speed (5-9 kn for these boats, not fishing), shooting ~3.5-7 kn."""
    sim = pl.concat([simulate_track(BOAT + i, "FPO", T0, seed=i, interval_s=60) for i in range(6)])
    by = sim.group_by("behaviour").agg(pl.col("sog_kn").median(), pl.col(FISHING).all())
    med = dict(zip(by["behaviour"], by["sog_kn"], strict=True))
    fishing = dict(zip(by["behaviour"], by[FISHING], strict=True))
    assert med["hauling"] < 1.5 and 3.5 <= med["shooting"] <= 7.0 and 4.0 <= med["steaming"] <= 9.5
    assert fishing["hauling"] and fishing["shooting"] and not fishing["steaming"]


def test_simulated_tracks_have_reception_gaps():
    gaps = 0
    for i in range(10):
        df = simulate_track(BOAT + i, "OTB", T0, seed=i, interval_s=60)
        gaps += int((df["ts"].diff().dt.total_minutes() >= 10).any())
    assert 1 <= gaps <= 8  # GAP_SHARE of tracks (0.4), seeded


# -- the model ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_model() -> FishingModel:
    return train_simulated(n_tracks=24, seed=1)


def test_model_round_trip_and_feature_check(small_model, tmp_path):
    path = tmp_path / "m.pkl"
    save_model(small_model, path)
    again = load_model(path)
    assert again.version == "sim-1-24" and again.features == FEATURES
    payload = pickle.loads(path.read_bytes())
    payload["features"] = ["speed_kn"]
    path.write_bytes(pickle.dumps(payload))
    with pytest.raises(ConfigError, match="other features"):
        load_model(path)
    (tmp_path / "junk.pkl").write_bytes(b"not a pickle")
    with pytest.raises(ConfigError, match="cannot read"):
        load_model(tmp_path / "junk.pkl")


def test_bundled_model_is_small_and_loads():
    model = bundled_model()
    assert model.features == FEATURES and model.version.startswith("sim-")
    assert (REPO / "mda" / "detect" / "models" / "fishing_hgb.pkl").stat().st_size < 2_000_000


def test_bundled_model_separates_held_out_simulated_tracks():
    """On tracks from another seed than training, most positions are classified right."""
    feats = movement_features(simulate_labelled(n_tracks=24, seed=99).lazy()).collect()
    p = bundled_model().pipeline.predict_proba(feats.select(FEATURES).to_numpy())[:, 1]
    accuracy = ((p >= 0.5) == feats[FISHING].to_numpy()).mean()
    assert accuracy > 0.85


# -- the detector ---------------------------------------------------------------------------


def test_trawling_inside_closure_is_one_event():
    ev = detect(tows(57.15))
    assert ev.height == 1
    row = ev.row(0, named=True)
    evidence = json.loads(row["evidence"])
    assert evidence["zone"] == "Test winter closure" and evidence["zone_kind"] == "fishing_closure"
    assert evidence["mean_p_fishing"] >= 0.5 and evidence["share_of_fishing_run_in_zone"] > 0.9
    assert evidence["model_version"] == bundled_model().version
    assert row["duration_h"] > 5 and 0 <= row["score"] <= 1
    assert "Test winter closure" in row["explanation"] and "fishing closure" in row["explanation"]


def test_trawler_just_outside_closure_does_not_fire():
    """Towing the same pattern 1 km south of the closure edge (57.0 N)."""
    assert detect(tows(57.0 - 1.0 * KM_LAT)).is_empty()


def test_closure_not_in_force_does_not_fire():
    summer = Zone(
        "Summer closure",
        "fishing_closure",
        CLOSURE.geometry,
        valid_from=datetime(2024, 6, 1, tzinfo=UTC),
        valid_to=datetime(2024, 9, 1, tzinfo=UTC),
    )
    assert zones_in_force((summer,), FishingParams(), T0, T0 + timedelta(days=1)) == ()
    assert detect(tows(57.15), zones=(summer,)).is_empty()


def test_zone_kind_that_allows_fishing_does_not_fire():
    corridor = Zone("Cable corridor", "cable_protection", CLOSURE.geometry)
    assert detect(tows(57.15), zones=(corridor,)).is_empty()


def test_kinds_are_configurable():
    corridor = Zone("Cable corridor", "cable_protection", CLOSURE.geometry)
    params = params_from_dict({"fishing": {"forbidden_kinds": ["cable_protection"]}})
    assert params.fishing.forbidden_kinds == ("cable_protection",)
    ev = detect(tows(57.15), zones=(corridor,), fishing=params.fishing)
    assert ev.height == 1


def _steam_then_slow(turn_sd_deg: float) -> pl.DataFrame:
    steam = make_track(BOAT, [(18.8, 57.1), (19.4, 57.2)], 12.0, T0, interval_s=30, seed=2)
    lon, lat, t = track_end(steam)
    slow = make_loiter(BOAT, lon, lat, t + timedelta(seconds=30), 3.5, 0.6, seed=3,
                       speed_range_kn=(0.2, 1.2), turn_sd_deg=turn_sd_deg)  # fmt: skip
    return concat_tracks(steam, slow)


def test_steaming_and_drifting_inside_closure_do_not_fire():
    """A transit at 12 kn across the closure, then 3.5 h drifting (meandering) inside it (the
    demo's closure loiterer): neither is fishing."""
    assert detect(_steam_then_slow(turn_sd_deg=30.0)).is_empty()


def test_hours_of_slow_straight_movement_inside_closure_fire():
    """The same hours at 0.2-1.2 kn but on a nearly straight course move like hauling a
    longline or a string of creels: reported (the documented caveat: movement alone does not
    tell this from a straight drift)."""
    track = _steam_then_slow(turn_sd_deg=6.0)
    ev = detect(track)
    assert ev.height == 1 and ev["event_type"][0] == "fishing_in_zone"
    mean_p = json.loads(ev["evidence"][0])["mean_p_fishing"]
    assert 0.6 <= mean_p < 0.99
    strict = params_from_dict({"fishing": {"min_mean_probability": 0.99}}).fishing
    assert detect(track, fishing=strict).is_empty()  # the run's mean P must reach the bar


def test_short_fishing_inside_is_not_an_event():
    """Only ~15 min of the tow inside the closure: below min_duration_h (0.5 h)."""
    lat = 57.0 - 1.0 * KM_LAT
    pts = [(19.1, lat), (19.2, lat), (19.21, 57.005), (19.22, lat), (19.35, lat)]
    df = make_track(BOAT, pts, 3.5, T0, interval_s=30, jitter_m=5, sog_sd_kn=0.2, seed=1)
    assert detect(df).is_empty()


# -- labels and the CLI --------------------------------------------------------------------


def _labels_csv(path: Path) -> Path:
    sim = simulate_labelled(n_tracks=14, seed=5)
    sim.select(
        "mmsi", pl.col("ts").dt.to_string("%Y-%m-%dT%H:%M:%S%.fZ"), "lat", "lon", "sog_kn",
        "cog_deg", pl.when(pl.col(FISHING)).then(pl.lit("fishing")).otherwise(pl.lit("not fishing"))
        .alias("label"), "gear",
    ).write_csv(path)  # fmt: skip
    return path


def test_cli_trains_on_user_labels(tmp_path):
    labels = _labels_csv(tmp_path / "labels.csv")
    out = tmp_path / "model.pkl"
    result = CliRunner().invoke(fishing_app, ["--labels", str(labels), "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["version"] == "user:labels.csv"
    assert load_model(out).trained_on.endswith("labelled positions")


def test_cli_refuses_bad_labels(tmp_path):
    bad = tmp_path / "bad.csv"
    pl.DataFrame({"mmsi": [1], "ts": ["2024-03-05T00:00:00Z"], "lat": [57.0]}).write_csv(bad)
    with pytest.raises(InputFileError, match="lacks column"):
        read_labels(bad)
    result = CliRunner().invoke(fishing_app, ["--labels", str(bad), "--out", str(tmp_path / "m")])
    assert result.exit_code != 0 and "lacks column" in result.output
    result = CliRunner().invoke(fishing_app, ["--out", str(tmp_path / "m")])
    assert result.exit_code != 0 and "--labels FILE, --simulated, or both" in result.output


def test_cli_trains_on_user_labels_plus_simulator(tmp_path):
    labels = _labels_csv(tmp_path / "labels.csv")
    out = tmp_path / "model.pkl"
    args = ["--labels", str(labels), "--simulated", "--tracks", "12", "--seed", "3"]
    result = CliRunner().invoke(fishing_app, [*args, "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    model = load_model(out)
    assert model.version == "user:labels.csv+sim-3-12"
    assert "+ simulated: 12 tracks, seed 3" in model.trained_on


# -- real data ------------------------------------------------------------------------------


def _bench():
    spec = importlib.util.spec_from_file_location(
        "fishing_eval", REPO / "bench" / "fishing_eval.py"
    )
    assert spec is not None and spec.loader is not None
    fe = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fe)
    return fe


def test_bench_metrics():
    fe = _bench()
    y = np.array([True, True, False, False])
    m = fe.metrics(y, np.array([0.9, 0.6, 0.4, 0.1]))
    assert m == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "auc": 1.0}
    m = fe.metrics(y, np.ones(4))  # always fishing: precision = base rate, AUC 0.5
    assert m["precision"] == 0.5 and m["recall"] == 1.0 and m["auc"] == 0.5


@pytest.mark.realdata
def test_real_labelled_tracks_load_with_their_labels(shared_data):
    fe = _bench()
    creel, adriatic = fe.creel_dataset(shared_data), fe.adriatic_dataset(shared_data)
    assert creel.features.height == 2226 and creel.features["group"].n_unique() == 5
    assert adriatic.features.height == 1750 and adriatic.features["group"].n_unique() == 7
    assert 0.55 < creel.features["label"].mean() < 0.65
    assert set(FEATURES) <= set(adriatic.features.columns)


@pytest.mark.realdata
def test_bundled_model_beats_the_base_rate_on_observer_labelled_creel(shared_data):
    """The creel labels are observers' (hauling/shooting vs steaming) and the bundled model
    never saw them: it must separate them well (AUC) and beat always-fishing on F1."""
    fe = _bench()
    creel = fe.creel_dataset(shared_data).features
    y = creel["label"].to_numpy()
    model = fe.metrics(y, predict_proba(bundled_model(), creel))
    always = fe.metrics(y, np.ones(len(y)))
    assert model["auc"] > 0.75 and model["f1"] > always["f1"] and model["precision"] > 0.7
