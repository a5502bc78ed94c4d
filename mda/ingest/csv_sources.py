"""NOAA MarineCadastre and Danish Maritime Authority daily CSV files.

Each row is one record (see ``mda.ingest._records``): a position and, when it carries any,
static vessel fields; a DMA row whose "Type of mobile" is "Base Station" or "AtoN" is a
fixed station's report instead (``Parsed.stations``: position, name, EPFD). A non-empty
value that does not parse as its type (number, time) rejects the row as ``bad_value``; a
row with too few or too many fields is ``malformed``; empty values are nulls; text is
stripped of surrounding whitespace. Naive times are UTC by both sources' definitions and
are made timezone-aware UTC here.

Not-available conventions: lat 91 / lon 181 (judged later as ``no_position``), SOG >= 102.3,
COG outside [0, 360), heading outside [0, 360) (511), navigational status 15 / "Unknown
value", ship type 0 / "Undefined", zero length, width, draught and IMO -> null.

How a file is read (a 10-million-row day is about 1 GB of text): in pieces of
``CHUNK_BYTES`` cut at line ends (:class:`mda.ingest._records.Chunked`), so memory holds one
piece's text and columns, not the file's. Each piece is first parsed by polars' typed CSV
reader (numbers parsed while reading, about twice as fast as text then cast). That reader
is strict, so any value it cannot take (a bad number, a field too many) makes it fail; a
piece is then read again as text (:func:`_text_frame`), which finds the exact rows and
judges them one by one. Both readings give the same records for the rows they both accept
(a test checks it on random rows). Raw lines are not kept: the quarantine reads back only
the rejected lines (:func:`raw_lines`), from the pieces that hold them.
"""

from __future__ import annotations

import collections
import functools
import itertools
import logging
import re
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO

import polars as pl

from mda import schema as s
from mda.errors import InputFormatError
from mda.ingest import _records as r
from mda.ingest.formats import (
    DMA_COLUMNS,
    DMA_EXTRA_COLUMNS,
    NOAA_COLUMNS,
    looks_compressed,
    open_binary,
    pieces,
    position,
)

log = logging.getLogger(__name__)

_BAD = "_bad"
_RAGGED = "_ragged"
_ODD = "_odd:"  # prefix of the columns holding unmapped DMA texts
_ST_KIND, _ST_EPFD = "_st:kind", "_st:epfd"  # DMA: station kind and EPFD code of a row

CHUNK_BYTES = 64 * 1024 * 1024
"""Bytes of CSV text parsed at a time (a piece ends at the next line end)."""

DMA_NAV_STATUS: dict[str, int] = {
    "under way using engine": 0,
    "at anchor": 1,
    "not under command": 2,
    "restricted maneuverability": 3,
    "restricted manoeuverability": 3,
    "restricted manoeuvrability": 3,
    "constrained by her draught": 4,
    "moored": 5,
    "aground": 6,
    "engaged in fishing": 7,
    "under way sailing": 8,
    "reserved for future amendment [hsc]": 9,
    "reserved for future amendment [wig]": 10,
    "power-driven vessel towing astern": 11,
    "power-driven vessel pushing ahead or towing alongside": 12,
    "reserved for future use": 13,
    "ais-sart": 14,
    "ais-sart is active": 14,
}
"""DMA navigational status text -> ITU-R M.1371 code ("Unknown value" -> null)."""

DMA_SHIP_TYPE: dict[str, int] = {
    "wig": 20, "fishing": 30, "towing": 31, "towing long/wide": 32, "dredging": 33,
    "diving": 34, "military": 35, "sailing": 36, "pleasure": 37, "hsc": 40, "pilot": 50,
    "sar": 51, "tug": 52, "port tender": 53, "anti-pollution": 54, "law enforcement": 55,
    "spare 1": 56, "spare 2": 57, "medical": 58, "not party to conflict": 59,
    "passenger": 60, "cargo": 70, "tanker": 80, "other": 90,
}  # fmt: skip
"""DMA ship type text -> representative ITU ship-and-cargo code (first code of the group;
"Undefined", "Reserved" -> null). The DMA text drops the cargo digit, so e.g. every
"Cargo" vessel becomes 70."""

NOAA_NUMERIC = ("MMSI", "LAT", "LON", "SOG", "COG", "Heading", "Status", "Length", "Width",
                "Draft", "VesselType")  # fmt: skip
