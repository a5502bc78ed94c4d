"""Fixed stations: AIS base station (type 4) and aid-to-navigation (type 21) reports land in
the ``stations`` table, field for field as pyais decodes them, with the line accounting,
the station MMSI rule, the duplicate rules and the fast path equal to the pyais reader."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
import pyais
import pytest

from mda import schema as s
from mda.ingest import read_input, read_inputs
from mda.ingest._records import finalize
from mda.ingest.fastdecode import parse_nmea_fast
from mda.ingest.nmea import parse_nmea_slow
from tests.ingest.factory import (
    EPOCH0,
    SHIP,
    T0,
    checksum,
    sentences,
    tag,
    type1,
    with_payload,
    write_lines,
)
from tests.ingest.nmea_check import assert_same
from tests.ingest.test_fastdecode import unit_lines

BASE = 2_570_000  # 00 257 0000: a Norwegian base station
ATON = 992_570_001  # 99 257 0001: a Norwegian aid to navigation

BASE_REPORT = {
    "type": 4, "mmsi": BASE, "year": 2024, "month": 3, "day": 5, "hour": 11, "minute": 59,
    "second": 58, "lat": 59.4123, "lon": 5.2678, "epfd": 7, "raim": 1, "radio": 12345,
}  # fmt: skip
ATON_REPORT = {
    "type": 21, "mmsi": ATON, "aid_type": 20, "name": "NORTH CARDINAL BUOY ",
    "name_ext": "HAUGESUND", "lat": 59.4, "lon": 5.3, "epfd": 1, "second": 30,
    "off_position": 1, "virtual_aid": 0, "to_bow": 2, "to_stern": 2,
}  # fmt: skip


def base_station(**kw) -> str:
    """One type 4 sentence."""
    return sentences({**BASE_REPORT, **kw})[0]


def aton(**kw) -> str:
    """One type 21 sentence (up to 360 bits fit in one)."""
    return sentences({**ATON_REPORT, **kw})[0]


def split_in_two(sentence: str, seq_id: int = 7) -> list[str]:
    """The sentence's payload as a 2-part message (how receivers send long type 21s)."""
    f = sentence.split("*")[0].split(",")
    payload, fill = f[5], f[6]
    cut = len(payload) // 2
    out = []
    for num, (part, part_fill) in enumerate([(payload[:cut], "0"), (payload[cut:], fill)], 1):
        body = f"{f[0][1:]},2,{num},{seq_id},{f[4]},{part},{part_fill}"
        out.append(f"!{body}*{checksum(body)}")
    return out


def ingest(tmp_path: Path, lines: list[str], day: date | None = None, name: str = "st.nmea"):
    res = read_input(write_lines(tmp_path / name, lines), day=day)
    assert res.accepted + sum(res.rejects.values()) == res.lines_read
    assert res.quarantine.height == sum(res.rejects.values())
    assert res.stations.schema == pl.Schema(s.STATIONS_SCHEMA)
    return res


def reasons(res) -> dict[int, str]:
    q = res.quarantine
    return dict(zip(q[s.LINE_NO].to_list(), q[s.REASON].to_list(), strict=True))


def pyais_fields(*lines: str) -> dict:
    """pyais's own decoding of the sentences (tag blocks removed)."""
    bare = [x[x.index("!") :] for x in lines]
    return pyais.decode(*bare).asdict(enum_as_int=True)


# --- fields ---------------------------------------------------------------------------------


