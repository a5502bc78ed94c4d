"""The shared back half of every reader: records -> positions, vessels, quarantine.

Each reader turns its file into two frames:

- ``records``: one row per *record* (a decoded AIS message, possibly multi-part, or one
  CSV row, or one unusable line), in file order, with the canonical position and static
  fields and a pre-set ``reason`` when the reader already rejected it (checksum, ...).
- ``lines``: one row per data line of the file with its raw text and the ``rec_id`` of
  the one record it belongs to.

:func:`finalize` applies the checks common to all formats, in this order (the first
that fails names the reason): reader reason -> ``invalid_mmsi`` -> ``no_timestamp`` ->
``outside_day`` -> ``no_position`` / ``empty_static`` -> ``duplicate``.

A record is **accepted** when it yields a position row or a static vessel row that no
earlier record (in file order, across all files) already yielded. A line is accepted
when its record is; so a 2-part type 5 message is 2 accepted lines, and
``accepted + sum(rejects.values()) == lines_read`` holds by construction.

Deduplication across sources and receivers (among records that passed the checks above;
"earlier" is input order: files in the order given, lines in file order):

1. **Same transmission** (NMEA): records whose payloads (parts joined) are identical and
   at most ``SAME_PAYLOAD_WINDOW`` (60 s) apart, chained in time order, are one
   transmission heard by several receivers or talkers (``!AIVDM`` and ``!BSVDM``, two
   stations' files...). The earliest record of the chain is kept; the others are
   ``duplicate`` as a whole (position and static part).
2. **Same report** (any source): two position fixes with the same MMSI, the same UTC
   second (time floored to the whole second) and both coordinates within
   ``POSITION_TOLERANCE_DEG`` (1e-5 degree; NOAA rounds to 5 decimals, DMA to 6, AIS
   itself resolves 1/600000) are one report. Each fix points to the earliest fix within
   tolerance, following chains to a fix that points to itself. A later copy is
   ``duplicate`` unless it carries static data not seen before (a NOAA row with the vessel
   name): then its line is accepted for the vessel row, and only its position is folded.
   Fixes in different seconds, or more than 1e-5 degree apart, are different reports.

The kept position row keeps its own fields (time with its full precision, ``source`` of
the kept record) and gets ``sources``: the distinct *source labels* of the kept record and
of every record folded into it, kept first then in input order. A label is
``<kind>:<file name>`` (``noaa_csv:AIS_2024_03_05.csv``); NMEA adds the sentence head and,
when the line carries a tag block ``s:`` field, the station:
``nmea:ais.nmea/BSVDM/s:rx2``. Every quarantined ``duplicate`` line of a position record
belongs to exactly one folded record, whose label is in exactly one kept row's
``sources``; so with distinct labels ``sum(len(sources)) - positions == duplicates``
(records repeating within one file and receiver share a label and add nothing to the
list). Duplicates of static-only messages (a type 5 heard twice) are quarantined the
same way; vessel rows carry no ``sources``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import PurePath

import polars as pl

from mda import schema as s
from mda.errors import MdaError

REC_ID = "rec_id"
HEARD_TWICE = "heard_twice"  # the same transmission heard by another receiver/talker
IS_POSITION_REPORT = "is_position_report"  # the record is meant to carry a position
_HAS_POS = "_has_pos"
_HAS_STATIC = "_has_static"
_CAND = "_candidate"
_LABEL = "_label"  # where the record came from: "<kind>:<file name>[/<sentence>][/s:<station>]"
_PAYLOAD = "_payload"  # NMEA: the record's armoured payload, parts joined
_ECHO = "_echo"  # the record repeats an earlier record's payload (heard twice)
_PREP = "_prep"  # rec_id of the position row this record's position is stored in
_REP = "_rep"
_SEC = "_sec"

SAME_PAYLOAD_WINDOW = timedelta(seconds=60)
"""Identical NMEA payloads at most this far apart in time are one transmission."""
POSITION_TOLERANCE_DEG = 1e-5
"""Two fixes of one MMSI in the same second are one report when both coordinates differ
by at most this much (CSV exports round to 5 or 6 decimals; AIS resolution 1/600000)."""

_HEAD_RE = r"!([A-Z0-9-]{2}VD[MO]),"
_STATION_RE = r"\\(?:[^\\]*,)?s:([^,*\\]+)"
_PAYLOAD_RE = r"![A-Z0-9-]{2}VD[MO],[^,]*,[^,]*,[^,]*,[^,]*,([^,*]*)"

STATIC_COLUMNS = (
    s.IMO, s.CALL_SIGN, s.VESSEL_NAME, s.SHIP_TYPE, s.LENGTH_M, s.WIDTH_M,
    s.DRAUGHT_M, s.DESTINATION,
)  # fmt: skip
"""Static fields whose presence makes a record a static-vessel record (AIS_CLASS alone does not)."""

RECORDS_SCHEMA: dict[str, pl.DataType] = {
    REC_ID: pl.Int64(),
    s.REASON: pl.String(),
    HEARD_TWICE: pl.Boolean(),
    IS_POSITION_REPORT: pl.Boolean(),
    **{k: v for k, v in s.POSITIONS_SCHEMA.items() if k != s.SOURCES},
    **{k: v for k, v in s.VESSELS_SCHEMA.items() if k not in s.POSITIONS_SCHEMA},
}
LINES_SCHEMA: dict[str, pl.DataType] = {
    s.SOURCE_FILE: pl.String(),
    s.LINE_NO: pl.Int64(),
    s.RAW: pl.String(),
    REC_ID: pl.Int64(),
}

REASONS = (
    # format level (set by the readers)
    "not_ais",  # a line that is no AIS sentence ($GPRMC, $..ALR, free text)
    "malformed",  # an AIS sentence/PGHP line whose fields cannot be parsed
    "checksum",  # NMEA sentence or tag-block checksum missing or wrong
    "missing_fragment",  # part of a multi-part message whose other parts never came
    "bad_bit_count",  # payload length does not match the message type
    "decode_error",  # pyais could not decode the assembled payload
    "unsupported_type",  # AIS message type other than 1, 2, 3, 5, 18, 19, 24, 27
    "bad_value",  # CSV: a non-empty field that does not parse as its type
    # common (set by finalize)
    "invalid_mmsi",  # not a ship's identity: base station, AtoN, SAR aircraft, not 9 digits...
    "no_timestamp",  # no usable time for the record
    "outside_day",  # time outside the requested UTC day
    "no_position",  # a position report with lat 91 / lon 181 or out of range, no static data
    "empty_static",  # a static message with every field "not available"
    "duplicate",  # the same transmission heard twice, or nothing new (same mmsi, ts, lat, lon)
    "static_unchanged",  # a static report identical to one the vessel already sent
)


@dataclass(frozen=True)
class Parsed:
    """One file after its reader: see the module docstring."""

    records: pl.DataFrame
    lines: pl.DataFrame
    skipped: dict[str, int] = field(default_factory=dict)
    raw_of: Callable[[pl.Series], pl.DataFrame] | None = None
    """When ``lines`` has no raw text (large CSV files): (line_no, raw) of the given
    line numbers, read again from the file for the quarantine of rejected lines only."""


@dataclass(frozen=True)
class IngestResult:
    """Canonical tables of one or more input files, with line accounting.

    ``lines_read`` counts data lines (NMEA) or data rows (CSV, header not counted).
    Blank lines, ``#`` comments and pure metadata lines (a ``$PGHP`` time line, a
    tag block alone on its line) carry no AIS data and are counted in ``skipped``.
    ``accepted + sum(rejects.values()) == lines_read`` (see the module docstring of
    ``mda.ingest._records`` for what accepted means).
    """

    positions: pl.DataFrame  # POSITIONS_SCHEMA, sorted by (mmsi, ts)
    vessels: pl.DataFrame  # VESSELS_SCHEMA
    quarantine: pl.DataFrame  # QUARANTINE_SCHEMA
    lines_read: int
    accepted: int
    rejects: dict[str, int]
    skipped: dict[str, int] = field(default_factory=dict)

    def summary(self) -> dict:
        """A JSON-able summary for ``--json`` output and logs."""
        return {
            "lines_read": self.lines_read,
            "accepted": self.accepted,
            "rejected": sum(self.rejects.values()),
            "rejects": dict(sorted(self.rejects.items())),
            "skipped": dict(sorted(self.skipped.items())),
            "positions": self.positions.height,
            "vessels": self.vessels.height,
            "mmsi": self.positions[s.MMSI].n_unique(),
        }

    def summary_json(self) -> str:
        """:meth:`summary` as one JSON line."""
        return json.dumps(self.summary(), sort_keys=True)


def empty_records() -> pl.DataFrame:
    """An empty records frame."""
    return s.empty(RECORDS_SCHEMA)


def _file_kind(p: Parsed) -> tuple[str, str]:
    """(source kind, file name) of one parsed file; ("", "") parts when unknown."""
    kinds = p.records.get_column(s.SOURCE).drop_nulls() if s.SOURCE in p.records.columns else None
    kind = str(kinds[0]) if kinds is not None and kinds.len() else ""
    files = p.lines.get_column(s.SOURCE_FILE).drop_nulls() if p.lines.height else None
    name = PurePath(str(files[0])).name if files is not None and files.len() else ""
    return kind, name


def nmea_origin(lines: pl.DataFrame, base: str) -> pl.DataFrame:
    """Per rec_id: the source label and the concatenated payload, from the raw lines.

    A line belongs to the record of its first AIS sentence, so the first match on each
    line is that record's part; parts are joined in line order.
    """
    raw = pl.col(s.RAW)
    per_line = lines.select(
        REC_ID,
        raw.str.extract(_HEAD_RE, 1).alias("_head"),
        raw.str.extract(_STATION_RE, 1).alias("_station"),
        raw.str.extract(_PAYLOAD_RE, 1).alias(_PAYLOAD),
    )
    per_rec = per_line.group_by(REC_ID, maintain_order=True).agg(
        pl.col("_head").first(), pl.col("_station").first(), pl.col(_PAYLOAD).str.join("")
    )
    label = pl.concat_str(
        [pl.lit(base), pl.lit("/") + pl.col("_head"), pl.lit("/s:") + pl.col("_station")],
        ignore_nulls=True,
    )
    payload = pl.when(pl.col(_PAYLOAD) != "").then(pl.col(_PAYLOAD))
    return per_rec.select(REC_ID, label.alias(_LABEL), payload.alias(_PAYLOAD))


def _with_origin(records: pl.DataFrame, p: Parsed) -> pl.DataFrame:
    """Add ``_label`` (the source label of each record) and ``_payload`` (NMEA only).

    A reader that already knows them (the fast NMEA reader) passes them as record columns.
    """
    if _LABEL in p.records.columns and _PAYLOAD in p.records.columns:
        return records.with_columns(p.records[_LABEL], p.records[_PAYLOAD])
    kind, name = _file_kind(p)
    base = f"{kind}:{name}"
    if not kind.startswith("nmea"):
        return records.with_columns(
            pl.lit(base, pl.String).alias(_LABEL), pl.lit(None, pl.String).alias(_PAYLOAD)
        )
    origin = nmea_origin(s.conform(p.lines, LINES_SCHEMA), base)
    joined = records.join(origin, on=REC_ID, how="left", maintain_order="left")
    return joined.with_columns(pl.col(_LABEL).fill_null(base))


def _concat(parsed: Sequence[Parsed]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Concatenate files, renumbering rec_id so it stays in input order and unique."""
    records, lines, offset = [], [], 0
    for p in parsed:
        recs = _with_origin(s.conform(p.records, RECORDS_SCHEMA), p)
        records.append(recs.with_columns(pl.col(REC_ID) + offset))
        lines.append(s.conform(p.lines, LINES_SCHEMA).with_columns(pl.col(REC_ID) + offset))
        offset += int(recs.select(pl.col(REC_ID).max()).item() or 0) + 1 if recs.height else 0
    if not records:
        empty = s.empty({**RECORDS_SCHEMA, _LABEL: pl.String(), _PAYLOAD: pl.String()})
        return empty, s.empty(LINES_SCHEMA)
    return pl.concat(records).sort(REC_ID), pl.concat(lines)


