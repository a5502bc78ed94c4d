"""The demo day: determinism, realism bounds, truth matching the data, quiet normal traffic."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest
import shapely
from shapely.geometry import LineString, Point, shape

from mda import schema
from mda.sim import REGION_BBOX, TRUTH_SCHEMA, SimDay, data_file, simulate_day
from tests.sim.conftest import DEMO_DAY, Shore, cable_lines

AIS_TEXT = set("@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_ !\"#$%&'()*+,-./0123456789:;<=>?")
DAY_START = datetime(2024, 3, 5, tzinfo=UTC)


def slow_far_windows(positions: pl.DataFrame, shore: Shore) -> pl.DataFrame:
    """Per vessel, 2-hour windows with mean SOG < 2 kn wholly >= 5 nm from land (loitering)."""
    pos = positions.sort("mmsi", "ts").with_columns(
        shore_nm=pl.Series(
            shore.nm(positions.sort("mmsi", "ts")["lon"], positions.sort("mmsi", "ts")["lat"])
        )
    )
    windows = pos.rolling("ts", period="2h", group_by="mmsi").agg(
        mean_sog=pl.col("sog_kn").mean(),
        min_shore_nm=pl.col("shore_nm").min(),
        span_h=(pl.col("ts").max() - pl.col("ts").min()).dt.total_seconds() / 3600,
    )
    return windows.filter(
        (pl.col("span_h") >= 1.95) & (pl.col("mean_sog") < 2.0) & (pl.col("min_shore_nm") >= 5.0)
    )


def test_same_seed_same_day_other_seed_other_day() -> None:
    a, b = simulate_day(DEMO_DAY, n_normal=12), simulate_day(DEMO_DAY, n_normal=12)
    assert a.positions.equals(b.positions) and a.vessels.equals(b.vessels)
    assert a.truth.equals(b.truth)
    c = simulate_day(DEMO_DAY, seed=7, n_normal=12)
    assert not c.positions.equals(a.positions)
    assert c.truth["scenario_id"].to_list() == a.truth["scenario_id"].to_list()


def test_tables_have_the_project_schemas(demo: SimDay) -> None:
    assert demo.positions.schema == pl.Schema(schema.POSITIONS_SCHEMA)
    assert demo.vessels.schema == pl.Schema(schema.VESSELS_SCHEMA)
    assert demo.truth.schema == pl.Schema(TRUTH_SCHEMA)
    assert demo.positions.select("mmsi", "ts").is_duplicated().sum() == 0
    assert set(demo.vessels["mmsi"]) == set(demo.positions["mmsi"])
    assert demo.vessels["mmsi"].is_unique().all()


def test_positions_lie_in_the_region_and_the_day(demo: SimDay) -> None:
    x0, y0, x1, y1 = REGION_BBOX
    p = demo.positions
    assert p["lon"].min() >= x0 and p["lon"].max() <= x1
    assert p["lat"].min() >= y0 and p["lat"].max() <= y1
    assert p["ts"].min() >= DAY_START and p["ts"].max() < DAY_START + timedelta(days=1)
    assert 50_000 < p.height < 300_000


def test_positions_are_at_sea(demo: SimDay, shore: Shore) -> None:
    sample = demo.positions.gather_every(7)
    assert (shore.nm(sample["lon"], sample["lat"]) > 0).all()


def test_traffic_has_the_documented_mix(
    demo: SimDay, demo_normal: pl.DataFrame, shore: Shore
) -> None:
    per = demo_normal.group_by("mmsi").agg(
        first=pl.col("ts").min(),
        last=pl.col("ts").max(),
        sog=pl.col("sog_kn").median(),
        class_b=(pl.col("msg_type") == 18).all(),
        anchored=pl.col("nav_status").is_in([1, 5]).all(),
    )
    assert per.height == 60
    assert per.filter(pl.col("class_b")).height >= 3
    assert per.filter(pl.col("anchored")).height >= 5
    assert per.filter(pl.col("first") > DAY_START + timedelta(hours=1)).height >= 5  # enter
    assert per.filter(pl.col("last") < DAY_START + timedelta(hours=23)).height >= 5  # leave
    transits = per.filter(~pl.col("class_b") & (pl.col("sog") > 6))["sog"]
    assert transits.min() >= 7.8 and transits.max() <= 18.2
    assert demo.positions["sog_kn"].max() <= 19.0
    # ships at anchor or moored are close to port, not at sea
    at_anchor = demo.positions.filter(pl.col("nav_status").is_in([1, 5]))
    assert shore.nm(at_anchor["lon"], at_anchor["lat"]).max() < 3.0
    # Class A under way ~30 s, at anchor 3 min
    steps = (
        demo_normal.sort("mmsi", "ts")
        .select(pl.col("ts").diff().over("mmsi").dt.total_seconds().alias("dt"), "nav_status")
        .drop_nulls()
    )
    assert steps.filter(pl.col("nav_status") == 0)["dt"].median() == 30
    assert steps.filter(pl.col("nav_status") == 1)["dt"].median() == 180


def test_vessel_particulars_are_plausible(demo: SimDay) -> None:
    v = demo.vessels
    assert v.filter(pl.col("vessel_name") == '<B>SEA & "STAR"</B>').height == 1
    for col in ("vessel_name", "call_sign", "destination"):
        for text in v[col].drop_nulls():
            assert set(text) <= AIS_TEXT and len(text) <= 20, text
    for imo in v["imo"].drop_nulls():
        d = [int(c) for c in str(imo)]
        check = sum(x * w for x, w in zip(d, range(7, 1, -1), strict=False)) % 10
        assert len(d) == 7 and check == d[6]
    assert v["mmsi"].is_between(201_000_000, 775_999_999).all()
    assert set(v["ais_class"]) == {"A", "B"}
    class_b = set(v.filter(pl.col("ais_class") == "B")["mmsi"])
    sent_b = set(demo.positions.filter(pl.col("msg_type") == 18)["mmsi"])
    assert class_b == sent_b
    assert demo.positions.filter(pl.col("msg_type") == 18)["nav_status"].null_count() > 0
    assert demo.positions["nav_status"].null_count() == len(
        demo.positions.filter(pl.col("msg_type") == 18)
    )
    assert v["length_m"].min() >= 5 and v["length_m"].max() <= 260


def test_truth_lists_the_injected_events(demo: SimDay) -> None:
    kinds = demo.truth.group_by("event_type").len()
    assert dict(kinds.iter_rows()) == {"loitering": 3, "ais_gap": 3}
    assert demo.truth["start_time"].min() >= DAY_START
    assert demo.truth["end_time"].max() < DAY_START + timedelta(days=1)
    assert (demo.truth["end_time"] > demo.truth["start_time"]).all()


def _track(demo: SimDay, mmsi: int) -> pl.DataFrame:
    return demo.positions.filter(pl.col("mmsi") == mmsi).sort("ts")


@pytest.mark.parametrize("sid", ["L1_cable_loiter", "L2_closure_loiter", "B1_drag_then_dark"])
def test_loiterers_really_loiter_far_from_shore(demo: SimDay, shore: Shore, sid: str) -> None:
    row = demo.truth.filter((pl.col("scenario_id") == sid) & (pl.col("event_type") == "loitering"))
    ev = row.row(0, named=True)
    track = _track(demo, ev["mmsi"])
    slow = track.filter(pl.col("ts").is_between(ev["start_time"], ev["end_time"]))
    hours = (ev["end_time"] - ev["start_time"]).total_seconds() / 3600
    assert 3.0 <= hours <= 6.0
    assert slow["sog_kn"].max() < 2.0 and slow["sog_kn"].min() >= 0.2
    assert slow["ts"].diff().max() <= timedelta(seconds=30)  # transmitted all along
    assert shore.nm(slow["lon"], slow["lat"]).min() > 20.0  # even GFW's 20 nm holds
    # just before and after, it is under way
    before = track.filter(pl.col("ts") < ev["start_time"]).tail(10)
    assert before["sog_kn"].min() > 5
    assert (ev["lon"], ev["lat"]) == pytest.approx((slow["lon"].mean(), slow["lat"].mean()))


def test_the_cable_loiterer_sits_on_a_cable_and_the_dragger_crosses_one(demo: SimDay) -> None:
    cables = cable_lines()
    l1 = demo.truth.filter(pl.col("scenario_id") == "L1_cable_loiter").row(0, named=True)
    km = min(c.distance(Point(l1["lon"], l1["lat"])) for c in cables.values()) * 111
    assert km < 3
    b1 = demo.truth.filter(
        (pl.col("scenario_id") == "B1_drag_then_dark") & (pl.col("event_type") == "loitering")
    ).row(0, named=True)
    drag = _track(demo, b1["mmsi"]).filter(
        pl.col("ts").is_between(b1["start_time"], b1["end_time"])
    )
    assert LineString(zip(drag["lon"], drag["lat"], strict=True)).intersects(
        cables["C-Lion1 (synthetic approximation)"]
    )


def test_l2_loiters_inside_the_closure_valid_that_day(demo: SimDay) -> None:
    zones = json.loads(data_file("zones").read_text())["features"]
    closure = next(z for z in zones if z["properties"]["name"].startswith("East Gotland"))
    assert closure["properties"]["valid_from"] <= "2024-03-05" < closure["properties"]["valid_to"]
    l2 = demo.truth.filter(pl.col("scenario_id") == "L2_closure_loiter").row(0, named=True)
    assert shape(closure["geometry"]).contains(Point(l2["lon"], l2["lat"]))


@pytest.mark.parametrize(
    ("sid", "hours"), [("G1_transit_gap_8h", 8), ("G2_cable_gap_14h", 14), ("B1_drag_then_dark", 7)]
)
def test_gaps_really_are_silent(demo: SimDay, sid: str, hours: float) -> None:
    ev = demo.truth.filter(
        (pl.col("scenario_id") == sid) & (pl.col("event_type") == "ais_gap")
    ).row(0, named=True)
    track = _track(demo, ev["mmsi"])
    assert ev["end_time"] - ev["start_time"] == timedelta(hours=hours)
    inside = track.filter(pl.col("ts").is_between(ev["start_time"], ev["end_time"], closed="none"))
    assert inside.height == 0
    last = track.filter(pl.col("ts") == ev["start_time"]).row(0, named=True)
    assert (last["lon"], last["lat"]) == (ev["lon"], ev["lat"])
    assert track.filter(pl.col("ts") == ev["end_time"]).height == 1
    # the only silence >= 6 h of this vessel is the injected one
    assert (track["ts"].diff().drop_nulls() >= timedelta(hours=6)).sum() == 1


def test_g2_straight_path_crosses_a_cable(demo: SimDay) -> None:
    ev = demo.truth.filter(pl.col("scenario_id") == "G2_cable_gap_14h").row(0, named=True)
    track = _track(demo, ev["mmsi"])
    nxt = track.filter(pl.col("ts") == ev["end_time"]).row(0, named=True)
    path = LineString([(ev["lon"], ev["lat"]), (nxt["lon"], nxt["lat"])])
    crossed = [name for name, c in cable_lines().items() if path.intersects(c)]
    assert "BCS East-West Interlink (synthetic approximation)" in crossed


def test_normal_traffic_has_no_gap_of_six_hours(demo_normal: pl.DataFrame) -> None:
    gaps = demo_normal.sort("mmsi", "ts").select(pl.col("ts").diff().over("mmsi")).drop_nulls()
    assert gaps["ts"].max() < timedelta(minutes=30)


def test_normal_traffic_never_loiters_at_sea(
    demo: SimDay, demo_normal: pl.DataFrame, shore: Shore
) -> None:
    assert slow_far_windows(demo_normal, shore).height == 0
    # the same check does see the injected loiterers (so it is not vacuous)
    anomalous = demo.positions.filter(pl.col("mmsi").is_in(list(demo.anomalous_mmsis)))
    found = set(slow_far_windows(anomalous, shore)["mmsi"])
    loiterers = set(demo.truth.filter(pl.col("event_type") == "loitering")["mmsi"])
    assert found == loiterers


def test_layers_are_valid_and_labelled_synthetic() -> None:
    cables = json.loads(data_file("cables").read_text())
    assert cables["type"] == "FeatureCollection"
    for f in cables["features"]:
        props = f["properties"]
        assert {"id", "name", "feature_id", "color"} <= props.keys()
        assert "synthetic" in props["name"] and "NOT the surveyed route" in props["note"]
        assert f["geometry"]["type"] == "MultiLineString"
    zones = json.loads(data_file("zones").read_text())
    assert {f["properties"]["kind"] for f in zones["features"]} == {
        "cable_protection",
        "mpa",
        "fishing_closure",
    }
    for f in zones["features"]:
        assert "synthetic" in f["properties"]["name"] and shape(f["geometry"]).is_valid
    land = json.loads(data_file("land").read_text())
    assert "COARSE" in land["properties"]["note"]
    names = {f["properties"]["name"] for f in land["features"]}
    assert {"Gotland", "Oland"} <= names
    for f in land["features"]:
        geom = shape(f["geometry"])
        assert geom.is_valid and shapely.get_num_coordinates(geom) - 1 <= 40, f["properties"]
    for (lon, lat), name in [((18.5, 57.5), "Gotland"), ((16.7, 56.8), "Oland")]:
        hit = [
            f["properties"]["name"]
            for f in land["features"]
            if shape(f["geometry"]).contains(Point(lon, lat))
        ]
        assert hit == [name]
    assert np.isfinite(REGION_BBOX).all()