DMA_NUMERIC = ("MMSI", "Latitude", "Longitude", "SOG", "COG", "Heading", "Width", "Length",
               "Draught")  # fmt: skip
_UNKNOWN_TEXT = ("unknown", "unknown value", "undefined", "reserved")
_UNKNOWN_RE = f"(?i)^(?:{'|'.join(_UNKNOWN_TEXT)})$"  # one of them in any case

DMA_STATION_KIND: dict[str, str] = {"base station": "base_station", "aton": "aton"}
"""DMA "Type of mobile" texts of fixed stations -> ``station_kind``: these rows go to the
``stations`` table (their other values are those of AIS types 4 and 21)."""
DMA_EPFD: dict[str, int] = {
    "gps": 1, "glonass": 2, "combined gps/glonass": 3, "loran-c": 4, "chayka": 5,
    "integrated navigation system": 6, "surveyed": 7, "galileo": 8, "internal": 15,
}  # fmt: skip
"""DMA "Type of position fixing device" text -> ITU-R M.1371 EPFD code ("Undefined" -> null)."""


def _text(col: str) -> pl.Expr:
    """Stripped text, empty -> null (columns are normalised once by :func:`_normalised`)."""
    return pl.col(col)


def _clean(col: str) -> pl.Expr:
    v = pl.col(col).str.strip_chars()
    return pl.when(v == "").then(pl.lit(None, pl.String)).otherwise(v).alias(col)


_NUM = "_num:"  # prefix of the Float64 value of a numeric column


def _number(col: str, typed: bool = False) -> tuple[pl.Expr, pl.Expr]:
    """(Float64 value, True where a non-empty value does not parse). ``typed``: the reader
    parsed the column already, so nothing is left that does not parse."""
    value = pl.col(f"{_NUM}{col}")
    return value, pl.lit(False) if typed else pl.col(col).is_not_null() & value.is_null()


def _normalised(df: pl.DataFrame, numeric: list[str]) -> pl.DataFrame:
    """Text columns stripped (empty -> null) and each numeric column's Float64 value in a
    ``_num:`` column, once: the expressions then reuse these columns."""
    df = df.with_columns(_clean(c) for c in df.columns)
    return df.with_columns(
        pl.col(c).cast(pl.Float64, strict=False).alias(f"{_NUM}{c}") for c in numeric
    )


_PRE = "_pre:"  # prefix of a column parsed once before the canonical expressions use it


def _parse_time(col: str, fmt: str) -> pl.Expr:
    """The naive time of ``col`` (null where it does not parse), for :func:`_time`."""
    naive = _text(col).str.to_datetime(fmt, time_unit="us", strict=False, cache=False)
    return naive.alias(f"{_PRE}{col}")


def _time(col: str) -> tuple[pl.Expr, pl.Expr]:
    """(UTC timestamp, True where a non-empty value does not parse). Naive = UTC."""
    naive = pl.col(f"{_PRE}{col}")
    return naive.dt.replace_time_zone("UTC"), _text(col).is_not_null() & naive.is_null()


def _in_range(v: pl.Expr, lo: float, hi: float) -> pl.Expr:
    """``v`` where lo <= v < hi, else null."""
    return pl.when((v >= lo) & (v < hi)).then(v).otherwise(None)


def _positive(v: pl.Expr) -> pl.Expr:
    return pl.when(v > 0).then(v).otherwise(None)


def _mapped(col: str, table: dict[str, int]) -> pl.Expr:
    """Lower-cased text mapped through ``table`` (unknown words -> null)."""
    return _text(col).str.to_lowercase().replace_strict(table, default=None, return_dtype=pl.Int64)


def _unmapped(col: str, table: dict[str, int]) -> pl.Expr:
    """Non-empty text that is neither in ``table`` nor a 'not available' word."""
    low = _text(col).str.to_lowercase()
    return low.is_not_null() & ~low.is_in(list(table)) & ~low.is_in(list(_UNKNOWN_TEXT))


def _parse_imo(col: str, prefix: str = "IMO") -> pl.Expr:
    """The IMO number of ``col`` (``prefix`` removed; null where it does not parse)."""
    return _text(col).str.strip_prefix(prefix).cast(pl.Int64, strict=False).alias(f"{_PRE}{col}")


