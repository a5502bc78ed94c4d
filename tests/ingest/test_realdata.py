"""The readers against real third-party files in ../shared/data (never copied here).

Every NMEA file: counts add up line by line; every message pyais finds is either decoded
or quarantined with a reason; where both decode a message, the canonical fields agree.
The NOAA and DMA samples ingest with every row accepted or counted by reason.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pyais
import pytest
from pyais.stream import IterMessages

from mda import schema as s
from mda.errors import InputFormatError
from mda.ingest import detect_format, read_input
from mda.ingest._records import IngestResult, finalize
from mda.ingest.formats import iter_text_lines
from mda.ingest.nmea import POSITION_TYPES, STATIC_TYPES, STATION_TYPES, Message, read_nmea

pytestmark = pytest.mark.realdata

_NOT_DATA = re.compile(r"LICENSE|NOTICE|COPYING")
_PAYLOAD = re.compile(r"![A-Z0-9-]{2}VD[MO],\d,\d,[^,]*,[^,]*,([^,]*),")


def nmea_files(shared: Path) -> list[Path]:
    files = sorted(p for p in (shared / "nmea").rglob("*") if p.is_file())
    return [p for p in files if not _NOT_DATA.search(p.name)]


@pytest.fixture(scope="module")
def nmea_runs(shared_data) -> list[tuple[Path, IngestResult, list[Message]]]:
    """Every NMEA file read once: (path, result, message records)."""
    runs = []
    for path in nmea_files(shared_data):
        parsed, messages = read_nmea(path)
        runs.append((path, finalize([parsed]), messages))
    return runs


def test_every_nmea_file_is_nmea(shared_data):
    files = nmea_files(shared_data)
    assert len(files) >= 30
    assert {detect_format(p) for p in files} == {"nmea"}


def test_every_nmea_line_has_one_fate(nmea_runs):
    for path, res, _ in nmea_runs:
        physical = sum(1 for _ in iter_text_lines(path))
        assert res.lines_read + sum(res.skipped.values()) == physical, path
        assert res.accepted + sum(res.rejects.values()) == res.lines_read, path
        assert res.quarantine.height == sum(res.rejects.values()), path
        assert res.quarantine[s.LINE_NO].is_unique().all(), path
        assert res.positions.filter(pl.col(s.TS).is_null()).height == 0, path


def _expected(msg) -> dict:
    """The canonical fields written independently from pyais's own asdict()."""
    d = msg.asdict(enum_as_int=True)
    t = d["msg_type"]
    out = {s.MMSI: d["mmsi"], s.MSG_TYPE: t}
    if t in POSITION_TYPES:
        sog_na = 63 if t == 27 else 102.3  # "not available"; COG beyond 359.9 is invalid too
        out[s.LAT], out[s.LON] = d["lat"], d["lon"]
        out[s.SOG_KN] = None if d["speed"] >= sog_na - 0.01 else d["speed"]
        out[s.COG_DEG] = None if d["course"] >= 360 else d["course"]
        heading = d.get("heading")  # type 27 has none
        out[s.HEADING_DEG] = None if heading is None or heading >= 360 else heading
        status = d.get("status")
        out[s.NAV_STATUS] = None if status in (None, 15) else status
    if t in STATIC_TYPES:
        for src, dst in (("shipname", s.VESSEL_NAME), ("callsign", s.CALL_SIGN)):
            if src in d:  # "@" is AIS text padding at either end
                out[dst] = (d[src] or "").strip(" @") or None
        if "ship_type" in d:
            out[s.SHIP_TYPE] = d["ship_type"] or None
        if "to_bow" in d:
            out[s.LENGTH_M] = (d["to_bow"] + d["to_stern"]) or None
            out[s.WIDTH_M] = (d["to_port"] + d["to_starboard"]) or None
        if t == 5:
            out[s.IMO] = d["imo"] or None
            out[s.DRAUGHT_M] = d["draught"] or None
            out[s.DESTINATION] = (d["destination"] or "").strip(" @") or None
    if t in STATION_TYPES:
        out.update(_expected_station(t, d))
    return out


