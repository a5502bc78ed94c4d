"""GeoJSON, CSV and Parquet exports of events."""

from __future__ import annotations

import csv
import json
from datetime import datetime

import polars as pl
import pytest

from mda import schema as s
from mda.reports import (
    ReportInputError,
    write_events_csv,
    write_events_geojson,
    write_events_parquet,
)
from mda.reports.exports import iso_utc, neutralise_formula, ordered_events
from tests.reports.factories import SVG_CABLE, at, events_frame, make_event, make_gap


def test_geojson_is_a_feature_collection_with_one_feature_per_event(tmp_path):
    events = events_frame(make_event("e1", score=0.4), make_gap("e2", score=0.9))
    path = write_events_geojson(events, tmp_path / "events.geojson")

    doc = json.loads(path.read_text(encoding="utf-8"))

    assert doc["type"] == "FeatureCollection"
    assert [f["id"] for f in doc["features"]] == ["e2", "e1"]  # ranked by score
    for feature in doc["features"]:
        assert feature["type"] == "Feature"
        assert feature["geometry"]["type"] == "LineString"
        props = feature["properties"]
        assert s.GEOMETRY_WKT not in props
        assert set(props) == set(s.EVENTS_SCHEMA) - {s.GEOMETRY_WKT}
        for key in (s.START_TIME, s.END_TIME):
            assert props[key].endswith("Z")
            assert datetime.fromisoformat(props[key]).utcoffset().total_seconds() == 0
        assert isinstance(props[s.EVIDENCE], dict)
    gap = doc["features"][0]
    assert gap["geometry"]["coordinates"] == [[13.0, 55.55], [13.2, 55.65]]  # lon, lat order
    assert gap["properties"][s.EVIDENCE] == {
        "crosses_cable": True,
        "gap_h": 13.0,
        "implied_speed_kn": 0.6,
    }
    assert gap["properties"][s.START_TIME] == "2024-03-05T05:00:00Z"
    assert gap["properties"][s.EVENT_DATE] == "2024-03-05"


def test_geojson_point_geometry_and_missing_geometry(tmp_path):
    events = events_frame(
        make_event("p", **{s.GEOMETRY_WKT: "POINT (12.9 55.5)"}),
        make_event("none", **{s.GEOMETRY_WKT: None}),
    )
    doc = json.loads(write_events_geojson(events, tmp_path / "e.geojson").read_text())
    by_id = {f["id"]: f for f in doc["features"]}
    assert by_id["p"]["geometry"] == {"type": "Point", "coordinates": [12.9, 55.5]}
    assert by_id["none"]["geometry"] is None  # RFC 7946 3.2: unlocated feature


def test_geojson_bytes_do_not_depend_on_evidence_key_order(tmp_path):
    a = events_frame(make_event("e", **{s.EVIDENCE: '{"b": 1.5, "a": {"y": 2, "x": 1}}'}))
    b = events_frame(make_event("e", **{s.EVIDENCE: '{"a": {"x": 1, "y": 2}, "b": 1.5}'}))
    one = write_events_geojson(a, tmp_path / "a.geojson").read_bytes()
    two = write_events_geojson(b, tmp_path / "b.geojson").read_bytes()
    assert one == two
    assert b'"evidence":{"a":{"x":1,"y":2},"b":1.5}' in one


def test_geojson_of_an_empty_day_has_no_features(tmp_path):
    doc = json.loads(write_events_geojson(events_frame(), tmp_path / "e.geojson").read_text())
    assert doc == {"type": "FeatureCollection", "features": []}


def test_csv_neutralises_formula_injection(tmp_path):
    events = events_frame(
        make_event(
            "e1",
            lon=-70.5,  # a negative number is a number, not a formula: left alone
            **{
                s.CABLE_NAME: '=HYPERLINK("http://evil","x")',
                s.ZONE_NAME: "+cmd|' /C calc'!A0",
                s.EXPLANATION: "-2+3",
                s.REGION: "@SUM(A1)",
            },
        )
    )
    path = write_events_csv(events, tmp_path / "events.csv")

    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))

    assert len(rows) == 1
    row = rows[0]
    assert row[s.CABLE_NAME] == '\'=HYPERLINK("http://evil","x")'
    assert row[s.ZONE_NAME] == "'+cmd|' /C calc'!A0"
    assert row[s.EXPLANATION] == "'-2+3"
    assert row[s.REGION] == "'@SUM(A1)"
    assert row[s.LON] == "-70.5"
    assert row[s.START_TIME] == "2024-03-05T02:00:00Z"
    assert json.loads(row[s.EVIDENCE]) == {"mean_sog_kn": 0.7, "n_positions": 48}
    assert row[s.GEOMETRY_WKT].startswith("LINESTRING")
    assert row[s.OTHER_MMSI] == ""  # null -> empty cell


def test_csv_keeps_markup_as_plain_text(tmp_path):
    events = events_frame(make_event("e1", **{s.CABLE_NAME: SVG_CABLE}))
    with write_events_csv(events, tmp_path / "e.csv").open(newline="") as fh:
        (row,) = list(csv.DictReader(fh))
    assert row[s.CABLE_NAME] == SVG_CABLE  # CSV has no markup context; it must round-trip


def test_csv_header_is_the_events_schema(tmp_path):
    path = write_events_csv(events_frame(), tmp_path / "e.csv")
    assert path.read_text().splitlines() == [",".join(s.EVENTS_SCHEMA)]


def test_parquet_round_trips_in_the_events_schema(tmp_path):
    events = events_frame(make_event("e1", score=0.2), make_gap("e2", score=0.7))
    back = pl.read_parquet(write_events_parquet(events, tmp_path / "e.parquet"))
    assert back.schema == pl.Schema(s.EVENTS_SCHEMA)
    assert back[s.EVENT_ID].to_list() == ["e2", "e1"]


def test_ranking_breaks_score_ties_by_start_time_then_event_id():
    events = events_frame(
        make_event("c", score=0.5, start_h=3),
        make_event("b", score=0.5, start_h=1),
        make_event("a", score=0.5, start_h=3),
        make_event("z", score=None),  # unscored events go last
        make_event("top", score=0.9, start_h=20),
    )
    assert ordered_events(events)[s.EVENT_ID].to_list() == ["top", "b", "a", "c", "z"]


def test_bad_wkt_is_a_clear_error(tmp_path):
    events = events_frame(make_event("bad", **{s.GEOMETRY_WKT: "LINESTRING (1 2"}))
    with pytest.raises(ReportInputError, match="bad: geometry_wkt is not valid WKT"):
        write_events_geojson(events, tmp_path / "e.geojson")


def test_frame_without_event_columns_is_a_clear_error(tmp_path):
    with pytest.raises(ReportInputError, match="EVENTS_SCHEMA"):
        write_events_csv(pl.DataFrame({"x": [1]}), tmp_path / "e.csv")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("plain", "plain"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_neutralise_formula(text, expected):
    assert neutralise_formula(text) == expected


def test_iso_utc_ends_in_z_and_keeps_microseconds_only_when_present():
    assert iso_utc(at(1.5)) == "2024-03-05T01:30:00Z"
    assert iso_utc(at(1.5).replace(microsecond=250)) == "2024-03-05T01:30:00.000250Z"
    assert iso_utc(None) is None