def _imo(col: str) -> tuple[pl.Expr, pl.Expr]:
    """(IMO number > 0, True where a value is neither a number nor a 'not available' word)."""
    raw = _text(col)
    value = pl.col(f"{_PRE}{col}")
    na = raw.str.contains(_UNKNOWN_RE)  # (as lower-cased and looked up, 2.5x faster)
    return _positive(value), raw.is_not_null() & value.is_null() & ~na


def _ship_type(col: str, typed: bool = False) -> tuple[pl.Expr, pl.Expr]:
    """(Int16 ship type code, True where a non-empty value is not a number 0..32767).

    NOAA uses the ITU codes (0-99) and its own 1001-1025; zero or negative -> null."""
    value, bad = _number(col, typed)
    fits = value.is_finite() & (value <= 32767)
    code = pl.when(fits & (value > 0)).then(value).cast(pl.Int16, strict=False)
    return code, bad | (value.is_not_null() & ~fits)


def _navigation(sog: pl.Expr, cog: pl.Expr, heading: pl.Expr) -> list[pl.Expr]:
    return [
        _in_range(sog, 0.0, 102.25).alias(s.SOG_KN),
        _in_range(cog, 0.0, 360.0).alias(s.COG_DEG),
        _in_range(heading, 0.0, 360.0).alias(s.HEADING_DEG),
    ]


def _noaa_exprs(typed: bool = False) -> list[pl.Expr]:
    """Canonical columns and the ``_bad`` flag for a NOAA MarineCadastre row."""
    num = {c: _number(c, typed) for c in NOAA_NUMERIC if c != "VesselType"}
    ship_type, ship_type_bad = _ship_type("VesselType", typed)
    ts, ts_bad = _time("BaseDateTime")
    imo, imo_bad = _imo("IMO")
    status = num["Status"][0]
    cls = _text("TransceiverClass")
    return [
        num["MMSI"][0].cast(pl.Int64, strict=False).alias(s.MMSI),
        ts.alias(s.TS),
        num["LAT"][0].alias(s.LAT),
        num["LON"][0].alias(s.LON),
        *_navigation(num["SOG"][0], num["COG"][0], num["Heading"][0]),
        pl.when(status.is_between(0, 14)).then(status).otherwise(None).alias(s.NAV_STATUS),
        imo.alias(s.IMO),
        _text("CallSign").alias(s.CALL_SIGN),
        _text("VesselName").alias(s.VESSEL_NAME),
        ship_type.alias(s.SHIP_TYPE),
        _positive(num["Length"][0]).alias(s.LENGTH_M),
        _positive(num["Width"][0]).alias(s.WIDTH_M),
        _positive(num["Draft"][0]).alias(s.DRAUGHT_M),
        pl.when((cls == "A") | (cls == "a")).then(pl.lit("A"))  # (faster than is_in)
        .when((cls == "B") | (cls == "b")).then(pl.lit("B"))
        .otherwise(pl.lit(None, pl.String)).alias(s.AIS_CLASS),
        pl.any_horizontal([b for _, b in num.values()] + [ts_bad, imo_bad, ship_type_bad])
        .alias(_BAD),
    ]  # fmt: skip


def _dma_exprs(columns: list[str], typed: bool = False) -> list[pl.Expr]:
    """Canonical columns and the ``_bad`` flag for a DMA row."""
    names = [*DMA_NUMERIC, *[c for c in DMA_EXTRA_COLUMNS if c in columns]]
    num = {c: _number(c, typed) for c in names}
    ts, ts_bad = _time("# Timestamp")
    imo, imo_bad = _imo("IMO")
    length, width = num["Length"][0], num["Width"][0]
    if "A" in num:  # 26-column files: dimensions to bow/stern/port/starboard
        length = length.fill_null(num["A"][0] + num["B"][0])
        width = width.fill_null(num["C"][0] + num["D"][0])
    mobile = _text("Type of mobile").str.to_lowercase()
    return [
        num["MMSI"][0].cast(pl.Int64, strict=False).alias(s.MMSI),
        ts.alias(s.TS),
        num["Latitude"][0].alias(s.LAT),
        num["Longitude"][0].alias(s.LON),
        *_navigation(num["SOG"][0], num["COG"][0], num["Heading"][0]),
        _mapped("Navigational status", DMA_NAV_STATUS).alias(s.NAV_STATUS),
        imo.alias(s.IMO),
        _text("Callsign").alias(s.CALL_SIGN),
        _text("Name").alias(s.VESSEL_NAME),
        _mapped("Ship type", DMA_SHIP_TYPE).alias(s.SHIP_TYPE),
        _positive(length).alias(s.LENGTH_M),
        _positive(width).alias(s.WIDTH_M),
        _positive(num["Draught"][0]).alias(s.DRAUGHT_M),
        _text("Destination").alias(s.DESTINATION),
        pl.when(mobile == "class a").then(pl.lit("A"))
        .when(mobile == "class b").then(pl.lit("B"))
        .otherwise(pl.lit(None, pl.String)).alias(s.AIS_CLASS),
        pl.any_horizontal([b for _, b in num.values()] + [ts_bad, imo_bad]).alias(_BAD),
        _odd("Navigational status", DMA_NAV_STATUS),
        _odd("Ship type", DMA_SHIP_TYPE),
        mobile.replace_strict(DMA_STATION_KIND, default=None, return_dtype=pl.String)
        .alias(_ST_KIND),
        # stripped here: the column is not among the free texts the typed reading strips
        pl.col("Type of position fixing device").str.strip_chars().str.to_lowercase()
        .replace_strict(DMA_EPFD, default=None, return_dtype=pl.Int8).alias(_ST_EPFD),
    ]  # fmt: skip