def test_base_station_report_fields_equal_pyais(tmp_path):
    line = tag(base_station(), c=EPOCH0, s="rx1")
    res = ingest(tmp_path, [line])
    d = pyais_fields(line)
    assert res.stations.row(0, named=True) == {
        s.MMSI: d["mmsi"],
        s.TS: T0,  # the receive time (tag block), as for positions
        s.MSG_TYPE: 4,
        s.STATION_KIND: "base_station",
        s.LAT: d["lat"],
        s.LON: d["lon"],
        s.STATION_NAME: None,
        s.AID_TYPE: None,
        s.AID_TYPE_NAME: None,
        s.VIRTUAL_AID: None,
        s.OFF_POSITION: None,
        s.EPFD: d["epfd"],
        s.REPORTED_TS: datetime(
            d["year"], d["month"], d["day"], d["hour"], d["minute"], d["second"], tzinfo=UTC
        ),
        s.SOURCE: "nmea",
        s.SOURCES: ["nmea:st.nmea/AIVDM/s:rx1"],
    }
    assert (res.lines_read, res.accepted, res.rejects) == (1, 1, {})
    assert res.positions.is_empty() and res.vessels.is_empty()
    assert res.summary()["stations"] == 1


def test_aton_report_fields_equal_pyais(tmp_path):
    line = tag(aton(), c=EPOCH0)
    res = ingest(tmp_path, [line])
    d = pyais_fields(line)
    row = res.stations.row(0, named=True)
    assert row == {
        s.MMSI: d["mmsi"],
        s.TS: T0,
        s.MSG_TYPE: 21,
        s.STATION_KIND: "aton",
        s.LAT: d["lat"],
        s.LON: d["lon"],
        s.STATION_NAME: d["full_name"],  # name + extension, as pyais joins them
        s.AID_TYPE: d["aid_type"],
        s.AID_TYPE_NAME: "cardinal_mark_n",
        s.VIRTUAL_AID: d["virtual_aid"],
        s.OFF_POSITION: d["off_position"],
        s.EPFD: d["epfd"],
        s.REPORTED_TS: None,
        s.SOURCE: "nmea",
        s.SOURCES: ["nmea:st.nmea/AIVDM"],
    }
    # pyais strips each part before joining: the 20th character (a space) is lost
    assert row[s.STATION_NAME] == "NORTH CARDINAL BUOYHAUGESUND"


def test_two_part_aton_report(tmp_path):
    parts = split_in_two(aton(name="SHORT", name_ext="NAME EXTENSION"))  # 14: the most
    res = ingest(tmp_path, [tag(parts[0], c=EPOCH0), "$GPRMC,1*00", parts[1]])
    assert res.stations[s.STATION_NAME].to_list() == ["SHORTNAME EXTENSION"]
    assert res.accepted == 2 and res.rejects == {"not_ais": 1}  # both parts accepted


def test_not_available_values_become_null(tmp_path):
    lines = [
        # no position, no time of its own, no fixing device
        tag(
            base_station(
                lat=91, lon=181, year=0, month=0, day=0, hour=24, minute=60, second=60, epfd=0
            ),
            c=EPOCH0,
        ),
        tag(base_station(mmsi=BASE + 1, month=2, day=30), c=EPOCH0),  # no such date
        # aid type not specified, no name, time stamp 61: the off-position flag is not valid
        tag(aton(aid_type=0, name="", name_ext="", second=61, lat=91, lon=181), c=EPOCH0),
    ]
    res = ingest(tmp_path, lines)
    assert res.rejects == {}  # a station report needs no position
    rows = res.stations.sort(s.MMSI).to_dicts()
    assert [r[s.LAT] for r in rows] == [None, 59.4123, None]
    assert [r[s.REPORTED_TS] for r in rows] == [None, None, None]
    assert rows[0][s.EPFD] is None
    assert rows[2][s.AID_TYPE] is None and rows[2][s.AID_TYPE_NAME] is None
    assert rows[2][s.STATION_NAME] is None and rows[2][s.OFF_POSITION] is None


# --- fates and counts -----------------------------------------------------------------------


