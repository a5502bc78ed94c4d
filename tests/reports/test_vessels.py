"""Vessel particulars: latest non-null value per field, ship type names."""

from __future__ import annotations

import pytest

from mda import schema as s
from mda.reports.vessels import clean_text, latest_particulars, ship_type_name
from tests.reports.factories import at, vessels_frame


def test_latest_non_null_value_per_field():
    vessels = vessels_frame(
        # 08:00 report has the name and a destination but no type
        {s.MMSI: 1, s.TS: at(8), s.VESSEL_NAME: "NEW NAME", s.DESTINATION: "GDANSK"},
        # 02:00 report: older name, the only ship type, a call sign
        {s.MMSI: 1, s.TS: at(2), s.VESSEL_NAME: "OLD NAME", s.SHIP_TYPE: 70, s.CALL_SIGN: "SABC"},
        # 12:00 report: blank destination must not erase GDANSK
        {s.MMSI: 1, s.TS: at(12), s.DESTINATION: "   ", s.LENGTH_M: 180.0},
        {s.MMSI: 2, s.TS: at(1), s.VESSEL_NAME: "OTHER"},
    )
    got = latest_particulars(vessels)

    assert set(got) == {1, 2}
    one = got[1]
    assert one.vessel_name == "NEW NAME"
    assert one.destination == "GDANSK"
    assert one.ship_type == 70
    assert one.ship_type_label == "Cargo"
    assert one.call_sign == "SABC"
    assert one.length_m == 180.0
    assert got[2].vessel_name == "OTHER"


def test_no_static_reports_gives_no_particulars():
    assert latest_particulars(vessels_frame()) == {}


@pytest.mark.parametrize(
    ("code", "name"),
    [
        (None, "not available"),
        (0, "not available"),
        (30, "Fishing"),
        (52, "Tug"),
        (71, "Cargo, hazardous category A"),
        (89, "Tanker"),
        (60, "Passenger"),
        (15, "reserved code"),
        (1004, "US Coast Guard vessel type (not an ITU code)"),
    ],
)
def test_ship_type_name(code, name):
    assert ship_type_name(code) == name


def test_clean_text_strips_control_characters_but_keeps_markup():
    assert clean_text("  BAD\x00NAME\x1b ") == "BADNAME"
    assert clean_text("<b>") == "<b>"  # hygiene, not escaping
    assert clean_text(" \t") is None