def _normalise_header(columns: list[str]) -> list[str]:
    """Strip spaces/BOM; DMA's first column is "# Timestamp" (some exports drop the "# ")."""
    cols = [c.strip().lstrip("\ufeff") for c in columns]
    return ["# Timestamp" if c.lstrip("# ") == "Timestamp" else c for c in cols]


def _odd(col: str, table: dict[str, int]) -> pl.Expr:
    """The text of ``col`` where it is neither mapped nor a 'not available' word, else null."""
    return pl.when(_unmapped(col, table)).then(_text(col)).alias(f"{_ODD}{col}")


@dataclass(frozen=True)
class _Format:
    """What differs between NOAA and DMA files."""

    source: str
    required: tuple[str, ...]
    numeric: Callable[[list[str]], list[str]]  # the numeric columns among the header's
    exprs: Callable[[list[str], bool], list[pl.Expr]]
    """Canonical columns and ``_bad`` from the header's columns (typed reading or not)."""
    free_text: tuple[str, ...]
    """Text columns used as written or through a table (not through a parser that would
    flag a padded value as bad): a piece where one has surrounding whitespace is read as
    text, which strips it."""
    static: tuple[str, ...]
    """The columns the static report of a row is derived from (hashed per row)."""
    pre: tuple[pl.Expr, ...]
    """Columns parsed once before the canonical expressions (``_pre:`` names)."""


NOAA = _Format(
    source="noaa_csv",
    required=NOAA_COLUMNS,
    numeric=lambda cols: list(NOAA_NUMERIC),
    exprs=lambda cols, typed: _noaa_exprs(typed),
    free_text=("VesselName", "CallSign", "TransceiverClass"),
    static=("MMSI", "VesselName", "IMO", "CallSign", "VesselType", "Length", "Width", "Draft",
            "TransceiverClass"),
    pre=(_parse_time("BaseDateTime", "%Y-%m-%dT%H:%M:%S"), _parse_imo("IMO")),
)  # fmt: skip
DMA = _Format(
    source="dma_csv",
    required=DMA_COLUMNS,
    numeric=lambda cols: [*DMA_NUMERIC, *[c for c in DMA_EXTRA_COLUMNS if c in cols]],
    exprs=_dma_exprs,
    free_text=("Type of mobile", "Navigational status", "Callsign", "Name", "Ship type",
               "Destination"),
    static=("MMSI", "Type of mobile", "IMO", "Callsign", "Name", "Ship type", "Width",
            "Length", "Draught", "Destination", *DMA_EXTRA_COLUMNS),
    pre=(_parse_time("# Timestamp", "%d/%m/%Y %H:%M:%S"), _parse_imo("IMO", prefix="")),
)  # fmt: skip


@dataclass
class _File:
    """One CSV file being read: its header and where each piece starts."""

    path: Path
    fmt: _Format
    names: list[str]
    numeric: list[str]
    exprs: list[pl.Expr]  # for the text reading
    typed_exprs: list[pl.Expr]  # for the typed reading
    unparsed: list[str]  # text columns not parsed into a value (their text is used, or not)
    pieces: list[tuple[int, int, int]] = field(default_factory=list)
    """(first line number, byte offset, byte length) of each piece read so far."""
    next_line: int = 2  # line number of the next piece's first line (the header is line 1)
    warned: set[str] = field(default_factory=set)


