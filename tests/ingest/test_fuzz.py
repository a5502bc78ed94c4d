"""Robustness: random and mutated NMEA and CSV thrown at ``read_input``, and killed writes.

Property-based (hypothesis). What must hold for any input:

- no crash: only ``InputFormatError`` / ``InputFileError`` (file-level problems), and none at
  all for a file whose format was recognised and whose damage is inside lines or cells;
- no hang: every example has a deadline;
- the counts add up: ``accepted + sum(rejects) == lines_read``, the quarantine holds exactly
  the rejected lines, and every physical line is either read or counted as skipped.

The whole file runs in well under a minute (``max_examples`` below).
"""

from __future__ import annotations

import gzip
import io
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from mda import schema as s
from mda.errors import InputFileError, InputFormatError
from mda.ingest import REASONS, read_input, read_inputs
from mda.ingest.fastscan import read_lines, scan, scan_vectorised
from mda.ingest.formats import DMA_COLUMNS, NOAA_COLUMNS
from mda.lake import partition_dir, scan_partition, write_partition
from tests.ingest.factory import EPOCH0, SHIP, T0, pghp, position, sentences, tag
from tests.ingest.nmea_check import assert_same

FUZZ = settings(
    max_examples=60,
    deadline=timedelta(seconds=5),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FILE_LEVEL = (InputFormatError, InputFileError)

# --- NMEA material: valid lines of every dialect the reader knows ------------------------
STATIC5 = {
    "type": 5, "mmsi": SHIP, "imo": 9123456, "callsign": "LAXX", "shipname": "NORDIC STAR",
    "ship_type": 70, "to_bow": 100, "to_stern": 20, "to_port": 10, "to_starboard": 10,
    "draught": 6.0, "destination": "BERGEN",
}  # fmt: skip
TYPE1 = sentences(position())[0]
ATON = sentences({"type": 21, "mmsi": 992570001, "aid_type": 20, "name": "N CARDINAL",
                  "name_ext": "EXT", "lat": 59.4, "lon": 5.3})[0]  # fmt: skip
TYPE5 = sentences(STATIC5, seq_id=3)
GROUP = [
    tag(p, c=EPOCH0, g=f"{i}-2-0738", s="rx1") if i == 1 else tag(p, g=f"{i}-2-0738")
    for i, p in enumerate(TYPE5, start=1)
]
VALID_NMEA = [
    tag(TYPE1, c=EPOCH0),
    tag(TYPE1, c=EPOCH0 * 1000 + 250, s="rORBCOMM000"),
    f"{TYPE1},{EPOCH0}",  # satellite style: trailing epoch after the checksum
    f"{EPOCH0}.5 {TYPE1}",  # leading epoch
    pghp(T0),
    *[tag(p, c=EPOCH0 + 1) for p in TYPE5],
    *GROUP,
    tag(sentences(position(msg_type=18, mmsi=SHIP + 1))[0], c=EPOCH0),
    tag(sentences({"type": 24, "mmsi": SHIP + 1, "partno": 0, "shipname": "B"})[0], c=EPOCH0),
    tag(sentences(position(), talker="AB", kind="VDO")[0], c=EPOCH0),
    tag(sentences(position(), talker="BS")[0], c=EPOCH0 + 2),
    tag(sentences({"type": 4, "mmsi": 2573345})[0], c=EPOCH0),  # base station: stations
    tag(ATON, c=EPOCH0, s="rx1"),  # aid to navigation: stations
    "$GPRMC,120000,A,6000.000,N,00500.000,E,0.0,0.0,050324,,*00",
    "$AIALR,120000.00,002,V,V,AIS: Antenna VSWR exceeds limit*51",
    "# a comment",
    "",
]


@st.composite
def mutated(draw, line: bytes) -> bytes:
    """``line`` after 1-4 byte-level edits: flip, insert, delete, truncate, repeat a span."""
    data = bytearray(line)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "repeat"]))
        at = draw(st.integers(0, len(data)))
        if op == "flip" and at < len(data):
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=4))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 5))]
        elif op == "truncate":
            del data[at:]
        else:
            data[at:at] = data[at : at + draw(st.integers(1, 20))]
    return bytes(data)


