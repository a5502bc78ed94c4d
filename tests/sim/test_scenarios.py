"""Benchmark scenario days: determinism, truth consistent with the data, placements at sea."""

from __future__ import annotations

import json
from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest
import shapely
from shapely.geometry import shape

from mda import schema
from mda.sim import REGION_BBOX, data_file
from mda.sim.scenarios import (
    HARD_NEGATIVES,
    NEGATIVES_SCHEMA,
    SCENARIO_TRUTH_SCHEMA,
    ScenarioDay,
    ScenarioMix,
    simulate_scenarios,
)
from tests.sim.conftest import Shore, cable_lines

DAY = date(2024, 3, 5)
MIX = ScenarioMix(n_normal=6)


@pytest.fixture(scope="module")
def day() -> ScenarioDay:
    return simulate_scenarios(DAY, seed=3, mix=MIX)


def _truth(day: ScenarioDay, prefix: str) -> list[dict]:
    rows = day.truth.filter(pl.col("scenario_id").str.starts_with(prefix))
    return list(rows.iter_rows(named=True))


def _positions(day: ScenarioDay, mmsi: int, t1, t2) -> pl.DataFrame:
    return day.positions.filter(
        (pl.col(schema.MMSI) == mmsi) & pl.col(schema.TS).is_between(t1, t2)
    ).sort(schema.TS)


def test_deterministic_for_a_seed_and_different_across_seeds() -> None:
    a = simulate_scenarios(DAY, seed=5, mix=ScenarioMix(n_normal=0))
    b = simulate_scenarios(DAY, seed=5, mix=ScenarioMix(n_normal=0))
    c = simulate_scenarios(DAY, seed=6, mix=ScenarioMix(n_normal=0))
    assert a.positions.equals(b.positions) and a.truth.equals(b.truth)
    assert not a.truth.equals(c.truth)


def test_schemas_and_counts(day: ScenarioDay) -> None:
    assert day.truth.schema == pl.Schema(SCENARIO_TRUTH_SCHEMA)
    assert day.negatives.schema == pl.Schema(NEGATIVES_SCHEMA)
    assert day.positions.schema == pl.Schema(schema.POSITIONS_SCHEMA)
    kinds = day.truth["scenario_id"].str.replace(r"_\d+(_[ab])?$", "").value_counts()
    counts = dict(kinds.iter_rows())
    # 2 loiterers + 2 per encounter (both drifting ships loiter by definition)
    assert counts["loitering"] == 2 and counts["encounter"] == 2 + 4
    assert counts["ais_gap"] == counts["anchor_drag"] == 2
    assert counts["shared_mmsi"] == counts["invalid_mmsi"] == counts["fishing_in_closure"] == 1
    assert sorted(day.negatives["negative"]) == sorted(HARD_NEGATIVES)


def test_everything_inside_the_day_and_region(day: ScenarioDay) -> None:
    p = day.positions
    x0, y0, x1, y1 = REGION_BBOX
    assert p[schema.LON].is_between(x0, x1).all() and p[schema.LAT].is_between(y0, y1).all()
    assert p[schema.TS].dt.date().unique().to_list() == [DAY]
    assert p.select(schema.MMSI, schema.TS).is_unique().all()


def test_loitering_truth_is_slow_and_offshore(day: ScenarioDay) -> None:
    shore = Shore()
    for row in _truth(day, "loitering"):
        piece = _positions(day, row[schema.MMSI], row[schema.START_TIME], row[schema.END_TIME])
        hours = (row[schema.END_TIME] - row[schema.START_TIME]).total_seconds() / 3600
        assert 2.4 <= hours <= 8.0
        assert piece[schema.SOG_KN].mean() < 1.3
        assert shore.nm(np.array([row[schema.LON]]), np.array([row[schema.LAT]]))[0] > 5.0


def test_gap_truth_is_a_silence_of_6_5_to_14_hours(day: ScenarioDay) -> None:
    for row in _truth(day, "ais_gap"):
        t1, t2 = row[schema.START_TIME], row[schema.END_TIME]
        inside = _positions(
            day, row[schema.MMSI], t1 + timedelta(seconds=1), t2 - timedelta(seconds=1)
        )
        assert inside.is_empty()
        assert 6.5 <= (t2 - t1).total_seconds() / 3600 <= 14.1
        assert not _positions(day, row[schema.MMSI], t2, t2).is_empty()