_QUOTED = re.compile(rb'"[^"]*"')


def _fields_ok(data: bytes, n_lines: int, n_columns: int) -> bool:
    """True when every line of ``data`` has ``n_columns`` fields, given that none has more
    (the typed reader fails on those): commas outside quotes, counted once for the piece."""
    commas = data.count(b",")
    if b'"' in data:
        commas -= sum(q.count(b",") for q in _QUOTED.findall(data))
    return commas == n_lines * (n_columns - 1)


def _records(df: pl.DataFrame, f: _File, typed: bool) -> pl.DataFrame:
    """Records (``RECORDS_SCHEMA`` with ``STATIC_HASH``, plus ``line_no``, ``_bad`` and the
    ``_odd:`` texts) of a normalised piece, numbered as if its first row were line 2 (the
    first after the header; :func:`_numbered` moves them to their place). One lazy query:
    shared sub-expressions (a parsed time) are computed once and the columns in parallel.
    ``typed``: the numbers were parsed by the reader."""
    line_no = pl.int_range(pl.len(), dtype=pl.Int64) + 2
    static = pl.col(r.STATIC_HASH) if r.STATIC_HASH in df.columns else _row_hash(df, f)
    reason = (
        pl.when(pl.col(_RAGGED))
        .then(pl.lit("malformed"))
        .when(pl.col(_BAD))
        .then(pl.lit("bad_value"))
        .otherwise(pl.lit(None, pl.String))
    )
    extra: list[pl.Expr] = [line_no.alias(s.LINE_NO), pl.col(_RAGGED), static.alias(r.STATIC_HASH)]
    q = (
        df.lazy()
        .with_columns(f.fmt.pre)
        .select(*extra, *(f.typed_exprs if typed else f.exprs))
        .with_columns(
            (pl.col(s.LINE_NO) - 2).alias(r.REC_ID),
            reason.alias(s.REASON),
            pl.lit(True).alias(r.IS_POSITION_REPORT),
            pl.lit(f.fmt.source).alias(s.SOURCE),
        )
    )
    names = q.collect_schema().names()
    canonical = [
        pl.col(k).cast(v) if k in names else pl.lit(None, v).alias(k)
        for k, v in r.RECORDS_SCHEMA.items()
    ]
    kept = [c for c in names if c not in r.RECORDS_SCHEMA]
    return q.select(*canonical, *kept).collect()


def _row_hash(df: pl.DataFrame, f: _File) -> pl.Expr:
    """A 64-bit hash of a row's static and text fields (xor of per-column hashes, seeded
    by position: cheaper than hashing a struct). Rows with equal fields hash equal, so the
    first row of each hash is the first of each static report (``STATIC_HASH``)."""
    cols = dict.fromkeys([*f.fmt.static, *f.fmt.free_text])
    hashes = [pl.col(c).hash(i) for i, c in enumerate(cols) if c in df.columns]
    return functools.reduce(lambda a, b: a.xor(b), hashes)


def _typed_frame(data: bytes, f: _File) -> tuple[pl.DataFrame, int] | None:
    """The records of a clean piece read by polars' typed reader, and its number of lines;
    None when the piece is not clean: the reader refuses it, or a line has too few fields,
    a quoted line break or a value that does not parse (the text reading then judges it row
    by row). Free texts with surrounding whitespace are stripped, as the text reading does."""
    schema = {c: pl.Float64() if c in f.numeric else pl.String() for c in f.names}
    buf, skip = _for_polars(data, f)
    try:
        df = pl.read_csv(buf, has_header=False, schema=schema).slice(skip)
    except pl.exceptions.PolarsError:
        return None
    df = df.with_columns(_row_hash(df, f).alias(r.STATIC_HASH))
    padded, line_break = _text_checks(df, f, quoted=b'"' in data)
    if line_break:  # rows and lines differ: the text reading reports it
        return None
    if df[f.names[-1]].null_count() and not _fields_ok(data, df.height, len(f.names)):
        return None
    if padded:
        df = df.with_columns(_clean(c) for c in f.fmt.free_text if c in df.columns)
    df = df.with_columns(pl.col(c).alias(f"{_NUM}{c}") for c in f.numeric)
    out = _records(df.with_columns(pl.lit(False).alias(_RAGGED)), f, typed=True)
    return None if out[_BAD].any() else (out, df.height)


