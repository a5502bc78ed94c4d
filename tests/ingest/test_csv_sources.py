"""NOAA MarineCadastre and DMA CSV readers on hand-written rows."""

from __future__ import annotations

import zipfile
from datetime import UTC, date, datetime

import polars as pl
import pytest

from mda import schema as s
from mda.ingest import read_input
from mda.ingest.formats import DMA_COLUMNS, NOAA_COLUMNS

NOAA_HEADER = ",".join(NOAA_COLUMNS)
T0 = datetime(2024, 3, 5, 12, 0, tzinfo=UTC)

NOAA_ROWS = [
    # line 2: a class A vessel, complete
    "257000000,2024-03-05T12:00:00,60.0,5.0,10.0,90.0,91,NORDIC STAR,IMO9123456,LABC,70,0,120,15,7.5,70,A",  # noqa: E501
    # line 3: same vessel a minute later, same static fields -> one vessel row only
    "257000000,2024-03-05T12:01:00,60.01,5.0,10.0,90.0,91,NORDIC STAR,IMO9123456,LABC,70,0,120,15,7.5,70,A",  # noqa: E501
    # line 4: not-available SOG/COG/heading/status, markup in the name (kept verbatim)
    "257000001,2024-03-05T12:00:00,60.5,5.5,102.3,360.0,511,<script>alert(1)</script>,,,0,15,0,0,,,B",
    # line 5: lat 91 / lon 181 and no static data -> no_position
    "257000002,2024-03-05T12:00:00,91.0,181.0,0.0,0.0,511,,,,,,,,,,A",
    # line 6: base station MMSI -> invalid_mmsi
    "2570000,2024-03-05T12:00:00,60.0,5.0,,,,,,,,,,,,,",
    # line 7: unparseable latitude -> bad_value
    "257000003,2024-03-05T12:00:00,sixty,5.0,1.0,1.0,1,,,,,,,,,,A",
    # line 8: exact repeat of line 2 -> duplicate
    "257000000,2024-03-05T12:00:00,60.0,5.0,10.0,90.0,91,NORDIC STAR,IMO9123456,LABC,70,0,120,15,7.5,70,A",  # noqa: E501
    # line 9: empty time -> no_timestamp
    "257000004,,60.0,5.0,1.0,1.0,1,,,,,,,,,,A",
    # line 10: next day -> outside_day when a day is given
    "257000005,2024-03-06T00:00:00,60.0,5.0,1.0,1.0,1,,,,,,,,,,A",
]


def write_noaa(tmp_path, rows=NOAA_ROWS):
    path = tmp_path / "AIS_2024_03_05.csv"
    path.write_text(NOAA_HEADER + "\n" + "\n".join(rows) + "\n")
    return path


def reasons(res) -> dict[int, str]:
    q = res.quarantine
    return dict(zip(q[s.LINE_NO].to_list(), q[s.REASON].to_list(), strict=True))


def test_noaa_rows_fates(tmp_path):
    res = read_input(write_noaa(tmp_path), day=date(2024, 3, 5))
    assert reasons(res) == {
        5: "no_position",
        6: "invalid_mmsi",
        7: "bad_value",
        8: "duplicate",
        9: "no_timestamp",
        10: "outside_day",
    }
    assert (res.lines_read, res.accepted) == (9, 3)
    assert res.quarantine.filter(pl.col(s.LINE_NO) == 7)[s.RAW].item() == NOAA_ROWS[5]


def test_noaa_canonical_values(tmp_path):
    res = read_input(write_noaa(tmp_path))
    first = res.positions.row(0, named=True)
    assert first == {
        s.MMSI: 257000000,
        s.TS: T0,
        s.LAT: 60.0,
        s.LON: 5.0,
        s.SOG_KN: 10.0,
        s.COG_DEG: 90.0,
        s.HEADING_DEG: 91.0,
        s.NAV_STATUS: 0,
        s.MSG_TYPE: None,
        s.SOURCE: "noaa_csv",
        s.SOURCES: ["noaa_csv:AIS_2024_03_05.csv"],
    }
    na = res.positions.filter(pl.col(s.MMSI) == 257000001).row(0, named=True)
    assert (na[s.SOG_KN], na[s.COG_DEG], na[s.HEADING_DEG], na[s.NAV_STATUS]) == (None,) * 4
    v = res.vessels.filter(pl.col(s.MMSI) == 257000000)
    assert v.height == 1
    assert v.select(s.IMO, s.CALL_SIGN, s.SHIP_TYPE, s.LENGTH_M, s.DRAUGHT_M, s.AIS_CLASS).row(
        0
    ) == (9123456, "LABC", 70, 120.0, pytest.approx(7.5), "A")
    markup = res.vessels.filter(pl.col(s.MMSI) == 257000001)[s.VESSEL_NAME].item()
    assert markup == "<script>alert(1)</script>"
    assert res.positions.schema[s.TS] == pl.Datetime("us", "UTC")


