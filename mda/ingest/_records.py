"""The shared back half of every reader: records -> positions, vessels, stations, quarantine.

Each reader turns its file into two frames:

- ``records``: one row per *record* (a decoded AIS message, possibly multi-part, or one
  CSV row, or one unusable line), in file order, with the canonical position and static
  fields and a pre-set ``reason`` when the reader already rejected it (checksum, ...).
- ``lines``: one row per data line of the file with its raw text and the ``rec_id`` of
  the one record it belongs to.

:func:`finalize` applies the checks common to all formats, in this order (the first
that fails names the reason): reader reason -> ``invalid_mmsi`` -> ``no_timestamp`` ->
``outside_day`` -> ``no_position`` / ``empty_static`` -> ``duplicate``.

Fixed stations (AIS base stations, type 4, and aids to navigation, type 21) are records too:
the reader gives their fields in ``Parsed.stations`` and the records frame only their mmsi,
ts and msg_type. They pass the same checks, except that their MMSI must be a station's
(:func:`valid_station_mmsi`: ``00MIDxxxx`` or ``99MIDxxxx``) and that they need neither a
position nor static data; they become rows of the ``stations`` table.

A record is **accepted** when it yields a position row, a static vessel row or a station
row that no earlier record (in file order, across all files) already yielded. A line is accepted
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
same way; vessel rows carry no ``sources``. Station reports follow rule 1 like the others
(an echo's label goes to the kept station row's ``sources``); instead of rule 2, a station
report with the same MMSI, UTC second and station fields as an earlier one is a
``duplicate`` of it.

How it runs (memory holds the candidate fixes, not the text read): a reader may hand over a
file as a :class:`Chunked` sequence of :class:`Parsed` pieces (the CSV readers do, 64 MB of
text at a time, and the NMEA reader, 24 MB at a time, parsed in worker threads while this
module handles the previous piece). Each
piece is judged on its own for the per-record checks; its rejected lines go to the
quarantine at once, and only a compact frame of candidate fixes (sorted by one Int64 key,
``mmsi * 2**33 + second``), the first row of each distinct static report of the piece
(found by a 64-bit hash, then compared by value) and the payload hashes of NMEA records are
kept. The duplicate rules then run once over those: a stable merge of the sorted pieces
(or, for a file grouped by vessel, its blocks found piece by piece) puts the fixes in
(mmsi, ts) order, so "same MMSI, same second" fixes are neighbours and only those are
paired; payload chains are found by grouping payload hashes in a hash table (compiled,
:func:`mda.ingest.fastkernel.echo_chains`, in a thread while the fixes are ordered). Lines
are looked up again only for the records the rules reject.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import PurePath

import numpy as np
import polars as pl

from mda import schema as s
from mda.errors import MdaError
from mda.ingest.formats import ProgressHook, StageHook

REC_ID = "rec_id"
IS_POSITION_REPORT = "is_position_report"  # the record is meant to carry a position
_HAS_POS = "_has_pos"
_HAS_STATIC = "_has_static"
_LABEL = "_label"  # where the record came from: "<kind>:<file name>[/<sentence>][/s:<station>]"
_PAYLOAD = "_payload"  # NMEA: the decoded message's armoured payload, parts joined (a
# record column from the NMEA readers; null for rejected records and other formats)
_PAYLOAD_HASH = "_payload_hash"  # UInt64: a hash of _payload (fastkernel.hash_texts); the
_PAYLOAD_CHECK = "_payload_check"  # fast reader gives these two instead of the text
STATIC_HASH = "_static_hash"
"""Optional UInt64 record column from a reader: a hash of the fields the record's static
report is derived from (equal fields, equal hash). Without it, finalize hashes STATIC_KEYS."""
_ORIGIN = "_origin"  # code of the record's (source, label) pair (see _Collector.origins)
_PREP = "_prep"  # rec_id of the position row a folded record's position is stored in
_REP = "_rep"
_SEC = "_sec"
_N = "_n"  # lines of a unit (UnitLines)
_KEY = "_key"
_RUN = "_run"  # the fix shares (mmsi, second) with a neighbour in (mmsi, ts) order
_SEQ = "_seq"  # a line's number plus its file's base: the quarantine's order (all inputs)
_STATION = "_station"  # the record is a fixed station's report (its reader gave station fields)

SAME_PAYLOAD_WINDOW = timedelta(seconds=60)
"""Identical NMEA payloads at most this far apart in time are one transmission."""
POSITION_TOLERANCE_DEG = 1e-5
"""Two fixes of one MMSI in the same second are one report when both coordinates differ
by at most this much (CSV exports round to 5 or 6 decimals; AIS resolution 1/600000)."""

_HEAD_RE = r"!([A-Z0-9-]{2}VD[MO]),"
_STATION_RE = r"\\(?:[^\\]*,)?s:([^,*\\]+)"

STATIC_COLUMNS = (
    s.IMO, s.CALL_SIGN, s.VESSEL_NAME, s.SHIP_TYPE, s.LENGTH_M, s.WIDTH_M,
    s.DRAUGHT_M, s.DESTINATION,
)  # fmt: skip
"""Static fields whose presence makes a record a static-vessel record (AIS_CLASS alone does not)."""
STATIC_KEYS = (s.MMSI, *STATIC_COLUMNS, s.AIS_CLASS)
"""A static report is new when no earlier record gave these same values."""

RECORDS_SCHEMA: dict[str, pl.DataType] = {
    REC_ID: pl.Int64(),
    s.REASON: pl.String(),
    IS_POSITION_REPORT: pl.Boolean(),
    **{k: v for k, v in s.POSITIONS_SCHEMA.items() if k != s.SOURCES},
    **{k: v for k, v in s.VESSELS_SCHEMA.items() if k not in s.POSITIONS_SCHEMA},
}
STATION_FIELDS_SCHEMA: dict[str, pl.DataType] = {
    REC_ID: pl.Int64(),
    **{
        k: v
        for k, v in s.STATIONS_SCHEMA.items()
        if k not in (s.MMSI, s.TS, s.MSG_TYPE, s.SOURCE, s.SOURCES)
    },
}
"""``Parsed.stations``: the station fields of the records that are station reports (the
records frame holds their mmsi, ts and msg_type, and nothing else of them)."""
STATION_KEYS = tuple(k for k in STATION_FIELDS_SCHEMA if k != REC_ID)
"""With the MMSI and the whole second, what makes two station reports the same report."""
LINES_SCHEMA: dict[str, pl.DataType] = {
    s.SOURCE_FILE: pl.String(),
    s.LINE_NO: pl.Int64(),
    s.RAW: pl.String(),
    REC_ID: pl.Int64(),
}
_FIX_COLUMNS = (
    REC_ID, s.MMSI, s.TS, s.LAT, s.LON, s.SOG_KN, s.COG_DEG, s.HEADING_DEG, s.NAV_STATUS,
    s.MSG_TYPE, _ORIGIN,
)  # fmt: skip
"""What is kept of a candidate fix until the duplicate rules have run."""
_FIX_SCHEMA: dict[str, pl.DataType] = {
    **{c: RECORDS_SCHEMA[c] for c in _FIX_COLUMNS if c in RECORDS_SCHEMA},
    _ORIGIN: pl.UInt32(),
}
_STATIC_ROW = (REC_ID, s.MMSI, s.TS, *STATIC_COLUMNS, s.AIS_CLASS, s.SOURCE)
_QUARANTINE_ROW = (s.SOURCE_FILE, s.LINE_NO, s.REASON, s.RAW, _SEQ)
_UNCHANGED_REASON = "static_unchanged"
_UNCHANGED = pl.lit(_UNCHANGED_REASON).alias(s.REASON)
_STATION_ROW = (REC_ID, s.MMSI, s.TS, s.MSG_TYPE, _ORIGIN)
_STATION_ROW_SCHEMA: dict[str, pl.DataType] = {c: _FIX_SCHEMA[c] for c in _STATION_ROW}

REASONS = (
    # format level (set by the readers)
    "not_ais",  # a line that is no AIS sentence ($GPRMC, $..ALR, free text)
    "malformed",  # an AIS sentence/PGHP line whose fields cannot be parsed
    "checksum",  # NMEA sentence or tag-block checksum missing or wrong
    "missing_fragment",  # part of a multi-part message whose other parts never came
    "bad_bit_count",  # payload length does not match the message type
    "decode_error",  # pyais could not decode the assembled payload
    "unsupported_type",  # AIS message type other than 1, 2, 3, 4, 5, 18, 19, 21, 24, 27
    "bad_value",  # CSV: a non-empty field that does not parse as its type
    # common (set by finalize)
    "invalid_mmsi",  # not a ship's (or, for a station report, a station's) identity
    "no_timestamp",  # no usable time for the record
    "outside_day",  # time outside the requested UTC day
    "no_position",  # a position report with lat 91 / lon 181 or out of range, no static data
    "empty_static",  # a static message with every field "not available"
    "duplicate",  # the same transmission heard twice, or nothing new (same mmsi, ts, lat, lon)
    "static_unchanged",  # a static report identical to one the vessel already sent
)


@dataclass(frozen=True)
class UnitLines:
    """The lines of records that each own one line or two adjacent ones (the fast NMEA
    reader's units), without a row per line: record ``rec_id[i]`` owns line ``line_no[i]``
    of ``source_file`` and, when ``n[i]`` is 2, the line after it. ``raw`` holds the text of
    the piece's lines, the first of them line ``first_line``: only rejected lines' text is
    ever taken from it."""

    source_file: str
    rec_id: pl.Series  # Int64
    line_no: pl.Series  # Int64
    n: pl.Series  # Int64, 1 or 2
    raw: pl.Series  # String
    first_line: int

    def frame(self) -> pl.DataFrame:
        """(rec_id, line_no, _n), one row per record."""
        return pl.DataFrame([self.rec_id.alias(REC_ID), self.line_no.alias(s.LINE_NO),
                             self.n.alias(_N)])  # fmt: skip

    def lines(self, rows: pl.DataFrame) -> pl.DataFrame:
        """``rows`` (rec_id, line_no, _n and other columns) one row per line, with the
        line's ``raw`` text and ``source_file``."""
        second = rows.filter(pl.col(_N) == 2).with_columns(pl.col(s.LINE_NO) + 1)
        both = pl.concat([rows, second]) if second.height else rows
        at = both[s.LINE_NO] - self.first_line
        return both.drop(_N).with_columns(
            self.raw.gather(at).alias(s.RAW), pl.lit(self.source_file).alias(s.SOURCE_FILE)
        )


def all_lines(p: Parsed) -> pl.DataFrame:
    """:data:`LINES_SCHEMA` rows of every line of ``p``: its ``lines`` and its units'."""
    if p.units is None:
        return p.lines
    unit = p.units.lines(p.units.frame())
    return pl.concat([s.conform(unit, LINES_SCHEMA), s.conform(p.lines, LINES_SCHEMA)])


@dataclass(frozen=True)
class Parsed:
    """One file (or one piece of a :class:`Chunked` file) after its reader: see the module
    docstring."""

    records: pl.DataFrame
    lines: pl.DataFrame
    skipped: dict[str, int] = field(default_factory=dict)
    raw_of: Callable[[pl.Series], pl.DataFrame] | None = None
    """When ``lines`` has no raw text (large CSV files): (line_no, raw) of the given
    line numbers, read again from the file for the quarantine of rejected lines only."""
    one_line: tuple[str, int] | None = None
    """(source file, offset) when every record is one line of that file, ``line_no = rec_id
    + offset``, rec_ids are consecutive and there is no raw text (a CSV piece): ``lines``
    may then be empty, no per-line frame needs to be built."""
    stations: pl.DataFrame | None = None
    """:data:`STATION_FIELDS_SCHEMA` rows of the records that are fixed stations' reports
    (AIS types 4 and 21, DMA "Base Station"/"AtoN" rows); None or empty when there are none."""
    progress: tuple[str, int, int] | None = None
    """(file, bytes read, bytes in all) once this piece is read (see
    :func:`mda.ingest.formats.position`), for a progress bar."""
    units: UnitLines | None = None
    """More lines of the piece, those of records owning one or two adjacent lines, kept
    without a row per line (the fast NMEA reader's); ``lines`` holds the others."""


@dataclass(frozen=True)
class Chunked:
    """One file read piece by piece, so that its text is never in memory at once.

    ``parts`` yields :class:`Parsed` pieces in file order (it is iterated once); rec_ids are
    unique across the pieces of the file. ``raw_of`` of any piece may be called after the
    last piece was read.
    """

    parts: Iterable[Parsed]


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
    stations: pl.DataFrame  # STATIONS_SCHEMA, sorted by (mmsi, ts)
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
            "stations": self.stations.height,
            "mmsi": self.positions[s.MMSI].n_unique(),
        }

    def summary_json(self) -> str:
        """:meth:`summary` as one JSON line."""
        return json.dumps(self.summary(), sort_keys=True)


