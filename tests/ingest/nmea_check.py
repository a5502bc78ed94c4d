"""The check shared by the fast-path tests: the vectorised reader equals the pyais reader."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from mda import schema as s
from mda.ingest import _records as r
from mda.ingest.fastdecode import parse_nmea_fast
from mda.ingest.nmea import parse_nmea_slow


def assert_same(path: Path) -> r.Parsed:
    """The fast result equals the pyais reader's (records field by field, lines, skipped
    counts, and the origin columns finalize uses); returns the fast result."""
    fast, slow = parse_nmea_fast(path), parse_nmea_slow(path)
    assert fast.skipped == slow.skipped
    assert fast.lines.equals(slow.lines)
    for col in slow.records.columns:  # column by column for a readable failure
        assert fast.records[col].equals(slow.records[col]), col
    # station reports (types 4 and 21) always go through pyais: same fields, same records
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
    # the payload (checked above, column by column): every decoded message's parts joined,
    # whichever lines they sit on; none for a rejected record
    decoded = want[s.REASON].is_null().alias("decoded")
    assert fast.records.filter(decoded)[r._PAYLOAD].null_count() == 0
    assert fast.records.filter(~decoded)[r._PAYLOAD].null_count() == int((~decoded).sum())
    assert fast.records.schema == pl.Schema(
        {**r.RECORDS_SCHEMA, r._LABEL: pl.String(), r._PAYLOAD: pl.String()}
    )
    assert slow.records.schema == pl.Schema({**r.RECORDS_SCHEMA, r._PAYLOAD: pl.String()})
    return fast