def _garbage_tag_block(body: bytes, sentence: bytes) -> bytes:
    return b"\\" + body + b"\\" + sentence


VALID_BYTES = st.sampled_from([x.encode() for x in VALID_NMEA])
NMEA_LINE = st.one_of(
    VALID_BYTES,
    VALID_BYTES.flatmap(mutated),
    st.binary(max_size=120),  # random bytes, invalid UTF-8 included
    st.text(alphabet="!$\\*,0123456789ABCDEFGHIVMabcs:-.", max_size=90).map(str.encode),
    st.builds(_garbage_tag_block, st.binary(max_size=40), VALID_BYTES),
    st.builds(lambda n: b"!AIVDM,1,1,,A," + b"1" * n + b",0*00", st.integers(100, 200_000)),
)


FAST_PATH_EXTRA = [
    f"{TYPE1}  ",  # trailing spaces
    f"{tag(TYPE1, c=EPOCH0)},{EPOCH0 + 5}",  # tag block and trailing epoch
    tag(TYPE5[0], c=EPOCH0, s="rx2"),  # a first part alone, recycling sequence id 3
    tag(TYPE5[1], c=EPOCH0, s="rx2"),
    tag(TYPE1, s="2573250", c=EPOCH0 + 3),  # Norway's stream: station first
    tag(TYPE1, s="rx3"),  # a station, no time
    f"{TYPE1},s123,d-100,T1.2,r1,{EPOCH0 + 4}",  # USCG: fields after the checksum
    *sentences({"type": 8, "mmsi": SHIP, "data": b"\x01" * 60}, seq_id=3),  # unsupported
    sentences({"type": 27, "mmsi": SHIP, "lon": 5.0, "lat": 60.0})[0],
]
"""Lines the vectorised path reads in bulk, beyond :data:`VALID_NMEA`."""
FAST_OR_NOT = st.one_of(
    NMEA_LINE, st.sampled_from([x.encode() for x in VALID_NMEA + FAST_PATH_EXTRA])
)


def physical_lines(data: bytes) -> int:
    """Lines as a text-mode reader sees them (universal newlines; \\r alone ends a line)."""
    return sum(1 for _ in io.TextIOWrapper(io.BytesIO(data), encoding="utf-8",
                                           errors="replace", newline=None))  # fmt: skip


def assert_accounting(res) -> None:
    """The counts add up and the tables are in shape."""
    rejected = sum(res.rejects.values())
    assert res.accepted + rejected == res.lines_read
    assert res.quarantine.height == rejected
    assert set(res.rejects) <= set(REASONS)
    assert res.positions.schema == pl.Schema(s.POSITIONS_SCHEMA)
    assert res.quarantine.schema == pl.Schema(s.QUARANTINE_SCHEMA)
    assert res.positions.filter(pl.col(s.SOURCES).list.len().fill_null(0) < 1).is_empty()


@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="mda-fuzz-") as tmp:
        yield Path(tmp)


@FUZZ
@given(
    lines=st.lists(NMEA_LINE, max_size=40).flatmap(st.permutations),
    newline=st.sampled_from([b"\n", b"\r\n", b"\r"]),
)
def test_mutated_nmea_never_crashes_and_counts_add_up(workdir, lines, newline):
    # the first line stays valid so the file is recognised as NMEA: no error is allowed
    data = newline.join([tag(TYPE1, c=EPOCH0).encode(), *lines]) + newline
    path = workdir / "fuzz.nmea"
    path.write_bytes(data)
    res = read_input(path)
    assert_accounting(res)
    assert res.lines_read + sum(res.skipped.values()) == physical_lines(data)


GLUED = [
    b"\\c:1709640001*55\\!AIVDM,2,1,3,A,"
    b"53m62@02;=`0h5QP000pu8@T>1=@580000000016<PD::0000?0QDQiCP000,0*79",
    b"\t\t!AAVDM!AIVDM,2,2,3,A,00000000000,2*27",
]
"""Found by hypothesis: part 2 sits on a line owned by a broken sentence glued before it, so
the lines alone do not give the decoded message's payload (the readers give it)."""