def test_encounter_pair_is_close_and_slow(day: ScenarioDay) -> None:
    for row in _truth(day, "encounter"):
        if row[schema.EVENT_TYPE] != "encounter":
            continue
        assert row[schema.MMSI] < row[schema.OTHER_MMSI]
        a = _positions(day, row[schema.MMSI], row[schema.START_TIME], row[schema.END_TIME])
        b = _positions(day, row[schema.OTHER_MMSI], row[schema.START_TIME], row[schema.END_TIME])
        near = a.join_asof(b, on=schema.TS, strategy="nearest", suffix="_b")
        dy = (near[schema.LAT] - near["lat_b"]) * 111_320
        dx = (near[schema.LON] - near["lon_b"]) * 111_320 * np.cos(np.radians(near[schema.LAT]))
        dist = np.hypot(dx, dy)
        assert np.median(dist) < 320 and a[schema.SOG_KN].max() < 1.0
        assert b[schema.SOG_KN].max() < 1.0


def test_anchor_drag_crosses_a_cable_at_reduced_speed(day: ScenarioDay) -> None:
    cables = shapely.union_all(list(cable_lines().values()))
    for row in _truth(day, "anchor_drag"):
        piece = _positions(day, row[schema.MMSI], row[schema.START_TIME], row[schema.END_TIME])
        line = shapely.linestrings(piece.select(schema.LON, schema.LAT).to_numpy())
        assert line.intersects(cables)
        assert 2.2 <= piece[schema.SOG_KN].median() <= 5.3
        diverge = (piece[schema.HEADING_DEG] - piece[schema.COG_DEG]).abs() % 360
        diverge = np.minimum(diverge, 360 - diverge)
        assert 35 <= float(np.median(diverge)) <= 95
        assert (piece[schema.NAV_STATUS] == 0).all()


def test_shared_mmsi_has_two_ships_far_apart_at_once(day: ScenarioDay) -> None:
    (row,) = _truth(day, "shared_mmsi")
    both = _positions(day, row[schema.MMSI], row[schema.START_TIME], row[schema.END_TIME])
    assert (row[schema.END_TIME] - row[schema.START_TIME]).total_seconds() > 3600
    spread_km = (both[schema.LAT].max() - both[schema.LAT].min()) * 111.32 + (
        both[schema.LON].max() - both[schema.LON].min()
    ) * 111.32 * 0.55
    assert spread_km > 50


def test_invalid_mmsi_is_a_placeholder_or_unallocated(day: ScenarioDay) -> None:
    (row,) = _truth(day, "invalid_mmsi")
    m = row[schema.MMSI]
    mid = m // 1_000_000
    blocks = ((201, 279), (301, 379), (401, 478), (501, 578), (601, 679), (701, 775))
    placeholder = m == 123456789 or m % 111_111_111 == 0 or m % 100_000_000 == 0
    assert placeholder or not any(lo <= mid <= hi for lo, hi in blocks)
    assert day.positions.filter(pl.col(schema.MMSI) == m).height >= 20


def test_hard_negatives_are_what_they_claim(day: ScenarioDay) -> None:
    neg = {r["negative"]: r for r in day.negatives.iter_rows(named=True)}
    gap = neg["reception_gap_30min"]
    silent = (gap[schema.END_TIME] - gap[schema.START_TIME]).total_seconds() / 60
    assert 25 <= silent <= 35
    slow = neg["cable_slowdown_15min"]
    assert 12 <= (slow[schema.END_TIME] - slow[schema.START_TIME]).total_seconds() / 60 <= 18
    fast = neg["fast_pass_300m"]
    for m in (fast[schema.MMSI], fast[schema.OTHER_MMSI]):
        assert day.positions.filter(pl.col(schema.MMSI) == m)[schema.SOG_KN].min() > 9
    assert neg["port_waiting_pair"][schema.OTHER_MMSI] is not None