def valid_mmsi() -> pl.Expr:
    """True for MMSIs a ship may transmit: 9 digits from 100000000 to 799999999, except SAR
    aircraft (111MIDxxx). Base stations (00MID...), AtoN (99MID...), craft associated with a
    parent ship (98...), SART/MOB/EPIRB (97...) and handhelds (8...) are not ships. Numbers in
    the ship range but with an unallocated MID or a placeholder pattern (123456789) are kept:
    the detectors flag them as ``identity_conflict`` (mda.detect.identity)."""
    mmsi = pl.col(s.MMSI)
    ship_range = mmsi.is_between(100_000_000, 799_999_999)
    sar_aircraft = (mmsi // 1_000_000) == 111
    return (ship_range & ~sar_aircraft).fill_null(False)


def has_position() -> pl.Expr:
    """True when lat/lon are present and in range (lat 91 / lon 181 = not available)."""
    return (
        pl.col(s.LAT).is_between(-90.0, 90.0) & pl.col(s.LON).is_between(-180.0, 180.0)
    ).fill_null(False)


def has_static() -> pl.Expr:
    """True when any static vessel field is present."""
    return pl.any_horizontal([pl.col(c).is_not_null() for c in STATIC_COLUMNS])


def _common_reason(day: date | None) -> pl.Expr:
    """The reader's reason, else the first failing common check, else null."""
    empty = ~pl.col(_HAS_POS) & ~pl.col(_HAS_STATIC)
    checks: list[tuple[pl.Expr, str]] = [
        (~valid_mmsi(), "invalid_mmsi"),
        (pl.col(s.TS).is_null(), "no_timestamp"),
    ]
    if day is not None:
        start, end = s.day_bounds(day)
        checks.append((~((pl.col(s.TS) >= start) & (pl.col(s.TS) < end)), "outside_day"))
    checks += [(empty & pl.col(IS_POSITION_REPORT), "no_position"), (empty, "empty_static")]
    return pl.coalesce(
        [pl.col(s.REASON)] + [pl.when(cond).then(pl.lit(reason)) for cond, reason in checks]
    )


def _first(flag: str, keys: Sequence[str]) -> pl.Expr:
    """True on the first candidate row (in rec_id order) carrying these key values."""
    key = pl.struct([pl.col(_CAND), pl.col(flag), *[pl.col(k) for k in keys]])
    return key.is_first_distinct() & pl.col(_CAND) & pl.col(flag)


def _echo_reps(cand: pl.DataFrame) -> pl.DataFrame:
    """``rec_id -> _rep`` for records repeating an earlier record's payload (rule 1).

    Among candidates with a payload that occurs more than once, sorted by (payload, ts),
    a record whose previous row has the same payload at most ``SAME_PAYLOAD_WINDOW``
    earlier continues that chain; every chain folds into its first record (by rec_id).
    Only the folded records are returned.
    """
    d = cand.filter(pl.col(_PAYLOAD).is_not_null() & pl.col(_PAYLOAD).is_duplicated())
    d = d.select(REC_ID, _PAYLOAD, s.TS).sort(_PAYLOAD, s.TS, REC_ID)
    same = (pl.col(_PAYLOAD) == pl.col(_PAYLOAD).shift()) & (
        pl.col(s.TS) - pl.col(s.TS).shift() <= SAME_PAYLOAD_WINDOW
    )
    chain = (~same.fill_null(False)).cum_sum()
    d = d.with_columns(pl.col(REC_ID).min().over(chain).alias(_REP))
    return d.filter(pl.col(_REP) != pl.col(REC_ID)).select(REC_ID, _REP)


def _near(tolerance: float) -> pl.Expr:
    """Both coordinates of a pair within ``tolerance`` degrees (plus float slack)."""
    slack = tolerance + 1e-9
    return ((pl.col(s.LAT) - pl.col(f"{s.LAT}_o")).abs() <= slack) & (
        (pl.col(s.LON) - pl.col(f"{s.LON}_o")).abs() <= slack
    )


def _position_reps(cand: pl.DataFrame) -> pl.DataFrame:
    """``rec_id -> _rep`` for positions repeating an earlier record's fix (rule 2).

    Only rows whose (mmsi, ts floored to the whole second) occurs more than once are paired
    (a self-join on that key, so the work stays proportional to the duplicates). Each row
    points to the earliest row (by rec_id) within ``POSITION_TOLERANCE_DEG``; chains are
    followed until every row points to a row that points to itself. Only the folded
    records are returned.
    """
    # one Int64 key hashes much faster than a struct; it is unique for valid MMSIs
    # (< 2^30) and times within 2^32 s of 1970, and pairs are checked field by field anyway
    seconds = pl.col(s.TS).dt.epoch("s").alias(_SEC)
    key = (pl.col(s.MMSI) * (1 << 33) + pl.col(_SEC)).alias("_key")
    d = cand.select(REC_ID, s.MMSI, seconds, s.LAT, s.LON).with_columns(key)
    d = d.filter(pl.col("_key").is_duplicated())
    same = (pl.col(s.MMSI) == pl.col(f"{s.MMSI}_o")) & (pl.col(_SEC) == pl.col(f"{_SEC}_o"))
    pairs = d.join(d, on="_key", suffix="_o").filter(same & _near(POSITION_TOLERANCE_DEG))
    reps = pairs.group_by(REC_ID).agg(pl.col(f"{REC_ID}_o").min().alias(_REP))
    while True:
        hop = reps.select(pl.col(REC_ID).alias(_REP), pl.col(_REP).alias("_next"))
        reps2 = reps.join(hop, on=_REP, how="left").select(REC_ID, pl.col("_next").alias(_REP))
        if reps2[_REP].equals(reps[_REP]):
            break
        reps = reps2
    return reps.filter(pl.col(_REP) != pl.col(REC_ID))


def _attach(judged: pl.DataFrame, reps: pl.DataFrame, on: str, name: str) -> pl.DataFrame:
    """Left-join ``reps`` (rec_id -> _rep) as column ``name``, keyed on column ``on``."""
    reps = reps.rename({REC_ID: on, _REP: name})
    return judged.join(reps, on=on, how="left", maintain_order="left")


def _fold(judged: pl.DataFrame) -> pl.DataFrame:
    """Add ``_echo`` (payload repeat) and ``_prep`` (rec_id whose position row this
    record's position is stored in; null for records without a candidate position)."""
    echoes = _echo_reps(judged.filter(pl.col(_CAND)))
    judged = _attach(judged, echoes, REC_ID, "_rep1")
    echo = pl.col("_rep1").is_not_null() | (
        pl.col(HEARD_TWICE).fill_null(False) & pl.col(_PAYLOAD).is_null()
    )
    judged = judged.with_columns(echo.alias(_ECHO))
    fixes = judged.filter(pl.col(_CAND) & pl.col(_HAS_POS) & ~pl.col(_ECHO))
    judged = judged.with_columns(pl.col("_rep1").fill_null(pl.col(REC_ID)).alias("_head"))
    judged = _attach(judged, _position_reps(fixes), "_head", "_rep2")
    prep = pl.col("_rep2").fill_null(pl.col("_head"))
    usable = pl.col(_CAND) & pl.col(_HAS_POS) & (pl.col("_rep1").is_not_null() | ~pl.col(_ECHO))
    return judged.with_columns(pl.when(usable).then(prep).alias(_PREP))


def _judge(records: pl.DataFrame, day: date | None) -> pl.DataFrame:
    """Records with the final ``reason``, ``_pos_new``/``_static_new`` and ``_prep``."""
    static_keys = (s.MMSI, *STATIC_COLUMNS, s.AIS_CLASS)
    judged = records.with_columns(has_position().alias(_HAS_POS), has_static().alias(_HAS_STATIC))
    judged = judged.with_columns(_common_reason(day).alias(s.REASON))
    judged = _fold(judged.with_columns(pl.col(s.REASON).is_null().alias(_CAND)))
    judged = judged.with_columns((pl.col(_CAND) & ~pl.col(_ECHO)).alias(_CAND))
    judged = judged.with_columns(
        (pl.col(_CAND) & (pl.col(_PREP) == pl.col(REC_ID)).fill_null(False)).alias("_pos_new"),
        _first(_HAS_STATIC, static_keys).alias("_static_new"),
    )
    nothing_new = ~(pl.col("_pos_new") | pl.col("_static_new"))
    dup = pl.col(s.REASON).is_null() & (pl.col(_ECHO) | nothing_new)
    # A static report repeating what the vessel already said is normal AIS behaviour (every
    # 6 min): kept raw like any reject, but named apart so it does not read as bad data.
    static_repeat = dup & ~pl.col(_HAS_POS) & ~pl.col(_ECHO)
    return judged.with_columns(
        pl.when(static_repeat)
        .then(pl.lit("static_unchanged"))
        .when(dup)
        .then(pl.lit("duplicate"))
        .otherwise(pl.col(s.REASON))
        .alias(s.REASON)
    )


def _sources(judged: pl.DataFrame, kept: pl.DataFrame) -> pl.Series:
    """The ``sources`` list of each kept position row (``kept``, in its row order)."""
    folded = judged.filter(pl.col(_PREP).is_not_null() & (pl.col(_PREP) != pl.col(REC_ID)))
    extra = folded.group_by(_PREP).agg(pl.col(_LABEL).alias("_extra"))
    joined = kept.select(REC_ID, _LABEL).join(
        extra.rename({_PREP: REC_ID}), on=REC_ID, how="left", maintain_order="left"
    )
    both = pl.concat_list(_LABEL, "_extra").list.unique(maintain_order=True)
    lists = pl.when(pl.col("_extra").is_null()).then(pl.concat_list(_LABEL)).otherwise(both)
    return joined.select(lists.alias(s.SOURCES)).to_series()


def _tables(judged: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    ok = judged.filter(pl.col(s.REASON).is_null())
    kept = ok.filter(pl.col("_pos_new"))
    kept = kept.with_columns(_sources(judged, kept))
    positions = s.conform(kept, s.POSITIONS_SCHEMA)
    vessels = s.conform(ok.filter(pl.col("_static_new")), s.VESSELS_SCHEMA)
    return positions.sort(s.MMSI, s.TS), vessels.sort(s.MMSI, s.TS)


def _sum_skipped(parsed: Sequence[Parsed]) -> dict[str, int]:
    out: dict[str, int] = {}
    for p in parsed:
        for k, v in p.skipped.items():
            out[k] = out.get(k, 0) + v
    return out


def _with_raw(rejected: pl.DataFrame, parsed: Sequence[Parsed]) -> pl.DataFrame:
    """Fill the raw text of rejected lines from files read without it (``raw_of``)."""
    fetchers: dict[str, Callable[[pl.Series], pl.DataFrame]] = {}
    for p in parsed:
        if p.raw_of is not None and p.lines.height:
            fetchers.setdefault(str(p.lines[s.SOURCE_FILE][0]), p.raw_of)
    if not fetchers:
        return rejected
    missing = pl.col(s.RAW).is_null()
    rejected = rejected.with_row_index("_order")
    parts = [rejected.filter(~missing | ~pl.col(s.SOURCE_FILE).is_in(list(fetchers)))]
    for name, raw_of in fetchers.items():
        part = rejected.filter(missing & (pl.col(s.SOURCE_FILE) == name))
        if part.height:
            raw = raw_of(part[s.LINE_NO]).rename({s.RAW: "_raw"})
            part = part.join(raw, on=s.LINE_NO, how="left", maintain_order="left")
            part = part.with_columns(pl.col("_raw").alias(s.RAW)).drop("_raw")
        parts.append(part)
    return pl.concat(parts, how="vertical_relaxed").sort("_order").drop("_order")


def finalize(parsed: Sequence[Parsed], day: date | None = None) -> IngestResult:
    """Apply the common checks to one or more parsed files and build the result."""
    records, lines = _concat(parsed)
    judged = _judge(records, day)
    positions, vessels = _tables(judged)
    fates = lines.join(
        judged.select(REC_ID, s.REASON), on=REC_ID, how="left", maintain_order="left"
    )
    quarantine = _with_raw(fates.filter(pl.col(s.REASON).is_not_null()), parsed)
    quarantine = s.conform(quarantine, s.QUARANTINE_SCHEMA)
    counts = quarantine.group_by(s.REASON).len().sort(s.REASON)
    rejects = dict(zip(counts[s.REASON].to_list(), counts["len"].to_list(), strict=True))
    accepted = fates.filter(pl.col(s.REASON).is_null()).height
    if accepted + sum(rejects.values()) != lines.height:
        raise MdaError(f"line accounting broken: {accepted} + {rejects} != {lines.height}")
    return IngestResult(
        positions=positions,
        vessels=vessels,
        quarantine=quarantine,
        lines_read=lines.height,
        accepted=accepted,
        rejects=rejects,
        skipped=_sum_skipped(parsed),
    )
