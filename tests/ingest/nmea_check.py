"""The check shared by the fast-path tests: the vectorised reader equals the pyais reader."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from mda import schema as s
from mda.ingest import _records as r
from mda.ingest import fastdecode as fd
from mda.ingest.nmea import parse_nmea_slow


def joined(item: r.Parsed | r.Chunked) -> r.Parsed:
    """A file read piece by piece as one :class:`Parsed` (lines in line order)."""
    if isinstance(item, r.Parsed):
        return item
    parts = list(item.parts)
    skipped: dict[str, int] = {}
    for p in parts:
        for k, v in p.skipped.items():
            skipped[k] = skipped.get(k, 0) + v
    stations = [p.stations for p in parts if p.stations is not None and p.stations.height]
    return r.Parsed(
        records=pl.concat([p.records for p in parts]),
        lines=pl.concat([r.all_lines(p) for p in parts]).sort(s.LINE_NO),
        skipped=skipped,
        stations=pl.concat(stations) if stations else None,
    )


def piece_sizes(path: Path) -> tuple[int, ...]:
    """Piece sizes the fast reader is checked with: the default, about 100 pieces (one line
    per piece in a small file: every part, context and pending message then crosses a
    piece boundary) and about 7 pieces."""
    n_bytes = path.stat().st_size
    return fd.PIECE_BYTES, max(1, n_bytes // 100), max(1, n_bytes // 7)


def assert_same(path: Path) -> r.Parsed:
    """The fast result equals the pyais reader's (records field by field, lines, skipped
    counts, and the origin columns finalize uses), whatever the piece size; returns the
    fast result (default pieces)."""
    slow = parse_nmea_slow(path)
    got = [_assert_same(path, slow, size) for size in piece_sizes(Path(path))]
    return got[0]


def _assert_same(path: Path, slow: r.Parsed, piece_bytes: int) -> r.Parsed:
    fast = joined(fd.parse_nmea_fast(path, piece_bytes))
    assert fast.records[r.REC_ID].to_list() == list(range(fast.records.height))
    assert fast.skipped == slow.skipped
    assert fast.lines.equals(slow.lines)
    for col in slow.records.columns:  # column by column for a readable failure
        if col != r._PAYLOAD:
            assert fast.records[col].equals(slow.records[col]), col
    # the payload: the fast reader gives its hashes (never the text), equal to the hashes of
    # the pyais reader's text; every decoded message's parts joined, whichever lines they
    # sit on; none for a rejected record
    names = [r._PAYLOAD_HASH, r._PAYLOAD_CHECK]
    want = slow.records.with_columns(r._payload_hashes(slow.records)).select(names)
    assert fast.records.select(names).equals(want)
    # station reports (types 4 and 21): same station fields, same records
    empty = pl.DataFrame(schema=r.STATION_FIELDS_SCHEMA)
    fast_st = fast.stations if fast.stations is not None else empty
    slow_st = slow.stations if slow.stations is not None else empty
    assert fast_st.equals(slow_st)
    # the source label finalize would otherwise take from the raw lines
    base = f"nmea:{Path(path).name}"
    origin = r.nmea_origin(slow.lines, base)
    want = slow.records.select(r.REC_ID, s.REASON, r._PAYLOAD).join(
        origin, on=r.REC_ID, how="left", maintain_order="left"
    )
    assert fast.records[r._LABEL].equals(want[r._LABEL].fill_null(base))
    decoded = want[s.REASON].is_null().alias("decoded")
    assert fast.records.filter(decoded)[r._PAYLOAD_HASH].null_count() == 0
    assert fast.records.filter(~decoded)[r._PAYLOAD_HASH].null_count() == int((~decoded).sum())
    hashes = {r._PAYLOAD_HASH: pl.UInt64(), r._PAYLOAD_CHECK: pl.UInt64()}
    assert fast.records.schema == pl.Schema({**r.RECORDS_SCHEMA, r._LABEL: pl.String(), **hashes})
    assert slow.records.schema == pl.Schema({**r.RECORDS_SCHEMA, r._PAYLOAD: pl.String()})
    return fast


def assert_same_tables(path: Path) -> r.IngestResult:
    """``finalize`` gives the same tables and counts from the fast reader, whatever the
    piece size, as from the pyais reader (every table, the quarantine in its order);
    returns the result."""
    slow = r.finalize([parse_nmea_slow(path)])
    for size in piece_sizes(Path(path)):
        fast = r.finalize([fd.parse_nmea_fast(path, size)])
        for table in ("positions", "vessels", "stations", "quarantine"):
            assert getattr(fast, table).equals(getattr(slow, table)), (size, table)
        assert (fast.lines_read, fast.accepted, fast.rejects, fast.skipped) == (
            slow.lines_read, slow.accepted, slow.rejects, slow.skipped,
        ), size  # fmt: skip
    return slow
