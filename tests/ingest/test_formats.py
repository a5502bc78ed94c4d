"""Format detection and the one-line errors for unreadable input."""

from __future__ import annotations

import gzip
import zipfile
from pathlib import Path

import pytest

from mda.errors import InputFileError, InputFormatError
from mda.ingest import detect_format, read_input
from mda.ingest.formats import DMA_COLUMNS, NOAA_COLUMNS
from tests.ingest.factory import EPOCH0, tag, type1, write_lines

NOAA_HEADER = ",".join(NOAA_COLUMNS)
NOAA_ROW = "257000000,2024-03-05T12:00:00,60.0,5.0,10.0,90.0,91,NORDIC STAR,IMO9123456,LABC,70,0,120,15,7.5,70,A"  # noqa: E501
DMA_HEADER = ",".join(DMA_COLUMNS)


def one_line(err: pytest.ExceptionInfo) -> str:
    msg = str(err.value)
    assert "\n" not in msg and msg
    return msg


def test_nmea_plain_and_gzip(tmp_path):
    lines = ["# comment", tag(type1(), c=EPOCH0)]
    assert detect_format(write_lines(tmp_path / "x.txt", lines)) == "nmea"
    assert detect_format(write_lines(tmp_path / "x.bin", lines, compress=True)) == "nmea"


def test_gatehouse_only_head_is_nmea(tmp_path):
    path = write_lines(tmp_path / "g.log", ["$PGHP,1,2013,11,12,12,0,0,11,219,,2190067,1,62*26"])
    assert detect_format(path) == "nmea"


def test_noaa_csv_and_zip(tmp_path):
    csv = tmp_path / "AIS_2024_03_05.csv"
    csv.write_text(f"{NOAA_HEADER}\n{NOAA_ROW}\n")
    assert detect_format(csv) == "noaa_csv"
    zpath = tmp_path / "AIS_2024_03_05.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        zf.write(csv, "AIS_2024_03_05.csv")
    assert detect_format(zpath) == "noaa_csv"


@pytest.mark.parametrize("extra", ["", ",A,B,C,D"], ids=["22-columns", "26-columns"])
def test_dma_headers(tmp_path, extra):
    path = tmp_path / "aisdk.csv"
    path.write_text(DMA_HEADER + extra + "\n")
    assert detect_format(path) == "dma_csv"


def test_empty_file(tmp_path):
    path = tmp_path / "empty.nmea"
    path.write_bytes(b"")
    with pytest.raises(InputFileError) as err:
        read_input(path)
    assert one_line(err) == f"{path} is empty; expected AIS NMEA or a NOAA/DMA CSV"


def test_empty_gzip(tmp_path):
    path = tmp_path / "empty.nmea.gz"
    path.write_bytes(gzip.compress(b""))
    with pytest.raises(InputFileError, match="is empty"):
        detect_format(path)


def test_missing_file(tmp_path):
    with pytest.raises(InputFileError, match="no such file"):
        read_input(tmp_path / "nope.csv")


def test_a_folder_given_as_a_file(tmp_path):
    with pytest.raises(InputFileError, match="is a folder; give the AIS files in it"):
        read_input(tmp_path)


def test_truncated_gzip(tmp_path):
    lines = [tag(type1(mmsi=257000000 + i), c=EPOCH0 + i) for i in range(3000)]
    data = gzip.compress("".join(f"{x}\n" for x in lines).encode())
    path = tmp_path / "cut.nmea.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputFileError) as err:
        read_input(path)
    msg = one_line(err)
    assert msg.startswith(f"{path}: cannot decompress (EOFError")
    assert "truncated or corrupt" in msg
    assert isinstance(err.value.__cause__, EOFError)


def test_not_gzip_after_magic(tmp_path):
    path = tmp_path / "bad.gz"
    path.write_bytes(b"\x1f\x8b" + b"garbage" * 10)
    with pytest.raises(InputFileError, match="cannot decompress"):
        detect_format(path)