def _for_polars(data: bytes, f: _File) -> tuple[bytes, int]:
    """``data`` as polars' readers may be given it, and the rows to drop from what they
    read: a piece that starts as polars takes a compressed buffer to start (a garbage line
    ``x^...``: :func:`mda.ingest.formats.looks_compressed`) gets a line of empty fields
    before it."""
    if not looks_compressed(data):
        return data, 0
    return b"," * (len(f.names) - 1) + b"\n" + data, 1


def _text_checks(df: pl.DataFrame, f: _File, quoted: bool) -> tuple[bool, bool]:
    """(a free-text value starts or ends with whitespace, a text value holds a line break:
    only possible in quotes, so looked for only when ``quoted``). The hashed columns are
    looked at in the first row of each ``STATIC_HASH`` only (which holds each of their
    distinct values; a name repeats on every row of its vessel), the others in every row.
    Texts that are parsed (a time, an IMO number) need no look: a break or padding makes
    them fail to parse."""
    hashed = {*f.fmt.static, *f.fmt.free_text}
    firsts = df.filter(pl.col(r.STATIC_HASH).is_first_distinct())
    padded = _any(firsts, [c for c in f.fmt.free_text if c in df.columns], r"^\s|\s$")
    if not quoted:
        return padded, False
    broken = _any(firsts, [c for c in f.unparsed if c in hashed], "\n") or _any(
        df, [c for c in f.unparsed if c not in hashed], "\n"
    )
    return padded, broken


def _any(df: pl.DataFrame, columns: list[str], pattern: str) -> bool:
    """True when a value of one of ``columns`` matches the regular expression ``pattern``."""
    if not columns:
        return False
    return bool(
        df.select(pl.any_horizontal(pl.col(c).str.contains(pattern).any() for c in columns)).item()
    )


def _text_frame(data: bytes, f: _File) -> tuple[pl.DataFrame, int]:
    """The records of a piece read as text (stripped), with ``_ragged`` on lines whose field
    count is wrong (commas counted literally, after removing quoted text on lines with a
    quote), and its number of lines."""
    schema = {c: pl.String() for c in f.names}
    buf, skip = _for_polars(data, f)
    try:
        df = pl.read_csv(
            buf,
            has_header=False,
            schema=schema,
            truncate_ragged_lines=True,  # such lines are found below and quarantined
            missing_columns="insert",
            extra_columns="ignore",
        ).slice(skip)
        lines = pl.scan_lines(buf, name=s.RAW).collect().slice(skip)
    except pl.exceptions.PolarsError as e:
        raise _read_error(f.path, e) from e
    if lines.height != df.height:  # quoted line breaks: rows and lines differ
        raise _LineBreaks(df.height, lines.height)
    line = pl.col(s.RAW)
    unquoted = (
        pl.when(line.str.contains('"', literal=True))
        .then(line.str.replace_all(r'"[^"]*"', ""))
        .otherwise(line)
    )
    ragged = lines.select(unquoted.str.count_matches(",", literal=True) + 1 != len(f.names))
    df = _normalised(df, f.numeric).with_columns(ragged.to_series().alias(_RAGGED))
    return _records(df, f, typed=False), lines.height


def _warn_unmapped(df: pl.DataFrame, f: _File) -> None:
    """Log the distinct unmapped texts collected by :func:`_odd` (once per value and file)."""
    for c in [c for c in df.columns if c.startswith(_ODD)]:
        values = df.get_column(c).drop_nulls().unique(maintain_order=True).head(10).to_list()
        new = [v for v in values if f"{c}={v}" not in f.warned]
        if new:
            f.warned.update(f"{c}={v}" for v in new)
            log.warning("%s: %s values %s mapped to null", f.path, c[len(_ODD) :], new)


class _LineBreaks(Exception):
    """A piece read as text has fewer CSV rows than lines (quoted line breaks)."""

    def __init__(self, rows: int, lines: int, lines_before: int = 0) -> None:
        super().__init__(rows, lines)
        self.rows, self.lines, self.lines_before = rows, lines, lines_before


_Part = tuple[pl.DataFrame, int, int, int]
"""Records of a part of a piece (numbered from line 2), its lines, byte offset and length."""


