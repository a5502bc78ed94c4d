"""NOAA MarineCadastre and Danish Maritime Authority daily CSV files.

Both are read as strings (nothing inferred) and parsed with polars expressions. Each row is
one record (see ``mda.ingest._records``): a position and, when it carries any, static
vessel fields. A non-empty value that does not parse as its type (number, time) rejects
the row as ``bad_value``; empty values are nulls. Naive times are UTC by both sources'
definitions and are made timezone-aware UTC here.

Not-available conventions: lat 91 / lon 181 (judged later as ``no_position``), SOG >= 102.3,
COG outside [0, 360), heading outside [0, 360) (511), navigational status 15 / "Unknown
value", ship type 0 / "Undefined", zero length, width, draught and IMO -> null.
"""

from __future__ import annotations

import logging
from functools import partial
from pathlib import Path

import polars as pl

from mda import schema as s
from mda.errors import InputFormatError
from mda.ingest import _records as r
from mda.ingest.formats import DMA_COLUMNS, DMA_EXTRA_COLUMNS, NOAA_COLUMNS, plain_csv_path

log = logging.getLogger(__name__)

_ROW = "_row"
_BAD = "_bad"
_ODD = "_odd:"  # prefix of the columns holding unmapped DMA texts

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


def _text(col: str) -> pl.Expr:
    """Stripped text, empty -> null (columns are normalised once by :func:`_normalised`)."""
    return pl.col(col)


def _clean(col: str) -> pl.Expr:
    v = pl.col(col).str.strip_chars()
    return pl.when(v == "").then(pl.lit(None, pl.String)).otherwise(v).alias(col)


_NUM = "_num:"  # prefix of the Float64 value of a numeric column


def _number(col: str) -> tuple[pl.Expr, pl.Expr]:
    """(Float64 value, True where a non-empty value does not parse)."""
    value = pl.col(f"{_NUM}{col}")
    return value, pl.col(col).is_not_null() & value.is_null()


def _normalised(lf: pl.LazyFrame, numeric: list[str]) -> pl.LazyFrame:
    """Every text column stripped (empty -> null) and each numeric column parsed, once:
    the expressions then reuse these columns instead of re-deriving them."""
    names = [c for c in lf.collect_schema().names() if c != _ROW]
    lf = lf.with_columns(_clean(c) for c in names)
    return lf.with_columns(
        pl.col(c).cast(pl.Float64, strict=False).alias(f"{_NUM}{c}") for c in numeric
    )


def _time(col: str, fmt: str) -> tuple[pl.Expr, pl.Expr]:
    """(UTC timestamp, True where a non-empty value does not parse). Naive = UTC."""
    raw = _text(col)
    naive = raw.str.strptime(pl.Datetime("us"), fmt, strict=False)
    return naive.dt.replace_time_zone("UTC"), raw.is_not_null() & naive.is_null()


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


def _imo(col: str, prefix: str = "IMO") -> tuple[pl.Expr, pl.Expr]:
    raw = _text(col)
    digits = raw.str.strip_prefix(prefix)
    na = raw.str.to_lowercase().is_in(list(_UNKNOWN_TEXT))
    value = digits.cast(pl.Int64, strict=False)
    bad = raw.is_not_null() & ~na & value.is_null()
    return _positive(value), bad


def _ship_type(col: str) -> tuple[pl.Expr, pl.Expr]:
    """(Int16 ship type code, True where a non-empty value is not a number 0..32767).

    NOAA uses the ITU codes (0-99) and its own 1001-1025; zero or negative -> null."""
    value, bad = _number(col)
    fits = value.is_finite() & (value <= 32767)
    code = pl.when(fits & (value > 0)).then(value).cast(pl.Int16, strict=False)
    return code, bad | (value.is_not_null() & ~fits)


def _navigation(sog: pl.Expr, cog: pl.Expr, heading: pl.Expr) -> list[pl.Expr]:
    return [
        _in_range(sog, 0.0, 102.25).alias(s.SOG_KN),
        _in_range(cog, 0.0, 360.0).alias(s.COG_DEG),
        _in_range(heading, 0.0, 360.0).alias(s.HEADING_DEG),
    ]