@FUZZ
@given(
    lines=st.lists(FAST_OR_NOT, max_size=40),
    newline=st.sampled_from([b"\n", b"\r\n", b"\r"]),
)
@example(lines=GLUED, newline=b"\n")
def test_fast_path_equals_the_pyais_reader(workdir, lines, newline):
    # what the vectorised path takes and what it leaves, in any order and with any damage
    path = workdir / "fastslow.nmea"  # a valid first line: not a zip or gzip by its magic
    path.write_bytes(newline.join([tag(TYPE1, c=EPOCH0).encode(), *lines]) + newline)
    assert_same(path)


@FUZZ
@given(
    lines=st.lists(FAST_OR_NOT, max_size=40),
    newline=st.sampled_from([b"\n", b"\r\n"]),
)
@example(lines=GLUED, newline=b"\n")
def test_compiled_scan_equals_the_expression_scan(workdir, lines, newline):
    # the compiled line scan takes the common forms; the polars scan applies the whole
    # expression to every line: both must give the same rows and fields
    path = workdir / "scan.nmea"
    path.write_bytes(newline.join([tag(TYPE1, c=EPOCH0).encode(), *lines]) + newline)
    text_lines, buf, offsets = read_lines(path)
    compiled = scan(text_lines, buf, offsets)
    assert compiled.equals(scan_vectorised(text_lines, buf, offsets))
    assert compiled.height >= 1  # the first line at least


@FUZZ
@given(data=st.binary(max_size=2000))
def test_random_bytes_fail_only_at_file_level(workdir, data):
    path = workdir / "random.bin"
    path.write_bytes(data)
    try:
        res = read_input(path)
    except FILE_LEVEL:
        return
    assert_accounting(res)


@FUZZ
@given(cut=st.integers(min_value=0, max_value=10_000))
def test_truncated_gzip_fails_cleanly(workdir, cut):
    whole = gzip.compress(("\n".join(tag(x, c=EPOCH0) for x in [TYPE1] * 300) + "\n").encode())
    path = workdir / "cut.nmea.gz"
    path.write_bytes(whole[: cut % len(whole)])
    try:
        res = read_input(path)
    except FILE_LEVEL:
        return
    assert_accounting(res)


def test_interleaved_groups_and_duplicated_fragments_in_one_file(workdir):
    # fragments shuffled among other sentences, one fragment sent twice, one group cut short
    lines = [GROUP[0], TYPE1, GROUP[0], tag(TYPE1, c=EPOCH0), GROUP[1], TYPE5[0]]
    path = workdir / "groups.nmea"
    path.write_text("\n".join(lines) + "\n")
    res = read_input(path)
    assert_accounting(res)
    assert res.vessels.height == 1


# --- CSV material ---------------------------------------------------------------------------
NOAA_VALID = "257000000,2024-03-05T12:00:00,60.0,5.0,10.0,90.0,91,NORDIC STAR,IMO9123456,LAXX,70,0,120,20,6.0,70,A"  # noqa: E501
DMA_VALID = "05/03/2024 12:00:00,Class A,219000001,55.5,11.0,Under way using engine,0.0,12.5,255.5,256,9123456,OXAB2,DANA,Cargo,,20,130,GPS,6.1,AARHUS,06/03/2024 08:00:00,AIS"  # noqa: E501
CELL_CHARS = st.characters(blacklist_characters=',"\r\n', blacklist_categories=("Cs",))
ODD_VALUES = ["91", "181", "102.3", "511", "360", "NaN", "inf", "-0", "1e308",
              "2024-03-05T12:00:00", "05/03/2024 12:00:00", "Unknown value", "IMO"]  # fmt: skip
CLEAN_CELL = st.one_of(
    st.just(""),
    st.from_regex(r"-?[0-9]{1,10}(\.[0-9]{1,7})?", fullmatch=True),
    st.text(alphabet=CELL_CHARS, max_size=12),
    st.sampled_from(ODD_VALUES),
)