WINTER = "East Gotland winter fishing closure (synthetic)"  # in force 2024-01-01 to 05-01
SUMMER = "Gotland Deep summer fishing closure (synthetic)"  # in force 2024-06-01 to 09-01


def _zone(name: str) -> shapely.Geometry:
    doc = json.loads(data_file("zones").read_text(encoding="utf-8"))
    (geom,) = (shape(ft["geometry"]) for ft in doc["features"] if ft["properties"]["name"] == name)
    return geom


def _inside(piece: pl.DataFrame, zone: shapely.Geometry) -> np.ndarray:
    return shapely.contains_xy(zone, piece[schema.LON].to_numpy(), piece[schema.LAT].to_numpy())


def _assert_otb_tow(day: ScenarioDay, mmsi: int, t1, t2, zone: shapely.Geometry) -> None:
    tow = _positions(day, mmsi, t1, t2)
    assert 1.4 <= (t2 - t1).total_seconds() / 3600 <= 4.05
    assert _inside(tow, zone).all()
    assert 2.3 <= tow[schema.SOG_KN].median() <= 4.7 and tow[schema.SOG_KN].max() < 5.5
    assert (tow[schema.NAV_STATUS] == 7).all()
    ship = day.vessels.filter(pl.col(schema.MMSI) == mmsi)
    assert ship[schema.SHIP_TYPE].to_list() == [30] and ship[schema.VESSEL_NAME][0]
    before = _positions(day, mmsi, t1 - timedelta(hours=1), t1 - timedelta(seconds=1))
    assert before.is_empty() or before[schema.SOG_KN].median() > 7  # steamed in


def test_fishing_truth_is_a_trawl_tow_inside_the_closure_in_force(day: ScenarioDay) -> None:
    (row,) = _truth(day, "fishing_in_closure")
    assert row[schema.EVENT_TYPE] == "fishing_in_zone"
    t1, t2 = row[schema.START_TIME], row[schema.END_TIME]
    _assert_otb_tow(day, row[schema.MMSI], t1, t2, _zone(WINTER))


def test_out_of_season_tow_is_a_negative_inside_the_summer_closure(day: ScenarioDay) -> None:
    (neg,) = day.negatives.filter(pl.col("negative") == "trawl_in_closure_out_of_season").rows(
        named=True
    )
    t1, t2 = neg[schema.START_TIME], neg[schema.END_TIME]
    _assert_otb_tow(day, neg[schema.MMSI], t1, t2, _zone(SUMMER))
    assert neg[schema.MMSI] not in day.truth[schema.MMSI].to_list()


def test_seasons_swap_truth_and_negative_in_summer() -> None:
    summer = simulate_scenarios(date(2024, 7, 10), seed=4, mix=ScenarioMix(n_normal=0))
    fishing = summer.truth.filter(pl.col(schema.EVENT_TYPE) == "fishing_in_zone")
    assert fishing["scenario_id"].to_list() == ["trawl_in_closure_out_of_season_1"]
    (row,) = fishing.rows(named=True)
    tow = _positions(summer, row[schema.MMSI], row[schema.START_TIME], row[schema.END_TIME])
    assert _inside(tow, _zone(SUMMER)).all()
    assert "fishing_in_closure_out_of_season" in summer.negatives["negative"].to_list()


@pytest.mark.parametrize("seed", [11, 17, 18])  # 17, 18 tow inside it unconstrained
def test_random_tows_stay_out_of_closures_in_force(seed: int) -> None:
    """Only the fishing_in_closure vessel tows (nav_status 7) inside the closure in force."""
    day = simulate_scenarios(DAY, seed=seed, mix=ScenarioMix(n_normal=0))
    (truth_mmsi,) = day.truth.filter(pl.col(schema.EVENT_TYPE) == "fishing_in_zone")[schema.MMSI]
    towing = day.positions.filter(
        (pl.col(schema.NAV_STATUS) == 7) & (pl.col(schema.MMSI) != truth_mmsi)
    )
    assert towing.height > 1000  # gap towing variant, trawl_across_cable, trawl_outside_closure
    assert not _inside(towing, _zone(WINTER)).any()
