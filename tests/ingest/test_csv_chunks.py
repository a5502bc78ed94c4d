"""The CSV readers' pieces and their two readings (mda.ingest.csv_sources).

A file is read in pieces; a clean piece is read by polars' typed reader, any other by the
text reading, which judges row by row. What must hold:

- the typed reading gives exactly the records of the text reading (random cells, padded
  texts, odd number spellings, quotes, ragged and blank lines);
- cutting a file in many small pieces changes nothing (line numbers, raw lines in the
  quarantine, duplicates found across pieces);
- compressed files read the same, including the raw lines of the quarantine.
"""

from __future__ import annotations

import gzip
import itertools
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mda import schema as s
from mda.errors import InputFormatError
from mda.ingest import _records as r
from mda.ingest import csv_sources as cs
from mda.ingest import read_input, read_inputs
from mda.ingest.formats import DMA_COLUMNS, NOAA_COLUMNS

NOAA_HEADER = ",".join(NOAA_COLUMNS)
DMA_HEADER = ",".join(DMA_COLUMNS)
NOAA_ROW = "257000000,2024-03-05T12:00:00,60.0,5.0,10.0,90.0,91,NORDIC STAR,IMO9123456,LAXX,70,0,120,20,6.0,70,A"  # noqa: E501
DMA_ROW = "05/03/2024 12:00:00,Class A,219000001,55.5,11.0,Under way using engine,0.0,12.5,255.5,256,9123456,OXAB2,DANA,Cargo,,20,130,GPS,6.1,AARHUS,06/03/2024 08:00:00,AIS"  # noqa: E501