def test_csv_missing_a_noaa_column(tmp_path):
    path = tmp_path / "AIS.csv"
    header = NOAA_HEADER.replace(",Heading", "").replace(",Draft", "")
    path.write_text(header + "\n")
    with pytest.raises(InputFormatError) as err:
        read_input(path)
    msg = one_line(err)
    assert msg.startswith(f"{path}: CSV header lacks NOAA MarineCadastre column(s) Heading, Draft;")


def test_csv_missing_a_dma_column(tmp_path):
    path = tmp_path / "aisdk.csv"
    path.write_text(DMA_HEADER.replace(",Navigational status", "") + "\n")
    with pytest.raises(
        InputFormatError, match=r"lacks Danish Maritime Authority column\(s\) Navigational status;"
    ):
        read_input(path)


def test_unknown_text(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello\nworld\n")
    with pytest.raises(InputFormatError) as err:
        read_input(path)
    assert "found neither an AIS sentence" in one_line(err)


def test_zip_must_hold_one_csv(tmp_path):
    path = tmp_path / "two.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("a.csv", f"{NOAA_HEADER}\n")
        zf.writestr("b.csv", f"{NOAA_HEADER}\n")
    with pytest.raises(
        InputFormatError, match=r"zip holds 2 file\(s\) \(a.csv, b.csv\); expected exactly one .csv"
    ):
        detect_format(path)


def test_zip_member_name_is_never_used_as_a_path(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    path = work / "evil.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("../../escaped.csv", f"{NOAA_HEADER}\n{NOAA_ROW}\n")
    res = read_input(path)
    assert res.positions.height == 1
    assert not (tmp_path / "escaped.csv").exists()
    assert sorted(p.name for p in work.iterdir()) == ["evil.zip"]


def test_detection_is_by_content_not_name(tmp_path):
    path = tmp_path / "looks_like.csv"
    write_lines(path, [tag(type1(), c=EPOCH0)])
    assert detect_format(Path(path)) == "nmea"


def test_read_ahead_keeps_order_raises_and_closes():
    """Items come in order, made one ahead in a worker thread; an error raised making one
    reaches the caller where it asks for it; a caller that stops early closes the items."""
    import threading

    from mda.ingest.formats import read_ahead

    made: list[tuple[int, str]] = []
    closed = threading.Event()

    def items(n: int, fail_at: int | None = None):
        try:
            for i in range(n):
                if i == fail_at:
                    raise InputFileError(f"bad item {i}")
                made.append((i, threading.current_thread().name))
                yield i
        finally:
            closed.set()

    assert list(read_ahead(items(5))) == [0, 1, 2, 3, 4]
    assert all(name.startswith("mda-read-ahead") for _, name in made)
    got = []
    with pytest.raises(InputFileError, match="bad item 3"):
        for i in read_ahead(items(5, fail_at=3)):
            got.append(i)
    assert got == [0, 1, 2]
    closed.clear()
    for i in read_ahead(items(100)):
        if i == 1:
            break
    assert closed.is_set()


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("first", [None, 100, 1000])
def test_pieces_end_at_line_ends_the_first_of_its_own_size(tmp_path, gz, first):
    from mda.ingest.formats import open_binary, pieces

    lines = [f"line {i:05d} " + "x" * (i % 37) for i in range(2000)]
    data = ("\n".join(lines) + "\n").encode()
    path = tmp_path / ("f.txt.gz" if gz else "f.txt")
    path.write_bytes(gzip.compress(data) if gz else data)
    with open_binary(path) as fh:
        got = list(pieces(fh, 4000, first))
    assert b"".join(got) == data  # nothing lost or repeated
    assert all(p.endswith(b"\n") for p in got)
    # each piece: its size, then the rest of the line it stopped in (< 60 bytes here)
    sizes = [first or 4000] + [4000] * (len(got) - 1)
    assert all(size <= len(p) < size + 60 for p, size in zip(got[:-1], sizes, strict=False))
