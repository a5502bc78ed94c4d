"""Track factories: geometry, timing, quantisation, pieces."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest
from pyproj import Geod

from mda import schema
from mda.errors import MdaError
from mda.sim import (
    clip_time,
    concat_tracks,
    drop_between,
    make_anchored,
    make_loiter,
    make_track,
    track_end,
)

T0 = datetime(2024, 3, 5, 6, 0, tzinfo=UTC)
GEOD = Geod(ellps="WGS84")
WAYPOINTS = [(18.0, 56.0), (19.0, 56.5), (19.0, 57.0)]


def _step_speeds_kn(track: pl.DataFrame) -> np.ndarray:
    lon, lat = track["lon"].to_numpy(), track["lat"].to_numpy()
    dist = GEOD.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])[2]
    dt = np.diff(track["ts"].dt.epoch("us").to_numpy()) / 1e6
    return dist / dt / (1852 / 3600)


def test_make_track_follows_waypoints_at_the_given_speed() -> None:
    track = make_track(265000001, WAYPOINTS, 12.0, T0, interval_s=10)
    assert track.schema == pl.Schema(schema.POSITIONS_SCHEMA)
    assert (track["lon"][0], track["lat"][0]) == pytest.approx(WAYPOINTS[0], abs=2e-6)
    off = np.abs(_step_speeds_kn(track) - 12.0) > 0.12
    assert off.sum() <= 1  # only the step that cuts the corner at the middle waypoint
    assert (track["sog_kn"] == 12.0).all()
    assert track["ts"][0] == T0
    assert track["ts"].diff().drop_nulls().unique().to_list() == [timedelta(seconds=10)]
    # total time = route length / speed, within one interval
    length = GEOD.line_length(*zip(*WAYPOINTS, strict=True))
    hours = (track["ts"][-1] - T0).total_seconds() / 3600
    assert hours == pytest.approx(length / 1852 / 12.0, abs=10 / 3600)
    # last leg runs due north: course ~0, heading = course
    assert track["cog_deg"][-1] == pytest.approx(0.0, abs=0.2)
    assert track["heading_deg"][-1] == 0.0
    assert set(track["source"]) == {"nmea"} and set(track["msg_type"]) == {1}


def test_make_track_per_leg_speeds_and_heading_offset() -> None:
    track = make_track(265000001, WAYPOINTS, [15.0, 5.0], T0, 30, heading_offset_deg=5.0)
    assert set(track["sog_kn"].unique().to_list()) == {15.0, 5.0}
    last = track.row(-1, named=True)
    assert last["heading_deg"] == pytest.approx((last["cog_deg"] + 5.0) % 360, abs=0.6)


def test_positions_are_quantised_to_ais_resolution() -> None:
    track = make_track(
        265000001, WAYPOINTS, 11.37, T0, 7, jitter_m=5, sog_sd_kn=0.2, cog_sd_deg=1.0, seed=3
    )
    for col, scale in (("lat", 600000), ("lon", 600000), ("sog_kn", 10), ("cog_deg", 10)):
        scaled = track[col].cast(pl.Float64).to_numpy() * scale
        np.testing.assert_allclose(scaled, np.round(scaled), atol=1e-4, err_msg=col)
    assert track["cog_deg"].max() < 360 and track["heading_deg"].max() < 360


def test_jitter_is_seeded_and_small() -> None:
    a = make_track(265000001, WAYPOINTS, 12.0, T0, 10, jitter_m=10, seed=1)
    b = make_track(265000001, WAYPOINTS, 12.0, T0, 10, jitter_m=10, seed=1)
    clean = make_track(265000001, WAYPOINTS, 12.0, T0, 10)
    assert a.equals(b)
    dist = GEOD.inv(a["lon"], a["lat"], clean["lon"], clean["lat"])[2]
    assert 2 < np.median(dist) < 30 and dist.max() < 80


def test_naive_start_and_bad_speeds_are_refused() -> None:
    with pytest.raises(MdaError, match="naive"):
        make_track(265000001, WAYPOINTS, 12.0, datetime(2024, 3, 5))
    with pytest.raises(MdaError, match="one per leg"):
        make_track(265000001, WAYPOINTS, [12.0, 3.0, 4.0], T0)
    with pytest.raises(MdaError, match="positive"):
        make_track(265000001, WAYPOINTS, 0.0, T0)


def test_make_loiter_stays_slow_and_close() -> None:
    drift = make_loiter(265000001, 19.5, 56.9, T0, 4.0, 0.8, 30, speed_range_kn=(0.2, 1.5))
    assert drift["sog_kn"].min() >= 0.2 and drift["sog_kn"].max() <= 1.5
    assert drift["sog_kn"].mean() == pytest.approx(0.8, abs=0.1)
    assert (drift["ts"][-1] - drift["ts"][0]) == timedelta(hours=4)
    # meanders: ends much closer than 4 h x 0.8 kn = 3.2 nm in a straight line would
    dist = GEOD.inv(19.5, 56.9, drift["lon"][-1], drift["lat"][-1])[2]
    assert dist < 3.2 * 1852


def test_make_anchored_swings_around_the_anchor() -> None:
    anchored = make_anchored(265000001, 18.22, 57.645, T0, 6.0)
    assert set(anchored["nav_status"]) == {1}
    assert anchored["ts"].diff().drop_nulls().unique().to_list() == [timedelta(minutes=3)]
    assert anchored["sog_kn"].max() < 0.5
    n = anchored.height
    dist = GEOD.inv([18.22] * n, [57.645] * n, anchored["lon"], anchored["lat"])[2]
    assert dist.max() < 90


def test_pieces_chain_and_gaps_cut() -> None:
    a = make_track(265000001, WAYPOINTS[:2], 12.0, T0, 30)
    lon, lat, t_end = track_end(a)
    b = make_loiter(265000001, lon, lat, t_end + timedelta(seconds=30), 3.0)
    c = make_track(265000002, WAYPOINTS[1:], 10.0, T0, 30)
    joined = concat_tracks(b, c, a, a.head(5))  # out of order, with duplicates
    assert joined.height == a.height + b.height + c.height
    assert joined.equals(joined.sort("mmsi", "ts"))
    t1, t2 = T0 + timedelta(hours=1), T0 + timedelta(hours=2)
    cut = drop_between(joined, t1, t2, mmsi=265000001)
    one = cut.filter(pl.col("mmsi") == 265000001)
    assert one.filter(pl.col("ts").is_between(t1, t2, closed="none")).height == 0
    assert one.filter(pl.col("ts") == t1).height == 1 and one.filter(pl.col("ts") == t2).height == 1
    assert cut.filter(pl.col("mmsi") == 265000002).equals(c)  # other vessel untouched
    day = clip_time(joined, T0, T0 + timedelta(hours=1))
    assert day["ts"].max() < T0 + timedelta(hours=1)