def test_station_lines_and_their_fates(tmp_path):
    t4 = base_station()
    lines = [
        tag(t4, c=EPOCH0),  # 1 accepted
        tag(aton(), c=EPOCH0),  # 2 accepted
        tag(base_station(mmsi=SHIP), c=EPOCH0),  # 3 invalid_mmsi: a ship's number
        tag(aton(mmsi=999_991_623), c=EPOCH0),  # 4 invalid_mmsi: 99 + MID 999
        tag(base_station(mmsi=626_001), c=EPOCH0),  # 5 invalid_mmsi: 00 + MID 062
        tag(aton(mmsi=2_442_011), c=EPOCH0),  # 6 accepted: an AtoN under a 00MID number
        base_station(mmsi=BASE + 2),  # 7 no_timestamp
        tag(with_payload(t4, t4.split(",")[5][:-1]), c=EPOCH0),  # 8 bad_bit_count: 162 bits
        tag(with_payload(t4, t4.split(",")[5] + "0"), c=EPOCH0),  # 9 bad_bit_count: 174 bits
        tag(with_payload(aton(), aton().split(",")[5][:44]), c=EPOCH0),  # 10 264 bits: bad
        tag(base_station(mmsi=BASE + 3), c=EPOCH0 + 86_400),  # 11 outside_day
        tag(sentences({"type": 8, "mmsi": SHIP, "data": b"\x01" * 8})[0], c=EPOCH0),  # 12
        tag(type1(), c=EPOCH0),  # 13 a ship's position beside them
    ]
    res = ingest(tmp_path, lines, day=T0.date())
    assert reasons(res) == {
        3: "invalid_mmsi",
        4: "invalid_mmsi",
        5: "invalid_mmsi",
        7: "no_timestamp",
        8: "bad_bit_count",
        9: "bad_bit_count",
        10: "bad_bit_count",
        11: "outside_day",
        12: "unsupported_type",
    }
    assert res.stations[s.MMSI].to_list() == [2_442_011, BASE, ATON]  # sorted by MMSI
    assert (res.lines_read, res.accepted) == (13, 4)
    assert res.positions[s.MMSI].to_list() == [SHIP]
    raw = res.quarantine.filter(pl.col(s.LINE_NO) == 12)[s.RAW].item()
    assert raw == lines[11]  # the unsupported type is kept raw


def test_ship_positions_from_station_numbers_stay_invalid(tmp_path):
    # the station rule applies to station reports only: a type 1 from 00MID/99MID is no ship
    res = ingest(tmp_path, [tag(type1(mmsi=BASE), c=EPOCH0), tag(type1(mmsi=ATON), c=EPOCH0)])
    assert res.rejects == {"invalid_mmsi": 2} and res.stations.is_empty()


# --- duplicates -----------------------------------------------------------------------------


def test_one_transmission_heard_by_two_receivers(tmp_path):
    t4 = base_station()
    bs = t4.replace("!AIVDM", "!BSVDM").replace(t4[-2:], checksum("BS" + t4[3 : t4.index("*")]))
    lines = [
        tag(t4, c=EPOCH0, s="rx1"),
        tag(t4, c=EPOCH0 + 2, s="rx2"),  # heard again 2 s later: duplicate
        tag(bs, c=EPOCH0 + 59),  # another talker within 60 s: duplicate
        tag(t4, c=EPOCH0 + 200),  # the same payload much later: a new report
    ]
    res = ingest(tmp_path, lines)
    assert reasons(res) == {2: "duplicate", 3: "duplicate"}
    assert res.stations[s.TS].to_list() == [T0, T0 + timedelta(seconds=200)]
    assert res.stations[s.SOURCES].to_list() == [
        ["nmea:st.nmea/AIVDM/s:rx1", "nmea:st.nmea/AIVDM/s:rx2", "nmea:st.nmea/BSVDM"],
        ["nmea:st.nmea/AIVDM"],
    ]