def _expected_station(t: int, d: dict) -> dict:
    """Station fields of a type 4 or 21 from pyais's asdict(): unavailable or out-of-range
    positions, EPFD 0 and AtoN type 0 null; the name is pyais's full_name."""
    located = abs(d["lat"]) <= 90 and abs(d["lon"]) <= 180
    out = {
        s.STATION_KIND: "base_station" if t == 4 else "aton",
        s.LAT: d["lat"] if located else None,
        s.LON: d["lon"] if located else None,
        s.EPFD: d["epfd"] or None,
    }
    if t == 4:
        try:
            parts = (d["year"], d["month"], d["day"], d["hour"], d["minute"], d["second"])
            out[s.REPORTED_TS] = datetime(*parts, tzinfo=UTC)
        except ValueError:  # 0 or 24/60 = not available
            out[s.REPORTED_TS] = None
        return out
    out[s.STATION_NAME] = d["full_name"].strip(" @") or None
    out[s.AID_TYPE] = d["aid_type"] or None
    aid = d["aid_type"]
    out[s.AID_TYPE_NAME] = pyais.constants.NavAid(aid).name.lower() if aid else None
    out[s.VIRTUAL_AID] = d["virtual_aid"]
    out[s.OFF_POSITION] = d["off_position"] if d["second"] <= 59 else None
    return out


def test_canonical_fields_agree_with_pyais(nmea_runs):
    compared = stations = 0
    for path, _, messages in nmea_runs:
        for m in messages:
            if m.reason is not None:
                continue
            ours = {
                k: v for k, v in m.fields.items() if k not in (s.TS, s.AIS_CLASS)
            }
            theirs = pyais.decode(*[p.text for p in m.sentences])
            expected = _expected(theirs)
            keys = ours.keys() | expected.keys()  # a field the type lacks is null
            ours = {k: ours.get(k) for k in keys}
            expected = {k: expected.get(k) for k in keys}
            when = ours.pop(s.REPORTED_TS, None), expected.pop(s.REPORTED_TS, None)
            assert when[0] == when[1], (path, m.sentences[0].text)  # exact (approx: no dates)
            assert ours == pytest.approx(expected), (path, m.sentences[0].text)
            compared += 1
            stations += theirs.msg_type in STATION_TYPES
    assert compared > 30_000
    assert stations > 2_000  # types 4 and 21 are decoded, not quarantined


def _fragment_payloads(raw: str) -> list[str]:
    return _PAYLOAD.findall(raw)


def test_no_message_pyais_finds_is_silently_lost(nmea_runs):
    checked = 0
    for path, res, messages in nmea_runs:
        ours = {p.payload for m in messages for p in m.sentences}
        quarantined = {
            x for raw in res.quarantine[s.RAW].to_list() for x in _fragment_payloads(raw)
        }
        lines = [x.encode() for x in iter_text_lines(path)]
        for msg in IterMessages(lines):
            for raw in msg.raw.decode(errors="replace").split("\n"):
                for payload in _fragment_payloads(raw):
                    assert payload in ours or payload in quarantined, (path, raw)
                    checked += 1
    assert checked > 10_000


def _reasons(res) -> dict[int, str]:
    q = res.quarantine
    return dict(zip(q[s.LINE_NO].to_list(), q[s.REASON].to_list(), strict=True))


def test_known_bad_lines_are_counted(shared_data):
    nmea = shared_data / "nmea"
    pyais_sample = read_input(nmea / "pyais" / "tests_nmea_data_sample.txt")
    assert pyais_sample.rejects["malformed"] == 100  # ~100 intentionally undecodable lines
    gpsd = read_input(nmea / "gpsd" / "ais-18-27.log")
    assert gpsd.rejects["bad_bit_count"] == 69  # README: 69 undecodable lines
    gfw = read_input(nmea / "gfw_ais_tools" / "type1-bad-bitcount.nmea")
    assert gfw.rejects == {"bad_bit_count": gfw.lines_read}
    errors = read_input(nmea / "gfw_ais_tools" / "errors.nmea")
    assert set(errors.rejects) == {"bad_bit_count", "checksum"} and errors.accepted == 1


def test_simpleais_duplicates_and_leading_epochs(shared_data):
    res = read_input(shared_data / "nmea" / "simpleais" / "sample.ais")
    assert res.lines_read == 10_000
    assert res.rejects["duplicate"] > 2000  # !ABVDM copies of !AIVDM lines
    days = res.positions[s.TS].dt.date().unique().to_list()
    assert set(days) <= {date(2016, 1, 10), date(2016, 1, 11)}
    assert res.positions.select(pl.struct(s.MMSI, s.TS, s.LAT, s.LON).is_unique().all()).item()


def test_dma_network_gatehouse_times(shared_data):
    res = read_input(shared_data / "nmea" / "dma_network" / "ais-sample.txt.gz")
    assert res.lines_read + sum(res.skipped.values()) == 80_246
    ts = res.positions[s.TS]
    assert ts.min() >= datetime(2013, 11, 12, 11, 59, tzinfo=UTC)
    assert ts.max() <= datetime(2013, 11, 12, 12, 6, tzinfo=UTC)
    assert res.positions.height > 20_000
    assert res.rejects.get("no_timestamp", 0) == 0
    q = res.quarantine.filter(pl.col(s.REASON) == "not_ais")
    assert q[s.RAW].str.slice(0, 6).unique().sort().to_list() == ["$PFEC,", "$PSTT,"]


