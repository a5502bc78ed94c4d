"""Vectorised NMEA decoding of single-part position reports, pyais for everything else.

:func:`parse_nmea_fast` gives exactly what :func:`mda.ingest.nmea.parse_nmea_slow` gives
(same records, lines, reasons and skipped counts; a test checks it on real and generated
files), 10-20x faster on a typical feed.

How: the whole file is split into lines with polars, and one regular expression picks the
lines that are *obviously* one valid single-part type 1/2/3/18 report (168 bits, fill 0)
with at most a leading epoch, an NMEA 4.0 tag block and a trailing epoch around it. Their
tag-block and sentence checksums are checked with numpy over the file's bytes, the 6-bit
armour is turned into three 60-bit words, and the fields are cut out with shifts and the
same integer arithmetic as pyais (lat/lon ``((10 v + 3) // 6) / 1e6``, speed and course
``v / 10``). Every other line (multi-part, other types, bad checksums, ``$PGHP``, odd
spacing, ...) goes through the pyais reader (:class:`mda.ingest.nmea.NmeaReader`), in
file order, so the line accounting does not change. A fast line that follows a pending
context (a lone tag block or ``$PGHP`` line whose time applies to the next sentence) is
handed to the reader as well, so context semantics stay those of the reader.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from mda import schema as s
from mda.ingest import _records as r
from mda.ingest.formats import DECOMPRESS_ERRORS, open_binary, truncated_error
from mda.ingest.nmea import (
    _EPOCH_MAX,
    _EPOCH_MIN,
    HEARD_TWICE_WINDOW,
    SOURCE_NAME,
    NmeaReader,
)

log = logging.getLogger(__name__)

_PRINT = r"[ -~&&[^\\!$*,]]"  # printable ASCII without the NMEA delimiters
FAST_LINE = (
    r"^(?P<lead>[ \t]*(?:(?P<leading>[0-9]{9,13}(?:\.[0-9]+)?)[ \t]+)?)"
    r"(?:\\(?P<tag>[ -~&&[^\\!$*]]+)\*(?P<tagcs>[0-9A-Fa-f]{2})\\)?"
    rf"!(?P<body>[A-Z0-9-]{{2}}VD[MO],1,1,{_PRINT}*,{_PRINT}*,"
    r"(?P<payload>[123B][0-W`-w]{27}),0)"
    r"\*(?P<cs>[0-9A-Fa-f]{2})"
    r"(?P<trail>(?:,[ -~&&[^\\!$]]*?)?)[ \t]*$"
)
"""A line that is one single-part type 1/2/3/18 sentence of 168 bits, optionally with a
leading epoch, a tag block (no ``*`` inside) and fields after the checksum."""

_EPOCH = r"[0-9]{9,13}(?:\.[0-9]+)?"
_TAG_C = rf"(?:^|,)c:({_EPOCH})(?:,|$)"
_TRAIL_EPOCH = rf"(?:^|,)({_EPOCH})(?:,|$)"
_PAYLOAD = "_payload"
_AT = "_at"
_LOCAL = "_local"


# --- lines ---------------------------------------------------------------------------------


def read_lines(path: Path) -> tuple[pl.Series, np.ndarray, np.ndarray]:
    """(lines, bytes, byte offset of each line) of a plain or gzip file.

    Lines are split like :func:`mda.ingest.formats.iter_text_lines` (universal newlines,
    non-UTF-8 bytes replaced); ``bytes`` is the UTF-8 text the lines index into.
    """
    try:
        with open_binary(path) as fh:
            data = fh.read()
    except DECOMPRESS_ERRORS as e:
        raise truncated_error(path, e) from e
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    text = data.decode("utf-8", errors="replace")
    if len(text) != len(data) or "\ufffd" in text:
        data = text.encode("utf-8")
    if text.endswith("\n"):
        text = text[:-1]
    lines = (
        pl.Series("line", [text]).str.split("\n").explode()
        if text
        else pl.Series([], dtype=pl.String)
    )
    lengths = lines.str.len_bytes().cast(pl.Int64).to_numpy()
    offsets = np.zeros(len(lengths), dtype=np.int64)
    np.cumsum(lengths[:-1] + 1, out=offsets[1:])
    return lines, np.frombuffer(data, dtype=np.uint8), offsets


def _xor_spans(buf: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """XOR of ``buf[start:start+length]`` for each span (lengths >= 1)."""
    if len(starts) == 0:
        return np.zeros(0, dtype=np.uint8)
    idx = np.empty(2 * len(starts), dtype=np.int64)
    idx[0::2], idx[1::2] = starts, starts + lengths
    if idx[-1] >= len(buf):  # reduceat needs in-range indices; the last span ends the buffer
        buf = np.append(buf, np.uint8(0))
    return np.bitwise_xor.reduceat(buf, idx)[0::2]


def candidates(lines: pl.Series, buf: np.ndarray, offsets: np.ndarray) -> pl.DataFrame:
    """Lines matching :data:`FAST_LINE` whose checksums are right, with their fields.

    Columns: ``idx`` (0-based line index), ``payload_at`` (byte offset of the payload),
    ``payload``, ``ts`` (UTC, from tag block ``c:``, trailing or leading epoch).
    """
    groups = lines.str.extract_groups(FAST_LINE).struct.unnest()
    df = groups.with_columns(
        pl.Series("off", offsets), pl.int_range(pl.len(), dtype=pl.Int64).alias("idx")
    ).filter(pl.col("body").is_not_null())
    df = df.filter(pl.col("tag").is_null() | (pl.col("tag").str.count_matches("(?:^|,)c:") <= 1))
    lead = pl.col("lead").str.len_bytes().cast(pl.Int64)
    tag_len = pl.col("tag").str.len_bytes().cast(pl.Int64).fill_null(-5)
    df = df.with_columns(
        (pl.col("off") + lead + 1).alias("tag_at"),
        (pl.col("off") + lead + tag_len + 6).alias("body_at"),
        pl.col("body").str.len_bytes().cast(pl.Int64).alias("body_len"),
    )
    ok = _checksums_ok(df, buf)
    df = df.filter(pl.Series(ok))
    return df.select(
        "idx",
        (pl.col("body_at") + pl.col("body_len") - 30).alias("payload_at"),
        "payload",
        _fast_ts().alias(s.TS),
    )


def _checksums_ok(df: pl.DataFrame, buf: np.ndarray) -> np.ndarray:
    """True where the sentence checksum (and the tag block's, if any) is right."""
    cs = df["cs"].str.to_integer(base=16).to_numpy().astype(np.uint8)
    body = _xor_spans(buf, df["body_at"].to_numpy(), df["body_len"].to_numpy())
    ok = body == cs
    has_tag = df["tag"].is_not_null().to_numpy()
    if has_tag.any():
        t = df.filter(pl.col("tag").is_not_null())
        tag_cs = t["tagcs"].str.to_integer(base=16).to_numpy().astype(np.uint8)
        got = _xor_spans(buf, t["tag_at"].to_numpy(), t["tag"].str.len_bytes().to_numpy())
        ok[has_tag] &= got == tag_cs
    return ok


# --- times ---------------------------------------------------------------------------------


def epoch_expr(text: pl.Expr) -> pl.Expr:
    """:func:`mda.ingest.nmea.epoch_to_utc` over a column of epoch strings (UTC datetime)."""
    parts = text.str.splitn(".", 2)
    whole = parts.struct.field("field_0").cast(pl.Int64, strict=False)
    frac = parts.struct.field("field_1").str.pad_end(6, "0").str.slice(0, 6)
    is_ms = whole >= 100_000_000_000
    secs = pl.when(is_ms).then(whole // 1000).otherwise(whole)
    micros = pl.when(is_ms).then((whole % 1000) * 1000).otherwise(frac.cast(pl.Int64).fill_null(0))
    ok = (secs >= _EPOCH_MIN) & (secs < _EPOCH_MAX)
    us = pl.when(ok).then(secs * 1_000_000 + micros)
    return us.cast(pl.Datetime("us")).dt.replace_time_zone("UTC")


def _fast_ts() -> pl.Expr:
    """Tag block ``c:`` time, else the first epoch field after the checksum, else leading."""
    tag = epoch_expr(pl.col("tag").str.extract(_TAG_C, 1))
    trail = epoch_expr(pl.col("trail").str.extract(_TRAIL_EPOCH, 1))
    return pl.coalesce(tag, trail, epoch_expr(pl.col("leading")))


# --- bits ----------------------------------------------------------------------------------


def armour_words(buf: np.ndarray, payload_at: np.ndarray) -> list[np.ndarray]:
    """The 168 bits of each 28-character payload as three 60-bit words (int64, MSB first)."""
    chars = buf[payload_at[:, None] + np.arange(28)].astype(np.int64) - 48
    chars -= np.where(chars > 40, 8, 0)
    words = []
    for first in (0, 10, 20):
        w = np.zeros(len(payload_at), dtype=np.int64)
        for k in range(first, min(first + 10, 28)):
            w = (w << 6) | chars[:, k]
        words.append(w << (6 * (first + 10 - min(first + 10, 28))))
    return words


def bits(words: list[np.ndarray], start: int, width: int, signed: bool = False) -> np.ndarray:
    """Field of ``width`` bits at bit ``start`` (0 = first bit of the payload)."""
    i, o = divmod(start, 60)
    if o + width <= 60:
        v = (words[i] >> (60 - o - width)) & ((1 << width) - 1)
    else:
        low = o + width - 60
        v = ((words[i] & ((1 << (60 - o)) - 1)) << low) | (words[i + 1] >> (60 - low))
    if signed:
        v = np.where(v >= 1 << (width - 1), v - (1 << width), v)
    return v


def _field(words: list[np.ndarray], class_b: np.ndarray, a: int, b: int, width: int,
           signed: bool = False) -> np.ndarray:  # fmt: skip
    """A field at bit ``a`` in types 1-3 and bit ``b`` in type 18."""
    return np.where(class_b, bits(words, b, width, signed), bits(words, a, width, signed))


def _degrees(v: np.ndarray) -> np.ndarray:
    """1/10000 minutes -> degrees, rounded to 6 decimals exactly as pyais does."""
    return ((10 * v + 3) // 6) / 1e6


def decode_positions(buf: np.ndarray, payload_at: np.ndarray) -> dict[str, Any]:
    """Canonical fields of single-part type 1/2/3/18 reports (see ``canonical_fields``)."""
    w = armour_words(buf, payload_at)
    t = bits(w, 0, 6)
    b = t == 18
    speed = _field(w, b, 50, 46, 10)
    course = _field(w, b, 116, 112, 12)
    heading = _field(w, b, 128, 124, 9)
    status = bits(w, 38, 4)
    return {
        s.MMSI: bits(w, 8, 30),
        s.MSG_TYPE: t,
        s.LAT: _degrees(_field(w, b, 89, 85, 27, signed=True)),
        s.LON: _degrees(_field(w, b, 61, 57, 28, signed=True)),
        s.SOG_KN: np.ma.masked_array(speed / 10.0, speed >= 1023),
        s.COG_DEG: np.ma.masked_array(course / 10.0, course >= 3600),
        s.HEADING_DEG: np.ma.masked_array(heading.astype(np.float64), heading >= 360),
        s.NAV_STATUS: np.ma.masked_array(status, b | (status == 15)),
    }


def _column(name: str, values: Any) -> pl.Series:
    if isinstance(values, np.ma.MaskedArray):
        return pl.Series(name, values.data).set(pl.Series(values.mask), None)  # type: ignore[arg-type]
    return pl.Series(name, values)


# --- the reader for the other lines --------------------------------------------------------


def _run_reader(
    path: Path, lines: pl.Series, fast_idx: np.ndarray
) -> tuple[NmeaReader, np.ndarray]:
    """Feed every non-fast line to a :class:`NmeaReader`, in order.

    A fast line that meets a pending context (tag block or ``$PGHP`` time waiting for the
    next sentence) is fed too. Returns the reader and the fast lines it took.
    """
    reader = NmeaReader(path)
    is_fast = np.zeros(lines.len(), dtype=bool)
    is_fast[fast_idx] = True
    slow_idx = np.flatnonzero(~is_fast)
    n_fast_before = np.searchsorted(fast_idx, slow_idx)
    texts = lines.gather(slow_idx).to_list()
    taken: list[int] = []
    done = 0  # fast lines before the current line, all handled
    for i, n_before, text in zip(slow_idx.tolist(), n_fast_before.tolist(), texts, strict=True):
        if n_before > done:
            done = _take_one(reader, lines, fast_idx, done, n_before, taken)
        reader.feed(i + 1, text, len(reader.raw) + done - len(taken))
    if len(fast_idx) > done:
        _take_one(reader, lines, fast_idx, done, len(fast_idx), taken)
    return reader, np.asarray(taken, dtype=np.int64)


def _take_one(reader: NmeaReader, lines: pl.Series, fast_idx: np.ndarray, done: int,
              upto: int, taken: list[int]) -> int:  # fmt: skip
    """Hand the first of fast lines ``done..upto`` to the reader if a context waits."""
    if reader.has_context():
        i = int(fast_idx[done])
        reader.feed(i + 1, lines[i], len(reader.raw) + done - len(taken))
        taken.append(i)
    return upto


# --- merge ---------------------------------------------------------------------------------


def _fast_records(path: Path, lines: pl.Series, buf: np.ndarray, cand: pl.DataFrame
                  ) -> tuple[pl.DataFrame, pl.DataFrame]:  # fmt: skip
    """(records, lines) of the fast lines; records carry ``_at`` and ``_payload``."""
    idx = cand["idx"].to_numpy()
    cols = [_column(k, v) for k, v in decode_positions(buf, cand["payload_at"].to_numpy()).items()]
    records = pl.DataFrame(cols).with_columns(
        pl.lit(None, pl.Int64).alias(r.REC_ID),
        cand[s.TS],
        pl.lit(True).alias(r.IS_POSITION_REPORT),
        pl.lit(SOURCE_NAME).alias(s.SOURCE),
        pl.Series(_AT, idx + 1),
        cand["payload"].alias(_PAYLOAD),
    )
    fast_lines = pl.DataFrame(
        {s.LINE_NO: idx + 1, s.RAW: lines.gather(idx), _AT: idx + 1}
    ).with_columns(pl.lit(None, pl.Int64).alias(_LOCAL))
    return records, fast_lines


def _slow_records(reader: NmeaReader, parsed: r.Parsed) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(records, lines) of the reader, with ``_at``, ``_payload`` and the local rec id."""
    payloads = [
        "".join(p.payload for p in m.sentences) if m.reason is None else None
        for m in reader.messages
    ]
    records = parsed.records.with_columns(
        pl.Series(_AT, [m.at for m in reader.messages], dtype=pl.Int64),
        pl.Series(_PAYLOAD, payloads, dtype=pl.String),
        pl.col(r.REC_ID).alias(_LOCAL),
    )
    slow_lines = parsed.lines.select(
        s.LINE_NO, s.RAW, pl.col(s.LINE_NO).alias(_AT), pl.col(r.REC_ID).alias(_LOCAL)
    )
    return records, slow_lines


def heard_twice() -> pl.Expr:
    """The reader's "heard twice" rule over records in file order: a decoded message whose
    payload was last decoded at most ``HEARD_TWICE_WINDOW`` before or after it."""
    key = pl.when(pl.col(s.REASON).is_null() & pl.col(s.TS).is_not_null()).then(pl.col(_PAYLOAD))
    prev = pl.col(s.TS).shift(1).over(key)
    near = (pl.col(s.TS) - prev).abs() <= HEARD_TWICE_WINDOW
    return (key.is_not_null() & near).fill_null(False)


_Frames = tuple[pl.DataFrame, pl.DataFrame]


def _merge(path: Path, fast: _Frames, slow: _Frames) -> _Frames:
    """Records in the order the reader would make them, renumbered; lines in file order.

    Both sides are in creation order (``_at`` never decreases while the reader reads), so
    after sorting by (``_at``, local id) the global ids of each side are in its own order.
    """
    records = pl.concat([slow[0], fast[0]], how="diagonal_relaxed").sort(_AT, _LOCAL)
    records = records.with_columns(
        pl.int_range(pl.len(), dtype=pl.Int64).alias(r.REC_ID)
    ).with_columns(heard_twice().alias(r.HEARD_TWICE))
    is_slow = records[_LOCAL].is_not_null().to_numpy()
    ids = records[r.REC_ID].to_numpy()
    slow_ids, fast_ids = ids[is_slow], ids[~is_slow]
    slow_lines = slow[1].with_columns(
        pl.Series(r.REC_ID, slow_ids[slow[1][_LOCAL].to_numpy()], dtype=pl.Int64)
    )
    fast_lines = fast[1].with_columns(pl.Series(r.REC_ID, fast_ids, dtype=pl.Int64))
    lines = pl.concat([slow_lines, fast_lines], how="vertical_relaxed").sort(_AT)
    lines = lines.select(
        pl.lit(str(path)).alias(s.SOURCE_FILE), pl.col(s.LINE_NO).cast(pl.Int64), s.RAW, r.REC_ID
    )
    return s.conform(records, r.RECORDS_SCHEMA), lines


def _without_context(cand: pl.DataFrame, lines: pl.Series) -> pl.DataFrame:
    """Drop candidates right after a non-candidate line holding a tag block or ``$``
    sentence (likely a context for them, e.g. ``$PGHP``): the reader reads those in bulk.
    :func:`_run_reader` still checks every remaining candidate."""
    prev_ctx = lines.str.contains(r"[\\$]", literal=False).shift(1, fill_value=False)
    prev_cand = pl.Series(np.isin(cand["idx"].to_numpy() - 1, cand["idx"].to_numpy()))
    keep = prev_cand | ~prev_ctx.gather(cand["idx"]).rename("keep")
    return cand.filter(keep)


def parse_nmea_fast(path: Path) -> r.Parsed:
    """Records and lines of one NMEA file (plain or gzip), same as the pyais reader's."""
    path = Path(path)
    lines, buf, offsets = read_lines(path)
    cand = _without_context(candidates(lines, buf, offsets), lines)
    reader, taken = _run_reader(path, lines, cand["idx"].to_numpy())
    if len(taken):
        cand = cand.filter(~pl.col("idx").is_in(taken))
    parsed = reader.finish()
    log.debug("%s: %d lines decoded by the fast path, %d by pyais", path, cand.height,
              parsed.lines.height)  # fmt: skip
    records, lines_frame = _merge(
        path, _fast_records(path, lines, buf, cand), _slow_records(reader, parsed)
    )
    return r.Parsed(records=records, lines=lines_frame, skipped=parsed.skipped)
