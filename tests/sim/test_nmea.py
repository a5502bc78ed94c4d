"""NMEA encoding: pyais round trip within AIS resolution, timestamp styles, static data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest

from mda import schema
from mda.errors import MdaError
from mda.sim import concat_tracks, encode_nmea, make_anchored, make_track
from tests.sim._decode import decode_all, split_timestamps

T0 = datetime(2024, 3, 5, 23, 50, tzinfo=UTC)  # crosses midnight
CLASS_A, CLASS_B = 265547250, 230000015
STYLES = ["tagblock", "leading_epoch", "trailing_epoch", "pghp"]


@pytest.fixture(scope="module")
def positions() -> pl.DataFrame:
    a = make_track(
        CLASS_A,
        [(18.0, 56.0), (19.0, 56.5)],
        12.3,
        T0,
        10,
        jitter_m=5,
        sog_sd_kn=0.2,
        cog_sd_deg=1,
        heading_offset_deg=-3,
        seed=1,
    )
    b = make_track(
        CLASS_B, [(18.2, 57.66), (18.0, 57.3)], 6.4, T0, 30, msg_type=18, nav_status=None
    )
    anchored = make_anchored(276000001, 21.5, 57.42, T0, 1.0)
    return concat_tracks(a, b, anchored)


@pytest.fixture(scope="module")
def vessels() -> pl.DataFrame:
    rows = [
        dict(
            mmsi=CLASS_A,
            ts=T0,
            imo=9074729,
            call_sign="SJVC",
            vessel_name='<B>SEA & "STAR"</B>',
            ship_type=70,
            length_m=139.0,
            width_m=21.0,
            draught_m=7.3,
            destination="LV RIX",
            ais_class="A",
            source="nmea",
        ),
        dict(
            mmsi=CLASS_B,
            ts=T0,
            imo=None,
            call_sign="OJAB",
            vessel_name="LILLA MY",
            ship_type=37,
            length_m=11.0,
            width_m=4.0,
            draught_m=None,
            destination=None,
            ais_class="B",
            source="nmea",
        ),
    ]
    return schema.conform(pl.DataFrame(rows), schema.VESSELS_SCHEMA)


def _positions_back(decoded: list[tuple[int, dict]]) -> pl.DataFrame:
    rows = [
        {
            "mmsi": m["mmsi"],
            "ts_s": ts,
            "msg_type": m["msg_type"],
            "lat": m["lat"],
            "lon": m["lon"],
            "sog": m["speed"],
            "cog": m["course"],
            "heading": m["heading"],
            "status": int(m["status"]) if "status" in m else None,
            "second": m["second"],
        }
        for ts, m in decoded
        if m["msg_type"] in (1, 18)
    ]
    return pl.DataFrame(rows)


@pytest.mark.parametrize("style", STYLES)
def test_round_trip_through_pyais_matches_within_ais_resolution(
    positions: pl.DataFrame, vessels: pl.DataFrame, style: str
) -> None:
    lines = encode_nmea(positions, vessels, timestamp_style=style)
    back = _positions_back(decode_all(split_timestamps(lines, style)))
    truth = positions.with_columns(ts_s=pl.col("ts").dt.epoch("s")).sort("mmsi", "ts_s")
    back = back.sort("mmsi", "ts_s")
    assert back.height == truth.height
    assert back["mmsi"].to_list() == truth["mmsi"].to_list()
    assert back["ts_s"].to_list() == truth["ts_s"].to_list()
    assert back["second"].to_list() == (truth["ts_s"] % 60).to_list()
    assert back["msg_type"].to_list() == truth["msg_type"].to_list()
    deg = 1 / 600000 + 1e-6  # resolution plus pyais's 6-decimal rounding
    np.testing.assert_allclose(back["lat"], truth["lat"], atol=deg)
    np.testing.assert_allclose(back["lon"], truth["lon"], atol=deg)
    np.testing.assert_allclose(back["sog"], truth["sog_kn"], atol=0.1 + 1e-6)
    np.testing.assert_allclose(back["cog"], truth["cog_deg"], atol=0.1 + 1e-6)
    np.testing.assert_allclose(back["heading"], truth["heading_deg"], atol=1.0)
    class_a = truth["msg_type"] == 1
    assert back.filter(class_a)["status"].to_list() == truth.filter(class_a)["nav_status"].to_list()


def test_lines_are_in_time_order_with_tag_blocks(positions: pl.DataFrame) -> None:
    lines = encode_nmea(positions, timestamp_style="tagblock")
    assert lines[0].startswith(f"\\c:{int(T0.timestamp())}*")
    times = [ts for ts, _ in split_timestamps(lines, "tagblock")]  # also checks checksums
    assert times == sorted(times)
    assert all("!AIVDM," in line for line in lines)


def test_static_reports_repeat_every_six_minutes(
    positions: pl.DataFrame, vessels: pl.DataFrame
) -> None:
    decoded = decode_all(split_timestamps(encode_nmea(positions, vessels), "tagblock"))
    type5 = [(ts, m) for ts, m in decoded if m["msg_type"] == 5]
    a = positions.filter(pl.col("mmsi") == CLASS_A)
    span_s = (a["ts"].max() - a["ts"].min()).total_seconds()
    assert len(type5) == int(span_s // 360) + 1
    assert np.diff([ts for ts, _ in type5]).min() >= 360 - 10
    m = type5[0][1]
    assert (m["mmsi"], m["shipname"], m["callsign"], m["imo"]) == (
        CLASS_A,
        '<B>SEA & "STAR"</B>',
        "SJVC",
        9074729,
    )
    assert (m["to_bow"] + m["to_stern"], m["to_port"] + m["to_starboard"]) == (139, 21)
    assert (m["draught"], m["destination"], int(m["ship_type"])) == (7.3, "LV RIX", 70)
    parts = {m["partno"]: m for _, m in decoded if m["msg_type"] == 24}
    assert parts[0]["shipname"] == "LILLA MY" and parts[1]["callsign"] == "OJAB"
    assert int(parts[1]["ship_type"]) == 37 and parts[1]["to_bow"] + parts[1]["to_stern"] == 11
    # no static data for the vessel missing from the vessels table
    assert {m["mmsi"] for _, m in decoded if m["msg_type"] in (5, 24)} == {CLASS_A, CLASS_B}


def test_fast_engine_emits_exactly_what_pyais_emits(vessels: pl.DataFrame) -> None:
    rng = np.random.default_rng(5)
    n = 400
    frame = pl.DataFrame(
        {
            "mmsi": rng.integers(200_000_000, 775_999_999, n),
            "ts": [T0 + timedelta(seconds=int(s)) for s in np.sort(rng.integers(0, 86400, n))],
            "lat": np.round(rng.uniform(-90, 90, n) * 600000) / 600000,  # both hemispheres:
            "lon": np.round(rng.uniform(-180, 180, n) * 600000) / 600000,  # two's complement
            "sog_kn": np.round(rng.uniform(0, 102.2, n), 1),
            "cog_deg": np.round(rng.uniform(0, 359.9, n), 1),
            "heading_deg": rng.integers(0, 360, n),
            "nav_status": rng.integers(0, 16, n),
            "msg_type": rng.choice([1, 18], n),
        }
    )
    not_available = {
        c: pl.Series(rng.random(n) < 0.1)
        for c in ("sog_kn", "cog_deg", "heading_deg", "nav_status")
    }
    frame = frame.with_columns(
        pl.when(mask).then(None).otherwise(pl.col(c)).alias(c) for c, mask in not_available.items()
    )
    frame = schema.conform(frame, schema.POSITIONS_SCHEMA)
    fast = encode_nmea(frame, vessels, engine="fast", talker="AB")
    slow = encode_nmea(frame, vessels, engine="pyais", talker="AB")
    assert fast == slow
    back = [m for _, m in decode_all(split_timestamps(fast, "tagblock"))]
    assert [m["mmsi"] for m in back] == frame.sort("ts", "mmsi")["mmsi"].to_list()
    sog = [m["speed"] for m in back]
    assert sog == [
        102.3 if v is None else pytest.approx(v)
        for v in frame.sort("ts", "mmsi")["sog_kn"].to_list()
    ]


def test_bad_arguments_are_refused(positions: pl.DataFrame) -> None:
    with pytest.raises(MdaError, match="timestamp_style"):
        encode_nmea(positions, timestamp_style="unix")  # type: ignore[arg-type]
    with pytest.raises(MdaError, match="talker"):
        encode_nmea(positions, talker="AIS")