def empty_records() -> pl.DataFrame:
    """An empty records frame."""
    return s.empty(RECORDS_SCHEMA)


def empty_lines() -> pl.DataFrame:
    """An empty lines frame."""
    return s.empty(LINES_SCHEMA)


def _first_value(col: pl.Series) -> object:
    """The first non-null value of ``col`` (None when there is none)."""
    if col.null_count() == 0:
        return col[0] if col.len() else None
    values = col.drop_nulls()
    return values[0] if values.len() else None


def _file_kind(p: Parsed) -> tuple[str, str]:
    """(source kind, file name) of one parsed file; ("", "") parts when unknown."""
    kind = _first_value(p.records[s.SOURCE]) if s.SOURCE in p.records.columns else None
    if p.one_line is not None:
        name: object = p.one_line[0]
    else:
        name = _first_value(p.lines[s.SOURCE_FILE]) if s.SOURCE_FILE in p.lines.columns else None
    return str(kind or ""), PurePath(str(name)).name if name is not None else ""


def nmea_origin(lines: pl.DataFrame, base: str) -> pl.DataFrame:
    """Per rec_id: the source label (``_label``), from the raw lines: the sentence head and
    tag block station of the record's first line.

    The payload is not taken from the lines: a line belongs to the record of its first AIS
    sentence, so a part of a message may sit on a line owned by another record (a broken
    sentence glued before it, ``!AAVDM!AIVDM,2,2,...``); the NMEA readers give the payload
    they decoded as the records' ``_payload`` column (or its hashes) instead.
    """
    raw = pl.col(s.RAW)
    per_line = lines.select(
        REC_ID,
        raw.str.extract(_HEAD_RE, 1).alias("_head"),
        raw.str.extract(_STATION_RE, 1).alias("_station"),
    )
    per_rec = per_line.group_by(REC_ID, maintain_order=True).agg(
        pl.col("_head").first(), pl.col("_station").first()
    )
    label = pl.concat_str(
        [pl.lit(base), pl.lit("/") + pl.col("_head"), pl.lit("/s:") + pl.col("_station")],
        ignore_nulls=True,
    )
    return per_rec.select(REC_ID, label.alias(_LABEL))


def _payload_hashes(records: pl.DataFrame) -> list[pl.Series | pl.Expr]:
    """``_payload_hash`` and ``_payload_check`` of each record (NMEA only: of the payload
    of each decoded message, parts joined): the reader's, else hashed from its
    ``_payload`` column (:func:`mda.ingest.fastkernel.hash_texts`), else null."""
    if _PAYLOAD_HASH in records.columns:
        return [records[_PAYLOAD_HASH], records[_PAYLOAD_CHECK]]
    names = (_PAYLOAD_HASH, _PAYLOAD_CHECK)
    payload = records[_PAYLOAD] if _PAYLOAD in records.columns else None
    if payload is None or payload.null_count() == payload.len():
        return [pl.lit(None, pl.UInt64).alias(name) for name in names]
    from mda.ingest.fastkernel import hash_texts  # (the kernels: loaded when needed)

    valid = payload.is_not_null()
    return [
        pl.Series(name, h, dtype=pl.UInt64).set(~valid, None)  # type: ignore[arg-type]
        for name, h in zip(names, hash_texts(payload), strict=True)
    ]


def _with_origin(records: pl.DataFrame, p: Parsed) -> pl.DataFrame:
    """Add ``_label`` (the source label of each record) and the payload hashes
    (:func:`_payload_hashes`).

    A reader that already knows the labels (the fast NMEA reader) passes them as a record
    column too.
    """
    payload = _payload_hashes(p.records)
    if _LABEL in p.records.columns:
        return records.with_columns(p.records[_LABEL], *payload)
    kind, name = _file_kind(p)
    base = f"{kind}:{name}"
    if not kind.startswith("nmea"):
        return records.with_columns(pl.lit(base, pl.String).alias(_LABEL), *payload)
    origin = nmea_origin(s.conform(p.lines, LINES_SCHEMA), base)
    joined = records.join(origin, on=REC_ID, how="left", maintain_order="left")
    return joined.with_columns(pl.col(_LABEL).fill_null(base), *payload)


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


def valid_station_mmsi() -> pl.Expr:
    """True for MMSIs a fixed station may transmit (ITU-R M.585): a base station's
    ``00MIDxxxx`` (2000000-7999999) or an aid to navigation's ``99MIDxxxx``
    (992000000-997999999), the MID starting with 2-7 as for ships. Either form is accepted
    for either message type (some AtoN are sent under their base station's number)."""
    mmsi = pl.col(s.MMSI)
    base_station = mmsi.is_between(2_000_000, 7_999_999)
    aton = mmsi.is_between(992_000_000, 997_999_999)
    return (base_station | aton).fill_null(False)