def test_same_station_second_and_fields_is_a_duplicate(tmp_path):
    # payloads differ only in the radio status, which the table does not keep
    lines = [
        tag(base_station(radio=1), c=EPOCH0 * 1000 + 100),
        tag(base_station(radio=2), c=EPOCH0 * 1000 + 900),  # same second: duplicate
        tag(base_station(radio=3), c=EPOCH0 + 1),  # next second: a new report
        tag(base_station(radio=4, lat=59.5), c=EPOCH0 * 1000 + 500),  # moved: a new report
    ]
    res = ingest(tmp_path, lines)
    assert reasons(res) == {2: "duplicate"}
    assert res.stations.height == 3


def test_a_file_read_twice_gives_each_station_once(tmp_path):
    path = write_lines(tmp_path / "st.nmea", [tag(base_station(), c=EPOCH0), tag(aton(), c=EPOCH0)])
    res = read_inputs([path, path])
    assert res.stations.height == 2 and res.rejects == {"duplicate": 2}
    assert res.accepted + 2 == res.lines_read == 4


# --- the vectorised path gives the same ---------------------------------------------------------


def test_fast_path_equals_the_pyais_reader_for_stations(tmp_path):
    t4, t21 = base_station(), aton()
    two = split_in_two(aton(name="TWO", name_ext="PARTS"), seq_id=3)
    lines = [
        tag(type1(), c=EPOCH0),
        tag(t4, c=EPOCH0),
        type1(mmsi=SHIP + 1),  # a unit between reader lines (no_timestamp)
        f"{t21},{EPOCH0 + 1}",
        tag(two[0], c=EPOCH0 + 2),
        type1(mmsi=SHIP + 2),  # no_timestamp
        two[1],
        tag(with_payload(t4, t4.split(",")[5][:-1]), c=EPOCH0),  # bad bit count (unit)
        *split_in_two(with_payload(t21, t21.split(",")[5][:40]), seq_id=4),  # 240 bits
        tag(t4, c=EPOCH0 + 3, s="rx2"),  # heard twice
        f"{EPOCH0}.5 {base_station(mmsi=BASE + 9)}",
        tag(type1(mmsi=SHIP + 3), c=EPOCH0),
    ]
    path = write_lines(tmp_path / "mixed.nmea", lines)
    parsed = assert_same(path)
    assert parsed.stations is not None and parsed.stations.height == 5
    fast, slow = finalize([parse_nmea_fast(path)]), finalize([parse_nmea_slow(path)])
    assert fast.stations.equals(slow.stations)
    assert fast.quarantine.equals(slow.quarantine) and fast.rejects == slow.rejects
    assert fast.stations.height == 4
    assert fast.rejects == {"bad_bit_count": 3, "duplicate": 1, "no_timestamp": 2}


@pytest.mark.realdata
def test_real_station_lines_land_in_stations(shared_data):
    path = shared_data / "nmea" / "aisdb" / "test_data_20211101.nm4"
    lines = path.read_text().splitlines()
    line_no = next(i for i, x in enumerate(lines, 1) if "403t>B1vFhQr5`NonbBw?>G00<0n" in x)
    res = read_input(path)
    assert line_no not in reasons(res)  # was quarantined as unsupported_type
    d = pyais_fields(lines[line_no - 1])
    row = res.stations.filter(pl.col(s.MMSI) == d["mmsi"]).row(0, named=True)
    assert (row[s.STATION_KIND], row[s.LAT], row[s.LON]) == ("base_station", d["lat"], d["lon"])
    assert row[s.TS] == datetime(2021, 11, 1, 1, 58, 9, tzinfo=UTC)  # c:1635731889
    assert res.stations[s.STATION_KIND].unique().sort().to_list() == ["aton", "base_station"]
    assert "unsupported_type" not in res.rejects or res.rejects["unsupported_type"] < 5


# --- station reports on the vectorised path, bit for bit ----------------------------------


def _armoured(bits: str) -> tuple[str, int]:
    """A bit string as an AIS payload and its fill bits."""
    fill = -len(bits) % 6
    bits += "0" * fill
    values = [int(bits[i : i + 6], 2) for i in range(0, len(bits), 6)]
    return "".join(chr(v + 48 + (8 if v > 39 else 0)) for v in values), fill


