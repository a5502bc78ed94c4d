"""Where the fields of plain AIS sentences sit in NMEA text, for all lines of a piece at once.

:func:`read_pieces` reads a file in pieces of whole lines, and :func:`lines_of` splits one
into lines like :func:`mda.ingest.formats.iter_text_lines`, keeping the UTF-8 bytes they
index into. :func:`scan` finds the lines that are exactly one
AIS sentence (``!xxVDM``/``!xxVDO``, 1 or 2 parts) with at most a leading epoch, an NMEA 4.0
tag block and fields after the checksum around it (:data:`SHAPE`), checks their tag-block
and sentence checksums, and returns where each field is and the line's receive time, as
:class:`mda.ingest.nmea.NmeaReader` would resolve it from the line alone.

Cost: lines in the common forms (a bare sentence, after a tag block of ``c:`` time, ``s:``
station and other fields or a leading epoch, with or without fields after the checksum) are
read by one compiled pass over the bytes
(:func:`mda.ingest.fastkernel.scan_simple`). The others take
:func:`scan_vectorised`: one regular expression test and four string searches per line,
byte arithmetic in numpy, and polars string expressions for the lines of the shape outside
the common forms (a tag field twice, leading blanks). Both give the same rows
(tests compare them).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import polars as pl
from numpy.lib.stride_tricks import sliding_window_view

from mda.ingest.fastkernel import scan_lines
from mda.ingest.formats import looks_compressed, open_binary, pieces, position
from mda.ingest.nmea import _EPOCH_MAX, _EPOCH_MIN
from mda.schema import UTC_TS

_PRINT = r"[ -~&&[^\\!$*,]]"  # printable ASCII without the NMEA delimiters
SHAPE = (
    r"^[ \t]*(?:[0-9]{9,13}(?:\.[0-9]+)?[ \t]+)?"
    r"(?:\\[ -~&&[^\\!$*]]+\*[0-9A-Fa-f]{2}\\)?"
    rf"![A-Z0-9-]{{2}}VD[MO],[12],[12],{_PRINT}*,{_PRINT}*,[0-W`-w]+,[0-5]\*[0-9A-Fa-f]{{2}}"
    r"(?:,[ -~&&[^\\!$]]*?)?[ \t]*$"
)
"""A line that is one 1- or 2-part AIS sentence, optionally with a leading epoch, a tag
block (no ``*`` inside) and fields after the checksum."""

_EPOCH = r"[0-9]{9,13}(?:\.[0-9]+)?"
_TAG_C = rf"(?:^|,)c:({_EPOCH})(?:,|$)"
_TAG_C_COUNT = r"(?:^|,)c:"
_TRAIL_EPOCH = rf"(?:^|,)({_EPOCH})(?:,|$)"
_LEAD_EPOCH = rf"({_EPOCH})"
_TAG_S = r"^(?:.*,)?s:([^,*]+)"  # the station, as mda.ingest._records._STATION_RE finds it
PAD = 128
"""Zero bytes after the text's bytes, so fixed-width windows never run past the end."""
SEQ_CHAN_WINDOW = 8
"""Bytes after ``!xxVDM,n,m,`` searched for the two commas ending the sequence id and
channel; longer fields take the reader's path."""

ARMOUR = np.zeros(256, dtype=np.int64)
"""6-bit value of each payload character (``0``-``W`` and `````-``w``)."""
for _c in range(48, 120):
    ARMOUR[_c] = _c - 48 - (8 if _c - 48 > 40 else 0)


# --- lines ---------------------------------------------------------------------------------


def _lines_from_csv(source: bytes, n_bytes: int) -> pl.Series | None:
    """The lines of ``source`` read with polars' CSV reader (a separator and quote that never
    occur: one column, one row per line, read in parallel), or None when that would not
    split it like :func:`mda.ingest.formats.iter_text_lines`. ``n_bytes`` is the text's
    length without a final newline."""
    frame = pl.read_csv(
        source, has_header=False, separator="\x1f", quote_char=None, new_columns=["line"],
        schema={"line": pl.String}, raise_if_empty=False,
    )  # fmt: skip
    lines = frame.to_series().fill_null("")  # an empty line reads as null
    if lines.len() and lines.str.len_bytes().sum() + lines.len() - 1 == n_bytes:
        return lines  # nothing lost or split
    return None


