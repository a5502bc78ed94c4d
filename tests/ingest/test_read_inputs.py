"""read_inputs over several files: cross-file duplicates, accounting, summary."""

from __future__ import annotations

import json

import polars as pl

from mda import schema as s
from mda.ingest import REASONS, read_input, read_inputs
from mda.ingest.formats import NOAA_COLUMNS
from tests.ingest.factory import EPOCH0, SHIP, SHIP2, tag, type1, write_lines
from tests.scenarios import small_day, write_nmea

NOAA_HEADER = ",".join(NOAA_COLUMNS)


def test_cross_file_duplicates(tmp_path):
    a = write_lines(tmp_path / "a.nmea", [tag(type1(), c=EPOCH0)])
    b = write_lines(tmp_path / "b.nmea", [tag(type1(), c=EPOCH0), tag(type1(mmsi=SHIP2), c=EPOCH0)])
    res = read_inputs([a, b])
    assert sorted(res.positions[s.MMSI].to_list()) == [SHIP, SHIP2]
    q = res.quarantine.select(s.SOURCE_FILE, s.LINE_NO, s.REASON).rows()
    assert q == [(str(b), 1, "duplicate")]
    assert (res.lines_read, res.accepted, res.rejects) == (3, 2, {"duplicate": 1})


def test_nmea_and_csv_together(tmp_path):
    nmea = write_lines(tmp_path / "a.nmea", [tag(type1(lat=60.0, lon=5.0), c=EPOCH0)])
    csv = tmp_path / "AIS.csv"
    # the same fix reported by the CSV source: a duplicate of the NMEA position
    csv.write_text(
        NOAA_HEADER + "\n257000000,2024-03-05T12:00:00,60.0,5.0,10.0,90.0,91,,,,,,,,,,A\n"
    )
    res = read_inputs([nmea, csv])
    assert res.positions[s.SOURCE].to_list() == ["nmea"]
    assert res.rejects == {"duplicate": 1}


def test_summary_is_json(tmp_path):
    path = write_lines(tmp_path / "a.nmea", ["# c", tag(type1(), c=EPOCH0), type1(mmsi=SHIP2)])
    res = read_input(path)
    summary = json.loads(res.summary_json())
    assert summary == {
        "lines_read": 2,
        "accepted": 1,
        "rejected": 1,
        "rejects": {"no_timestamp": 1},
        "skipped": {"comment": 1},
        "positions": 1,
        "vessels": 0,
        "stations": 0,
        "mmsi": 1,
    }
    assert set(res.rejects) <= set(REASONS)


def test_read_inputs_of_nothing():
    res = read_inputs([])
    assert (res.lines_read, res.positions.height, res.quarantine.height) == (0, 0, 0)


def test_progress_reports_each_piece_of_each_file(tmp_path):
    """The progress hook hears, per file read in pieces, how far reading has got: rising,
    ending at the file's size (for a gzip file: its size on disk; for a zip: the member's)."""
    import gzip
    import zipfile

    from mda.ingest import _records as r
    from mda.ingest import csv_sources as cs
    from mda.ingest.fastdecode import parse_nmea_fast

    nmea = write_lines(tmp_path / "a.nmea", [tag(type1(mmsi=SHIP + i), c=EPOCH0 + i)
                                             for i in range(300)])  # fmt: skip
    packed = tmp_path / "b.nmea.gz"
    packed.write_bytes(gzip.compress(nmea.read_bytes()))
    row = "{},2024-03-05T12:00:{:02d},60.0,5.0,10.0,90.0,91,,,,70,0,,,,,A"
    csv = tmp_path / "AIS.csv"
    csv.write_text(",".join(NOAA_COLUMNS) + "\n"
                   + "".join(row.format(SHIP + i, i % 60) + "\n" for i in range(400)))  # fmt: skip
    zipped = tmp_path / "AIS.zip"
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(csv, "AIS_2024_03_05.csv")
    heard: dict[str, list[tuple[int, int | None]]] = {}
    events: list[str] = []

    def hook(name: str, done: int, total: int | None) -> None:
        heard.setdefault(name, []).append((done, total))
        events.append("piece")

    res = r.finalize(
        [parse_nmea_fast(nmea, 2_000), parse_nmea_fast(packed, 2_000),
         cs.parse_noaa(csv, chunk_bytes=3_000), cs.parse_noaa(zipped, chunk_bytes=3_000)],
        progress=hook, stage=events.append,
    )  # fmt: skip
    assert res.lines_read == 2 * 300 + 2 * 400
    assert events[-1] == r.STAGE_RULES and events.count(r.STAGE_RULES) == 1  # after the pieces
    sizes = {
        str(nmea): nmea.stat().st_size,
        str(packed): packed.stat().st_size,
        str(csv): csv.stat().st_size,
        str(zipped): csv.stat().st_size,  # the member's size
    }
    assert set(heard) == set(sizes)
    for name, calls in heard.items():
        done = [d for d, _ in calls]
        assert len(calls) > 2 and done == sorted(done), name
        assert calls[-1] == (sizes[name], sizes[name]), name


def test_the_positions_are_handed_over_as_soon_as_they_are_final(tmp_path):
    path = write_nmea(small_day(), tmp_path / "day.nmea")
    handed: list[tuple[str, pl.DataFrame]] = []
    res = read_inputs([path], ready=lambda name, table: handed.append((name, table)))
    assert [name for name, _ in handed] == ["positions"]
    assert handed[0][1].equals(res.positions) and res.positions.height > 100