def _parse(data: bytes, offset: int, f: _File, lines_before: int = 0) -> list[_Part]:
    """Records of the piece ``data`` (at byte ``offset``), in parts, each typed when it is
    clean. A piece that is not clean is split in ``_SPLIT`` parts and each tried again, so
    that one bad line sends only a small part (at most ``_MIN_TYPED`` bytes) to the text
    reading. Depends on no other piece: pieces are parsed two at a time."""
    got = _typed_frame(data, f)
    parts = _split(data, offset, _SPLIT) if got is None and len(data) > _MIN_TYPED else []
    if len(parts) > 1:
        out: list[_Part] = []
        for part_offset, part in parts:
            out += _parse(part, part_offset, f, lines_before + sum(p[1] for p in out))
        return out
    try:
        frame, n_lines = got or _text_frame(data, f)
    except _LineBreaks as e:
        raise _LineBreaks(e.rows, e.lines, lines_before) from None
    return [(frame, n_lines, offset, len(data))]


def _numbered(parts: list[_Part], f: _File) -> pl.DataFrame:
    """The records of a piece's parts at their line numbers: pieces must be handed in file
    order (``f`` keeps where the next one starts and where each was read)."""
    frames = []
    for frame, n_lines, offset, length in parts:
        shift = f.next_line - 2
        frames.append(frame.with_columns(pl.col(s.LINE_NO) + shift, pl.col(r.REC_ID) + shift))
        f.pieces.append((f.next_line, offset, length))
        f.next_line += n_lines
        _warn_unmapped(frames[-1], f)
    return frames[0] if len(frames) == 1 else pl.concat(frames, how="diagonal_relaxed")


_SPLIT = 8
_MIN_TYPED = 1 << 20