def _csv_safe(data: bytes) -> bool:
    """True when polars' CSV reader can split ``data`` into lines: no unit separator (our
    column separator), no byte order mark (it would drop it) and no start it would take for
    a compressed buffer (``x^...``)."""
    return data[:3] != b"\xef\xbb\xbf" and data.find(b"\x1f") < 0 and not looks_compressed(data)


def _normalised(data: bytes) -> bytes:
    """Universal newlines as ``\\n``, invalid UTF-8 replaced."""
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    if not data.isascii():
        data = data.decode("utf-8", errors="replace").encode("utf-8")
    return data


def lines_of(data: bytes) -> tuple[pl.Series, np.ndarray, np.ndarray]:
    """(lines, bytes, byte offset of each line) of whole lines of text (a file, or a piece of
    one cut at a line end).

    Lines are split like :func:`mda.ingest.formats.iter_text_lines` (universal newlines,
    non-UTF-8 bytes replaced); ``bytes`` is the UTF-8 text the lines index into, followed
    by :data:`PAD` zero bytes.
    """
    data = _normalised(data)
    buf = np.zeros(len(data) + PAD, dtype=np.uint8)
    buf[: len(data)] = np.frombuffer(data, dtype=np.uint8)
    n_bytes = len(data) - data.endswith(b"\n")
    lines = None
    if data and _csv_safe(data):
        lines = _lines_from_csv(data, n_bytes)
    if lines is None:
        text = data[:n_bytes].decode("utf-8")
        lines = pl.Series("line", text.split("\n") if data else [], dtype=pl.String)
    lengths = lines.str.len_bytes().cast(pl.Int64).to_numpy()
    offsets = np.zeros(len(lengths), dtype=np.int64)
    np.cumsum(lengths[:-1] + 1, out=offsets[1:])
    return lines, buf, offsets


Piece = tuple[pl.Series, np.ndarray, np.ndarray, tuple[int, int]]
"""Lines, bytes and line offsets of a piece (:func:`lines_of`), and how far the file has
been read."""


def read_pieces(path: Path, size: int, first: int | None = None) -> Iterator[Piece]:
    """:func:`lines_of` each piece of about ``size`` bytes (the first ``first``) of a plain
    or gzip file, in order, with how far the file has been read
    (:func:`mda.ingest.formats.position`); a truncated gzip raises InputFileError."""
    with open_binary(path) as fh:  # (it turns a decompression error into InputFileError)
        read = position(fh, path)
        for data in pieces(fh, size, first):
            yield (*lines_of(data), read())


def read_lines(path: Path) -> tuple[pl.Series, np.ndarray, np.ndarray]:
    """:func:`lines_of` a whole plain or gzip file."""
    with open_binary(path) as fh:
        data = fh.read()
    return lines_of(data)


def loads(buf: np.ndarray) -> np.ndarray:
    """``buf`` seen as overlapping little-endian uint64 loads: element i = bytes i..i+7."""
    return np.ndarray(shape=(len(buf) - 7,), dtype="<u8", buffer=buf.data, strides=(1,))


def lane(v: np.ndarray, k: int) -> np.ndarray:
    """Byte ``k`` of each uint64 load (as uint64)."""
    return (v >> np.uint64(8 * k)) & np.uint64(0xFF)


def hex_value(c: np.ndarray) -> np.ndarray:
    """The value of hex digit characters (checked by :data:`SHAPE`)."""
    return (c & 0xF) + 9 * (c >> 6)


def window(buf: np.ndarray, at: np.ndarray, width: int) -> np.ndarray:
    """``buf[a:a+width]`` for each ``a`` in ``at``, as an (n, width) uint8 matrix."""
    return sliding_window_view(buf, width)[at]