def test_tag_block_times(shared_data):
    res = read_input(
        shared_data / "nmea" / "aisdb" / "test_data_20211101.nm4", day=date(2021, 11, 1)
    )
    assert "no_timestamp" not in res.rejects and "outside_day" not in res.rejects
    assert res.positions.height > 800


def test_noaa_sample(shared_data):
    path = shared_data / "csv" / "noaa" / "AIS_2022_01_03_first99999rows.csv"
    res = read_input(path, day=date(2022, 1, 3))
    assert res.lines_read == 99_999
    assert set(res.rejects) <= {"invalid_mmsi", "duplicate", "no_position"}
    raw = pl.read_csv(path, infer_schema=False).with_row_index(s.LINE_NO, offset=2)
    mmsi = raw["MMSI"].cast(pl.Int64)
    ship = mmsi.is_between(100_000_000, 799_999_999) & ((mmsi // 1_000_000) != 111)
    bad_mmsi = raw.filter(~ship)  # base stations, AtoN, SAR aircraft... (see valid_mmsi)
    q = res.quarantine
    assert sorted(q.filter(pl.col(s.REASON) == "invalid_mmsi")[s.LINE_NO].to_list()) == sorted(
        bad_mmsi[s.LINE_NO].cast(pl.Int64).to_list()
    )
    exact_repeats = raw.height - raw.drop(s.LINE_NO).unique().height
    assert res.rejects.get("duplicate", 0) >= exact_repeats
    first = res.positions.filter(
        (pl.col(s.MMSI) == 338148873) & (pl.col(s.TS) == datetime(2022, 1, 3, tzinfo=UTC))
    ).row(0, named=True)
    assert (first[s.LAT], first[s.LON], first[s.HEADING_DEG], first[s.COG_DEG]) == (
        33.60716,
        -117.91483,
        None,
        280.0,
    )


def test_noaa_one_per_vessel_sample(shared_data):
    res = read_input(shared_data / "csv" / "noaa" / "test_data_noaa_20230101.csv")
    assert res.lines_read == 1000
    assert res.accepted + res.rejects.get("invalid_mmsi", 0) == 1000


def test_dma_sample(shared_data):
    path = shared_data / "csv" / "dma" / "aisdk_header.csv"
    res = read_input(path, day=date(2018, 6, 1))
    raw = pl.read_csv(path, infer_schema=False).with_row_index(s.LINE_NO, offset=2)
    assert res.lines_read == raw.height == 138
    fate = _reasons(res)
    for row in raw.iter_rows(named=True):
        line, mobile = row[s.LINE_NO], row["Type of mobile"]
        if mobile in ("Base Station", "AtoN"):  # the stations table
            assert line not in fate or fate[line] == "duplicate", row
        elif row["Latitude"].startswith("91"):
            static = [row[c] for c in ("Callsign", "Name", "Width", "Length", "Destination")]
            has_static = (
                any(v and v.strip() for v in static)
                or row["IMO"] != "Unknown"
                or (row["Ship type"] != "Undefined")
            )
            if int(row["MMSI"]) == 999999000:
                assert fate[line] == "invalid_mmsi"
            elif has_static:  # a static report: kept as vessel data, no position
                assert line not in fate or fate[line] == "duplicate", row
            else:
                assert fate[line] == "no_position", row
    astina = res.vessels.filter(pl.col(s.MMSI) == 266220000).row(0, named=True)
    assert (astina[s.VESSEL_NAME], astina[s.DESTINATION], astina[s.IMO]) == (
        "ASTINA",
        "FREDERICIA",
        9320063,
    )
    assert set(res.rejects) <= {"invalid_mmsi", "no_position", "duplicate"}
    stations = raw.filter(pl.col("Type of mobile").is_in(["Base Station", "AtoN"]))
    assert res.stations.height == stations.unique(subset=["MMSI", "Latitude", "Longitude"]).height
    assert set(res.stations[s.MMSI]) == set(stations["MMSI"].cast(pl.Int64))


def test_spire_export_is_a_clear_format_error(shared_data):
    with pytest.raises(InputFormatError, match="lacks NOAA MarineCadastre column"):
        read_input(shared_data / "csv" / "spire" / "test_data_20210701.csv")