def _field(value: int, width: int) -> str:
    return format(value & ((1 << width) - 1), f"0{width}b")


def _station_bits(rng: random.Random, msg_type: int, n_bits: int) -> str:
    """Random bits of one type 4 or 21 report of ``n_bits`` bits, some fields drawn from
    the edges pyais and the canonical fields treat apart (dates, "not available" values,
    '@' and blanks in names)."""
    bits = [rng.choice("01") for _ in range(n_bits)]

    def put(at: int, width: int, value: int) -> None:
        bits[at : at + width] = _field(value, width)

    put(0, 6, msg_type)
    lat_at, lon_at = (107, 79) if msg_type == 4 else (192, 164)
    if rng.random() < 0.7:  # mostly on the globe (or "not available": 91 / 181)
        put(lat_at, 27, rng.choice([rng.randint(-54_000_000, 54_000_000), 91 * 600_000]))
        put(lon_at, 28, rng.choice([rng.randint(-108_000_000, 108_000_000), 181 * 600_000]))
    if msg_type == 4 and rng.random() < 0.8:  # a date Python may or may not accept
        year = rng.choice([0, 1, 1900, 2000, 2023, 2024, 9999, 10_000, rng.randint(0, 16383)])
        month, day = rng.choice([0, 1, 2, 12, 13, 15]), rng.choice([0, 1, 28, 29, 30, 31])
        for at, width, value in ((38, 14, year), (52, 4, month), (56, 5, day),
                                 (61, 5, rng.choice([0, 23, 24, 31])),
                                 (66, 6, rng.choice([0, 59, 60, 63])),
                                 (72, 6, rng.choice([0, 59, 60, 61, 63]))):  # fmt: skip
            put(at, width, value)
    if msg_type == 21:
        chars = " @ABCZ09"  # blanks and '@' where pyais and the cleaning strip them
        # a name pyais reads as empty (blanks, then '@' to the end): no extension then
        blank = rng.randint(0, 20) if rng.random() < 0.15 else None
        for k in range(34):  # name, then the extension
            at = 43 + 6 * k if k < 20 else 272 + 6 * (k - 20)
            if k < 20 and blank is not None:
                put(at, 6, 32 if k < blank else 0)
            elif at + 6 <= n_bits and rng.random() < 0.6:
                c = ord(rng.choice(chars))
                put(at, 6, c - 64 if c >= 64 else c)
        put(38, 5, rng.choice([0, 1, 20, 31, rng.randint(0, 31)]))
        put(253, 6, rng.choice([0, 59, 60, 61, 63]))
    return "".join(bits)


def test_station_reports_bit_for_bit(tmp_path):
    """Type 4 and single-sentence type 21 reports (every length from 272 to 360 bits, so
    every fill and every cut of the name extension's last character) are decoded on the
    vectorised path with the fields pyais's decode gives."""
    rng = random.Random(21)
    lines = []
    for k in range(3000):
        msg_type = 4 if k % 3 == 0 else 21
        n_bits = 168 if msg_type == 4 else 272 + k % 89
        payload, fill = _armoured(_station_bits(rng, msg_type, n_bits))
        lines.append(tag(with_payload(base_station(), payload, fill), c=EPOCH0 + k))
    path = write_lines(tmp_path / "stations.nmea", lines)
    assert unit_lines(path) == len(lines)  # all on the vectorised path
    parsed = assert_same(path)
    assert parsed.stations is not None and parsed.stations.height == len(lines)
    st = parsed.stations  # (the draw reaches every case)
    assert st[s.REPORTED_TS].null_count() > 100 and st[s.REPORTED_TS].drop_nulls().len() > 30
    assert st[s.LAT].null_count() > 100 and st[s.OFF_POSITION].drop_nulls().len() > 100
    names = st[s.STATION_NAME].drop_nulls()
    assert names.str.len_chars().max() > 20 and names.len() > 1000