def pack_text(text: str) -> int:
    """One ASCII string packed little-endian into an int, as the scan packs heads and keys."""
    return int.from_bytes(text.encode("ascii", errors="replace"), "little")


# --- times ---------------------------------------------------------------------------------


def epoch_us(whole: np.ndarray, frac_us: np.ndarray | int = 0) -> np.ndarray:
    """:func:`mda.ingest.nmea.epoch_to_utc` in microseconds: ``whole`` is the integer part
    (seconds, or milliseconds when >= 1e11), ``frac_us`` the microseconds of a decimal
    fraction (seconds only). -1 where the time is outside 2000..2100."""
    is_ms = whole >= 100_000_000_000
    secs = np.where(is_ms, whole // 1000, whole)
    micros = np.where(is_ms, (whole % 1000) * 1000, frac_us)
    ok = (secs >= _EPOCH_MIN) & (secs < _EPOCH_MAX)
    return np.where(ok, secs * 1_000_000 + micros, -1)


def epoch_expr(text: pl.Expr) -> pl.Expr:
    """:func:`epoch_us` of a column of epoch strings (``digits[.digits]``); null stays null."""
    parts = text.str.split_exact(".", 1)
    whole = parts.struct.field("field_0").cast(pl.Int64, strict=False)
    frac = parts.struct.field("field_1").str.pad_end(6, "0").str.slice(0, 6)
    is_ms = whole >= 100_000_000_000
    secs = pl.when(is_ms).then(whole // 1000).otherwise(whole)
    micros = pl.when(is_ms).then((whole % 1000) * 1000).otherwise(frac.cast(pl.Int64).fill_null(0))
    ok = (secs >= _EPOCH_MIN) & (secs < _EPOCH_MAX)
    return pl.when(ok).then(secs * 1_000_000 + micros).otherwise(-1)


_ONES = np.uint64(0x0101010101010101)
_POW10 = np.array([10**k for k in range(17)], dtype=np.int64)


def _swar8(v: np.ndarray) -> np.ndarray:
    """The number written by 8 ASCII digits loaded little-endian into uint64 lanes."""
    v = v - _ONES * np.uint64(0x30)
    v = (v * np.uint64(10) + (v >> np.uint64(8))) & np.uint64(0x00FF00FF00FF00FF)
    v = (v * np.uint64(100) + (v >> np.uint64(16))) & np.uint64(0x0000FFFF0000FFFF)
    v = (v * np.uint64(10000) + (v >> np.uint64(32))) & np.uint64(0xFFFFFFFF)
    return v.astype(np.int64)


def _all_digits(v: np.ndarray) -> np.ndarray:
    """True where all 8 bytes of each uint64 are ASCII digits."""
    high = _ONES * np.uint64(0xF0)
    return ((v & high) == _ONES * np.uint64(0x30)) & (
        ((v + _ONES * np.uint64(6)) & high) == _ONES * np.uint64(0x30)
    )


def _epoch_digits(u64: np.ndarray, at: np.ndarray, n: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """(value, all digits) of the ``n`` (8..16) bytes at ``at``."""
    head, tail = u64[at], u64[at + n - 8]
    ok = _all_digits(head) & _all_digits(tail)
    scale = _POW10[n - 8]
    return _swar8(head) * scale + _swar8(tail) % scale, ok


# --- the scan ------------------------------------------------------------------------------


def _shape_lines(lines: pl.Series) -> dict[str, np.ndarray]:
    """Lines matching :data:`SHAPE`: ``idx``, ``bang`` (offset of ``!``), ``bs`` (of the
    tag block's ``\\``, -1 without one), ``len`` and ``stars`` (number of ``*``)."""
    line = pl.col("line")
    found = pl.DataFrame({"line": lines}).select(
        line.str.contains(SHAPE).alias("ok"),
        line.str.find("!", literal=True).alias("bang"),
        line.str.find("\\", literal=True).fill_null(-1).alias("bs"),
        line.str.len_bytes().alias("len"),
        line.str.count_matches("*", literal=True).alias("stars"),
    )
    idx = np.flatnonzero(found["ok"].fill_null(False).to_numpy())
    out = {"idx": idx}
    for name in ("bang", "bs", "len", "stars"):
        out[name] = found[name].fill_null(0).cast(pl.Int64).to_numpy()[idx]
    return out


def _simple_tag_ts(u64: np.ndarray, off: np.ndarray, bang: np.ndarray, tag_first: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """(is the tag block exactly ``\\c:<9-13 digits>*hh\\`` at the line start, its time
    in microseconds or -1)."""
    n_digits = bang - 7  # \\c: <digits> *hh\\
    simple = tag_first & (n_digits >= 9) & (n_digits <= 13)
    simple &= (u64[off] & np.uint64(0xFFFFFF)) == pack_text("\\c:")
    value, ok = _epoch_digits(u64, off + 3, np.where(simple, n_digits, 9))
    simple &= ok
    return simple, np.where(simple, epoch_us(value), -1)


def _general_fields(lines: pl.Series, rows: pl.DataFrame) -> pl.DataFrame:
    """For lines of the shape outside the common form (``rows``: ``idx``, ``bang``,
    ``bs`` as :func:`_shape_lines` gives them): ``star`` (offset of the sentence
    ``*``), ``ts`` (microseconds, -1 when none), ``station``, ``c_fields`` (number of tag
    ``c:`` fields)."""
    line, c = pl.col("line"), pl.col
    bang, bs = c("bang"), pl.when(c("bs") >= 0).then(c("bs"))
    frame = rows.with_columns(lines.gather(rows["idx"]).alias("line")).with_columns(
        (bang + line.str.slice(bang).str.find("*", literal=True).cast(pl.Int64)).alias("star"),
        pl.when(bs.is_not_null()).then(line.str.slice(bs + 1, bang - bs - 5)).alias("tag"),
        line.str.slice(0, pl.coalesce(bs, bang)).str.extract(_LEAD_EPOCH, 1).alias("lead"),
    )
    trail = line.str.slice(c("star") + 3).str.strip_chars_end(" \t")
    frame = frame.with_columns(
        c("tag").str.extract(_TAG_C, 1).alias("tag_c"),
        trail.str.extract(_TRAIL_EPOCH, 1).alias("trail"),
    ).with_columns(epoch_expr(c(k)).alias(k) for k in ("tag_c", "trail", "lead"))
    # the first usable time in the reader's order: tag c:, first trailing epoch, leading
    ts = pl.coalesce([pl.when(c(k) >= 0).then(c(k)) for k in ("tag_c", "trail", "lead")])
    return frame.select(
        "star",
        ts.fill_null(-1).alias("ts"),
        c("tag").str.extract(_TAG_S, 1).alias("station"),
        c("tag").str.count_matches(_TAG_C_COUNT).fill_null(0).alias("c_fields"),
    )


def scan(lines: pl.Series, buf: np.ndarray, offsets: np.ndarray, broken: bool = True,
         ) -> pl.DataFrame:  # fmt: skip
    """The lines of :data:`SHAPE` and their fields. ``broken=False`` leaves out the lines
    outside the common forms that are not ``ok`` (no unit starts there; the reader is
    given every line that is not a unit): the common case needs no merge of the two paths.

    Columns: ``idx`` (0-based line), ``ok`` (false when a checksum is wrong or the line is
    not of the shape the vectorised path reads after all), ``payload_at`` (byte offset of
    the payload in ``buf``), ``plen`` (payload characters), ``count``, ``num``, ``fill``, ``head``
    (the 5 bytes ``AIVDM`` packed, see :func:`pack_text`), ``key`` (sequence id, comma and
    channel packed), ``tagged`` (the line has a tag block), ``ts`` (UTC, null when the line
    carries no usable time), ``station`` (tag block ``s:``, null when none).

    Lines in the two common forms are read by the compiled
    :func:`mda.ingest.fastkernel.scan_simple` (in parallel); the others by :func:`scan_vectorised`.
    """
    # (compiled functions take writable arrays: a read-only one would be compiled for anew)
    lengths = lines.str.len_bytes().cast(pl.Int64).to_numpy(writable=True)
    simple, cols = scan_lines(buf, offsets, lengths, _EPOCH_MIN, _EPOCH_MAX)
    *cols, station_at, station_len = cols
    names = ("idx", "ok", "payload_at", "plen", "count", "num", "fill", "head", "key",
             "tagged", "ts")  # fmt: skip
    frame = pl.DataFrame(dict(zip(names, cols, strict=True))).select(
        *(c for c in _COLUMNS if c not in ("ts", "station", "ok")),
        pl.when(pl.col("ts") >= 0).then(pl.col("ts")).cast(UTC_TS).alias("ts"),
        _stations(lines, cols[0], offsets, station_at, station_len),
        "ok",
    )
    if frame.height == lines.len():
        return frame
    rest = np.flatnonzero(~simple)
    other = scan_vectorised(lines.gather(rest), buf, offsets[rest])
    if not broken:
        other = other.filter(pl.col("ok"))
        if not other.height:  # (as usual: the other lines are broken)
            return frame
    other = other.with_columns(pl.Series("idx", rest).gather(other["idx"]))
    return frame.merge_sorted(other, key="idx")  # both in line order


def _stations(lines: pl.Series, idx: np.ndarray, offsets: np.ndarray, at: np.ndarray,
              length: np.ndarray) -> pl.Series:  # fmt: skip
    """The tag block ``s:`` field of lines ``idx`` (null where ``length`` is 0), found by
    the compiled scan at byte ``at`` of the text."""
    if not length.any():
        return pl.repeat(None, len(idx), dtype=pl.String, eager=True).alias("station")
    frame = pl.DataFrame({"line": lines.gather(idx), "at": at - offsets[idx], "n": length})
    station = pl.col("line").str.slice(pl.col("at"), pl.col("n"))
    return frame.select(pl.when(pl.col("n") > 0).then(station).alias("station")).to_series()


_COLUMNS = ("idx", "payload_at", "plen", "count", "num", "fill", "head", "key", "tagged", "ts",
            "station", "ok")  # fmt: skip
"""The columns of :func:`scan`, in order."""


def scan_vectorised(lines: pl.Series, buf: np.ndarray, offsets: np.ndarray) -> pl.DataFrame:
    """:func:`scan` of any lines (``offsets``: where each starts in ``buf``) with polars
    expressions and numpy: the regular expression :data:`SHAPE`, then byte arithmetic for
    the common forms and string expressions for the others."""
    rows = _shape_lines(lines)
    u64 = loads(buf)
    idx, bang, bs = rows["idx"], rows["bang"], rows["bs"]
    tagged = bs >= 0
    off = offsets[idx]
    star = rows["len"] - 3  # no fields after the checksum: "...,<fill>*hh" ends the line
    tail = u64[off + star - 2]
    plain = (lane(tail, 2) == ord("*")) & (rows["stars"] == 1 + tagged)
    simple_tag, ts = _simple_tag_ts(u64, off, bang, bs == 0)
    simple = plain & np.where(tagged, simple_tag, bang == 0)
    station = pl.repeat(None, len(idx), dtype=pl.String, eager=True).alias("station")
    ok = np.ones(len(idx), dtype=bool)
    if not simple.all():
        general = np.flatnonzero(~simple)
        subset = pl.DataFrame({k: rows[k][general] for k in ("idx", "bang", "bs")})
        got = _general_fields(lines, subset)
        star[general] = got["star"].to_numpy()
        tail[general] = u64[off[general] + star[general] - 2]
        ts[general] = got["ts"].to_numpy()
        if got["station"].null_count() < len(general):
            station = station.scatter(general, got["station"])
        ok[general] = got["c_fields"].to_numpy() <= 1
    o = off + bang  # the "!"
    return _sentence_fields(buf, u64, idx, o, off + star, tail, np.where(tagged, off + bs, -1),
                            ts, station, ok)  # fmt: skip


def _seq_chan_end(buf: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Offset (from ``start``) of the comma ending the channel, -1 when the sequence id
    and channel are longer than :data:`SEQ_CHAN_WINDOW` allows."""
    commas = np.zeros(len(start), dtype=np.int8)
    end = np.full(len(start), -1, dtype=np.int64)
    for k in range(SEQ_CHAN_WINDOW):
        commas += buf[start + k] == ord(",")
        end = np.where((commas == 2) & (end < 0), k, end)
    return end


def _seq_chan(buf: np.ndarray, u64: np.ndarray, o: np.ndarray, w1: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """(offset from ``o + 11`` of the comma ending the channel or -1, the packed bytes of
    sequence id, comma and channel). ``w1`` is the load at ``o + 8``."""
    commas = np.zeros(len(o), dtype=np.int64)
    end = np.full(len(o), -1, dtype=np.int64)
    for k in range(5):  # bytes o+11 .. o+15
        commas += lane(w1, 3 + k) == ord(",")
        end = np.where((commas == 2) & (end < 0), k, end)
    low = w1 >> np.uint64(24)
    far = np.flatnonzero(end < 0)
    if len(far):
        end[far] = _seq_chan_end(buf, o[far] + 11)
        low[far] = u64[o[far] + 11]
    mask = (np.uint64(1) << (np.uint64(8) * np.maximum(end, 0).astype(np.uint64))) - np.uint64(1)
    return end, (low & mask).astype(np.int64)


def _checksums_ok(buf: np.ndarray, u64: np.ndarray, o: np.ndarray, sstar: np.ndarray,
                  tail: np.ndarray, tag_at: np.ndarray) -> np.ndarray:  # fmt: skip
    """True where the sentence checksum (and the tag block's, if any) is right."""
    tagged = tag_at >= 0
    spans = np.empty((len(o), 4), dtype=np.int64)
    spans[:, 0] = np.where(tagged, tag_at + 1, o)  # tag body, or a dummy span
    spans[:, 1] = np.where(tagged, o - 4, o + 1)
    spans[:, 2], spans[:, 3] = o + 1, sstar
    xor = np.bitwise_xor.reduceat(buf, spans.ravel())
    given = hex_value(lane(tail, 3)) * 16 + hex_value(lane(tail, 4))
    ok = xor[2::4] == given
    tag_tail = u64[np.where(tagged, o - 4, o)]  # "*hh\\"
    tag_given = hex_value(lane(tag_tail, 1)) * 16 + hex_value(lane(tag_tail, 2))
    return ok & (~tagged | (xor[0::4] == tag_given))


def _sentence_fields(buf: np.ndarray, u64: np.ndarray, idx: np.ndarray, o: np.ndarray,
                     sstar: np.ndarray, tail: np.ndarray, tag_at: np.ndarray, ts: np.ndarray,
                     station: pl.Series, ok: np.ndarray) -> pl.DataFrame:  # fmt: skip
    """The sentence fields of the shape lines (see :func:`scan`), checksums checked.
    ``o`` is the offset of the ``!``, ``sstar`` of the sentence ``*``, ``tail`` the load at
    ``sstar - 2`` and ``tag_at`` the offset of the tag block (-1 without one)."""
    w0, w1 = u64[o], u64[o + 8]
    end, key = _seq_chan(buf, u64, o, w1)
    ok &= end >= 0
    ok &= _checksums_ok(buf, u64, o, sstar, tail, tag_at)
    payload_at = o + 12 + end
    head = ((w0 >> np.uint64(8)) & np.uint64((1 << 40) - 1)).astype(np.int64)
    frame = pl.DataFrame(
        {
            "idx": idx,
            "payload_at": payload_at,
            "plen": sstar - 2 - payload_at,
            "count": (lane(w0, 7) - 48).astype(np.int8),
            "num": (lane(w1, 1) - 48).astype(np.int8),
            "fill": (lane(tail, 1) - 48).astype(np.int8),
            "head": head,
            "key": key,
            "tagged": tag_at >= 0,
            "ts": ts,
        }
    ).with_columns(
        pl.when(pl.col("ts") >= 0).then(pl.col("ts")).cast(UTC_TS).alias("ts"),
        station,
    )
    return frame.with_columns(pl.Series("ok", ok))