def csv_row(valid: str, n_cols: int) -> st.SearchStrategy[str]:
    """A row of random clean cells, or the valid row with some cells replaced or dropped."""
    cells = valid.split(",")
    replaced = st.lists(st.tuples(st.integers(0, n_cols - 1), CLEAN_CELL), max_size=4).map(
        lambda edits: ",".join(_edit(cells, edits))
    )
    ragged = st.lists(CLEAN_CELL, max_size=n_cols + 3).map(
        lambda row: ",".join(row)
    )
    return st.one_of(replaced, ragged)


def _edit(cells: list[str], edits: list[tuple[int, str]]) -> list[str]:
    out = list(cells)
    for i, value in edits:
        out[i] = value
    return out


def test_noaa_ship_type_beyond_int16_is_row_level(workdir):
    path = workdir / "st.csv"
    path.write_text(
        ",".join(NOAA_COLUMNS) + "\n" + NOAA_VALID.replace(",70,0,", ",40000,0,") + "\n"
    )
    res = read_input(path)
    assert res.lines_read == 1 and res.positions.height + sum(res.rejects.values()) == 1


def test_dma_unmapped_status_text_is_row_level(workdir):
    path = workdir / "nav.csv"
    path.write_text(
        ",".join(DMA_COLUMNS) + "\n" + DMA_VALID.replace("Under way using engine", "0") + "\n"
    )
    res = read_input(path)
    assert res.positions[s.NAV_STATUS].to_list() == [None]


@pytest.mark.parametrize(
    ("header", "valid"),
    [(",".join(NOAA_COLUMNS), NOAA_VALID), (",".join(DMA_COLUMNS), DMA_VALID)],
    ids=["noaa", "dma"],
)
@FUZZ
@given(data=st.data())
def test_csv_with_random_cells_never_fails(workdir, header, valid, data):
    # cell damage (bad numbers, times, missing or extra cells) is row-level: no error at all
    rows = data.draw(st.lists(csv_row(valid, len(header.split(","))), max_size=30))
    text = "\n".join([header, *rows]) + "\n"
    path = workdir / "cells.csv"
    path.write_text(text, encoding="utf-8")
    res = read_input(path)
    assert_accounting(res)
    assert res.lines_read == len(rows)


def test_unit_separator_in_a_cell_is_row_level(workdir):
    path = workdir / "us.csv"
    path.write_text(",".join(NOAA_COLUMNS) + "\n" + NOAA_VALID.replace("LAXX", "LA\x1fXX") + "\n")
    res = read_input(path)
    assert (res.lines_read, res.accepted) == (1, 1)


@st.composite
def dirty_csv(draw) -> bytes:
    """A NOAA or DMA file with quotes, embedded newlines and non-UTF-8 bytes in its rows."""
    header, valid = draw(st.sampled_from([(",".join(NOAA_COLUMNS), NOAA_VALID),
                                          (",".join(DMA_COLUMNS), DMA_VALID)]))  # fmt: skip
    rows = [valid.encode()] * draw(st.integers(0, 3))
    dirty = st.one_of(
        st.just(valid.encode()).flatmap(mutated),
        st.binary(max_size=80),
        st.just(valid.replace("NORDIC STAR", '"NORDIC, STAR"').encode()),
        st.just(valid.replace(",A", ',"A\nB"').encode()),
        st.just(valid.encode().replace(b"DANA", b"D\xffNA").replace(b"NORDIC", b"N\xc3(RDIC")),
    )
    rows += draw(st.lists(dirty, max_size=10))
    return b"\n".join([header.encode(), *rows]) + b"\n"


@FUZZ
@given(data=dirty_csv())
def test_dirty_csv_fails_only_at_file_level(workdir, data):
    path = workdir / "dirty.csv"
    path.write_bytes(data)
    try:
        res = read_input(path)
    except FILE_LEVEL:
        return
    assert_accounting(res)