def test_noaa_zip_equals_csv(tmp_path):
    csv = write_noaa(tmp_path)
    zpath = tmp_path / "AIS_2024_03_05.zip"
    with zipfile.ZipFile(zpath, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.write(csv, csv.name)
    a, b = read_input(csv), read_input(zpath)
    # only the file name in ``sources`` differs
    assert a.positions.drop(s.SOURCES).equals(b.positions.drop(s.SOURCES))
    assert a.vessels.equals(b.vessels)
    assert a.rejects == b.rejects
    assert set(b.quarantine[s.SOURCE_FILE]) == {str(zpath)}


DMA_HEADER = ",".join(DMA_COLUMNS)
DMA_ROWS = [
    # line 2: class A under way; DMA texts map to ITU codes
    "05/03/2024 12:00:00,Class A,219000001,55.5,11.0,Under way using engine,0.0,12.5,255.5,256,9123456,OXAB2,DANA,Cargo,,20,130,GPS,6.1,AARHUS,06/03/2024 08:00:00,AIS",  # noqa: E501
    # line 3: "Unknown value" status -> null; "Undefined" ship type -> null
    "05/03/2024 12:00:01,Class B,219000002,55.6,11.1,Unknown value,,4.8,237.4,,Unknown,,,Undefined,,,,Undefined,,,,AIS",  # noqa: E501
    # line 4: lat 91 but static data (a type 5 in disguise) -> accepted, vessel row only
    "05/03/2024 12:00:02,Class A,219000003,91.000000,181.000000,Unknown value,,,,,9320063,SHZA,ASTINA,Tanker,Category X,20,130,GPS,5.9,FREDERICIA,31/05/2024 04:00:00,AIS",  # noqa: E501
    # line 5: lat 91 and nothing else -> no_position
    "05/03/2024 12:00:03,Class A,219000004,91.000000,181.000000,Moored,,,,,Unknown,,,Undefined,,,,Undefined,,,,AIS",  # noqa: E501
    # line 6: base station -> accepted, stations table
    "05/03/2024 12:00:04,Base Station,2190066,56.530063,8.166943,Unknown value,,,,,Unknown,,,Undefined,,,,GPS,,,,AIS",  # noqa: E501
    # line 7: AtoN -> accepted, stations table
    "05/03/2024 12:00:05,AtoN,992111840,54.612913,12.629968,Unknown value,,,,,Unknown,,WIND FARM,Undefined,,60,60,GPS,,,,AIS",  # noqa: E501
    # line 8: unparseable time -> bad_value
    "32/03/2024 12:00:00,Class A,219000005,55.5,11.0,Moored,,0,0,0,Unknown,,,Undefined,,,,GPS,,,,AIS",  # noqa: E501
]


def test_dma_22_columns(tmp_path):
    path = tmp_path / "aisdk-2024-03-05.csv"
    path.write_text(DMA_HEADER + "\n" + "\n".join(DMA_ROWS) + "\n")
    res = read_input(path)
    assert reasons(res) == {5: "no_position", 8: "bad_value"}
    assert (res.lines_read, res.accepted) == (7, 5)
    pos = res.positions
    assert pos[s.MMSI].to_list() == [219000001, 219000002]
    assert pos[s.NAV_STATUS].to_list() == [0, None]
    assert pos[s.TS].to_list()[0] == T0
    v = res.vessels.sort(s.MMSI)
    assert v[s.MMSI].to_list() == [219000001, 219000003]  # 219000002 carries no static data
    astina = v.filter(pl.col(s.MMSI) == 219000003).row(0, named=True)
    assert (astina[s.VESSEL_NAME], astina[s.SHIP_TYPE], astina[s.IMO], astina[s.DESTINATION]) == (
        "ASTINA",
        80,
        9320063,
        "FREDERICIA",
    )
    dana = v.filter(pl.col(s.MMSI) == 219000001).row(0, named=True)
    assert (dana[s.SHIP_TYPE], dana[s.AIS_CLASS], dana[s.LENGTH_M]) == (70, "A", 130.0)
    st = res.stations.select(s.MMSI, s.STATION_KIND, s.LAT, s.STATION_NAME, s.EPFD, s.MSG_TYPE)
    assert st.rows() == [
        (2190066, "base_station", 56.530063, None, 1, None),  # no message type in the CSV
        (992111840, "aton", 54.612913, "WIND FARM", 1, None),
    ]


def test_dma_station_rows(tmp_path):
    base = "05/03/2024 12:00:04,Base Station,2190066,56.530063,8.166943,Unknown value,,,,,Unknown,,,Undefined,,,,Surveyed,,,,AIS"  # noqa: E501
    rows = [
        base,
        base,  # the same row again: duplicate
        base.replace("56.530063", "56.6"),  # the same MMSI elsewhere: another station
        base.replace("2190066", "219006600"),  # a ship's number: invalid_mmsi
        base.replace("Base Station", "AtoN").replace("56.530063,8.166943", "91,181"),
    ]
    path = tmp_path / "aisdk-2024-03-05.csv"
    path.write_text(DMA_HEADER + "\n" + "\n".join(rows) + "\n")
    res = read_input(path)
    assert reasons(res) == {3: "duplicate", 5: "invalid_mmsi"}
    assert res.stations[s.LAT].to_list() == [56.530063, 56.6, None]  # 91: not available
    assert res.stations[s.EPFD].to_list() == [7, 7, 7]
    assert res.stations[s.STATION_KIND].to_list() == ["base_station"] * 2 + ["aton"]
    assert res.positions.is_empty() and res.vessels.is_empty()


def test_dma_26_columns_uses_dimensions(tmp_path):
    path = tmp_path / "aisdk-2024-03-05.csv"
    row = "05/03/2024 12:00:00,Class A,219000001,55.5,11.0,At anchor,0.0,0.1,10.0,11,Unknown,OXAB2,DANA,Fishing,,,,GPS,,,,AIS,20,10,3,4"  # noqa: E501
    path.write_text(DMA_HEADER + ",A,B,C,D\n" + row + "\n")
    res = read_input(path)
    v = res.vessels.row(0, named=True)
    assert (v[s.LENGTH_M], v[s.WIDTH_M], v[s.SHIP_TYPE]) == (30.0, 7.0, 30)
    assert res.positions[s.NAV_STATUS].to_list() == [1]


def test_csv_with_only_a_header_reads_nothing(tmp_path):
    path = tmp_path / "AIS.csv"
    path.write_text(NOAA_HEADER + "\n")
    res = read_input(path)
    assert (res.lines_read, res.accepted, res.positions.height) == (0, 0, 0)


def test_ragged_rows_are_malformed_and_quoted_commas_are_fine(tmp_path):
    path = write_noaa(
        tmp_path,
        [
            # line 2: a quoted name containing a comma is one field
            '257000000,2024-03-05T12:00:00,60.0,5.0,10.0,90.0,91,"NAME, WITH COMMA",,,,,,,,,A',
            # line 3: cut short
            "257000001,2024-03-05T12:00:00,60.0,5.0",
            # line 4: two fields too many
            "257000002,2024-03-05T12:00:00,60.0,5.0,10.0,90.0,91,X,,,,,,,,,A,EXTRA,MORE",
        ],
    )
    res = read_input(path)
    assert reasons(res) == {3: "malformed", 4: "malformed"}
    assert res.vessels[s.VESSEL_NAME].to_list() == ["NAME, WITH COMMA"]
    assert res.quarantine[s.RAW].to_list()[0] == "257000001,2024-03-05T12:00:00,60.0,5.0"