def _noaa_exprs() -> list[pl.Expr]:
    """Canonical columns and the ``_bad`` flag for a NOAA MarineCadastre row."""
    num = {c: _number(c) for c in NOAA_NUMERIC if c != "VesselType"}
    ship_type, ship_type_bad = _ship_type("VesselType")
    ts, ts_bad = _time("BaseDateTime", "%Y-%m-%dT%H:%M:%S")
    imo, imo_bad = _imo("IMO")
    status = num["Status"][0]
    cls = _text("TransceiverClass").str.to_uppercase()
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
        pl.when(cls.is_in(["A", "B"])).then(cls).otherwise(None).alias(s.AIS_CLASS),
        pl.any_horizontal([b for _, b in num.values()] + [ts_bad, imo_bad, ship_type_bad])
        .alias(_BAD),
    ]  # fmt: skip


def _dma_exprs(columns: list[str]) -> list[pl.Expr]:
    """Canonical columns and the ``_bad`` flag for a DMA row."""
    names = [*DMA_NUMERIC, *[c for c in DMA_EXTRA_COLUMNS if c in columns]]
    num = {c: _number(c) for c in names}
    ts, ts_bad = _time("# Timestamp", "%d/%m/%Y %H:%M:%S")
    imo, imo_bad = _imo("IMO", prefix="")
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
    ]  # fmt: skip


def _normalise_header(columns: list[str]) -> list[str]:
    """Strip spaces/BOM; DMA's first column is "# Timestamp" (some exports drop the "# ")."""
    cols = [c.strip().lstrip("\ufeff") for c in columns]
    return ["# Timestamp" if c.lstrip("# ") == "Timestamp" else c for c in cols]


def _scan(path: Path, required: tuple[str, ...]) -> pl.LazyFrame:
    """All columns as strings, with the 1-based line number (header = line 1)."""
    lf = pl.scan_csv(
        path,
        infer_schema=False,
        row_index_name=_ROW,
        row_index_offset=2,
        with_column_names=_normalise_header,
        truncate_ragged_lines=True,  # such lines are found by _ragged() and quarantined
    )
    missing = [c for c in required if c not in lf.collect_schema().names()]
    if missing:
        raise InputFormatError(f"{path}: CSV lacks required column(s) {', '.join(missing)}")
    return lf


def _odd(col: str, table: dict[str, int]) -> pl.Expr:
    """The text of ``col`` where it is neither mapped nor a 'not available' word, else null."""
    return pl.when(_unmapped(col, table)).then(_text(col)).alias(f"{_ODD}{col}")


def _warn_unmapped(df: pl.DataFrame, path: Path) -> pl.DataFrame:
    """Log the distinct unmapped texts collected by :func:`_odd`; drop those columns."""
    odd = [c for c in df.columns if c.startswith(_ODD)]
    for c in odd:
        values = df.get_column(c).drop_nulls().unique(maintain_order=True).head(10).to_list()
        if values:
            log.warning("%s: %s values %s mapped to null", path, c[len(_ODD) :], values)
    return df.drop(odd)


def _ragged_lines(csv: Path, n_columns: int) -> tuple[int, pl.Series]:
    """(number of data lines, line numbers of the lines whose field count is not
    ``n_columns``), from one streaming pass over the raw lines (header = line 1).

    Commas are counted literally; only lines holding a quote are re-counted with quoted
    text removed (rare, so the regular expression runs on few lines).
    """
    line = pl.col(s.RAW)
    lf = pl.scan_lines(csv, name=s.RAW, row_index_name=s.LINE_NO, row_index_offset=1)
    lf = lf.filter(pl.col(s.LINE_NO) > 1)
    quoted = line.str.contains('"', literal=True)
    plain_bad = ~quoted & (line.str.count_matches(",", literal=True) + 1 != n_columns)
    got = lf.select(
        pl.len().alias("n"),
        pl.col(s.LINE_NO).filter(plain_bad).implode().alias("bad"),
        pl.col(s.LINE_NO).filter(quoted).implode().alias("q_no"),
        line.filter(quoted).implode().alias("q_raw"),
    ).collect(engine="streaming")
    q = pl.DataFrame({"no": got["q_no"][0], "raw": got["q_raw"][0]})
    unquoted = pl.col("raw").str.replace_all(r'"[^"]*"', "")
    q_bad = q.filter(unquoted.str.count_matches(",", literal=True) + 1 != n_columns)["no"]
    bad = pl.concat([got["bad"][0], q_bad]).cast(pl.Int64).sort()
    return int(got["n"][0]), bad