@FUZZ
@given(nmea=st.lists(VALID_BYTES, max_size=15), rows=st.lists(st.just(NOAA_VALID), max_size=5))
def test_several_files_together_keep_the_accounting(workdir, nmea, rows):
    a = workdir / "multi.nmea"
    a.write_bytes(b"\n".join([tag(TYPE1, c=EPOCH0).encode(), *nmea]) + b"\n")
    b = workdir / "multi.csv"
    b.write_text("\n".join([",".join(NOAA_COLUMNS), *rows]) + "\n")
    res = read_inputs([a, b, a])  # the same file twice: everything in the repeat is a duplicate
    assert_accounting(res)
    assert res.rejects.get("duplicate", 0) >= read_input(a).accepted


# --- killed writes: the lake keeps the previous partition -----------------------------------
DAY = date(2024, 3, 5)

KILLED_WRITER = textwrap.dedent(
    """
    # Runs write_partition with a pause injected *inside this process only*, then waits
    # to be killed (SIGKILL) by the test.
    import os, sys, time
    from datetime import date
    from pathlib import Path
    import polars as pl
    from mda import lake, schema as s

    lake_dir, where = Path(sys.argv[1]), sys.argv[2]

    def pause():
        print("PAUSED", flush=True)
        time.sleep(120)

    if where == "parquet":  # after the new file is complete, before the swap
        write = pl.DataFrame.write_parquet
        def slow_write(self, *a, **k):
            write(self, *a, **k)
            pause()
        pl.DataFrame.write_parquet = slow_write
    elif where == "swap":  # just before the new file is moved over the old one
        replace = os.replace
        def slow_replace(src, dst):
            if str(dst).endswith("part-0.parquet"):
                pause()
            replace(src, dst)
        lake.os.replace = slow_replace  # the os module, patched in this process only

    df = pl.DataFrame({s.MMSI: [999] * 1000, s.SOURCE: ["new"] * 1000})
    lake.write_partition(lake_dir, "positions", date(2024, 3, 5), s.conform(df, s.POSITIONS_SCHEMA))
    """
)


def _old_partition(lake: Path) -> pl.DataFrame:
    df = s.conform(pl.DataFrame({s.MMSI: [SHIP], s.SOURCE: ["old"]}), s.POSITIONS_SCHEMA)
    write_partition(lake, "positions", DAY, df)
    return df


def _kill_while_paused(lake: Path, where: str, tmp_path: Path) -> None:
    script = tmp_path / "killed_writer.py"
    script.write_text(KILLED_WRITER)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.Popen(
        [sys.executable, str(script), str(lake), where], stdout=subprocess.PIPE, env=env,
        text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "PAUSED", "the writer never reached the pause"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


@pytest.mark.slow
def test_write_killed_before_the_swap_leaves_the_old_partition(tmp_path):
    lake = tmp_path / "lake"
    old = _old_partition(lake)
    _kill_while_paused(lake, "parquet", tmp_path)
    assert scan_partition(lake, "positions", DAY).collect().equals(old)
    # a rerun replaces the day despite the leftovers of the killed run
    new = s.conform(pl.DataFrame({s.MMSI: [SHIP + 1], s.SOURCE: ["rerun"]}), s.POSITIONS_SCHEMA)
    write_partition(lake, "positions", DAY, new)
    assert scan_partition(lake, "positions", DAY).collect().equals(new)


@pytest.mark.slow
def test_first_write_killed_leaves_no_partition(tmp_path):
    lake = tmp_path / "lake"
    _kill_while_paused(lake, "parquet", tmp_path)
    assert not (partition_dir(lake, "positions", DAY) / "part-0.parquet").exists()
    empty = scan_partition(lake, "positions", DAY, schema=s.POSITIONS_SCHEMA).collect()
    assert empty.is_empty()


@pytest.mark.slow
def test_write_killed_during_the_swap_leaves_the_old_partition(tmp_path):
    lake = tmp_path / "lake"
    old = _old_partition(lake)
    _kill_while_paused(lake, "swap", tmp_path)
    assert scan_partition(lake, "positions", DAY).collect().equals(old)