def has_position() -> pl.Expr:
    """True when lat/lon are present and in range (lat 91 / lon 181 = not available)."""
    return (
        pl.col(s.LAT).is_between(-90.0, 90.0) & pl.col(s.LON).is_between(-180.0, 180.0)
    ).fill_null(False)


def has_static() -> pl.Expr:
    """True when any static vessel field is present."""
    return pl.any_horizontal([pl.col(c).is_not_null() for c in STATIC_COLUMNS])


def _common_reason(day: date | None, stations: bool = True) -> tuple[pl.Expr, pl.Expr]:
    """The reader's reason, else the first failing common check, else null; and whether
    any common check fails (a cheaper test: as a rule none does, and the reader's reasons
    stand). ``stations``: some records are station reports (``_station``), with their own
    MMSI rule."""
    empty = ~pl.col(_HAS_POS) & ~pl.col(_HAS_STATIC)
    mmsi_ok = valid_mmsi()
    if stations:
        empty = empty & ~pl.col(_STATION)
        mmsi_ok = pl.when(pl.col(_STATION)).then(valid_station_mmsi()).otherwise(mmsi_ok)
    checks: list[tuple[pl.Expr, str]] = [
        (~mmsi_ok, "invalid_mmsi"),
        (pl.col(s.TS).is_null(), "no_timestamp"),
    ]
    if day is not None:
        start, end = s.day_bounds(day)
        checks.append((~((pl.col(s.TS) >= start) & (pl.col(s.TS) < end)), "outside_day"))
    checks += [(empty & pl.col(IS_POSITION_REPORT), "no_position"), (empty, "empty_static")]
    # the number of the first failing check, then its name: small integer columns instead
    # of a text column per check (twice as fast)
    first = pl.coalesce([pl.when(cond).then(pl.lit(i, pl.UInt8)) for i, (cond, _) in
                         enumerate(checks)])  # fmt: skip
    names = [reason for _, reason in checks]
    failed = first.replace_strict(list(range(len(names))), names, default=None,
                                  return_dtype=pl.String)  # fmt: skip
    fails = (pl.col(s.REASON).is_null() & pl.any_horizontal(c for c, _ in checks)).any()
    return pl.coalesce(pl.col(s.REASON), failed), fails


def _echo_reps(cand: pl.DataFrame) -> pl.DataFrame:
    """``rec_id -> _rep`` for records repeating an earlier record's payload (rule 1).

    Among candidates with the same payload, in (ts, rec_id) order, a record at most
    ``SAME_PAYLOAD_WINDOW`` after the one before continues its chain; every chain folds
    into its first record (by rec_id). Only the folded records are returned.

    A payload is known by two independent 64-bit hashes (``_payload_hash``,
    ``_payload_check``: :func:`mda.ingest.fastkernel.hash_texts`; the fast reader computes
    them while decoding and never builds the payload text). Records are grouped by the
    first in compiled code (:func:`mda.ingest.fastkernel.echo_chains`) and the second is
    checked to be equal within each group; should two payloads ever share the first hash,
    the rule runs on both (:func:`_echo_reps_by_pair`). Two different payloads share both
    with a chance of about 2**-128 per pair; the hashes are keyed for each process
    (:data:`mda.ingest.fastkernel.SEED`), so no payload can be made to share them.
    """
    d = cand.filter(pl.col(_PAYLOAD_HASH).is_not_null() & pl.col(s.TS).is_not_null())
    if not d.height:
        return pl.DataFrame(schema={REC_ID: pl.Int64(), _REP: pl.Int64()})
    from mda.ingest.fastkernel import echo_chains, frozen  # (the kernels: loaded when needed)

    if not d[REC_ID].is_sorted():
        d = d.sort(REC_ID)
    h = frozen(d[_PAYLOAD_HASH].to_numpy())
    ts = frozen(d[s.TS].dt.epoch("us").to_numpy())
    window = SAME_PAYLOAD_WINDOW // timedelta(microseconds=1)
    rec = frozen(d[REC_ID].to_numpy())
    rows, rep, first = echo_chains(h, ts, rec, window)
    check = d[_PAYLOAD_CHECK]
    if not (check.gather(rows) == check.gather(first)).all():
        return _echo_reps_by_pair(d)  # two payloads with one hash
    folded = rep != rec[rows]
    return pl.DataFrame({REC_ID: rec[rows][folded], _REP: rep[folded]})


