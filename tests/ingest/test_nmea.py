"""The NMEA reader on hand-made messages: fields, timestamps, fates and counts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from mda import schema as s
from mda.ingest import read_input
from tests.ingest.factory import (
    EPOCH0,
    SHIP,
    SHIP2,
    T0,
    corrupt_checksum,
    pghp,
    position,
    sentences,
    tag,
    type1,
    with_payload,
    write_lines,
)


def ingest(tmp_path: Path, lines: list[str], day: date | None = None, name: str = "in.nmea"):
    result = read_input(write_lines(tmp_path / name, lines), day=day)
    assert result.accepted + sum(result.rejects.values()) == result.lines_read
    return result


def reasons(result) -> dict[int, str]:
    """line number -> reason of the quarantined lines."""
    q = result.quarantine
    return dict(zip(q[s.LINE_NO].to_list(), q[s.REASON].to_list(), strict=True))


def test_type1_fields_with_tag_block_time(tmp_path):
    line = tag(type1(lat=60.5, lon=5.25, speed=12.3, course=45.6, heading=44, status=5), c=EPOCH0)
    res = ingest(tmp_path, [line])
    row = res.positions.row(0, named=True)
    assert row == {
        s.MMSI: SHIP,
        s.TS: T0,
        s.LAT: 60.5,
        s.LON: 5.25,
        s.SOG_KN: pytest.approx(12.3),
        s.COG_DEG: pytest.approx(45.6),
        s.HEADING_DEG: 44.0,
        s.NAV_STATUS: 5,
        s.MSG_TYPE: 1,
        s.SOURCE: "nmea",
        s.SOURCES: ["nmea:in.nmea/AIVDM"],
    }
    assert res.positions.schema == pl.Schema(s.POSITIONS_SCHEMA)
    assert (res.lines_read, res.accepted, res.rejects) == (1, 1, {})


def test_two_part_type5_interleaved_is_two_accepted_lines(tmp_path):
    static = {
        "type": 5,
        "mmsi": SHIP,
        "imo": 9123456,
        "callsign": "LABC",
        "shipname": "NORDIC STAR",
        "ship_type": 70,
        "to_bow": 100,
        "to_stern": 20,
        "to_port": 10,
        "to_starboard": 5,
        "draught": 7.5,
        "destination": "OSLO",
    }
    part1, part2 = sentences(static, seq_id=3)
    other = tag(type1(mmsi=SHIP2), c=EPOCH0 + 1)  # another vessel between the two parts
    res = ingest(tmp_path, [tag(part1, c=EPOCH0), other, part2])
    assert (res.lines_read, res.accepted, res.rejects) == (3, 3, {})
    v = res.vessels.row(0, named=True)
    assert v == {
        s.MMSI: SHIP,
        s.TS: T0,
        s.IMO: 9123456,
        s.CALL_SIGN: "LABC",
        s.VESSEL_NAME: "NORDIC STAR",
        s.SHIP_TYPE: 70,
        s.LENGTH_M: 120.0,
        s.WIDTH_M: 15.0,
        s.DRAUGHT_M: pytest.approx(7.5),
        s.DESTINATION: "OSLO",
        s.AIS_CLASS: "A",
        s.SOURCE: "nmea",
    }
    assert res.positions[s.MMSI].to_list() == [SHIP2]


def test_tag_block_groups_assemble_across_interleaving(tmp_path):
    static = {"type": 5, "mmsi": SHIP, "shipname": "GROUPED"}
    part1, part2 = sentences(static, seq_id=1)
    lines = [
        tag(part1, g="1-2-0738", c=EPOCH0),
        tag(type1(mmsi=SHIP2), c=EPOCH0),
        tag(part2, g="2-2-0738"),
    ]
    res = ingest(tmp_path, lines)
    assert res.vessels[s.VESSEL_NAME].to_list() == ["GROUPED"]
    assert res.rejects == {}


def test_type18_is_class_b_position_without_status(tmp_path):
    msg = position(msg_type=18, speed=3.0)
    del msg["status"]
    res = ingest(tmp_path, [tag(sentences(msg)[0], c=EPOCH0)])
    row = res.positions.row(0, named=True)
    assert (row[s.MSG_TYPE], row[s.NAV_STATUS], row[s.SOG_KN]) == (18, None, 3.0)


def test_type24_parts_a_and_b_give_static_rows(tmp_path):
    a = sentences({"type": 24, "mmsi": SHIP, "partno": 0, "shipname": "LITTLE ONE"})[0]
    b = sentences(
        {
            "type": 24,
            "mmsi": SHIP,
            "partno": 1,
            "ship_type": 37,
            "callsign": "LB1234",
            "to_bow": 5,
            "to_stern": 3,
            "to_port": 1,
            "to_starboard": 1,
        }
    )[0]
    res = ingest(tmp_path, [tag(a, c=EPOCH0), tag(b, c=EPOCH0 + 5)])
    v = res.vessels.select(s.VESSEL_NAME, s.CALL_SIGN, s.SHIP_TYPE, s.LENGTH_M, s.AIS_CLASS)
    assert v.rows() == [("LITTLE ONE", None, None, None, "B"), (None, "LB1234", 37, 8.0, "B")]


def test_type19_gives_position_and_static(tmp_path):
    msg = {
        "type": 19,
        "mmsi": SHIP,
        "lat": 55.0,
        "lon": 12.0,
        "speed": 4.0,
        "course": 10.0,
        "heading": 12,
        "shipname": "EXTENDED B",
        "ship_type": 36,
        "to_bow": 6,
        "to_stern": 4,
    }
    res = ingest(tmp_path, [tag(sentences(msg)[0], c=EPOCH0)])
    assert res.positions[s.MSG_TYPE].to_list() == [19]
    assert res.vessels[s.VESSEL_NAME].to_list() == ["EXTENDED B"]
    assert res.accepted == 1


def test_type27_long_range(tmp_path):
    msg = {
        "type": 27,
        "mmsi": SHIP,
        "lat": 60.5,
        "lon": 5.5,
        "speed": 63,
        "course": 511,
        "status": 1,
    }
    res = ingest(tmp_path, [tag(sentences(msg)[0], c=EPOCH0)])
    row = res.positions.row(0, named=True)
    assert (row[s.LAT], row[s.LON], row[s.SOG_KN], row[s.COG_DEG]) == (60.5, 5.5, None, None)
    assert row[s.NAV_STATUS] == 1


def test_not_available_values_become_null(tmp_path):
    line = tag(type1(speed=102.3, course=360.0, heading=511, status=15), c=EPOCH0)
    row = ingest(tmp_path, [line]).positions.row(0, named=True)
    assert (row[s.SOG_KN], row[s.COG_DEG], row[s.HEADING_DEG], row[s.NAV_STATUS]) == (
        None,
        None,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        pytest.param([tag(type1(), c=EPOCH0)], T0, id="tag-block-seconds"),
        pytest.param(
            [tag(type1(), c=EPOCH0 * 1000 + 250)],
            T0 + timedelta(milliseconds=250),
            id="tag-block-milliseconds",
        ),
        pytest.param(
            [pghp(T0 + timedelta(milliseconds=120)), type1()],
            T0 + timedelta(milliseconds=120),
            id="gatehouse-pghp",
        ),
        pytest.param(
            [f"{EPOCH0}.123 {type1()}"],
            T0 + timedelta(milliseconds=123),
            id="leading-epoch-decimal",
        ),
        pytest.param([f"{EPOCH0} {type1()}"], T0, id="leading-epoch-integer"),
        pytest.param([f"{type1()},{EPOCH0}"], T0, id="trailing-epoch"),
        pytest.param([f"{type1()},b003669794,{EPOCH0}"], T0, id="trailing-epoch-after-station"),
        pytest.param(
            [f"{type1()},d-109,S2105,t050056.00,T56.137,r003669946,{EPOCH0},{EPOCH0 - 59}"],
            T0,
            id="uscg-metadata",
        ),
        pytest.param([tag("", c=EPOCH0), type1()], T0, id="lone-tag-block-line"),
    ],
)
def test_timestamp_styles(tmp_path, lines, expected):
    res = ingest(tmp_path, lines)
    assert res.positions[s.TS].to_list() == [expected]


def test_pghp_applies_to_the_next_sentence_only(tmp_path):
    res = ingest(tmp_path, [pghp(T0), type1(), type1(mmsi=SHIP2)])
    assert res.positions[s.MMSI].to_list() == [SHIP]
    assert reasons(res) == {3: "no_timestamp"}
    assert res.skipped == {"metadata": 1}


def test_any_talker_and_vdo(tmp_path):
    lines = [
        tag(sentences(position(mmsi=SHIP + i), talker=t, kind=k)[0], c=EPOCH0)
        for i, (t, k) in enumerate(
            [("AB", "VDM"), ("BS", "VDM"), ("SA", "VDM"), ("AI", "VDO"), ("--", "VDM")]
        )
    ]
    res = ingest(tmp_path, lines)
    assert res.positions.height == 5 and res.rejects == {}


def test_every_line_gets_one_reason(tmp_path):
    good = tag(type1(), c=EPOCH0)
    part1, _ = sentences({"type": 5, "mmsi": SHIP2, "shipname": "LONELY"}, seq_id=2)
    base_station = sentences({"type": 4, "mmsi": 2_570_000, "lat": 60.0, "lon": 5.0})[0]
    binary = sentences({"type": 8, "mmsi": SHIP, "data": b"\x01" * 8})[0]
    lines = [
        "# a comment",  # skipped
        good,  # 2 accepted
        corrupt_checksum(type1(mmsi=SHIP2)),  # 3 checksum
        tag(part1, c=EPOCH0),  # 4 missing_fragment: part 2 never comes
        "$GPRMC,213950.00,A,5250.53669,N,00542.34920,E,0.020,,070420,,,A*7D",  # 5 not_ais
        "$AIALR,000000.00,006,V,V,AIS: general failure*56",  # 6 not_ais
        tag(base_station, c=EPOCH0),  # 7 accepted: a base station report (stations table)
        tag(type1(mmsi=2_570_000), c=EPOCH0),  # 8 invalid_mmsi: base station
        tag(type1(mmsi=992_570_001), c=EPOCH0),  # 9 invalid_mmsi: AtoN
        tag(type1(mmsi=111_257_000), c=EPOCH0),  # 10 invalid_mmsi: SAR aircraft
        type1(mmsi=SHIP2),  # 11 no_timestamp
        tag(type1(mmsi=SHIP2, lat=91.0, lon=181.0), c=EPOCH0),  # 12 no_position
        tag(
            with_payload(type1(mmsi=SHIP2), type1(mmsi=SHIP2).split(",")[5] + "00"), c=EPOCH0
        ),  # 13 bad_bit_count: 180 bits for a type 1
        tag(
            with_payload(type1(), "1P000Oh1IT1svTP2r:43grwb0Eq4", fill=7), c=EPOCH0
        ),  # 14 malformed fill
        "",  # skipped
        "IamNotAnAisMessage1111",  # 16 not_ais
        tag(binary, c=EPOCH0),  # 17 unsupported_type (type 8, binary broadcast)
    ]
    res = ingest(tmp_path, lines)
    assert reasons(res) == {
        3: "checksum",
        4: "missing_fragment",
        5: "not_ais",
        6: "not_ais",
        8: "invalid_mmsi",
        9: "invalid_mmsi",
        10: "invalid_mmsi",
        11: "no_timestamp",
        12: "no_position",
        13: "bad_bit_count",
        14: "malformed",
        16: "not_ais",
        17: "unsupported_type",
    }
    assert (res.lines_read, res.accepted) == (15, 2)
    assert res.skipped == {"comment": 1, "blank": 1}
    raw = res.quarantine.filter(pl.col(s.LINE_NO) == 3)[s.RAW].item()
    assert raw == lines[2]
    raw = res.quarantine.filter(pl.col(s.LINE_NO) == 17)[s.RAW].item()
    assert raw == lines[16]  # an unsupported type keeps its raw line
    assert res.stations[s.MMSI].to_list() == [2_570_000]


def test_lone_second_fragment_is_missing_fragment(tmp_path):
    _, part2 = sentences({"type": 5, "mmsi": SHIP, "shipname": "HALF"}, seq_id=4)
    res = ingest(tmp_path, [tag(part2, c=EPOCH0)])
    assert res.rejects == {"missing_fragment": 1}


def test_same_transmission_from_two_receivers_is_a_duplicate(tmp_path):
    ai = type1()
    ab = sentences(position(), talker="AB")[0]
    res = ingest(tmp_path, [f"{EPOCH0}.100 {ai}", f"{EPOCH0}.112 {ab}"])
    assert res.positions.height == 1
    assert reasons(res) == {2: "duplicate"}


def test_same_mmsi_time_and_place_is_a_duplicate(tmp_path):
    a = tag(type1(radio=1), c=EPOCH0)
    b = tag(type1(radio=2), c=EPOCH0)  # other payload, same (mmsi, ts, lat, lon)
    res = ingest(tmp_path, [a, b])
    assert reasons(res) == {2: "duplicate"}


def test_markup_in_vessel_name_is_kept_verbatim(tmp_path):
    name = "<SCRIPT>ALERT(1)"  # AIS 6-bit text has no lower case and 20 characters at most
    line = tag(sentences({"type": 24, "mmsi": SHIP, "partno": 0, "shipname": name})[0], c=EPOCH0)
    assert ingest(tmp_path, [line]).vessels[s.VESSEL_NAME].to_list() == [name]


def test_day_filter_rejects_outside_day(tmp_path):
    lines = [tag(type1(), c=EPOCH0), tag(type1(mmsi=SHIP2), c=EPOCH0 + 86_400)]
    res = ingest(tmp_path, lines, day=date(2024, 3, 5))
    assert res.positions[s.MMSI].to_list() == [SHIP]
    assert reasons(res) == {2: "outside_day"}


def test_two_sentences_on_one_line(tmp_path):
    part1, part2 = sentences({"type": 5, "mmsi": SHIP, "shipname": "ONE LINE"}, seq_id=1)
    res = ingest(tmp_path, [tag(part1, c=EPOCH0) + tag(part2, c=EPOCH0)])
    assert (res.lines_read, res.accepted) == (1, 1)
    assert res.vessels[s.VESSEL_NAME].to_list() == ["ONE LINE"]


def test_gzip_reads_like_plain(tmp_path):
    lines = [tag(type1(), c=EPOCH0), pghp(T0), type1(mmsi=SHIP2)]
    plain = read_input(write_lines(tmp_path / "a.nmea", lines))
    gz = read_input(write_lines(tmp_path / "a.nmea.gz", lines, compress=True))
    # only the file name in ``sources`` differs
    assert gz.positions.drop(s.SOURCES).equals(plain.positions.drop(s.SOURCES))
    assert gz.positions[s.SOURCES].to_list() == [["nmea:a.nmea.gz/AIVDM"]] * 2
    assert gz.summary() == plain.summary()


def test_positions_sorted_by_mmsi_then_time(tmp_path):
    lines = [
        tag(type1(mmsi=SHIP2), c=EPOCH0),
        tag(type1(mmsi=SHIP, lat=61.0), c=EPOCH0 + 10),
        tag(type1(mmsi=SHIP), c=EPOCH0),
    ]
    pos = ingest(tmp_path, lines).positions
    assert pos.select(s.MMSI, s.TS).rows() == [
        (SHIP, T0),
        (SHIP, T0 + timedelta(seconds=10)),
        (SHIP2, T0),
    ]


def test_no_naive_times(tmp_path):
    pos = ingest(tmp_path, [tag(type1(), c=EPOCH0)]).positions
    assert pos.schema[s.TS] == pl.Datetime("us", "UTC")
    assert pos[s.TS].item().tzinfo is not None
    assert pos[s.TS].item() == datetime(2024, 3, 5, 12, tzinfo=UTC)