def _split(data: bytes, offset: int, n: int) -> list[tuple[int, bytes]]:
    """``data`` cut in about ``n`` parts at line ends: (byte offset, part)."""
    cuts = [0]
    for i in range(1, n):
        end = data.find(b"\n", max(cuts[-1], len(data) * i // n))
        if end < 0:
            break
        if end + 1 > cuts[-1]:
            cuts.append(end + 1)
    cuts.append(len(data))
    return [(offset + a, data[a:b]) for a, b in itertools.pairwise(cuts) if b > a]


def _piece(f: _File, parsed: Future[list[_Part]], read: tuple[int, int]) -> r.Parsed:
    """Records of a piece, numbered (:func:`_numbered`); each is one line
    (``Parsed.one_line``: line number = rec_id + 2, raw text read back when rejected).
    ``read``: how far the file had been read with this piece."""
    out = _numbered(_result(parsed, f), f)
    return r.Parsed(
        records=out.select(*r.RECORDS_SCHEMA, r.STATIC_HASH),
        lines=r.empty_lines(),
        raw_of=partial(raw_lines, f.path, pieces=f.pieces),
        one_line=(str(f.path), 2),
        stations=_stations(out),
        progress=(str(f.path), *read),
    )


def _stations(out: pl.DataFrame) -> pl.DataFrame | None:
    """Station fields (``STATION_FIELDS_SCHEMA``) of the DMA rows of base stations and AtoN:
    position (null when not available or out of range), name and EPFD."""
    if _ST_KIND not in out.columns or out[_ST_KIND].null_count() == out.height:
        return None
    located = r.has_position()
    rows = out.filter(pl.col(_ST_KIND).is_not_null()).select(
        r.REC_ID,
        pl.col(_ST_KIND).alias(s.STATION_KIND),
        pl.when(located).then(pl.col(s.LAT)).alias(s.LAT),
        pl.when(located).then(pl.col(s.LON)).alias(s.LON),
        pl.col(s.VESSEL_NAME).alias(s.STATION_NAME),
        pl.col(_ST_EPFD).alias(s.EPFD),
    )
    return s.conform(rows, r.STATION_FIELDS_SCHEMA)


def _header(line: bytes, path: Path, fmt: _Format) -> list[str]:
    """Column names from the header line; InputFormatError when required ones are missing."""
    try:
        readable = line.strip() and not looks_compressed(line)  # (else: no required column)
        raw = pl.read_csv(line, n_rows=0, infer_schema=False).columns if readable else []
    except pl.exceptions.PolarsError as e:
        raise _read_error(path, e) from e
    names = _normalise_header(raw)
    missing = [c for c in fmt.required if c not in names]
    if missing:
        raise InputFormatError(f"{path}: CSV lacks required column(s) {', '.join(missing)}")
    if len(set(names)) != len(names):
        raise InputFormatError(f"{path}: CSV header repeats a column name: {','.join(names)}")
    return names


def _read(path: Path, fmt: _Format, chunk_bytes: int) -> Iterator[r.Parsed]:
    """The pieces of one CSV file, in order (see the module docstring). The next two pieces
    are parsed in worker threads while the caller handles the current one (polars releases
    the GIL, so they overlap on two cores); each piece is numbered when its turn comes."""
    with open_binary(path) as fh, ThreadPoolExecutor(max_workers=_WORKERS) as pool:
        header = fh.readline()
        names = _header(header, path, fmt)
        numeric = fmt.numeric(names)
        parsed = {e.meta.output_name().removeprefix(_PRE) for e in fmt.pre}
        unparsed = [c for c in names if c not in numeric and c not in parsed]
        exprs = fmt.exprs(names, False), fmt.exprs(names, True)
        f = _File(path, fmt, names, numeric, *exprs, unparsed)
        offset = len(header)
        read = position(fh, path)
        pending: collections.deque[tuple[Future[list[_Part]], tuple[int, int]]]
        pending = collections.deque()
        for data in pieces(fh, chunk_bytes):
            pending.append((pool.submit(_parse, data, offset, f), read()))
            offset += len(data)
            if len(pending) > _WORKERS:
                yield _piece(f, *pending.popleft())
        while pending:
            yield _piece(f, *pending.popleft())


_WORKERS = 2
"""Pieces parsed at once (with the one the caller handles: three in memory)."""


def _result(job: Future[list[_Part]], f: _File) -> list[_Part]:
    """The parts of a parsed piece; quoted line breaks as the user's error, with the line."""
    try:
        return job.result()
    except _LineBreaks as e:
        raise InputFormatError(
            f"{f.path}: {e.rows} CSV rows but {e.lines} lines from line "
            f"{f.next_line + e.lines_before}; quoted line breaks are not supported"
        ) from None


def raw_lines(
    path: Path, line_nos: pl.Series, pieces: list[tuple[int, int, int]] | None = None
) -> pl.DataFrame:
    """(line_no, raw) of the given 1-based line numbers of a CSV file (plain, gzip or zip),
    for the quarantine of rejected rows only. With ``pieces`` (as recorded while reading),
    only the pieces holding those lines are read again."""
    wanted = sorted(set(line_nos.cast(pl.Int64).to_list()))
    if not pieces:
        pieces = [(1, 0, -1)]
    out_no: list[int] = []
    out_raw: list[str] = []
    with open_binary(Path(path)) as fh:
        pos = 0
        for i, (first, offset, length) in enumerate(pieces):
            last = pieces[i + 1][0] if i + 1 < len(pieces) else None
            take = [n for n in wanted if n >= first and (last is None or n < last)]
            if not take:
                continue
            _skip(fh, offset - pos)
            data = fh.read(length) if length >= 0 else fh.read()
            pos = offset + len(data)
            lines = data.split(b"\n")
            for n in take:
                if n - first < len(lines):
                    out_no.append(n)
                    out_raw.append(lines[n - first].removesuffix(b"\r").decode("utf-8", "replace"))
    return pl.DataFrame(
        {s.LINE_NO: out_no, s.RAW: out_raw}, schema={s.LINE_NO: pl.Int64(), s.RAW: pl.String()}
    )


def _skip(fh: IO[bytes], n: int) -> None:
    """Move ``n`` bytes forward in ``fh`` (seek when it can, else read and drop)."""
    if n > 0 and fh.seekable():
        fh.seek(n, 1)
        return
    while n > 0 and (got := fh.read(min(n, 1 << 24))):
        n -= len(got)


def _read_error(path: Path, e: Exception) -> InputFormatError:
    first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return InputFormatError(f"{path}: CSV cannot be parsed ({first}); check the file is complete")


def parse_noaa(path: Path, chunk_bytes: int | None = None) -> r.Chunked:
    """Records and lines of a NOAA MarineCadastre daily CSV (``.csv``, ``.zip``, ``.gz``),
    read piece by piece (``chunk_bytes``, default ``CHUNK_BYTES``) as the result is used."""
    return r.Chunked(_read(Path(path), NOAA, chunk_bytes or CHUNK_BYTES))


def parse_dma(path: Path, chunk_bytes: int | None = None) -> r.Chunked:
    """Records and lines of a Danish Maritime Authority daily CSV (22 or 26 columns)."""
    return r.Chunked(_read(Path(path), DMA, chunk_bytes or CHUNK_BYTES))