def _echo_reps_by_pair(d: pl.DataFrame) -> pl.DataFrame:
    """:func:`_echo_reps` of candidates with a payload and a time, sorted by both hashes
    of their payloads."""
    key = [_PAYLOAD_HASH, _PAYLOAD_CHECK]
    d = d.filter(pl.struct(key).is_duplicated()).sort(*key, s.TS, REC_ID)
    same = (
        (pl.col(_PAYLOAD_HASH) == pl.col(_PAYLOAD_HASH).shift())
        & (pl.col(_PAYLOAD_CHECK) == pl.col(_PAYLOAD_CHECK).shift())
        & (pl.col(s.TS) - pl.col(s.TS).shift() <= SAME_PAYLOAD_WINDOW)
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

    ``cand`` must hold every fix whose (mmsi, ts floored to the whole second) occurs more
    than once (it may hold others). Those are paired by a self-join on that key, so the work
    stays proportional to the duplicates. Each row points to the earliest row (by rec_id)
    within ``POSITION_TOLERANCE_DEG``; chains are followed until every row points to a row
    that points to itself. Only the folded records are returned.
    """
    # one Int64 key hashes much faster than a struct; it is unique for valid MMSIs
    # (< 2^30) and times within 2^32 s of 1970, and pairs are checked field by field anyway
    seconds = _seconds().alias(_SEC)
    key = (pl.col(s.MMSI) * (1 << 33) + pl.col(_SEC)).alias(_KEY)
    d = cand.select(REC_ID, s.MMSI, seconds, s.LAT, s.LON).with_columns(key)
    d = d.filter(pl.col(_KEY).is_duplicated())
    same = (pl.col(s.MMSI) == pl.col(f"{s.MMSI}_o")) & (pl.col(_SEC) == pl.col(f"{_SEC}_o"))
    pairs = d.join(d, on=_KEY, suffix="_o").filter(same & _near(POSITION_TOLERANCE_DEG))
    reps = pairs.group_by(REC_ID).agg(pl.col(f"{REC_ID}_o").min().alias(_REP))
    while True:
        hop = reps.select(pl.col(REC_ID).alias(_REP), pl.col(_REP).alias("_next"))
        reps2 = reps.join(hop, on=_REP, how="left").select(REC_ID, pl.col("_next").alias(_REP))
        if reps2[_REP].equals(reps[_REP]):
            break
        reps = reps2
    return reps.filter(pl.col(_REP) != pl.col(REC_ID))


_KEY_SECONDS = 1 << 32
"""The sort key of a fix is ``mmsi * 2**33 + (seconds since 1970 + 2**32)``: ordered like
(mmsi, whole second) for valid MMSIs (< 2**30) and times within 2**32 s (136 years) of 1970."""


def _seconds() -> pl.Expr:
    """Whole seconds since 1970 of ``ts``, floored (as ``dt.epoch("s")``, 4x faster)."""
    return pl.col(s.TS).dt.epoch("us") // 1_000_000


def _sort_key(fixes: pl.DataFrame) -> pl.Series | None:
    """``mmsi * 2**33 + (seconds since 1970 + 2**32)``: one Int64 ordered like (mmsi, whole
    second) for valid MMSIs (< 2**30); None when a time is more than 2**32 s (136 years) from
    1970. One Int64 sorts several times faster than (mmsi, ts)."""
    sec = fixes.select(_seconds()).to_series()
    lo, hi = sec.min(), sec.max()
    if lo is not None and not (lo >= -_KEY_SECONDS and hi < _KEY_SECONDS):  # type: ignore[operator]
        return None
    return fixes[s.MMSI] * (1 << 33) + sec + _KEY_SECONDS


_BLOCK_ROWS = 32
"""Fixes that come in blocks of at least this many rows on average (see :func:`_blocks`)
are put in order block by block (:func:`_block_order`), not sorted row by row."""
_BLOCKY_PIECE = 1024
"""Fewest fixes of a piece that can be judged to come in blocks (an empty or tiny piece,
the end of a stream, say, is not taken for a file grouped by vessel)."""


def _blocks(key: pl.Series) -> pl.Series:
    """First row of each block of ``key``: rows of one MMSI in non-decreasing key order (a
    file grouped by vessel, as NOAA's daily files are, has a block or a few per vessel)."""
    k = key.to_numpy()  # (no null: callers check; numpy, 3x faster than polars here)
    mmsi = k >> 33  # (the key's high bits are the MMSI; keys are not negative)
    new = np.empty(len(k), dtype=bool)
    new[:1] = True
    np.logical_or(k[1:] < k[:-1], mmsi[1:] != mmsi[:-1], out=new[1:])
    return pl.Series(_KEY, np.flatnonzero(new).astype(np.uint32), dtype=pl.UInt32)


def _block_list(key: pl.Series, start: pl.Series | None = None) -> pl.DataFrame | None:
    """``start``, ``end`` (rows) of the blocks of ``key`` in key order, when the keys come in
    few blocks (:func:`_blocks`; ``start``: the blocks when known) whose key ranges do not
    overlap; None otherwise."""
    if key.null_count() or not key.len():
        return None
    start = _blocks(key) if start is None else start
    if start.len() * _BLOCK_ROWS > key.len():  # (too many blocks)
        return None
    end = start.shift(-1, fill_value=key.len())
    blocks = pl.DataFrame(
        {"start": start, "end": end, "first": key.gather(start), "last": key.gather(end - 1)}
    ).sort("first")
    apart = blocks.select((pl.col("last").shift(1) < pl.col("first")).fill_null(True).all())
    if not apart.item():  # (equal keys in two blocks overlap too: their order is row order)
        return None
    return blocks.select("start", "end")


def _block_rows(blocks: pl.DataFrame) -> pl.Series:
    """The rows of the blocks (:func:`_block_list`), block after block."""
    rows = pl.int_ranges(blocks["start"], blocks["end"], dtype=pl.UInt32, eager=True).explode()
    return rows.alias("_i")


def _stable_order(key: pl.Series) -> pl.Series:
    """Rows of ``key`` in key order, ties in row order (UInt32 ``_i``). numpy's stable sort
    of a piece's 300,000 keys takes 4 ms in the calling thread, polars' 13 ms on both
    cores; polars' sort keeps the order of nulls (first)."""
    if key.null_count():
        return key.to_frame(_KEY).with_row_index("_i").sort(_KEY, maintain_order=True)["_i"]
    order = np.argsort(key.to_numpy(), kind="stable").astype(np.uint32)
    return pl.Series("_i", order, dtype=pl.UInt32)


def _block_order(key: pl.Series) -> pl.Series | None:
    """Rows of ``key`` in key order, ties in row order, when they come in few blocks whose
    key ranges do not overlap: the blocks in order of their first key, one pass instead of
    a sort. None otherwise."""
    blocks = _block_list(key)
    return None if blocks is None else _block_rows(blocks)


def _runs_in_place(fixes: pl.DataFrame) -> pl.Series | None:
    """``_run`` of fixes in blocks (:func:`_block_list`) in their rows' order: neighbours in
    a block are neighbours in (mmsi, ts) order, and a block's first row never has the key
    of the row before (a block starts where the key goes down or the MMSI changes). None
    when the rows of one MMSI and second are not already in (ts, rec_id) order (times
    finer than a second, out of order), which only a gather can mend."""
    key = fixes[_KEY]
    same = (key == key.shift(1)).fill_null(False)
    run = (same | same.shift(-1).fill_null(False)).alias(_RUN)
    if not run.any():
        return run
    sub = fixes.select(_KEY, s.TS, REC_ID)[run.arg_true()]
    k, ts, rec = pl.col(_KEY), pl.col(s.TS), pl.col(REC_ID)
    after = (ts > ts.shift(1)) | ((ts == ts.shift(1)) & (rec > rec.shift(1)))
    in_order = sub.select(((k != k.shift(1)) | after).fill_null(True).all()).item()
    return run if in_order else None


def _in_blocks(
    fixes: pl.DataFrame, blocks: pl.DataFrame, run: pl.Series
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Fixes in blocks (:func:`_block_list`) whose runs are in order (``run``:
    :func:`_runs_in_place`) in (mmsi, ts) order, and rule 2's folds: the blocks in key
    order are the fixes in order, taken as slices; no permutation of the rows is built."""
    folds = _position_reps(fixes[run.arg_true()])
    starts, ends = blocks["start"].to_list(), blocks["end"].to_list()
    pieces = [fixes.slice(a, b - a) for a, b in zip(starts, ends, strict=True)]
    return pl.concat(pieces, rechunk=False), folds


def _merged_runs(keys: pl.Series, runs: pl.Series, lengths: list[int]
                 ) -> tuple[pl.Series, np.ndarray]:  # fmt: skip
    """:func:`_key_order` of runs merged, and the keys in that order (numpy)."""
    from mda.ingest.fastkernel import frozen, merge_runs  # (the kernels: when needed)

    bounds = np.cumsum([0, *lengths], dtype=np.int64)
    rows = frozen(runs.cast(pl.UInt32).rechunk().to_numpy())
    order, ordered = merge_runs(frozen(keys.rechunk().to_numpy()), rows, bounds)
    return pl.Series("_i", order, pl.UInt32), ordered


def _key_order(keys: pl.Series, runs: pl.Series | None, lengths: list[int] | None = None,
               ) -> pl.Series:  # fmt: skip
    """Rows of ``keys`` (:func:`_sort_key`, no null) in key order, ties in row order.
    ``runs``, when given, lists the rows sorted by key piece by piece, ``lengths`` the
    pieces' numbers of rows: the runs are merged (compiled,
    :func:`mda.ingest.fastkernel.merge_runs`), not sorted again."""
    keys = keys.rechunk()  # one chunk: a gather across chunks is slower
    if runs is not None and lengths is not None and len(lengths) > 1:
        return _merged_runs(keys, runs, lengths)[0]
    base = runs if runs is not None else pl.int_range(keys.len(), dtype=pl.UInt32, eager=True)
    key = keys.gather(base)
    if key.is_sorted():  # one piece (a small file): that order
        return base.cast(pl.UInt32).alias("_i")
    # a stable sort: polars' (multi-threaded) is faster than numpy's timsort
    merged = key.to_frame(_KEY).with_row_index("_m").sort(_KEY, maintain_order=True)
    return base.gather(merged["_m"]).cast(pl.UInt32).alias("_i")


def _sort_permutation(fixes: pl.DataFrame, keyed: bool, order: pl.Series | None = None,
                      ordered: np.ndarray | None = None) -> pl.DataFrame:  # fmt: skip
    """Row order of ``fixes`` (in rec_id order) sorted by (mmsi, ts), ties in rec_id order:
    columns ``_i`` (row in ``fixes``) and ``_run`` (same mmsi and second as a neighbour).

    ``keyed``: ``fixes`` have a ``_key`` (:func:`_sort_key`) and ``order`` lists (some of)
    their rows in key order, ties in row order (:func:`_key_order`; default: all rows). The
    keys order by whole seconds, and the rows of one MMSI within one second (the ``_run``
    rows, rare) are put in (ts, rec_id) order after. Otherwise (times beyond the key's
    range) a slower sort by (mmsi, ts, rec_id). ``ordered``: the keys of ``order``, when
    known.
    """
    if keyed and ordered is not None and order is not None:
        perm = order
        equal = np.zeros(len(ordered), dtype=bool)
        np.equal(ordered[1:], ordered[:-1], out=equal[1:])
        same = pl.Series(equal)
    elif keyed:
        if order is None:
            order = _block_order(fixes[_KEY])
        perm = order if order is not None else _key_order(fixes[_KEY], None)
        keys = fixes[_KEY].gather(perm)
        same = keys == keys.shift(1)
    else:
        perm = fixes.select(pl.struct(s.MMSI, s.TS, REC_ID).arg_sort()).to_series()
        perm = perm.cast(pl.UInt32).alias("_i")
        ordered_rows = fixes.select(s.MMSI, _seconds().alias(_SEC))[perm]
        prev = (pl.col(s.MMSI) == pl.col(s.MMSI).shift(1)) & (pl.col(_SEC) == pl.col(_SEC).shift(1))
        same = ordered_rows.select(prev).to_series()
    run = (same.fill_null(False) | same.shift(-1).fill_null(False)).alias(_RUN)
    if keyed and run.any():
        at = run.arg_true()
        rows = fixes.select(s.MMSI, s.TS, REC_ID).with_row_index("_i")[perm.gather(at)]
        perm = perm.scatter(at, rows.sort(s.MMSI, s.TS, REC_ID)["_i"])
    return pl.DataFrame([perm, run])


def _take(frame: pl.DataFrame, rows: pl.Series) -> pl.DataFrame:
    """``frame[rows]``; when the rows go up one by one in long stretches (the blocks of a
    file grouped by vessel, put in order), the stretches are slices of ``frame``: nothing
    is copied (a gather of 10 M fixes costs ~0.4 s; Parquet is written as fast from the
    slices)."""
    if rows.len() < _BLOCK_ROWS:
        return frame[rows]
    step = rows.cast(pl.Int64).diff()
    first = step.ne(1).fill_null(True).arg_true()  # where each stretch begins (in rows)
    if first.len() * _BLOCK_ROWS > rows.len():
        return frame[rows]
    at, ends = rows.gather(first).to_list(), [*first.to_list()[1:], rows.len()]
    sizes = [b - a for a, b in zip(first.to_list(), ends, strict=True)]
    return pl.concat([frame.slice(a, n) for a, n in zip(at, sizes, strict=True)], rechunk=False)


def _concat(frames: list[pl.DataFrame], schema: dict[str, pl.DataType]) -> pl.DataFrame:
    return pl.concat(frames, how="vertical_relaxed") if frames else s.empty(schema)


def _merge_counts(into: dict[str, int], more: dict[str, int]) -> None:
    for k, v in more.items():
        into[k] = into.get(k, 0) + v


@dataclass
class _Span:
    """The lines of a piece with one line per record and no raw text (``Parsed.one_line``):
    the line of record ``rec_id`` is ``rec_id + line_delta`` of ``source_file``, its
    ``_seq`` ``rec_id + seq_delta``."""

    rec_lo: int
    rec_hi: int
    line_delta: int
    seq_delta: int
    source_file: str


class _Collector:
    """Reduces pieces to what the duplicate rules need, then applies them (:func:`finalize`)."""

    def __init__(self, day: date | None, progress: ProgressHook | None = None) -> None:
        self.day = day
        self.progress = progress
        self.offset = 0  # added to the rec_ids of the current file
        self.lines_read = 0
        self.seq_base = 0  # added to the line numbers of the current file: its lines' _seq
        self.file_lines = 0  # the largest line number of the current file so far
        self.cand_line_count = 0
        self.origins: dict[tuple[str | None, str], int] = {}
        self.skipped: dict[str, int] = {}
        self.fetchers: dict[str, Callable[[pl.Series], pl.DataFrame]] = {}
        self.rejected: list[pl.DataFrame] = []  # quarantine rows known from one piece
        self.fixes: list[pl.DataFrame] = []  # _FIX_COLUMNS of candidates with a position
        self.static_only: list[pl.DataFrame] = []  # rec_id of the other candidates
        self.payloads: list[pl.DataFrame] = []  # rec_id, payload hashes, ts of NMEA candidates
        self.statics: list[pl.DataFrame] = []  # _STATIC_ROW: first of each report per piece
        self.cand_lines: list[pl.DataFrame] = []  # lines of pieces not in a span
        self.unit_lines: list[tuple[UnitLines, pl.DataFrame, int]] = []  # with seq_base
        self.spans: list[_Span] = []
        self.keyed = True  # every piece's fixes carry a sort key (see _sorted_piece)
        self.station_fields: list[pl.DataFrame] = []  # STATION_FIELDS_SCHEMA, every station
        self.station_rows: list[pl.DataFrame] = []  # _STATION_ROW of station candidates
        self.runs: list[pl.Series] = []  # rows of self.fixes sorted by key, piece by piece
        self.blocky = False  # a piece's fixes came in few blocks: no runs, blocks at the end
        self.starts: list[pl.Series | None] = []  # each piece's _blocks (rows of self.fixes)

    # --- per piece ---------------------------------------------------------------------

    def add_file(self, item: Parsed | Chunked) -> None:
        """Add one input file (its pieces in order); rec_ids are shifted past earlier files."""
        top = -1
        for part in [item] if isinstance(item, Parsed) else item.parts:
            top = max(top, self._add(part))
            if self.progress is not None and part.progress is not None:
                self.progress(*part.progress)
        self.offset += top + 1
        self.seq_base += self.file_lines + 1
        self.file_lines = 0

    def _add(self, part: Parsed) -> int:
        """Judge one piece; returns its largest rec_id before shifting (-1 if none)."""
        recs = _with_origin(s.conform(part.records, RECORDS_SCHEMA), part)
        if STATIC_HASH in part.records.columns:
            recs = recs.with_columns(part.records[STATIC_HASH].cast(pl.UInt64))
        top = int(recs[REC_ID].max()) if recs.height else -1  # type: ignore[arg-type]
        recs = recs.with_columns(pl.col(REC_ID) + self.offset)
        _merge_counts(self.skipped, part.skipped)
        stations = self._station_flag(part)
        if stations is None:  # as usual: no station report in the piece
            judged = recs.with_columns(
                pl.lit(False).alias(_STATION),
                has_position().alias(_HAS_POS),
                has_static().alias(_HAS_STATIC),
            )
        else:
            station = pl.col(_STATION)
            judged = recs.with_columns(stations).with_columns(
                (has_position() & ~station).alias(_HAS_POS),
                (has_static() & ~station).alias(_HAS_STATIC),
            )
        reason, fails = _common_reason(self.day, stations is not None)
        if judged.select(fails).item():
            judged = judged.with_columns(reason.alias(s.REASON))
        clean = judged[s.REASON].null_count() == judged.height
        if part.one_line is not None:
            self._add_one_line(judged, *part.one_line, part.raw_of)
        else:
            lines = s.conform(part.lines, LINES_SCHEMA)
            lines = lines.with_columns(pl.col(REC_ID) + self.offset)
            lines = lines.with_columns((pl.col(s.LINE_NO) + self.seq_base).alias(_SEQ))
            self.lines_read += lines.height
            if lines.height:
                self.file_lines = max(self.file_lines, int(lines[s.LINE_NO].max()))  # type: ignore[arg-type]
            if part.raw_of is not None and lines.height:
                self.fetchers.setdefault(str(lines[s.SOURCE_FILE][0]), part.raw_of)
            bad = None if clean else _bad(judged)  # (rec_id, reason) of the rejected records
            self._add_lines(judged, lines, bad)
            if part.units is not None:
                self._add_units(part.units, bad)
        self._add_candidates(judged, None if clean else judged[s.REASON].is_null())
        return top

    def _station_flag(self, part: Parsed) -> pl.Expr | None:
        """``_station`` of each record of ``part`` (keeps its station fields, rec_ids
        shifted); None when the piece has no station report."""
        if part.stations is None or not part.stations.height:
            return None
        fields = s.conform(part.stations, STATION_FIELDS_SCHEMA)
        fields = fields.with_columns(pl.col(REC_ID) + self.offset)
        self.station_fields.append(fields)
        return pl.col(REC_ID).is_in(fields[REC_ID].implode()).alias(_STATION)

    def _add_one_line(
        self,
        judged: pl.DataFrame,
        source_file: str,
        offset: int,
        raw_of: Callable[[pl.Series], pl.DataFrame] | None,
    ) -> None:
        """:meth:`_add_lines` for a piece whose records are its lines (``Parsed.one_line``):
        a :class:`_Span` stands for them; only the rejected records become rows."""
        if not judged.height:
            return
        lo, hi = judged.select(pl.col(REC_ID).min(), pl.col(REC_ID).max().alias("hi")).row(0)
        if hi - lo + 1 != judged.height:
            raise MdaError(f"{source_file}: records of a one-line piece are not consecutive")
        line_delta = offset - self.offset
        span = _Span(lo, hi, line_delta, line_delta + self.seq_base, source_file)
        self.file_lines = max(self.file_lines, hi + line_delta)
        self.spans.append(span)
        self.lines_read += judged.height
        if raw_of is not None:
            self.fetchers.setdefault(source_file, raw_of)
        rejected = judged.filter(pl.col(s.REASON).is_not_null()).select(REC_ID, s.REASON)
        if rejected.height:
            self.rejected.append(_span_rows(span, rejected))
        self.cand_line_count += judged.height - rejected.height

    def _add_lines(
        self, judged: pl.DataFrame, lines: pl.DataFrame, bad: pl.DataFrame | None
    ) -> None:
        """Quarantine the lines of rejected records (``bad``: their rec_id and reason,
        None when there are none); keep the lines for the candidates' later fates. Only the
        rejected lines are copied."""
        reason = judged[s.REASON]
        aligned = lines.height == judged.height and lines[REC_ID].equals(judged[REC_ID])
        if bad is None:
            rejected = lines.clear().with_columns(pl.lit(None, pl.String).alias(s.REASON))
        elif aligned:
            rejected = lines.with_columns(reason).filter(pl.col(s.REASON).is_not_null())
        else:
            rejected = lines.join(bad, on=REC_ID, maintain_order="left")
        if rejected.height:
            self.rejected.append(rejected.select(_QUARANTINE_ROW))
        self.cand_line_count += lines.height - rejected.height
        if lines.height:  # all of them (no copy): final rejects are looked up by rec_id
            self.cand_lines.append(lines.select(REC_ID, s.SOURCE_FILE, s.LINE_NO, s.RAW, _SEQ))

    def _add_units(self, units: UnitLines, bad: pl.DataFrame | None) -> None:
        """:meth:`_add_lines` for the lines of a piece's units (``Parsed.units``): only the
        rejected ones become rows; the units are kept as (rec_id, line_no, _n) for the
        final rejects."""
        frame = units.frame().with_columns(pl.col(REC_ID) + self.offset)
        n_lines = int(units.n.sum())
        self.lines_read += n_lines
        if frame.height:
            last = units.line_no + units.n - 1
            self.file_lines = max(self.file_lines, int(last.max()))  # type: ignore[arg-type]
        rejected = 0
        if bad is not None:
            rows = frame.join(bad, on=REC_ID)
            if rows.height:
                self.rejected.append(self._unit_rows(units, rows, self.seq_base))
                rejected = int(rows[_N].sum())
        self.cand_line_count += n_lines - rejected
        self.unit_lines.append((units, frame, self.seq_base))

    @staticmethod
    def _unit_rows(units: UnitLines, rows: pl.DataFrame, seq_base: int) -> pl.DataFrame:
        """Quarantine rows (with ``_seq``) of the lines of the units ``rows`` (rec_id,
        line_no, _n, reason)."""
        lines = units.lines(rows).with_columns((pl.col(s.LINE_NO) + seq_base).alias(_SEQ))
        return lines.select(_QUARANTINE_ROW)

    def _add_candidates(self, judged: pl.DataFrame, keep: pl.Series | None) -> None:
        """Keep what the rules need of the candidates: the rows of ``judged`` where ``keep``
        (None: all). Each part takes its columns first, then its rows (with its own
        condition in the same filter), so only those columns are copied, never the whole
        frame."""

        def rows(columns: Iterable[str], where: pl.Series | None = None) -> pl.DataFrame:
            mask = keep if where is None else where if keep is None else where & keep
            frame = judged.select(columns)
            return frame if mask is None else frame.filter(mask)

        def count(where: pl.Series) -> int:
            return int((where if keep is None else where & keep).sum())

        judged = judged.with_columns(self._origin_codes(judged, keep))
        station, has_pos = judged[_STATION], judged[_HAS_POS]
        # stations (neither a position nor static data) join the same-transmission rule only
        n_stations = count(station)
        if n_stations:
            self.station_rows.append(rows(_STATION_ROW, station))
        hashed = [c for c in (STATIC_HASH, _PAYLOAD_HASH) if c in judged.columns]
        static_columns = [*_STATIC_ROW, *hashed[:1]]
        self.statics.append(_first_statics(rows(static_columns, judged[_HAS_STATIC])))
        payload = judged[_PAYLOAD_HASH].is_not_null()
        if count(payload):
            self.payloads.append(rows([REC_ID, _PAYLOAD_HASH, _PAYLOAD_CHECK, s.TS], payload))
        n_pos = count(has_pos)
        n_cand = judged.height if keep is None else int(keep.sum())
        every = keep is None and n_pos == n_cand
        self.fixes.append(self._sorted_piece(rows(_FIX_COLUMNS, None if every else has_pos)))
        if n_pos + n_stations < n_cand:
            self.static_only.append(rows([REC_ID], ~has_pos & ~station))

    def _sorted_piece(self, fixes: pl.DataFrame) -> pl.DataFrame:
        """A piece's fixes with their ``_key`` (:func:`_sort_key`; null when a time is
        beyond its range). Their order by key (ties in rec_id order) is found here, while
        the reader parses the next piece, and kept in ``runs``: sorted runs for the end;
        unless they come in blocks (a file grouped by vessel), put in order at the end."""
        key = _sort_key(fixes)
        if key is None:
            self.keyed = False
            return fixes.with_columns(pl.lit(None, pl.Int64).alias(_KEY))
        before = sum(f.height for f in self.fixes)
        starts = _blocks(key) if key.len() >= _BLOCKY_PIECE and not key.null_count() else None
        self.starts.append(None if starts is None else starts.cast(pl.Int64) + before)
        if starts is not None and starts.len() * _BLOCK_ROWS <= key.len():  # few blocks
            self.blocky = True  # (put in order by blocks at the end)
        elif not self.blocky:
            self.runs.append(_stable_order(key) + before)
        return fixes.with_columns(key.alias(_KEY))

    def _block_starts(self, keys: pl.Series) -> pl.Series | None:
        """:func:`_blocks` of all the fixes (``keys``), from those found piece by piece:
        a piece's first row starts a block only where the key goes down or the MMSI
        changes. None when a piece's were not found."""
        if not self.starts or any(st is None for st in self.starts):
            return None
        starts = pl.concat([st for st in self.starts if st is not None])
        edge = [int(st[0]) for st in self.starts if st is not None and st.len() and st[0] > 0]
        if edge:  # (the first row of each piece after the first)
            at = pl.Series(edge, dtype=pl.Int64)
            now, prev = keys.gather(at), keys.gather(at - 1)
            cut = (now < prev) | (now // (1 << 33) != prev // (1 << 33))
            starts = starts.filter(~starts.is_in(at.filter(~cut).implode()))
        return starts

    def _origin_codes(self, judged: pl.DataFrame, keep: pl.Series | None) -> pl.Series:
        """UInt32 code of each candidate's (source, label) pair in ``self.origins``, for
        every row of ``judged`` (the candidates are the rows where ``keep``; the others
        get a code that means nothing)."""
        keys = [s.SOURCE, _LABEL]
        cand = judged.select(keys) if keep is None else judged.select(keys).filter(keep)
        same = (pl.col(c).eq_missing(pl.col(c).first()).all() for c in keys)
        if not cand.height or all(cand.select(same).row(0)):
            pairs = cand.head(1)
        else:
            pairs = cand.unique(maintain_order=True)
        codes = [self.origins.setdefault((a, b), len(self.origins)) for a, b in pairs.iter_rows()]
        if len(codes) <= 1:  # (not from a Python list: 10x slower)
            return pl.repeat(codes[0] if codes else 0, judged.height, dtype=pl.UInt32,
                             eager=True).alias(_ORIGIN)  # fmt: skip
        table = pairs.with_columns(pl.Series(_ORIGIN, codes, dtype=pl.UInt32))
        got = _codes_by_hash(cand, table)
        if got is None:
            joined = cand.join(table, on=keys, how="left", nulls_equal=True, maintain_order="left")
            got = joined[_ORIGIN]
        if keep is None:
            return got.alias(_ORIGIN)
        full = pl.repeat(0, judged.height, dtype=pl.UInt32, eager=True).alias(_ORIGIN)
        return full.scatter(keep.arg_true(), got)

    # --- over all pieces ---------------------------------------------------------------

    def result(self, ready: TableHook | None = None) -> IngestResult:
        """Apply the duplicate rules and build the tables (``ready``: see :func:`finalize`).

        The lines of the static reports that bring nothing new (most of a feed's
        quarantine: a vessel repeats its type 5 every few minutes) do not depend on the
        rules: they are looked up in a thread while the rules run, and the few the rules
        call echoes ("duplicate") are put right after (:meth:`_late_lines`)."""
        fixes = _concat(self.fixes, {**_FIX_SCHEMA, _KEY: pl.Int64()})
        self.fixes = []
        hashes = {_PAYLOAD_HASH: pl.UInt64(), _PAYLOAD_CHECK: pl.UInt64()}
        payloads = _concat(self.payloads, {REC_ID: pl.Int64(), **hashes, s.TS: s.UTC_TS})
        static_new = self._static_news()
        others = _concat(self.static_only, {REC_ID: pl.Int64()})
        unchanged = others.filter(~pl.col(REC_ID).is_in(static_new[REC_ID].implode()))
        with ThreadPoolExecutor(1) as pool:
            looked_up = pool.submit(self._lines_of, unchanged.with_columns(_UNCHANGED))
            plain, echoes, folds = self._in_order(fixes, payloads)
            kept = (
                plain.filter(~pl.col(REC_ID).is_in(folds[REC_ID].implode()))
                if folds.height
                else plain
            )
            folded = self._folded(fixes, echoes, folds)
            positions = self._positions(kept, folded)
            if ready is not None:
                ready("positions", positions)
            rejects = self._final_rejects(echoes, folds, static_new[REC_ID], others)
            stations, station_rejects = self._stations(echoes)
            unchanged_lines = looked_up.result()
        rejects = pl.concat([rejects, station_rejects])
        late = self._late_lines(rejects, unchanged, unchanged_lines)
        return self._build(positions, static_new, late, stations)

    def _late_lines(
        self, rejects: pl.DataFrame, unchanged: pl.DataFrame, unchanged_lines: pl.DataFrame
    ) -> pl.DataFrame:
        """Quarantine rows (with ``_seq``) of the rules' rejects (rec_id, reason): the lines
        of ``unchanged`` (rec_ids of static reports with nothing new), looked up beforehand
        as "static_unchanged" (``unchanged_lines``), with those the rules call otherwise
        (echoes: "duplicate") taken again, and the other rejects' lines."""
        in_unchanged = pl.col(REC_ID).is_in(unchanged[REC_ID].implode())
        rest = self._lines_of(rejects.filter(~in_unchanged))
        renamed = rejects.filter(in_unchanged & (pl.col(s.REASON) != _UNCHANGED_REASON))
        parts = [unchanged_lines, rest]
        if renamed.height:
            again = self._lines_of(renamed)
            parts = [unchanged_lines.filter(~pl.col(_SEQ).is_in(again[_SEQ].implode())),
                     again, rest]  # fmt: skip
        parts = [p for p in parts if p.height]
        return pl.concat(parts, how="vertical_relaxed") if parts else rest

    def _in_order(
        self, fixes: pl.DataFrame, payloads: pl.DataFrame
    ) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
        """The fixes that are no echo in (mmsi, ts) order (without ``_key``), the echoes
        (rule 1: rec_id -> first record of its chain) and the folds (rule 2: rec_id -> kept
        fix).

        Rule 1 (compiled, without the GIL) runs in a thread while the fixes are put in key
        order; the echoes are then taken out of that order. A file in blocks (NOAA's daily
        files) whose runs are in order needs no order at all (:func:`_in_blocks`)."""
        runs = pl.concat(self.runs) if self.keyed and self.runs and not self.blocky else None
        with ThreadPoolExecutor(1) as pool:
            echo_job = pool.submit(_echo_reps, payloads)
            blocks = in_place = order = ordered = None
            if self.keyed and runs is None:  # a file grouped by vessel?
                blocks = _block_list(fixes[_KEY], self._block_starts(fixes[_KEY]))
                in_place = _runs_in_place(fixes) if blocks is not None else None
            if self.keyed and in_place is None:
                lengths = [run.len() for run in self.runs]
                if blocks is not None:
                    order = _block_rows(blocks)
                elif runs is not None and len(lengths) > 1:  # (with the keys in that order)
                    order, ordered = _merged_runs(fixes[_KEY], runs, lengths)
                else:
                    order = _key_order(fixes[_KEY], runs, lengths)
            # a stream's pieces in one chunk (gathered from below), while rule 1 runs
            whole = fixes.drop(_KEY).rechunk() if runs is not None else None
            echoes = echo_job.result()
        if blocks is not None and in_place is not None:
            if not echoes.height:
                plain, folds = _in_blocks(fixes.drop(_KEY), blocks, in_place)
                return plain, echoes, folds
            order = _block_rows(blocks)  # (echoes in blocks: taken out of the order)
        plain = fixes
        if echoes.height:
            is_echo = fixes.select(pl.col(REC_ID).is_in(echoes[REC_ID].implode())).to_series()
            if ordered is not None and order is not None:  # (numpy: no gather of the keys)
                in_order = order.to_numpy()
                keep = ~is_echo.to_numpy()[in_order]
                order, ordered = pl.Series("_i", in_order[keep]), ordered[keep]
            elif order is not None:
                order = order.filter(~is_echo.gather(order))
            else:  # (not keyed: the fixes without the echoes sorted below)
                plain = fixes.filter(~is_echo)
        perm = _sort_permutation(plain, self.keyed, order, ordered)
        rows = perm["_i"]
        plain = plain.drop(_KEY)
        folds = _position_reps(plain[rows.filter(perm[_RUN])])
        if whole is not None:  # a stream's pieces: gathered from one chunk, not from theirs
            # (a permutation that jumps between chunks gathers several times slower)
            return whole[rows], echoes, folds
        return _take(plain, rows), echoes, folds  # (blocks may be taken as slices)

    def _stations(self, echoes: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
        """The station table, and (rec_id, reason) of the station reports it folds that
        ``_final_rejects`` does not already reject.

        Echoes (rule 1, the same transmission heard again) fold into their chain's first
        record, as positions do; then among the others, a report with the same MMSI, whole
        second and station fields as an earlier one is a duplicate of it."""
        rows = _concat(self.station_rows, _STATION_ROW_SCHEMA)
        fields = _concat(self.station_fields, STATION_FIELDS_SCHEMA)
        rows = rows.join(fields, on=REC_ID, how="left").sort(REC_ID)
        echo = pl.col(REC_ID).is_in(echoes[REC_ID].implode())
        plain = rows.filter(~echo)
        same = pl.struct(s.MMSI, _seconds(), *STATION_KEYS)
        plain = plain.with_columns(pl.col(REC_ID).first().over(same).alias(_REP))
        repeats = plain.filter(pl.col(_REP) != pl.col(REC_ID)).select(REC_ID, _REP)
        kept = plain.filter(pl.col(_REP) == pl.col(REC_ID))
        heard = echoes.join(rows.select(REC_ID), on=REC_ID)  # station echoes
        to_kept = repeats.rename({REC_ID: "_from", _REP: "_to"})
        via = heard.join(to_kept, left_on=_REP, right_on="_from", how="left")
        via = via.select(REC_ID, pl.col("_to").fill_null(pl.col(_REP)).alias(_PREP))
        folded = pl.concat([repeats.rename({_REP: _PREP}), via])
        folded = folded.join(rows.select(REC_ID, _ORIGIN), on=REC_ID).sort(REC_ID)
        sources = pl.Series([k[0] for k in self.origins], dtype=pl.String)
        labels = pl.Series([k[1] for k in self.origins], dtype=pl.String)
        kept = kept.with_columns(
            sources.gather(kept[_ORIGIN]).alias(s.SOURCE),
            _source_lists(kept, folded, labels).alias(s.SOURCES),
        )
        stations = s.conform(kept, s.STATIONS_SCHEMA).sort(s.MMSI, s.TS, maintain_order=True)
        duplicate = pl.lit("duplicate").alias(s.REASON)
        return stations, repeats.select(REC_ID, duplicate)

    def _static_news(self) -> pl.DataFrame:
        """The first row (in rec_id order) of each distinct static report: the vessel rows."""
        statics = _concat(self.statics, {c: RECORDS_SCHEMA[c] for c in _STATIC_ROW})
        return statics.filter(pl.struct(STATIC_KEYS).is_first_distinct())

    def _folded(
        self, fixes: pl.DataFrame, echoes: pl.DataFrame, folds: pl.DataFrame
    ) -> pl.DataFrame:
        """(rec_id, _prep, _origin) of every record whose position is stored in another
        record's row: folded fixes, and echoes (their chain's first record, or where that one
        was folded), in rec_id order."""
        to_kept = folds.rename({REC_ID: "_from", _REP: "_to"})
        via = echoes.join(to_kept, left_on=_REP, right_on="_from", how="left")
        via = via.select(REC_ID, pl.col("_to").fill_null(pl.col(_REP)).alias(_PREP))
        both = pl.concat([folds.rename({_REP: _PREP}), via])
        if not both.height:
            return both.with_columns(pl.lit(None, pl.UInt32).alias(_ORIGIN))
        origin = fixes.filter(pl.col(REC_ID).is_in(both[REC_ID].implode())).select(REC_ID, _ORIGIN)
        return both.join(origin, on=REC_ID).sort(REC_ID)

    def _positions(self, kept: pl.DataFrame, folded: pl.DataFrame) -> pl.DataFrame:
        """The position table: kept fixes with ``source`` and ``sources``."""
        sources = pl.Series([k[0] for k in self.origins], dtype=pl.String)
        labels = pl.Series([k[1] for k in self.origins], dtype=pl.String)
        codes = pl.concat([kept[_ORIGIN].unique(), folded[_ORIGIN].unique()]).unique()
        if codes.len() == 1 and labels.len():
            # one origin (a single file, say): constant columns. Besides saving memory, a
            # constant list column is written to Parquet about 30x faster (10 M rows: 0.15 s
            # instead of 5 s) than the same lists built row by row.
            code = int(codes[0])
            out = kept.with_columns(
                pl.lit(sources[code], pl.String).alias(s.SOURCE),
                pl.lit([labels[code]], pl.List(pl.String)).alias(s.SOURCES),
            )
        else:
            out = kept.with_columns(
                sources.gather(kept[_ORIGIN]).alias(s.SOURCE),
                _source_lists(kept, folded, labels).alias(s.SOURCES),
            )
        return s.conform(out, s.POSITIONS_SCHEMA).with_columns(pl.col(s.MMSI).set_sorted())

    def _final_rejects(
        self, echoes: pl.DataFrame, folds: pl.DataFrame, static_new: pl.Series,
        others: pl.DataFrame,
    ) -> pl.DataFrame:  # fmt: skip
        """(rec_id, reason) of candidates the duplicate rules reject: echoes are
        "duplicate"; otherwise a record with nothing new is "duplicate" if it carries a
        position, "static_unchanged" if not (``others``: the candidates with neither a
        position nor a station report). Built from the small sets involved, not from the
        fixes (millions)."""
        echo_ids = echoes[REC_ID]
        new = pl.col(REC_ID).is_in(static_new.implode())
        is_echo = pl.col(REC_ID).is_in(echo_ids.implode())
        duplicate = pl.lit("duplicate").alias(s.REASON)
        return pl.concat(
            [
                echo_ids.to_frame().select(REC_ID, duplicate),  # fixes and static-only alike
                folds.filter(~new).select(REC_ID, duplicate),  # folds are never echoes
                others.filter(~is_echo & ~new).select(REC_ID, _UNCHANGED),
            ]
        )

    def _lines_of(self, rejects: pl.DataFrame) -> pl.DataFrame:
        """Quarantine rows (with ``_seq``) of the lines of the given (rec_id, reason)."""
        parts = [
            lines.join(rejects, on=REC_ID).select(_QUARANTINE_ROW) for lines in self.cand_lines
        ]
        for span in self.spans:
            rows = rejects.filter(pl.col(REC_ID).is_between(span.rec_lo, span.rec_hi))
            parts.append(_span_rows(span, rows))
        for units, frame, seq_base in self.unit_lines:
            if not frame.height:
                continue
            lo, hi = frame[REC_ID].min(), frame[REC_ID].max()  # (a piece's records)
            mine = rejects.filter(pl.col(REC_ID).is_between(lo, hi))
            found = frame.join(mine, on=REC_ID) if mine.height else frame.clear()
            if found.height:
                parts.append(self._unit_rows(units, found, seq_base))
        return pl.concat(parts, how="vertical_relaxed") if parts else s.empty(s.QUARANTINE_SCHEMA)

    def _build(
        self,
        positions: pl.DataFrame,
        static_new: pl.DataFrame,
        late: pl.DataFrame,
        stations: pl.DataFrame,
    ) -> IngestResult:
        """The result: ``late`` holds the quarantine rows of the rules' rejects."""
        rows = [r for r in [*self.rejected, late] if r.height]
        quarantine = pl.concat(rows, how="vertical_relaxed").sort(_SEQ) if rows else None
        quarantine = s.conform(
            _with_raw(quarantine, self.fetchers)
            if quarantine is not None
            else s.empty(s.QUARANTINE_SCHEMA),
            s.QUARANTINE_SCHEMA,
        )
        counts = quarantine.group_by(s.REASON).len().sort(s.REASON)
        rejected = dict(zip(counts[s.REASON].to_list(), counts["len"].to_list(), strict=True))
        accepted = self.cand_line_count - late.height
        if accepted + sum(rejected.values()) != self.lines_read:
            raise MdaError(f"line accounting broken: {accepted} + {rejected} != {self.lines_read}")
        vessels = s.conform(static_new, s.VESSELS_SCHEMA).sort(s.MMSI, s.TS)
        return IngestResult(
            positions=positions,
            vessels=vessels,
            stations=stations,
            quarantine=quarantine,
            lines_read=self.lines_read,
            accepted=accepted,
            rejects=rejected,
            skipped=self.skipped,
        )


_LIST_CHUNK_ROWS = 1 << 18
"""A list column is made in chunks of this many rows: polars (2.1) writes a one-chunk list
column in time growing with the square of its length (4 M rows of ``sources``: 0.65 s in
one chunk, 0.21 s in these; 10 M rows of a one-label list: 2.4 s against 0.35 s)."""


def _source_lists(kept: pl.DataFrame, folded: pl.DataFrame, labels: pl.Series) -> pl.Series:
    """``sources`` of each kept row: its own label (``labels`` by ``_origin`` code), then the
    distinct labels of the records folded into it (in rec_id order).

    Each row's list is gathered from a small table: one list per origin, then one per row
    that has records folded into it (few); in chunks of :data:`_LIST_CHUNK_ROWS` rows."""
    codes = kept[_ORIGIN].cast(pl.UInt32)
    table = pl.Series([[label] for label in labels.to_list()], dtype=pl.List(pl.String))
    if folded.height:
        extra = folded.select(_PREP, labels.gather(folded[_ORIGIN]).alias("_extra"))
        extra = extra.group_by(_PREP, maintain_order=True).agg("_extra")
        rows = kept.select(REC_ID, _ORIGIN).with_row_index("_row").join(
            extra, left_on=REC_ID, right_on=_PREP, maintain_order="left"
        )  # (the rows with folded records)
        if rows.height:
            own = labels.gather(rows[_ORIGIN])
            both = rows.select(
                pl.concat_list(pl.lit(own), "_extra").list.unique(maintain_order=True)
            ).to_series()
            codes = codes.scatter(rows["_row"], pl.int_range(table.len(), table.len()
                                                             + rows.height, dtype=pl.UInt32,
                                                             eager=True))  # fmt: skip
            table = pl.concat([table, both.cast(table.dtype)])
    step = _LIST_CHUNK_ROWS
    parts = [table.gather(codes.slice(at, step)) for at in range(0, codes.len(), step)]
    return pl.concat(parts, rechunk=False) if parts else table.clear()


def _codes_by_hash(rows: pl.DataFrame, table: pl.DataFrame) -> pl.Series | None:
    """``_origin`` of each of ``rows`` from ``table`` (its key columns, then ``_origin``) by
    a 64-bit hash of the keys (several times faster than a join on text columns), checked
    against the keys themselves; None when two keys of the table share a hash or a row's
    keys are not the table's (the caller then joins)."""
    keys = rows.columns
    hashes = table.select(pl.struct(keys).hash(0)).to_series()
    if hashes.n_unique() < table.height:
        return None
    position = {h: i for i, h in enumerate(hashes.to_list())}  # hash -> row of the table
    hashed = rows.select(pl.struct(keys).hash(0)).to_series()
    at = hashed.replace_strict(position, default=None, return_dtype=pl.UInt32)
    if at.null_count():
        return None
    back = table[at]  # the table row each row got: its keys must be the row's
    same = rows.select(pl.all_horizontal(pl.col(k).eq_missing(back[k]) for k in keys).all())
    return back[_ORIGIN].alias(_ORIGIN) if same.item() else None


def _bad(judged: pl.DataFrame) -> pl.DataFrame:
    """(rec_id, reason) of the rejected records of a piece (its columns first, then the
    rows: only those two columns are copied)."""
    return judged.select(REC_ID, s.REASON).filter(pl.col(s.REASON).is_not_null())


def _first_statics(rows: pl.DataFrame) -> pl.DataFrame:
    """``_STATIC_ROW`` of the first of the candidates with static data ``rows`` (of one
    piece) with each static hash: a superset of the first record of each static report
    (equal fields give equal hashes); the reports are compared by value in
    :meth:`_Collector._static_news`. A 64-bit hash is much cheaper to find first
    occurrences of than the struct of fields: the CSV reader's hash of the fields, or the
    payload's (the fields are the payload's: the first record of each payload holds the
    first of each set of fields)."""
    if STATIC_HASH in rows.columns:  # from the CSV reader
        return rows.filter(pl.col(STATIC_HASH).is_first_distinct()).select(_STATIC_ROW)
    if _PAYLOAD_HASH in rows.columns and not rows[_PAYLOAD_HASH].null_count():
        return rows.filter(pl.col(_PAYLOAD_HASH).is_first_distinct()).select(_STATIC_ROW)
    return rows.filter(pl.struct(STATIC_KEYS).hash(0).is_first_distinct()).select(_STATIC_ROW)


def _span_rows(span: _Span, rejects: pl.DataFrame) -> pl.DataFrame:
    """Quarantine rows (with ``_seq``, no raw text) of (rec_id, reason) within a span."""
    return rejects.select(
        pl.lit(span.source_file).alias(s.SOURCE_FILE),
        (pl.col(REC_ID) + span.line_delta).alias(s.LINE_NO),
        s.REASON,
        pl.lit(None, pl.String).alias(s.RAW),
        (pl.col(REC_ID) + span.seq_delta).alias(_SEQ),
    )


def _with_raw(
    rejected: pl.DataFrame, fetchers: dict[str, Callable[[pl.Series], pl.DataFrame]]
) -> pl.DataFrame:
    """Fill the raw text of rejected lines from files read without it (``raw_of``)."""
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


TableHook = Callable[[str, pl.DataFrame], None]
"""Called with a table's name ("positions") and the table as soon as it is final."""


def finalize(
    parsed: Iterable[Parsed | Chunked],
    day: date | None = None,
    progress: ProgressHook | None = None,
    stage: StageHook | None = None,
    ready: TableHook | None = None,
) -> IngestResult:
    """Apply the common checks and the duplicate rules to one or more parsed files (each a
    :class:`Parsed` or a :class:`Chunked` file) and build the result. ``progress`` is told
    how far each file read in pieces has got, ``stage`` when the rules over all records
    begin (after the last piece), ``ready`` the positions as soon as they are final (before
    the station and quarantine tables are built: a caller may start writing them)."""
    collector = _Collector(day, progress)
    for item in parsed:
        collector.add_file(item)
    if stage is not None:
        stage(STAGE_RULES)
    return collector.result(ready)


STAGE_RULES = "duplicate rules"
"""The stage :func:`finalize` announces once every file is read."""