# cells that the two readings could take differently if the typed one were careless
ODD_CELLS = [
    "", " ", "  5", "5 ", "+5", ".5", "5.", "1e3", "1E3", "-0", "nan", "NaN", "inf", "-inf",
    "0x10", "1_000", "1,5", "91", "181", "102.3", "511", "360", "99999999999999999999",
    "257000000.0", "257000000.5", " 257000000", "IMO", "IMO123", " IMO9123456", "Unknown",
    "unknown value", " A", "a", "b", "C", "A\t", "\u00a0NAME", "NAME\u2003", "\tX", "X\r",
    '"QUOTED, NAME"', '"SEA & ""STAR"""', '" PADDED "', "2024-03-05T12:00:00",
    " 2024-03-05T12:00:00", "2024-03-05 12:00:00", "05/03/2024 12:00:00", "Class A",
    "class b", "Moored", " Moored", "Cargo", "tanker ", "Undefined",
    # DMA fixed stations: their rows go to the stations table
    "Base Station", " AtoN", "aton", "2190066", "992111840", "Surveyed", " Internal ", "GALILEO",
]  # fmt: skip
CELL = st.one_of(
    st.sampled_from(ODD_CELLS),
    st.from_regex(r"-?[0-9]{1,9}(\.[0-9]{1,6})?", fullmatch=True),
    st.text(alphabet=st.characters(blacklist_characters=',"\r\n', blacklist_categories=("Cs",)),
            max_size=8),
)  # fmt: skip
FUZZ = settings(
    max_examples=40,
    deadline=timedelta(seconds=10),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def rows(valid: str) -> st.SearchStrategy[list[str]]:
    """Rows: the valid row with some cells replaced, or a ragged/blank line now and then."""
    cells = valid.split(",")
    edited = st.lists(st.tuples(st.integers(0, len(cells) - 1), CELL), max_size=3).map(
        lambda edits: ",".join(_edit(cells, edits))
    )
    ragged = st.sampled_from(["", ",".join(cells[:-2]), valid + ",EXTRA"])
    return st.lists(st.one_of(edited, edited, edited, ragged), min_size=1, max_size=25)


def _edit(cells: list[str], edits: list[tuple[int, str]]) -> list[str]:
    out = list(cells)
    for i, value in edits:
        out[i] = value
    return out


def same_result(a, b) -> None:
    assert a.positions.equals(b.positions)
    assert a.vessels.equals(b.vessels)
    assert a.stations.equals(b.stations)
    assert a.quarantine.equals(b.quarantine)
    assert (a.lines_read, a.accepted, a.rejects) == (b.lines_read, b.accepted, b.rejects)


def text_only(monkeypatch) -> None:
    """Force the text reading for every piece."""
    monkeypatch.setattr(cs, "_typed_frame", lambda data, f: None)


@pytest.mark.parametrize(
    ("header", "valid"), [(NOAA_HEADER, NOAA_ROW), (DMA_HEADER, DMA_ROW)], ids=["noaa", "dma"]
)
@FUZZ
@given(data=st.data())
def test_typed_reading_equals_text_reading(tmp_path, monkeypatch, header, valid, data):
    lines = data.draw(rows(valid))
    path = tmp_path / "cells.csv"
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    typed = read_input(path)
    with monkeypatch.context() as m:
        text_only(m)
        text = read_input(path)
    same_result(typed, text)


@FUZZ
@given(lines=rows(NOAA_ROW), chunk=st.integers(40, 600))
def test_small_pieces_change_nothing(tmp_path, monkeypatch, lines, chunk):
    path = tmp_path / "AIS.csv"
    path.write_text("\n".join([NOAA_HEADER, *lines]) + "\n", encoding="utf-8")
    whole = read_input(path)
    with monkeypatch.context() as m:
        m.setattr(cs, "CHUNK_BYTES", chunk)
        m.setattr(cs, "_MIN_TYPED", 64)
        pieces = read_input(path)
    same_result(whole, pieces)


def noaa_row(mmsi: int, second: int, lat: float = 60.0) -> str:
    return f"{mmsi},2024-03-05T12:{second // 60:02d}:{second % 60:02d},{lat},5.0,10.0,90.0,91,,,,,0,,,,,A"  # noqa: E501


def test_duplicates_and_static_reports_across_pieces(tmp_path, monkeypatch):
    monkeypatch.setattr(cs, "CHUNK_BYTES", 200)  # about two rows a piece
    rows_ = [noaa_row(257000000 + i % 3, i) for i in range(20)]
    rows_ += [noaa_row(257000001, 1)]  # line 22 repeats line 3: a duplicate, many pieces later
    # line 23 repeats the fix of line 2 but brings the vessel's static data: accepted for its
    # vessel row, its position folded; line 24 is the same vessel data at another place
    rows_ += [NOAA_ROW, NOAA_ROW.replace(",60.0,", ",60.5,")]
    path = tmp_path / "AIS.csv"
    path.write_text("\n".join([NOAA_HEADER, *rows_]) + "\n")
    res = read_input(path)
    assert res.quarantine.select(s.LINE_NO, s.REASON).rows() == [(22, "duplicate")]
    assert res.quarantine[s.RAW].to_list() == [rows_[20]]
    assert (res.accepted, res.vessels.height, res.positions.height) == (22, 1, 21)
    assert res.vessels[s.TS].dt.second().to_list() == [0]  # line 23's report
    assert res.positions[s.SOURCES].to_list() == [["noaa_csv:AIS.csv"]] * 21


def test_a_bad_line_sends_only_its_part_to_the_text_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(cs, "_MIN_TYPED", 300)
    read_as_text: list[int] = []
    text_frame = cs._text_frame

    def spy(data: bytes, f):
        read_as_text.append(len(data))
        return text_frame(data, f)

    monkeypatch.setattr(cs, "_text_frame", spy)
    rows_ = [noaa_row(257000000, i) for i in range(200)]
    rows_[150] = rows_[150].replace(",60.0,", ",sixty,")
    path = tmp_path / "AIS.csv"
    path.write_text("\n".join([NOAA_HEADER, *rows_]) + "\n")
    res = read_input(path)
    assert res.rejects == {"bad_value": 1}
    assert res.quarantine[s.LINE_NO].to_list() == [152]
    assert len(read_as_text) == 1 and read_as_text[0] <= 300


def _garbage_first_in_pieces(tmp_path, start: bytes) -> Path:
    rows_ = [noaa_row(257000000, i).encode() for i in range(6)]
    garbage = start + b"garbage,1"
    path = tmp_path / "AIS.csv"
    lines = [NOAA_HEADER.encode(), garbage, *rows_[:3], garbage, *rows_[3:]]
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


@pytest.mark.parametrize("start", [b"x^", b"x\x01"])
@pytest.mark.parametrize("chunk", [None, 150])
def test_a_line_starting_like_a_compressed_buffer_is_a_line(tmp_path, monkeypatch, start, chunk):
    # polars takes bytes in memory that start with a gzip, zlib or zstd magic number for a
    # compressed buffer (an error, or for some zlib starts nothing read at all): a garbage
    # line starting so, first in the file or in a piece, is quarantined like any other
    if chunk is not None:
        monkeypatch.setattr(cs, "CHUNK_BYTES", chunk)
    res = read_input(_garbage_first_in_pieces(tmp_path, start))
    assert (res.lines_read, res.accepted, res.rejects) == (8, 6, {"malformed": 2})
    assert res.quarantine[s.LINE_NO].to_list() == [2, 6]
    assert res.positions.height == 6


@pytest.mark.parametrize("start", [b"\x1f\x8b", b"x\x9c", b"(\xb5/\xfd"])
def test_a_line_starting_like_a_compressed_buffer_not_utf8_is_the_files_error(tmp_path, start):
    # the other magic numbers are no UTF-8: the file is refused with the reason, as for any
    # invalid UTF-8 in a CSV file (before the fix: an OSError from the decompressor)
    with pytest.raises(InputFormatError, match="invalid utf-8"):
        read_input(_garbage_first_in_pieces(tmp_path, start))


def test_a_header_starting_like_a_compressed_buffer_is_a_format_error(tmp_path):
    path = tmp_path / "AIS.csv"
    path.write_bytes(b"x^" + NOAA_HEADER.encode() + b"\n" + NOAA_ROW.encode() + b"\n")
    with pytest.raises(InputFormatError, match="lacks required column"):
        list(cs.parse_noaa(path).parts)


@pytest.mark.parametrize("kind", ["zip", "gz"])
def test_compressed_files_read_the_same(tmp_path, monkeypatch, kind):
    monkeypatch.setattr(cs, "CHUNK_BYTES", 150)
    rows_ = [noaa_row(257000000, i) for i in range(12)] + ["257000001,bad time,60,5"]
    plain = tmp_path / "AIS.csv"
    plain.write_text("\n".join([NOAA_HEADER, *rows_]) + "\n")
    packed = tmp_path / f"AIS.{kind}"
    if kind == "zip":
        with zipfile.ZipFile(packed, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.write(plain, plain.name)
    else:
        packed.write_bytes(gzip.compress(plain.read_bytes()))
    a, b = read_input(plain), read_input(packed)
    assert a.positions.drop(s.SOURCES).equals(b.positions.drop(s.SOURCES))
    assert a.quarantine.drop(s.SOURCE_FILE).equals(b.quarantine.drop(s.SOURCE_FILE))
    assert b.quarantine[s.RAW].to_list() == [rows_[-1]]


def test_times_beyond_the_sort_key_range_are_still_sorted(tmp_path):
    # 1800 and 2200 are outside 1970 +- 2^32 s (136 years): fixes are sorted another way
    rows_ = [
        noaa_row(257000001, 0).replace("2024", "2200"),
        noaa_row(257000000, 5),
        noaa_row(257000001, 0).replace("2024", "1800"),
        noaa_row(257000000, 1),
    ]
    path = tmp_path / "AIS.csv"
    path.write_text("\n".join([NOAA_HEADER, *rows_]) + "\n")
    ts = pl.col(s.TS)
    got = read_input(path).positions.select(s.MMSI, ts.dt.year().alias("y"), ts.dt.second())
    assert got.rows() == [(257000000, 2024, 1), (257000000, 2024, 5), (257000001, 1800, 0),
                          (257000001, 2200, 0)]  # fmt: skip


def test_one_second_of_one_vessel_is_in_time_order():
    # NMEA times carry milliseconds: fixes within one second are sorted by time, not by input
    t0 = datetime(2024, 3, 5, 12, 0, tzinfo=UTC)
    ms = [900, 100, 500]
    records = pl.DataFrame(
        {
            r.REC_ID: range(3),
            s.MMSI: [257000000] * 3,
            s.TS: [t0 + timedelta(milliseconds=m) for m in ms],
            s.LAT: [60.0, 60.1, 60.2],
            s.LON: [5.0] * 3,
            s.SOURCE: ["nmea"] * 3,
            r.IS_POSITION_REPORT: [True] * 3,
        }
    )
    lines = pl.DataFrame({s.SOURCE_FILE: ["a.nmea"] * 3, s.LINE_NO: [1, 2, 3], r.REC_ID: range(3)})
    res = r.finalize([r.Parsed(s.conform(records, r.RECORDS_SCHEMA), lines)])
    assert res.positions[s.TS].dt.millisecond().to_list() == [100, 500, 900]


def test_two_files_keep_their_own_source_labels(tmp_path):
    a = tmp_path / "a.csv"
    b = tmp_path / "b.csv"
    a.write_text(NOAA_HEADER + "\n" + noaa_row(257000000, 0) + "\n")
    b.write_text(NOAA_HEADER + "\n" + noaa_row(257000000, 0) + "\n" + noaa_row(257000001, 0) + "\n")
    res = read_inputs([a, b])
    assert res.positions.select(s.MMSI, s.SOURCES).rows() == [
        (257000000, ["noaa_csv:a.csv", "noaa_csv:b.csv"]),
        (257000001, ["noaa_csv:b.csv"]),
    ]


@pytest.mark.parametrize("cell", [7, 9, 15])  # VesselName, CallSign, Cargo (a text not used)
def test_a_quoted_line_break_is_a_file_level_error(tmp_path, cell):
    # rows would no longer be lines, so line numbers and raw lines would be wrong: refused
    cells = NOAA_ROW.split(",")
    cells[cell] = '"TWO\nLINES"'
    quoted_name = NOAA_ROW.replace("NORDIC STAR", '"NORDIC, STAR"')  # quotes elsewhere too
    path = tmp_path / "AIS.csv"
    path.write_text("\n".join([NOAA_HEADER, quoted_name, ",".join(cells), NOAA_ROW]) + "\n")
    with pytest.raises(InputFormatError, match="quoted line breaks are not supported"):
        read_input(path)


def test_the_line_break_error_names_the_line_of_a_later_piece(tmp_path, monkeypatch):
    # pieces are parsed two at a time: the error still names where the bad piece starts
    monkeypatch.setattr(cs, "CHUNK_BYTES", 200)  # about two rows a piece
    cells = NOAA_ROW.split(",")
    cells[7] = '"TWO\nLINES"'
    rows = [NOAA_ROW] * 40
    rows[30] = ",".join(cells)  # line 32 (the header is line 1)
    path = tmp_path / "AIS.csv"
    path.write_text("\n".join([NOAA_HEADER, *rows]) + "\n")
    with pytest.raises(InputFormatError, match="quoted line breaks") as err:
        read_input(path)
    line = int(str(err.value).split("from line ")[1].split(";")[0])
    assert 29 <= line <= 32


def _fixes(blocks: list[tuple[int, int, int, int]]) -> pl.DataFrame:
    """Fixes in rec_id order with their sort key: (mmsi, first second, rows, step in
    milliseconds) per block."""
    t0 = datetime(2024, 3, 5, tzinfo=UTC)
    rows = [
        (257000000 + mmsi, t0 + timedelta(seconds=first, milliseconds=k * step))
        for mmsi, first, n, step in blocks
        for k in range(n)
    ]
    fixes = pl.DataFrame(rows, schema={s.MMSI: pl.Int64, s.TS: s.UTC_TS}, orient="row")
    fixes = fixes.with_row_index(r.REC_ID).with_columns(pl.col(r.REC_ID).cast(pl.Int64))
    return fixes.with_columns(r._sort_key(fixes).alias(r._KEY))


BLOCK = st.tuples(st.integers(0, 3), st.integers(0, 600), st.integers(30, 70),
                  st.sampled_from([0, 250, 1000, 3000]))  # fmt: skip


@FUZZ
@given(st.lists(BLOCK, min_size=1, max_size=6))
def test_fixes_in_blocks_are_ordered_as_by_a_sort(blocks):
    # a file grouped by vessel (NOAA's daily files) is put in order block by block when
    # its blocks do not overlap; the order must be the sort's, (mmsi, ts, rec_id), either way
    fixes = _fixes(blocks)
    got = r._sort_permutation(fixes, keyed=True)
    want = fixes.with_row_index("_i").sort(s.MMSI, s.TS, r.REC_ID)["_i"]
    assert got["_i"].to_list() == want.to_list()
    ordered = fixes[got["_i"]]
    second = ordered.select(pl.col(s.MMSI), pl.col(s.TS).dt.truncate("1s"))
    same = second.select(pl.all_horizontal(pl.all() == pl.all().shift(1))).to_series()
    run = same.fill_null(False) | same.shift(-1).fill_null(False)
    assert got[r._RUN].to_list() == run.to_list()


def test_blocks_are_used_only_when_they_do_not_overlap():
    apart = _fixes([(1, 0, 40, 1000), (0, 0, 40, 1000), (1, 100, 40, 1000)])
    assert r._block_order(apart[r._KEY]).to_list() == [*range(40, 80), *range(40), *range(80, 120)]
    overlap = _fixes([(1, 0, 40, 1000), (1, 20, 40, 1000)])  # one vessel, times interleaved
    assert r._block_order(overlap[r._KEY]) is None
    one = _fixes([(1, 0, 40, 0), (1, 0, 40, 0)])  # equal keys go on: one block, row order
    assert r._block_order(one[r._KEY]).to_list() == list(range(80))
    touching = _fixes([(1, 5, 40, 0), (0, 0, 40, 0), (1, 5, 40, 0)])  # equal keys, two blocks
    assert r._block_order(touching[r._KEY]) is None
    short = _fixes([(k % 4, k, 3, 1000) for k in range(20)])  # blocks too short: a sort
    assert r._block_order(short[r._KEY]) is None


def test_a_tiny_piece_is_not_taken_for_a_file_in_blocks():
    # a stream's pieces are sorted as they come; its tiny or empty last piece (one vessel's
    # few fixes, say) must not make the end wait for blocks that never come
    collector = r._Collector(None)
    stream = _fixes([(k % 4, k, 1, 0) for k in range(2000)])  # vessels interleaved
    for fixes in [stream, _fixes([(1, 3000, 40, 1000)]), _fixes([])]:
        collector.fixes.append(collector._sorted_piece(fixes.drop(r._KEY)))
    assert not collector.blocky and len(collector.runs) == 3
    grouped = _fixes([(k, 0, 1100, 1000) for k in range(2)])  # a file grouped by vessel
    collector.fixes.append(collector._sorted_piece(grouped.drop(r._KEY)))
    assert collector.blocky


BIG_BLOCK = st.tuples(st.integers(0, 3), st.integers(0, 600), st.integers(300, 1500),
                     st.sampled_from([0, 250, 1000, 3000]))  # fmt: skip


@FUZZ
@given(st.lists(BIG_BLOCK, min_size=1, max_size=6), st.lists(st.integers(1, 8), max_size=4))
def test_blocks_found_piece_by_piece_are_the_files(blocks, cuts):
    # the blocks of each piece, joined, are those of the whole file: a piece's first row
    # starts a block only where the key goes down or the MMSI changes (a vessel's block
    # may go on across pieces, even with the same second on both sides: step 0)
    fixes = _fixes(blocks).drop(r._KEY)
    bounds = sorted({0, fixes.height, *(min(c * 1024, fixes.height) for c in cuts)})
    collector = r._Collector(None)
    for a, b in itertools.pairwise(bounds):
        piece = fixes.slice(a, b - a)
        collector.fixes.append(collector._sorted_piece(piece))
    keys = pl.concat([f[r._KEY] for f in collector.fixes])
    got = collector._block_starts(keys)
    if all(b - a >= r._BLOCKY_PIECE for a, b in itertools.pairwise(bounds)):
        assert got is not None and got.to_list() == r._blocks(keys).to_list()
    else:  # (a piece too small to look for blocks in: found at the end)
        assert got is None


@FUZZ
@given(st.lists(st.tuples(st.integers(0, 300), st.integers(0, 90)), max_size=60),
       st.integers(1, 5))  # fmt: skip
def test_take_is_a_gather(stretches, n_chunks):
    # rows in stretches that go up one by one (blocks put in order) are taken as slices of
    # the frame, anything else by a gather: the same rows either way, chunked or not
    n = 400
    frame = pl.DataFrame({"a": range(n), "b": [f"x{i}" for i in range(n)]})
    step = -(-n // n_chunks)
    frame = pl.concat([frame.slice(i, step) for i in range(0, n, step)], rechunk=False)
    rows = pl.Series([i for a, k in stretches for i in range(a, min(a + k, n))], dtype=pl.UInt32)
    assert r._take(frame, rows).equals(frame[rows])


@FUZZ
@given(st.lists(BLOCK, min_size=1, max_size=6))
def test_fixes_in_blocks_need_no_permutation_when_their_runs_are_in_order(blocks):
    # a file in blocks is taken block by block; the rows of one MMSI and second found in
    # place are those of the sort, unless their times (finer than a second) are out of
    # order, which only the sort mends
    fixes = _fixes(blocks)
    listed = r._block_list(fixes[r._KEY])
    if listed is None:
        return
    want = r._sort_permutation(fixes, keyed=True)
    rows = r._block_rows(listed)
    run = r._runs_in_place(fixes)
    if run is None:
        assert rows.to_list() != want["_i"].to_list()
    else:
        assert rows.to_list() == want["_i"].to_list()
        assert run.gather(rows).to_list() == want[r._RUN].to_list()


def test_a_file_in_blocks_reads_as_when_sorted(tmp_path, monkeypatch):
    # NOAA's daily files come grouped by vessel: pieces of over a thousand fixes in blocks,
    # with three reports a second (the third repeats the first: a duplicate) and vessels
    # going on across piece boundaries; taken in place or through the permutation, the
    # same tables
    monkeypatch.setattr(cs, "CHUNK_BYTES", 150_000)
    rows_ = [noaa_row(257000000 + v, 60 * v + k // 3, 60.0 + (k % 3 == 1) * 0.01)
             for v in (3, 1, 4, 0, 2) for k in range(900)]  # fmt: skip
    path = tmp_path / "AIS.csv"
    path.write_text("\n".join([NOAA_HEADER, *rows_]) + "\n")
    in_place = read_input(path)
    assert in_place.rejects == {"duplicate": 1500}
    assert in_place.positions.height == 3000 and in_place.positions[s.MMSI].is_sorted()
    monkeypatch.setattr(r, "_runs_in_place", lambda fixes: None)
    same_result(in_place, read_input(path))
