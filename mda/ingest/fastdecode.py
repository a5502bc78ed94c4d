"""Compiled and vectorised NMEA decoding of the common sentences, pyais for everything else.

:func:`parse_nmea_fast` gives exactly what :func:`mda.ingest.nmea.parse_nmea_slow` gives
(same records, lines, reasons and skipped counts; a test checks it on real, generated and
mutated files), except that each record's payload comes as two hashes
(``_payload_hash``, ``_payload_check``: :func:`mda.ingest.fastkernel.hash_texts`, computed
while decoding; the text is never built) and that the lines of the units come as
``Parsed.units`` (:class:`mda.ingest._records.UnitLines`, one row per unit, not per line;
:func:`mda.ingest._records.all_lines` gives every line), and adds each record's source label
for :func:`mda.ingest._records.finalize`.

How: the file is read in pieces of about :data:`PIECE_BYTES` cut at line ends (memory holds
the pieces in hand, not the file's text; the lines the pyais reader reads, usually a few
in a thousand, stay with it to the end; :func:`parse_nmea_fast` gives a
:class:`mda.ingest._records.Chunked` file). One pyais reader serves the whole file, so a
message whose parts, or a tag block whose sentence, sit in two pieces is read as in one;
records are numbered across pieces, and a line whose message is not complete yet goes with
the piece its record is made in.
Three threads work at once: one reads and scans the next piece (steps 1 and 2), one decodes
the current piece (steps 3 and 4), and the caller (``finalize``) judges the piece before.
Per piece:

1. :func:`mda.ingest.fastscan.scan` finds the lines that are one plain AIS sentence with
   right checksums, and where their fields are.
2. :func:`select_units` picks the *units* the vectorised path takes, each one record of
   the reader: single-part 168-bit type 1/2/3/18/24 and 424-bit type 5, single-part
   station reports (type 4, and type 21 of 272-360 bits), a 2-part message whose parts
   are adjacent lines (type 5 decoded), and the single-part or adjacent 2-part messages
   the reader would reject as ``unsupported_type`` or ``bad_bit_count``.
3. Every other line (parts far apart, other types, a type 21 in two parts, bad
   checksums, ``$PGHP``, comments, ...) goes through the pyais reader
   (:class:`mda.ingest.nmea.NmeaReader`) in file order, so the line
   accounting does not change. The reader's state is consulted where
   it matters: the first unit after a pending context (a lone tag block or ``$PGHP`` line
   whose time applies to the next sentence) takes the time the reader would give it; a
   unit right after a tag block with a wrong checksum, and a 2-part unit whose group key
   the reader holds pending, go to the reader.
4. Units are decoded in bulk (position reports and type 5 by the compiled
   :mod:`mda.ingest.fastkernel`, type 24 and station reports by
   :mod:`mda.ingest.fastbits`, all bit for bit as pyais; a static payload repeated in the
   piece, as every vessel repeats its type 5 and 24, decoded once) and merged with the
   reader's records in the order the reader would have made them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from mda import schema as s
from mda.ingest import _records as r
from mda.ingest import fastbits as fb
from mda.ingest import fastkernel as fk
from mda.ingest.fastscan import ARMOUR, pack_text, read_pieces, scan
from mda.ingest.formats import read_ahead
from mda.ingest.nmea import (
    ALLOWED_BITS,
    POSITION_TYPES,
    SOURCE_NAME,
    SUPPORTED_TYPES,
    TYPE27_EXTRA_BITS,
    NmeaReader,
)

POS, T24, T5, STATION = fk.POS, fk.T24, fk.T5, fk.STATION
UNSUPPORTED, BAD_BITS = fk.UNSUPPORTED, fk.BAD_BITS
"""Unit kinds: decoded position report, type 24, type 5, station report (type 4 or 21),
and the two reader rejects."""
_REJECT_REASON = {UNSUPPORTED: "unsupported_type", BAD_BITS: "bad_bit_count"}
_SUPPORTED = np.isin(np.arange(64), list(SUPPORTED_TYPES))
_BITS_LO = np.array([ALLOWED_BITS[t].start if t in ALLOWED_BITS else 0 for t in range(64)])
_BITS_HI = np.array([ALLOWED_BITS[t].stop - 1 if t in ALLOWED_BITS else -1 for t in range(64)])
EXTRAOUTPUT_SCHEMA = {r._LABEL: pl.String(), r._PAYLOAD_HASH: pl.UInt64(),
                      r._PAYLOAD_CHECK: pl.UInt64()}  # fmt: skip
OUTPUT_SCHEMA = {**r.RECORDS_SCHEMA, **EXTRAOUTPUT_SCHEMA}
"""The records frame :func:`parse_nmea_fast` returns: the records plus origin columns."""
_NUMPY = {pl.Float32(): np.float32, pl.Float64(): np.float64, pl.Int8(): np.int8,
          pl.Int16(): np.int16, pl.Boolean(): np.bool_, pl.UInt64(): np.uint64}  # fmt: skip
"""numpy types of the numeric record columns (others: int64)."""
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# --- units ---------------------------------------------------------------------------------


def select_units(sent: pl.DataFrame, buf: np.ndarray) -> pl.DataFrame:
    """The units the vectorised path takes (see the module docstring), in file order
    (compiled: :func:`mda.ingest.fastkernel.select_units`).

    Columns: ``first`` (line index of the first line), ``n`` (1 or 2 lines), ``kind``,
    ``row`` (the :func:`mda.ingest.fastscan.scan` row of the first sentence), ``head``
    and ``key`` (its packed group key).
    """
    cols = ("idx", "payload_at", "plen", "count", "num", "fill", "head", "key", "ok")
    # read-only arrays (no copy), as the compiled function was built for (fastkernel.warm_up)
    idx, at, plen, count, num, fill, head, key, ok = (fk.frozen(sent[c].to_numpy()) for c in cols)
    rows, n, kind = fk.select_units(buf, idx, at, plen, count, num, fill, head, key, ok, ARMOUR,
                                    _SUPPORTED, _BITS_LO, _BITS_HI, TYPE27_EXTRA_BITS)  # fmt: skip
    columns = {"first": idx[rows], "n": n, "kind": kind, "row": rows}
    return pl.DataFrame({**columns, "head": head[rows], "key": key[rows]})


# --- the reader for the other lines --------------------------------------------------------


def _micros(ts: datetime) -> int:
    """A UTC time in microseconds since the epoch."""
    return (ts - _EPOCH) // timedelta(microseconds=1)


class _Feeder:
    """Feeds the reader the lines that are not units, and the units it must see."""

    def __init__(self, reader: NmeaReader, at: tuple[int, int], lines: pl.Series,
                 units: pl.DataFrame, sent: pl.DataFrame) -> None:  # fmt: skip
        self.reader = reader
        self.line_base, self.unit_base = at
        """Lines of the file before this piece, and unit lines before it that the reader
        did not take (a line's position among the data lines counts them)."""
        self.row, self.head, self.key = (units[c].to_numpy() for c in ("row", "head", "key"))
        self.tagged = sent["tagged"].to_numpy()
        self.ts = sent["ts"].dt.epoch("us").fill_null(-1).to_numpy()
        self.times: dict[int, int] = {}
        """Scan row -> time (UTC microseconds) a unit's first sentence took from the
        reader's context."""
        self.lines = lines
        self.first = units["first"].to_numpy()
        self.n = units["n"].to_numpy()
        self.lines_before = np.concatenate([[0], np.cumsum(self.n)])  # unit lines before unit j
        self.taken = np.zeros(len(self.first), dtype=bool)
        self.taken_lines = 0
        self._pairs: dict[tuple[int, int], np.ndarray] = {}

    def pairs(self, key: tuple[int, int]) -> np.ndarray:
        """Unit numbers (ascending) of the 2-part units with the packed group key ``key``
        (head, sequence id and channel), found when first asked for (the reader holds a
        few keys pending in a piece, if any)."""
        if key not in self._pairs:
            head, seq_channel = key
            same = (self.head == head) & (self.key == seq_channel) & (self.n == 2)
            self._pairs[key] = np.flatnonzero(same)
        return self._pairs[key]

    def feed_unit(self, j: int) -> None:
        """Hand unit ``j`` to the reader."""
        for k in range(int(self.n[j])):
            i = int(self.first[j]) + k
            pos = self._pos(int(self.lines_before[j]) + k)
            self.reader.feed(self.line_base + i + 1, self.lines[i], pos)
            self.taken_lines += 1
        self.taken[j] = True

    def _pos(self, unit_lines: int) -> int:
        """Position among the file's data lines of the next line the reader reads, with
        ``unit_lines`` lines of this piece's units before it."""
        return len(self.reader.raw) + self.unit_base + unit_lines - self.taken_lines

    def _pending(self) -> list[tuple[int, int]]:
        """The reader's pending 2-part group keys, packed like the units' keys."""
        return [
            (pack_text(head), pack_text(f"{seq},{channel}"))
            for head, channel, seq, count in self.reader.pending_keys()
            if count == 2
        ]

    def take_context(self, j: int) -> bool:
        """Give unit ``j`` the time the reader's context would give its first sentence, and
        clear the context; False when the unit must go to the reader (a context tag block
        with a wrong checksum makes it a ``checksum`` record)."""
        tag, pghp = self.reader.context()
        row = int(self.row[j])
        own_tag = bool(self.tagged[row])
        if not own_tag and tag is not None and not tag.valid:
            return False
        # the reader's order: tag block c:, then trailing or leading epoch, then $PGHP
        ts = None if own_tag or tag is None or tag.ts is None else _micros(tag.ts)
        if ts is None and self.ts[row] < 0 and pghp is not None:
            ts = _micros(pghp)
        if ts is not None:
            self.times[row] = ts
        self.reader.clear_context()
        return True

    def take(self, done: int, upto: int) -> None:
        """Hand the reader the units ``done..upto`` whose result depends on its state."""
        j = done
        keys = self._pending()
        if self.reader.has_context():
            pair = (int(self.head[j]), int(self.key[j]))
            if (self.n[j] == 2 and pair in keys) or not self.take_context(j):
                self.feed_unit(j)  # with its context: the reader decides
                keys = self._pending()
            j += 1
        if not keys or j >= upto:
            return
        hits = []
        for key in keys:
            units = self.pairs(key)
            if len(units):
                at = int(np.searchsorted(units, j))
                if at < len(units) and units[at] < upto:
                    hits.append(int(units[at]))
        for u in sorted(hits):
            self.feed_unit(u)

    def run(self) -> None:
        """Feed every line that is not a unit, in file order, with the units in between."""
        unit_line = np.zeros(self.lines.len(), dtype=bool)
        unit_line[self.first] = True
        unit_line[self.first[self.n == 2] + 1] = True
        slow = np.flatnonzero(~unit_line)
        units_before = np.searchsorted(self.first, slow)
        texts = self.lines.gather(slow).to_list()
        done = 0
        for i, before, text_ in zip(slow.tolist(), units_before.tolist(), texts, strict=True):
            if before > done:
                self.take(done, before)
                done = before
            self.reader.feed(self.line_base + i + 1, text_, self._pos(int(self.lines_before[done])))
        if len(self.first) > done:
            self.take(done, len(self.first))


# --- records -------------------------------------------------------------------------------


def _labels(path: Path, head: np.ndarray, station: pl.Series) -> pl.Series | str:
    """Source labels ``nmea:<file>/<head>[/s:<station>]`` (see ``_records.nmea_origin``);
    one text when they are all the same."""
    no_station = station.null_count() == station.len()
    if len(head) and (head == head[0]).all():  # one talker and sentence, as usual
        if no_station:
            return f"{SOURCE_NAME}:{path.name}/{int(head[0]).to_bytes(5, 'little').decode()}"
        heads, inverse = head[:1], np.zeros(len(head), dtype=np.int64)
    else:
        heads, inverse = np.unique(head, return_inverse=True)
    names = [int(h).to_bytes(5, "little").decode("ascii") for h in heads]
    base = pl.Series([f"{SOURCE_NAME}:{path.name}/{h}" for h in names]).gather(inverse)
    if no_station:
        return base
    frame = pl.DataFrame({"b": base, "st": station})
    return frame.select(
        pl.concat_str([pl.col("b"), pl.lit("/s:") + pl.col("st")], ignore_nulls=True)
    ).to_series()


def _texts(value: pl.Series | str, n: int) -> pl.Series:
    """``value``, or ``n`` times the one text."""
    return pl.repeat(value, n, dtype=pl.String, eager=True) if isinstance(value, str) else value


class _Columns:
    """The records of a piece, assembled column by column at their final positions."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.values: dict[str, np.ndarray] = {}
        self.valid: dict[str, np.ndarray] = {}
        self.texts: dict[str, list[tuple[np.ndarray, pl.Series | str]]] = {}

    def add(self, g: np.ndarray, name: str, value: Any) -> None:
        """Put ``value`` (numpy, masked numpy, polars, or one text for all) at record
        positions ``g``."""
        dtype = OUTPUT_SCHEMA[name]
        if dtype == pl.String:
            if not isinstance(value, str):
                value = (value if isinstance(value, pl.Series) else pl.Series(value)).cast(dtype)
            self.texts.setdefault(name, []).append((g, value))
            return
        valid: np.ndarray | bool
        if isinstance(value, pl.Series):
            valid = value.is_not_null().to_numpy()
            value = value.to_physical().fill_null(0).to_numpy()
        elif isinstance(value, np.ma.MaskedArray):
            valid = ~np.ma.getmaskarray(value)
            value = np.ma.getdata(value)
        else:
            valid = True  # a plain array: no null
        values, validity = self.target(name)
        values[g] = value
        validity[g] = valid

    def target(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """The value and validity arrays of a numeric column, to be written in place."""
        if name not in self.values:
            dtype = OUTPUT_SCHEMA[name]
            self.values[name] = np.zeros(self.total, dtype=_NUMPY.get(dtype, np.int64))
            self.valid[name] = np.zeros(self.total, dtype=bool)
        return self.values[name], self.valid[name]

    def add_hashes(self, g: np.ndarray, hashes: tuple[np.ndarray, np.ndarray]) -> None:
        """The payloads' hashes (:func:`mda.ingest.fastkernel.hash_texts`)."""
        self.add(g, r._PAYLOAD_HASH, hashes[0])
        self.add(g, r._PAYLOAD_CHECK, hashes[1])

    def add_fields(self, g: np.ndarray, fields: fb.Fields) -> None:
        for name, value in fields.items():
            self.add(g, name, value)

    def _text(self, name: str) -> pl.Series:
        parts = self.texts[name]
        ones = [p for p in parts if isinstance(p[1], str)]
        if ones and sum(len(p[0]) for p in parts) == self.total:  # every record has one
            widest = max(ones, key=lambda p: len(p[0]))  # (source labels, as usual)
            out = pl.repeat(widest[1], self.total, dtype=pl.String, eager=True).alias(name)
            rest = [p for p in parts if p is not widest]
            if not rest:
                return out
            g = np.concatenate([p[0] for p in rest])
            return out.scatter(g, pl.concat([_texts(v, len(at)) for at, v in rest]))
        g = np.concatenate([p[0] for p in parts])
        values = pl.concat([_texts(v, len(at)) for at, v in parts])
        if 4 * len(g) < self.total:  # sparse: reasons, vessel names
            empty = pl.repeat(None, self.total, dtype=pl.String, eager=True)
            return empty.scatter(g, values).alias(name)
        src = np.full(self.total, -1, dtype=np.int64)
        src[g] = np.arange(len(g))
        return values.gather(pl.Series(np.ma.masked_array(src, src < 0))).alias(name)

    def _number(self, name: str) -> pl.Series:
        dtype = OUTPUT_SCHEMA[name]
        values, valid = self.values[name], self.valid[name]
        out = pl.Series(name, values)  # numpy dtype as the schema's: no copy
        out = out.set(pl.Series(~valid), None) if not valid.all() else out  # type: ignore[arg-type]
        return out.cast(dtype)

    def frame(self) -> pl.DataFrame:
        """The records in :data:`OUTPUT_SCHEMA`."""
        cols = []
        for name, dtype in OUTPUT_SCHEMA.items():
            if name in self.texts:
                cols.append(self._text(name))
            elif name in self.values:
                cols.append(self._number(name))
            else:
                cols.append(pl.repeat(None, self.total, dtype=dtype, eager=True).alias(name))
        return pl.DataFrame(cols)


_POSITION_FIELDS = (s.MMSI, s.MSG_TYPE, s.LAT, s.LON, s.SOG_KN, s.COG_DEG, s.HEADING_DEG,
                    s.NAV_STATUS)  # fmt: skip
"""The record columns :func:`mda.ingest.fastkernel.decode_positions` writes, in its order."""


def text_rows(chars: np.ndarray) -> pl.Series:
    """Rows of ASCII bytes (n x width: 6-bit texts) as strings, read by polars' CSV reader
    from the rows joined by newlines (in parallel, twice as fast as from a numpy bytes
    array). No row holds a newline or the unit separator used as column separator (there
    is no quoting)."""
    n, width = chars.shape
    if not n:
        return pl.Series("text", [], dtype=pl.String)
    data = np.empty((n, width + 1), dtype=np.uint8)
    data[:, :width], data[:, width] = chars, ord("\n")
    frame = pl.read_csv(data.tobytes(), has_header=False, schema={"text": pl.String()},
                        quote_char=None, separator="\x1f")  # fmt: skip
    return frame.to_series()


def _text(chars: np.ndarray) -> pl.Series:
    """6-bit ASCII texts (n x width bytes) as ``mda.ingest.fastbits.text`` gives them."""
    if len(chars) <= fb.FEW_TEXTS:
        return fb.few_texts(chars)
    out = text_rows(chars).str.strip_chars(" @")
    return out.set(out == "", None)  # type: ignore[arg-type]


def _static5(buf: np.ndarray, at1: np.ndarray, len1: np.ndarray, at2: np.ndarray
             ) -> tuple[fb.Fields, tuple[np.ndarray, np.ndarray]]:  # fmt: skip
    """Canonical fields of the type 5 reports of 71 characters, ``len1`` at ``at1`` and the
    rest at ``at2`` (compiled: :func:`mda.ingest.fastkernel.decode_static5`), and their
    payloads' hashes. The payloads are hashed first, and when they repeat (as a vessel's
    type 5 does every few minutes) each distinct one is decoded once."""
    hashes = fk.payload_hashes(buf, at1, len1, at2, np.full(len(at1), 71))
    repeats = _repeats(hashes)  # (a vessel repeats its type 5 every few minutes)
    if repeats is not None:  # each distinct payload decoded once
        first, inverse = repeats
        at1, len1, at2 = at1[first], len1[first], at2[first]
    got = fk.statics5(buf, at1, len1, at2, fb.SHIP_TYPE_5)
    mmsi, msg_type, imo, ship_type, length, width, draught, call_sign, name, dest = got
    texts = {s.CALL_SIGN: call_sign, s.VESSEL_NAME: name, s.DESTINATION: dest}
    text_fields = {k: _text(v) for k, v in texts.items()}
    if repeats is not None:
        mmsi, msg_type, imo, ship_type, length, width, draught = (
            v[inverse] for v in (mmsi, msg_type, imo, ship_type, length, width, draught))
        text_fields = _spread(text_fields, inverse)
    fields = {
        s.MMSI: mmsi,
        s.MSG_TYPE: msg_type,
        s.AIS_CLASS: pl.Series(["A"]).gather(np.zeros(len(mmsi), dtype=np.int64)),
        s.IMO: np.ma.masked_equal(imo, 0, copy=False),
        s.SHIP_TYPE: np.ma.masked_equal(ship_type, 0, copy=False),
        s.LENGTH_M: np.ma.masked_equal(length, 0, copy=False),
        s.WIDTH_M: np.ma.masked_equal(width, 0, copy=False),
        s.DRAUGHT_M: np.ma.masked_equal(draught, 0, copy=False),
        **text_fields,
    }
    return fields, hashes


def _repeats(hashes: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray] | None:
    """``(first, inverse)`` of the distinct payloads among static reports known by their
    hashes (:func:`mda.ingest.fastkernel.hash_texts`), when they repeat enough to be worth
    decoding once each (a vessel sends the same type 5 or 24 every few minutes); None
    otherwise, or should the second hash ever disagree within one first hash."""
    h1, h2 = hashes
    if len(h1) < 64:
        return None
    _, first, inverse = np.unique(h1, return_index=True, return_inverse=True)
    if 2 * len(first) > len(h1) or not (h2[first][inverse] == h2).all():
        return None
    return first, inverse


def _spread(fields: fb.Fields, inverse: np.ndarray) -> fb.Fields:
    """Fields decoded once per distinct payload, given to every report (``inverse``)."""
    return {
        k: v.gather(inverse) if isinstance(v, pl.Series) else v[inverse]
        for k, v in fields.items()
    }


class _Records:
    """Decodes the units into :class:`_Columns`, one kind at a time."""

    def __init__(self, path: Path, buf: np.ndarray, sent: pl.DataFrame,
                 ts: np.ma.MaskedArray, out: _Columns) -> None:  # fmt: skip
        """``ts``: the time of each scan row (UTC microseconds, masked where none)."""
        self.path, self.buf, self.sent, self.ts, self.out = path, buf, sent, ts, out
        self._columns: dict[str, np.ndarray] = {}
        self.stations: tuple[np.ndarray, dict[str, Any]] | None = None  # (g, station fields)

    def _sent(self, rows: np.ndarray, col: str) -> np.ndarray:
        if col not in self._columns:  # each scan column converted once
            self._columns[col] = self.sent[col].to_numpy()
        return self._columns[col][rows]

    def _origin(self, g: np.ndarray, rows: np.ndarray) -> None:
        station = self.sent["station"]
        if station.null_count() < station.len():  # (as a rule no line has an s: field)
            station = station.gather(rows)
        else:
            station = pl.repeat(None, len(rows), dtype=pl.String, eager=True)
        self.out.add(g, r._LABEL, _labels(self.path, self._sent(rows, "head"), station))

    def _ts(self, rows: np.ndarray) -> np.ma.MaskedArray:
        """The times (UTC microseconds) of ``rows``, masked where the line has none."""
        return self.ts[rows]

    def single(self, kind: int, rows: np.ndarray, g: np.ndarray) -> None:
        """Decoded single-sentence records (positions or type 24, 28 characters)."""
        at = self._sent(rows, "payload_at")
        if kind == POS:  # decoded straight into the record columns (compiled)
            targets = [self.out.target(name) for name in _POSITION_FIELDS]
            values, valid = tuple(t[0] for t in targets), tuple(t[1] for t in targets)
            self.out.add_hashes(g, fk.positions(self.buf, at, g, values, valid))
        else:
            n_chars = np.full(len(at), 28)
            hashes = fk.payload_hashes(self.buf, at, n_chars, at, n_chars)
            self.out.add_hashes(g, hashes)
            repeats = _repeats(hashes)
            if repeats is None:
                self.out.add_fields(g, fb.decode_static24(fb.payload_words(self.buf, at, 28)))
            else:  # each distinct payload decoded once
                first, inverse = repeats
                fields = fb.decode_static24(fb.payload_words(self.buf, at[first], 28))
                self.out.add_fields(g, _spread(fields, inverse))
        self.out.add(g, s.TS, self._ts(rows))
        self._origin(g, rows)

    def static5(self, rows: np.ndarray, n: np.ndarray, g: np.ndarray) -> None:
        """Decoded type 5 records, one sentence or two adjacent parts."""
        second = rows + (n == 2)
        at1, at2 = self._sent(rows, "payload_at"), self._sent(second, "payload_at")
        len1 = np.where(n == 2, self._sent(rows, "plen"), 71)
        fields, hashes = _static5(self.buf, at1, len1, at2)
        self.out.add_fields(g, fields)
        self.out.add_hashes(g, hashes)
        ts, ts2 = self._ts(rows), self._ts(second)
        self.out.add(g, s.TS, np.ma.where(np.ma.getmaskarray(ts), ts2, ts))
        self._origin(g, rows)

    def station(self, rows: np.ndarray, g: np.ndarray) -> None:
        """Decoded base station (type 4) and aid-to-navigation (type 21) reports, one
        sentence each: the record columns, and their station fields kept for
        :meth:`station_fields`."""
        at = self._sent(rows, "payload_at")
        n_chars = self._sent(rows, "plen").astype(np.int64)
        n_bits = 6 * n_chars - self._sent(rows, "fill")
        fields, station = fb.decode_stations(self.buf, at, n_bits)
        self.out.add_fields(g, fields)
        self.out.add_hashes(g, fk.payload_hashes(self.buf, at, n_chars, at, n_chars))
        self.out.add(g, s.TS, self._ts(rows))
        self._origin(g, rows)
        self.stations = g, station

    def station_fields(self, base: int) -> pl.DataFrame | None:
        """The station fields of the station reports decoded here (records numbered from
        ``base``), in :data:`mda.ingest._records.STATION_FIELDS_SCHEMA`; None when none."""
        if self.stations is None:
            return None
        g, columns = self.stations
        frame = pl.DataFrame({r.REC_ID: g + base, **columns})
        return frame.select(pl.col(k).cast(v) for k, v in r.STATION_FIELDS_SCHEMA.items())

    def rejects(self, kind: np.ndarray, rows: np.ndarray, g: np.ndarray) -> None:
        """Records the reader would reject (unsupported type, bad bit count)."""
        reasons = pl.Series([_REJECT_REASON[UNSUPPORTED], _REJECT_REASON[BAD_BITS]])
        self.out.add(g, s.REASON, reasons.gather((kind == BAD_BITS).astype(np.int64)))
        self._origin(g, rows)

    def units(self, units: pl.DataFrame, g: np.ndarray) -> None:
        """All units, with record positions ``g``."""
        kind, rows, n = (units[c].to_numpy() for c in ("kind", "row", "n"))
        for k in (POS, T24):
            sel = np.flatnonzero(kind == k)
            if len(sel):
                self.single(k, rows[sel], g[sel])
        sel = np.flatnonzero(kind == T5)
        if len(sel):
            self.static5(rows[sel], n[sel], g[sel])
        sel = np.flatnonzero(kind == STATION)
        if len(sel):
            self.station(rows[sel], g[sel])
        sel = np.flatnonzero(kind >= UNSUPPORTED)
        if len(sel):
            self.rejects(kind[sel], rows[sel], g[sel])


def _add_slow(out: _Columns, path: Path, parsed: r.Parsed, g: np.ndarray) -> None:
    """The reader's records (``parsed``, as :meth:`NmeaReader.drain` gives them), with
    their payloads and source labels."""
    if not parsed.records.height:
        return
    origin = r.nmea_origin(parsed.lines, f"{SOURCE_NAME}:{path.name}")
    label = parsed.records.select(r.REC_ID).join(
        origin, on=r.REC_ID, how="left", maintain_order="left"
    )[r._LABEL]
    # the hashes of the payload the reader decoded; a decoded record without lines of its
    # own (a second sentence on a line) keeps them too, so the same-transmission rule sees it
    skip = {r.REC_ID, r.IS_POSITION_REPORT, s.SOURCE, r._PAYLOAD}
    for name in parsed.records.columns:
        column = parsed.records[name]
        if name not in skip and column.null_count() < column.len():  # (all null: nothing to add)
            out.add(g, name, column)
    payload = parsed.records[r._PAYLOAD]
    missing = payload.is_null().to_numpy()
    for name, h in zip((r._PAYLOAD_HASH, r._PAYLOAD_CHECK), fk.hash_texts(payload), strict=True):
        out.add(g, name, np.ma.masked_array(h, missing))
    out.add(g, r._LABEL, label.fill_null(f"{SOURCE_NAME}:{path.name}"))


def _records(out: _Columns, base: int) -> pl.DataFrame:
    """The records of a piece in :data:`OUTPUT_SCHEMA`, numbered in the reader's order from
    ``base``."""
    return out.frame().with_columns(
        (pl.int_range(pl.len(), dtype=pl.Int64) + base).alias(r.REC_ID),
        pl.col(s.MSG_TYPE).is_in(list(POSITION_TYPES)).fill_null(False)
        .alias(r.IS_POSITION_REPORT),
        pl.lit(SOURCE_NAME).alias(s.SOURCE),
    )  # fmt: skip


def _order(at_fast: np.ndarray, at_slow: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Record positions of the units and of the reader's records: by the line being read
    when the record was made, a unit first on a tie (the reader never reads a unit's line
    unless it takes the unit)."""
    g_fast = np.arange(len(at_fast)) + np.searchsorted(at_slow, at_fast, side="left")
    g_slow = np.arange(len(at_slow)) + np.searchsorted(at_fast, at_slow, side="right")
    return g_fast, g_slow


PIECE_BYTES = 24 << 20
"""The file is read in pieces of about this many bytes (~350,000 lines): memory holds the
pieces in hand (three at most), not the file (see :class:`_Pieces`). On the bench file,
24 MB was as fast as 32-64 MB and faster than 12-16 MB (per-piece costs), with the least
memory of those."""
FIRST_PIECE_BYTES = 8 << 20
"""The first piece is smaller: nothing else runs while it is read and scanned, so the
threads start sooner (bench file, nine alternated runs each: median 1.62 s with a first
piece of 24 MB, 1.56 s with 8 MB, 1.59 s with 12 MB; then six pairs against the code
before: 1.60 -> 1.58 s)."""


class _Pieces:
    """Parses one file piece by piece: one reader across the pieces (its pending parts and
    context carry over), records numbered across the file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.reader = NmeaReader(path)
        self.records = 0  # records before the piece
        self.lines = 0  # lines before the piece
        self.unit_lines = 0  # lines of units the reader did not take, before the piece

    def piece(self, lines: pl.Series, buf: np.ndarray, sent: pl.DataFrame, units: pl.DataFrame,
              read: tuple[int, int]) -> r.Parsed:  # fmt: skip
        """The records of one piece of whole lines (``sent`` and ``units`` as :func:`_scanned`
        gives them), and the lines they own (a line waiting for the other parts of its message
        goes with the piece its record is made in)."""
        feeder = _Feeder(self.reader, (self.lines, self.unit_lines), lines, units, sent)
        feeder.run()
        units = units.filter(pl.Series(~feeder.taken))
        # the scan's times (none: -1, as scanned times are 2000..2100), then those the
        # reader's context gave (any date a $PGHP line says)
        ts = np.ma.masked_array(feeder.ts, feeder.ts < 0, copy=bool(feeder.times))
        if feeder.times:
            count = len(feeder.times)
            rows = np.fromiter(feeder.times, dtype=np.int64, count=count)
            ts[rows] = np.fromiter(feeder.times.values(), dtype=np.int64, count=count)
        parsed, messages = self.reader.drain()
        first, n = units["first"].to_numpy(), units["n"].to_numpy()
        at_slow = np.array([m.at for m in messages], dtype=np.int64)
        g_fast, g_slow = _order(self.lines + first + n, at_slow)
        out = _Columns(len(g_fast) + len(g_slow))
        decoded = _Records(self.path, buf, sent, ts, out)
        decoded.units(units, g_fast)
        _add_slow(out, self.path, parsed, g_slow)
        unit_lines = r.UnitLines(  # (no row per line: their text is taken only if rejected)
            source_file=str(self.path),
            rec_id=pl.Series(g_fast + self.records, dtype=pl.Int64),
            line_no=pl.Series(first + (self.lines + 1), dtype=pl.Int64),
            n=pl.Series(n, dtype=pl.Int64),
            raw=lines,
            first_line=self.lines + 1,
        )
        self.lines += lines.len()
        self.unit_lines += int(n.sum())
        stations = decoded.station_fields(self.records)
        return self._parsed(out, parsed, messages, g_slow, unit_lines, read, stations)

    def end(self) -> r.Parsed:
        """The records made when the file ends (incomplete messages), with their lines."""
        self.reader.end()
        parsed, messages = self.reader.drain()
        g_slow = np.arange(len(messages))
        out = _Columns(len(messages))
        _add_slow(out, self.path, parsed, g_slow)
        return self._parsed(out, parsed, messages, g_slow, None, None)

    def _parsed(self, out: _Columns, parsed: r.Parsed, messages: list, g_slow: np.ndarray,
                unit_lines: r.UnitLines | None, read: tuple[int, int] | None,
                unit_stations: pl.DataFrame | None = None) -> r.Parsed:  # fmt: skip
        """A piece: ``out``'s records, the lines of the reader's records (``parsed`` from
        :meth:`NmeaReader.drain`, ``g_slow`` their positions) and those of the units;
        ``read``: how far the file had been read with it; ``unit_stations``: the station
        fields of the units' station reports (file rec ids)."""
        base = self.records
        # the reader's (reader-local) record ids -> the file's: its records of this piece
        # are numbered from messages[0].rec_id, and own every line it drained
        local = messages[0].rec_id if messages else 0
        to_file = (g_slow + base).astype(np.int64)
        rec = to_file[parsed.lines[r.REC_ID].to_numpy() - local]
        reader_lines = parsed.lines.select(s.LINE_NO, s.RAW).with_columns(
            pl.Series(r.REC_ID, rec)
        )
        lines = reader_lines.select(pl.lit(str(self.path)).alias(s.SOURCE_FILE), pl.all())
        stations = parsed.stations
        if stations is not None and stations.height:
            st_rec = to_file[stations[r.REC_ID].to_numpy() - local]
            stations = stations.with_columns(pl.Series(r.REC_ID, st_rec))
            if unit_stations is not None:  # (both: in record order)
                stations = pl.concat([stations, unit_stations]).sort(r.REC_ID)
        elif unit_stations is not None:
            stations = unit_stations
        records = _records(out, base)
        self.records += records.height
        progress = None if read is None else (str(self.path), *read)
        return r.Parsed(records=records, lines=lines, skipped=parsed.skipped, stations=stations,
                        progress=progress, units=unit_lines)  # fmt: skip


def _scanned(path: Path, piece_bytes: int) -> Iterator[
        tuple[pl.Series, np.ndarray, pl.DataFrame, pl.DataFrame, tuple[int, int]]]:  # fmt: skip
    """(lines, bytes, scan, units, how far the file has been read) of each piece: what does
    not depend on the pieces before."""
    loading = fk.warm_up()  # while the first piece is read
    first = min(piece_bytes, FIRST_PIECE_BYTES)
    for lines, buf, offsets, read in read_pieces(path, piece_bytes, first):
        loading.join()
        sent = scan(lines, buf, offsets, broken=False)
        yield lines, buf, sent, select_units(sent, buf), read


def _parts(path: Path, piece_bytes: int) -> Iterator[r.Parsed]:
    """The pieces of the file: each is read and scanned in a worker thread while the piece
    before is decoded."""
    parse = _Pieces(path)
    for scanned in read_ahead(_scanned(path, piece_bytes)):
        part = parse.piece(*scanned)
        del scanned  # (not kept while the caller handles the piece)
        yield part
    yield parse.end()


def parse_nmea_fast(path: Path, piece_bytes: int | None = None) -> r.Chunked:
    """Records and lines of one NMEA file (plain or gzip), same as the pyais reader's,
    piece by piece (each piece is parsed in a worker thread while the caller handles the
    one before).

    The records also carry the payload hashes (``_payload_hash``, ``_payload_check``) and
    ``_label`` (the source label used by the deduplication), so
    :func:`mda.ingest._records.finalize` need not re-read the lines.
    """
    return r.Chunked(read_ahead(_parts(Path(path), piece_bytes or PIECE_BYTES)))
