"""Rolling Parquet output for live streams: buffer lines, decode in batches, write per window.

A live source hands every line (or JSON message) it receives to a :class:`WindowedSink`
with its receive time. The sink numbers the lines from 1 (the quarantine's ``line_no``),
decodes them in batches with the project's file decoders and, when a time window has
closed, writes that window's four tables::

    OUT/positions/date=YYYY-MM-DD/<window start>.parquet   (POSITIONS_SCHEMA)
    OUT/vessels/date=YYYY-MM-DD/<window start>.parquet     (VESSELS_SCHEMA)
    OUT/stations/date=YYYY-MM-DD/<window start>.parquet    (STATIONS_SCHEMA)
    OUT/quarantine/date=YYYY-MM-DD/<window start>.parquet  (QUARANTINE_SCHEMA)

Windows are aligned on the UTC epoch (a 10 min window starts at :00, :10, ...) and assigned
by **receive time**; ``date=`` is the window start's UTC day and the file stem its start
(``20240305T121000Z``). Each file is written to a hidden temporary name in the same folder
and renamed into place, so a reader never sees a partial file. A name already taken (a
restart within the same window) gets a ``-1``, ``-2``... suffix instead of being replaced.

Line accounting is per window (``mda.ingest._records.finalize``): duplicates are found
within a window, not across windows.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

import polars as pl

from mda import schema as s
from mda.ingest import _records as r
from mda.ingest.nmea import MAX_FRAGMENT_GAP_LINES, parse_nmea_lines
from mda.lake import write_parquet_atomic

log = logging.getLogger(__name__)

TABLES = ("positions", "vessels", "stations", "quarantine")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_RECV = "_received"
_FRAGMENT = re.compile(r"!([A-Z0-9-]{2}VD[MO]),(\d),(\d),([^,]*),([^,]*),")


@dataclass(frozen=True, slots=True)
class Received:
    """One line (NMEA) or message (JSON) as it came off the wire."""

    line_no: int  # 1-based position in the stream since the run started
    text: str
    received: datetime  # UTC receive time


class BatchDecoder(Protocol):
    """Decodes a batch of received lines into records and lines (``_records.Parsed``)."""

    def decode(self, batch: Sequence[Received], final: bool) -> tuple[r.Parsed, list[Received]]:
        """The parsed batch, and the lines held back for the next batch (none when final)."""
        ...


def window_start(t: datetime, window: timedelta) -> datetime:
    """The start of the epoch-aligned window holding ``t`` (UTC)."""
    return t - (t - _EPOCH) % window


def open_tail(texts: Sequence[str], lookback: int = MAX_FRAGMENT_GAP_LINES) -> int:
    """Index of the first line of the oldest multi-part message still incomplete at the end.

    Only the last ``lookback`` lines are considered (an older open group is a missing
    fragment anyway). Lines without an AIS sentence just before that line (a lone tag block,
    a ``$PGHP`` time line) are held back with it. ``len(texts)`` when nothing is open.
    """
    start = max(0, len(texts) - lookback)
    groups: dict[tuple[str, str, str, int], tuple[int, int]] = {}  # key -> (first idx, last num)
    for i in range(start, len(texts)):
        for m in _FRAGMENT.finditer(texts[i]):
            head, count, num, seq, channel = m.group(1), int(m[2]), int(m[3]), m[4], m[5]
            key = (head, channel, seq, count)
            if count < 2:
                continue
            if num == 1:
                groups[key] = (i, 1)
            elif key in groups and groups[key][1] == num - 1:
                groups[key] = (groups[key][0], num)
            else:
                groups.pop(key, None)
            if num == count:
                groups.pop(key, None)
    if not groups:
        return len(texts)
    cut = min(first for first, _ in groups.values())
    while cut > start and texts[cut - 1].strip() and "!" not in texts[cut - 1]:
        cut -= 1
    return cut


def fill_receive_time(parsed: r.Parsed, batch: Sequence[Received]) -> r.Parsed:
    """Records without a timestamp of their own get the receive time of their first line."""
    recv = pl.DataFrame(
        {s.LINE_NO: [b.line_no for b in batch], _RECV: [b.received for b in batch]},
        schema={s.LINE_NO: pl.Int64(), _RECV: s.UTC_TS},
    )
    first = parsed.lines.group_by(r.REC_ID).agg(pl.col(s.LINE_NO).min())
    first = first.join(recv, on=s.LINE_NO, how="left").select(r.REC_ID, _RECV)
    records = parsed.records.join(first, on=r.REC_ID, how="left", maintain_order="left")
    records = records.with_columns(pl.coalesce(s.TS, _RECV).alias(s.TS)).drop(_RECV)
    return replace(parsed, records=records)


class NmeaBatchDecoder:
    """NMEA lines -> records with ``mda.ingest.nmea``; receive time when a line has none.

    A multi-part message whose last parts have not arrived yet at the end of a batch is
    held back and decoded with the next batch (so a batch boundary never splits one).
    """

    def __init__(self, source: str) -> None:
        self.source = source

    def decode(self, batch: Sequence[Received], final: bool) -> tuple[r.Parsed, list[Received]]:
        cut = len(batch) if final else open_tail([b.text for b in batch])
        ready, carry = list(batch[:cut]), list(batch[cut:])
        parsed = parse_nmea_lines(((b.line_no, b.text) for b in ready), self.source)
        return fill_receive_time(parsed, ready), carry


@dataclass
class StreamTotals:
    """What a stream run read and wrote (summed over its windows)."""

    lines_read: int = 0
    accepted: int = 0
    rejects: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    positions: int = 0
    vessels: int = 0
    stations: int = 0
    windows: int = 0
    files: list[Path] = field(default_factory=list)

    def add(self, result: r.IngestResult, files: list[Path]) -> None:
        """Count one written window."""
        self.lines_read += result.lines_read
        self.accepted += result.accepted
        for target, counts in ((self.rejects, result.rejects), (self.skipped, result.skipped)):
            for k, v in counts.items():
                target[k] = target.get(k, 0) + v
        self.positions += result.positions.height
        self.vessels += result.vessels.height
        self.stations += result.stations.height
        self.windows += 1
        self.files.extend(files)


def window_paths(out: Path, start: datetime) -> dict[str, Path]:
    """One file path per table for the window starting at ``start`` (a free name, never
    reused)."""
    day = f"date={start.date().isoformat()}"
    stem = start.strftime("%Y%m%dT%H%M%SZ")
    for n in range(10_000):
        name = f"{stem}.parquet" if n == 0 else f"{stem}-{n}.parquet"
        paths = {t: Path(out) / t / day / name for t in TABLES}
        if not any(p.exists() for p in paths.values()):
            return paths
    raise FileExistsError(f"no free file name for window {stem} under {out}")


class WindowedSink:
    """Buffers received lines, decodes them in batches, writes one file set per window.

    ``add`` and ``take`` run on the event loop; ``process`` may run in a worker thread
    (one call at a time), with the batch ``take`` returned.
    """

    def __init__(self, out: Path, window: timedelta, decoder: BatchDecoder) -> None:
        self.out = Path(out)
        self.window = window
        self.decoder = decoder
        self.totals = StreamTotals()
        self._pending: list[Received] = []
        self._carry: list[Received] = []
        self._decoded: dict[datetime, list[r.Parsed]] = {}
        self._line_no = 0

    def add(self, text: str, received: datetime) -> None:
        """Buffer one received line (its number in the stream is assigned here)."""
        self._line_no += 1
        self._pending.append(Received(self._line_no, text, received))

    @property
    def received(self) -> int:
        """Lines added since the start."""
        return self._line_no

    @property
    def buffered(self) -> int:
        """Lines added and not yet taken."""
        return len(self._pending)

    def take(self) -> list[Received]:
        """Hand over the buffered lines (for :meth:`process`)."""
        batch, self._pending = self._pending, []
        return batch

    def process(self, batch: Sequence[Received], now: datetime, final: bool = False) -> list[Path]:
        """Decode ``batch``; write every window that ended by ``now`` (all when ``final``)."""
        for start, items in self._by_window(batch):
            self._decode(start, self._carry + items, final=False)
        if final and self._carry:
            last = max(self._decoded, default=window_start(self._carry[-1].received, self.window))
            self._decode(last, self._carry, final=True)
        written: list[Path] = []
        for start in sorted(self._decoded):
            if final or start + self.window <= now:
                written += self._write(start, self._decoded.pop(start))
        return written

    def _by_window(self, batch: Sequence[Received]) -> list[tuple[datetime, list[Received]]]:
        groups: dict[datetime, list[Received]] = {}
        for item in batch:
            groups.setdefault(window_start(item.received, self.window), []).append(item)
        return sorted(groups.items())

    def _decode(self, start: datetime, items: list[Received], final: bool) -> None:
        parsed, self._carry = self.decoder.decode(items, final)
        self._decoded.setdefault(start, []).append(parsed)

    def _write(self, start: datetime, parts: list[r.Parsed]) -> list[Path]:
        result = r.finalize(parts)
        paths = window_paths(self.out, start)
        tables = {
            "positions": result.positions,
            "vessels": result.vessels,
            "stations": result.stations,
            "quarantine": result.quarantine,
        }
        for table, df in tables.items():
            write_parquet_atomic(df, paths[table])
        written = list(paths.values())
        self.totals.add(result, written)
        log.info(
            "window %s: %d lines, %d positions, %d rejected -> %s",
            start.isoformat(), result.lines_read, result.positions.height,
            sum(result.rejects.values()), paths["positions"].name,
        )  # fmt: skip
        return written