def raw_lines(path: Path, line_nos: pl.Series) -> pl.DataFrame:
    """(line_no, raw) of the given 1-based line numbers of a CSV file (``.csv``/``.zip``),
    read in one streaming pass; used for the quarantine of rejected rows only."""
    wanted = line_nos.cast(pl.Int64).unique()
    with plain_csv_path(Path(path)) as csv:
        lf = pl.scan_lines(csv, name=s.RAW, row_index_name=s.LINE_NO, row_index_offset=1)
        lf = lf.with_columns(pl.col(s.LINE_NO).cast(pl.Int64))
        return lf.filter(pl.col(s.LINE_NO).is_in(wanted.implode())).collect(engine="streaming")


def _parsed(lf: pl.LazyFrame, csv: Path, exprs: list[pl.Expr], numeric: list[str],
            source: str, source_file: str) -> r.Parsed:  # fmt: skip
    """Parse every row in one streaming pass; a line with too few or too many fields is
    "malformed". Raw text is not kept: the quarantine fetches it for rejected rows only
    (:func:`raw_lines`)."""
    n_columns = len(lf.collect_schema()) - 1  # without the row index
    stream = _normalised(lf, numeric).select(
        (pl.col(_ROW) - 2).cast(pl.Int64).alias(r.REC_ID),
        pl.col(_ROW).cast(pl.Int64).alias(s.LINE_NO),
        *exprs,
    )
    names = stream.collect_schema().names()
    df = stream.with_columns(  # final types inside the stream: less memory
        pl.col(k).cast(v, strict=False) for k, v in r.RECORDS_SCHEMA.items() if k in names
    ).collect(engine="streaming")
    df = _warn_unmapped(df, Path(source_file))
    n_lines, ragged = _ragged_lines(csv, n_columns)
    if n_lines != df.height:  # quoted line breaks: rows and lines differ
        raise InputFormatError(
            f"{source_file}: {df.height} CSV rows but {n_lines} lines; "
            "quoted line breaks are not supported"
        )
    reason = (
        pl.when(pl.col(s.LINE_NO).is_in(ragged.implode()))
        .then(pl.lit("malformed"))
        .when(pl.col(_BAD))
        .then(pl.lit("bad_value"))
        .otherwise(pl.lit(None, pl.String))
    )
    records = df.with_columns(
        reason.alias(s.REASON),
        pl.lit(False).alias(r.HEARD_TWICE),
        pl.lit(True).alias(r.IS_POSITION_REPORT),
        pl.lit(source).alias(s.SOURCE),
    )
    lines = df.select(
        pl.lit(source_file).alias(s.SOURCE_FILE),
        s.LINE_NO,
        pl.lit(None, pl.String).alias(s.RAW),
        r.REC_ID,
    )
    return r.Parsed(
        records=s.conform(records, r.RECORDS_SCHEMA),
        lines=lines,
        raw_of=partial(raw_lines, Path(source_file)),
    )


def _read_error(path: Path, e: Exception) -> InputFormatError:
    first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return InputFormatError(f"{path}: CSV cannot be parsed ({first}); check the file is complete")


def parse_noaa(path: Path) -> r.Parsed:
    """Records and lines of a NOAA MarineCadastre daily CSV (``.csv`` or ``.zip``)."""
    with plain_csv_path(Path(path)) as csv:
        try:
            lf = _scan(csv, NOAA_COLUMNS)
            return _parsed(lf, csv, _noaa_exprs(), list(NOAA_NUMERIC), "noaa_csv", str(path))
        except pl.exceptions.PolarsError as e:
            raise _read_error(Path(path), e) from e


def parse_dma(path: Path) -> r.Parsed:
    """Records and lines of a Danish Maritime Authority daily CSV (22 or 26 columns)."""
    with plain_csv_path(Path(path)) as csv:
        try:
            lf = _scan(csv, DMA_COLUMNS)
            cols = [c for c in lf.collect_schema().names() if c != _ROW]
            numeric = [*DMA_NUMERIC, *[c for c in DMA_EXTRA_COLUMNS if c in cols]]
            return _parsed(lf, csv, _dma_exprs(cols), numeric, "dma_csv", str(path))
        except pl.exceptions.PolarsError as e:
            raise _read_error(Path(path), e) from e
