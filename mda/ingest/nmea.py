"""Lenient stream decoding of raw AIS NMEA files (plain or gzip), pyais as the decoder.

Strict for one message, lenient and counted for the stream: every data line ends in
exactly one record (see ``mda.ingest._records``), either decoded or rejected with a
reason; the raw line is kept for quarantine.

What is read:

- ``!xxVDM`` / ``!xxVDO`` from any talker (AI, AB, BS, SA, ``--`` ...), single or
  multi-part. Parts are assembled by (talker+formatter, channel, sequence id, part count);
  other sentences may interleave. A part whose group is not complete within
  ``MAX_FRAGMENT_GAP_LINES`` lines, or is never completed, is ``missing_fragment``.
- Timestamps, first found wins: the NMEA 4.0 tag block ``c:`` field (seconds or
  milliseconds since the epoch) -> an epoch field after the checksum (the first
  all-digit field: ``*hh,1234567890`` or USCG ``*hh,s..,d..,T..,r..,1234567890``) ->
  a leading epoch (``1452384000.123 !AIVDM...``) -> the last Gatehouse ``$PGHP`` line
  (it applies to the next AIS sentence only; later fragments inherit the first
  fragment's time).
- A tag block alone on its line applies to the next sentence. ``$PGHP`` lines and lone
  tag blocks are metadata (``skipped``), as are blank lines and ``#`` comments.
- A line holding several sentences belongs to the record of its first AIS sentence.

Canonical fields (``canonical_fields``): lat 91 / lon 181 stay as decoded and are judged
"no_position" later; SOG 102.3 (type 27: 63), COG 360 (type 27: 511), heading 511 and
navigational status 15 ("not defined") become null; zero dimensions, draught, IMO and ship
type 0 and empty texts become null. Text fields are kept verbatim (untrusted: escape them
when rendering). Base station (type 4) and aid-to-navigation (type 21) reports give station
fields (``Parsed.stations``, see ``mda.ingest._records``): position null when not available
or out of range, the AtoN name joined with its extension as pyais's ``full_name``, EPFD and
AtoN type 0 null, the off-position flag null when the report's second is above 59, and a
base station's own UTC date and time as ``reported_ts``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import reduce
from operator import xor
from pathlib import Path
from typing import Any

import polars as pl
from pyais.bit_vector import bit_vector
from pyais.constants import NavAid
from pyais.messages import MSG_CLASS

from mda import schema as s
from mda.ingest import _records as r
from mda.ingest.formats import iter_text_lines

log = logging.getLogger(__name__)

SOURCE_NAME = "nmea"
POSITION_TYPES = frozenset({1, 2, 3, 18, 19, 27})
STATIC_TYPES = frozenset({5, 19, 24})
STATION_TYPES = frozenset({4, 21})  # base station report, aid-to-navigation report
SUPPORTED_TYPES = POSITION_TYPES | STATIC_TYPES | STATION_TYPES
ALLOWED_BITS: dict[int, range] = {
    1: range(168, 169), 2: range(168, 169), 3: range(168, 169), 18: range(168, 169),
    4: range(168, 169),
    21: range(272, 361),  # 272 + a name extension of up to 88 bits
    19: range(312, 313),
    5: range(420, 427),  # 424 by the standard; 420-426 from common fill-bit slips
    24: range(160, 169),  # part A 160 (often sent as 168), part B 168
    27: range(96, 97),
}  # fmt: skip
"""Accepted payload lengths in bits (6 x characters - fill bits) per message type."""
TYPE27_EXTRA_BITS = 168  # some transceivers pad type 27 to a full slot
MAX_FRAGMENT_GAP_LINES = 100
END_OF_FILE = 1 << 62
"""``Message.at`` of the records made when the file ends (incomplete groups)."""

_EPOCH_MIN, _EPOCH_MAX = 946_684_800, 4_102_444_800  # 2000-01-01 .. 2100-01-01 UTC
_LEADING_EPOCH = re.compile(r"^(\d{9,13}(?:\.\d+)?)\s+")
_EPOCH_FIELD = re.compile(r"^\d{9,13}(?:\.\d+)?$")
_TOKEN = re.compile(r"\\([^\\]*)\\|([!$][^\\!$]*)")
_AIS_HEAD = re.compile(r"^!([A-Z0-9-]{2}VD[MO])$")
_PAYLOAD = re.compile(r"^[0-W`-w]+$")


@dataclass(slots=True)
class Sentence:
    """One AIS sentence as found in the file."""

    line_idx: int  # index into the reader's line list
    head: str  # e.g. "AIVDM"
    count: int
    num: int
    seq: str
    channel: str
    payload: str
    fill: int
    text: str  # the bare sentence "!AIVDM,...*hh" handed to pyais
    ts: datetime | None
    rec: int = -1
    pos: int = -1  # position among the file's data lines (fragment gaps are counted in these)


@dataclass(slots=True)
class Message:
    """One record of the stream: a decoded message or a rejected line/part group."""

    rec_id: int
    sentences: list[Sentence]
    reason: str | None
    fields: dict[str, Any] = field(default_factory=dict)
    at: int = 0  # line number being read when the record was made (orders merged records)


def epoch_to_utc(text: str) -> datetime | None:
    """Seconds (10 digits, optional decimals) or milliseconds (13 digits) since the epoch.

    Returns None for values outside 2000..2100, which are not receive times.
    """
    whole, _, frac = text.partition(".")
    value = int(whole)
    micros = int((frac + "000000")[:6]) if frac else 0
    if value >= 100_000_000_000:  # milliseconds
        value, ms = divmod(value, 1000)
        micros = ms * 1000
    if not _EPOCH_MIN <= value < _EPOCH_MAX:
        return None
    return datetime.fromtimestamp(value, UTC) + timedelta(microseconds=micros)


def nmea_checksum(body: str) -> int:
    """XOR of the characters between the delimiter and ``*``."""
    return reduce(xor, body.encode("ascii", errors="replace"), 0)


def _checksum_ok(body: str, given: str) -> bool:
    try:
        return len(given) == 2 and int(given, 16) == nmea_checksum(body)
    except ValueError:
        return False


@dataclass(slots=True)
class TagBlock:
    """The fields of an NMEA 4.0 tag block we use."""

    valid: bool
    ts: datetime | None


def parse_tag_block(content: str) -> TagBlock:
    """Parse ``c:1700000000,s:...*hh`` (the text between the backslashes)."""
    body, star, given = content.rpartition("*")
    if not star or not _checksum_ok(body, given):
        return TagBlock(valid=False, ts=None)
    ts = None
    for item in body.split(","):
        key, _, value = item.partition(":")
        if key == "c" and _EPOCH_FIELD.match(value):
            ts = epoch_to_utc(value)
    return TagBlock(valid=True, ts=ts)


def parse_pghp(sentence: str) -> datetime | str:
    """The time of a Gatehouse ``$PGHP,1,yyyy,mm,dd,hh,mm,ss,ms,...`` line, or a reason."""
    body, star, rest = sentence.partition("*")
    if not star or not _checksum_ok(body[1:], rest[:2]):
        return "checksum"
    f = body.split(",")
    if len(f) < 9 or f[1] != "1":
        return "malformed"
    try:
        y, mo, d, h, mi, sec, ms = (int(x) for x in f[2:9])
        return datetime(y, mo, d, h, mi, sec, ms * 1000, tzinfo=UTC)
    except ValueError:
        return "malformed"


def _trailing_epoch(rest: str) -> datetime | None:
    for item in rest.split(","):
        if _EPOCH_FIELD.match(item):
            return epoch_to_utc(item)
    return None


def parse_ais_sentence(text: str, line_idx: int, ts: datetime | None) -> Sentence | str:
    """A :class:`Sentence`, or the reason it is rejected ("checksum" or "malformed").

    ``ts`` is the sentence's time as resolved by the caller (tag block, trailing or
    leading epoch, Gatehouse line), or None.
    """
    body, star, rest = text.partition("*")
    if not star or not _checksum_ok(body[1:], rest[:2]):
        return "checksum"
    f = body.split(",")
    m = _AIS_HEAD.match(f[0])
    if len(f) < 7 or m is None:
        return "malformed"
    try:
        count, num, fill = int(f[1]), int(f[2]), int(f[6])
    except ValueError:
        return "malformed"
    if not (1 <= num <= count <= 9 and 0 <= fill <= 5 and _PAYLOAD.match(f[5])):
        return "malformed"
    return Sentence(
        line_idx=line_idx, head=m.group(1), count=count, num=num, seq=f[3], channel=f[4],
        payload=f[5], fill=fill, text=f"{body}*{rest[:2]}", ts=ts,
    )  # fmt: skip


def _clean_text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip(" @")
    return value or None


def _nonzero(value: Any) -> Any:
    return value if value else None


def _dims(msg: Any) -> dict[str, float | None]:
    bow, stern = getattr(msg, "to_bow", 0) or 0, getattr(msg, "to_stern", 0) or 0
    port, star = getattr(msg, "to_port", 0) or 0, getattr(msg, "to_starboard", 0) or 0
    return {s.LENGTH_M: _nonzero(float(bow + stern)), s.WIDTH_M: _nonzero(float(port + star))}


def _position_fields(t: int, msg: Any) -> dict[str, Any]:
    speed, course = msg.speed, msg.course
    if t == 27:
        sog = None if speed is None or speed >= 63 else float(speed)
        cog = None if course is None or course >= 360 else float(course)
        heading = None
    else:
        sog = None if speed is None or speed >= 102.25 else float(speed)
        cog = None if course is None or course >= 360 else float(course)
        hdg = msg.heading
        heading = None if hdg is None or hdg >= 360 else float(hdg)
    status = getattr(msg, "status", None)
    nav = None if status is None or int(status) == 15 else int(status)
    return {
        s.LAT: msg.lat, s.LON: msg.lon, s.SOG_KN: sog, s.COG_DEG: cog,
        s.HEADING_DEG: heading, s.NAV_STATUS: nav,
    }  # fmt: skip


def _static_fields(t: int, msg: Any) -> dict[str, Any]:
    out: dict[str, Any] = {s.AIS_CLASS: "A" if t == 5 else "B"}
    name = getattr(msg, "shipname", None)
    call = getattr(msg, "callsign", None)
    ship_type = getattr(msg, "ship_type", None)
    out[s.VESSEL_NAME] = _clean_text(name)
    out[s.CALL_SIGN] = _clean_text(call)
    out[s.SHIP_TYPE] = _nonzero(int(ship_type)) if ship_type is not None else None
    if t == 24 and getattr(msg, "partno", 0) == 0:
        return out
    out.update(_dims(msg))
    if t == 5:
        out[s.IMO] = _nonzero(msg.imo)
        out[s.DRAUGHT_M] = _nonzero(msg.draught)
        out[s.DESTINATION] = _clean_text(msg.destination)
    return out


def _reported_time(msg: Any) -> datetime | None:
    """The UTC date and time of a type 4 report; None when a part is "not available"
    (year 0, month 0, day 0, hour 24, minute 60, second 60) or the date does not exist."""
    try:
        return datetime(msg.year, msg.month, msg.day, msg.hour, msg.minute, msg.second,
                        tzinfo=UTC)  # fmt: skip
    except (TypeError, ValueError):
        return None


def _aid_type_name(code: int | None) -> str | None:
    if code is None:
        return None
    try:
        return NavAid(code).name.lower()
    except ValueError:
        return None


def _station_fields(t: int, msg: Any) -> dict[str, Any]:
    """Fields of a base station (type 4) or aid-to-navigation (type 21) report."""
    lat, lon = msg.lat, msg.lon
    located = lat is not None and lon is not None and -90 <= lat <= 90 and -180 <= lon <= 180
    epfd = msg.epfd
    out: dict[str, Any] = {
        s.STATION_KIND: "base_station" if t == 4 else "aton",
        s.LAT: lat if located else None,
        s.LON: lon if located else None,
        s.EPFD: _nonzero(int(epfd)) if epfd is not None else None,
    }
    if t == 4:
        out[s.REPORTED_TS] = _reported_time(msg)
        return out
    aid = _nonzero(int(msg.aid_type)) if msg.aid_type is not None else None
    out[s.AID_TYPE] = aid
    out[s.AID_TYPE_NAME] = _aid_type_name(aid)
    out[s.STATION_NAME] = _clean_text(msg.full_name)
    out[s.VIRTUAL_AID] = bool(msg.virtual_aid)
    # ITU-R M.1371: the off-position flag is only valid with a time stamp (second) <= 59
    out[s.OFF_POSITION] = bool(msg.off_position) if (msg.second or 0) <= 59 else None
    return out


def canonical_fields(msg: Any) -> dict[str, Any]:
    """The canonical position/static/station fields of one pyais-decoded message (see
    module doc)."""
    t = int(msg.msg_type)
    out: dict[str, Any] = {s.MMSI: int(msg.mmsi), s.MSG_TYPE: t}
    if t in POSITION_TYPES:
        out.update(_position_fields(t, msg))
    if t in STATIC_TYPES:
        out.update(_static_fields(t, msg))
    if t in STATION_TYPES:
        out.update(_station_fields(t, msg))
    return out


def message_type(payload: str) -> int:
    """The AIS message type from the first payload character."""
    v = ord(payload[0]) - 48
    return v - 8 if v > 40 else v


def bits_ok(t: int, n_bits: int) -> bool:
    """True when a type ``t`` payload of ``n_bits`` bits has the expected length."""
    return n_bits in ALLOWED_BITS[t] or (t == 27 and n_bits == TYPE27_EXTRA_BITS)


def decode_parts(parts: list[Sentence]) -> dict[str, Any] | str:
    """Canonical fields of an assembled message, or the reason it is rejected."""
    payload = "".join(p.payload for p in parts)
    t = message_type(payload)
    if t not in SUPPORTED_TYPES:
        return "unsupported_type"
    if not bits_ok(t, 6 * len(payload) - parts[-1].fill):
        return "bad_bit_count"
    try:
        msg = MSG_CLASS[t].from_vector(bit_vector(payload.encode("ascii"), parts[-1].fill))
        return canonical_fields(msg)
    except Exception as e:  # pyais raises many kinds; any is a decode error for one message
        log.debug("pyais could not decode %s: %s", parts[0].text, e)
        return "decode_error"


@dataclass
class _Group:
    parts: list[Sentence]
    start_line: int


class NmeaReader:
    """Reads one NMEA file into records and lines (use :func:`parse_nmea`)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.messages: list[Message] = []
        self.line_no: list[int] = []
        self.raw: list[str] = []
        self.line_owner: list[Sentence | int] = []  # first sentence, or own record id
        self.skipped: dict[str, int] = {}
        self._pending: dict[tuple[str, str, str, int], _Group] = {}
        self._tag: TagBlock | None = None
        self._pghp: datetime | None = None
        self._pos = 0  # data-line position of the line being read
        self._at = 0  # line number of the line being read
        self._drained = 0  # messages handed out by drain()
        self._lines_from = 0  # lines not yet looked at by drain()
        self._waiting: list[int] = []  # lines whose record is not made yet
        self._skipped_drained: dict[str, int] = {}

    # --- records -----------------------------------------------------------------
    def _new_record(self, parts: list[Sentence], reason: str | None, fields=None) -> Message:
        msg = Message(len(self.messages), parts, reason, fields or {}, self._at)
        self.messages.append(msg)
        for p in parts:
            p.rec = msg.rec_id
        return msg

    def _line_record(self, line_idx: int, reason: str) -> None:
        self.line_owner[line_idx] = self._new_record([], reason).rec_id

    # --- lines -------------------------------------------------------------------
    def _skip(self, kind: str) -> None:
        self.skipped[kind] = self.skipped.get(kind, 0) + 1

    def has_context(self) -> bool:
        """True when a tag block or ``$PGHP`` time waits for the next AIS sentence."""
        return self._tag is not None or self._pghp is not None

    def context(self) -> tuple[TagBlock | None, datetime | None]:
        """The tag block and ``$PGHP`` time waiting for the next AIS sentence."""
        return self._tag, self._pghp

    def clear_context(self) -> None:
        """Forget the context, as the next AIS sentence does when it takes it."""
        self._tag, self._pghp = None, None

    def pending_keys(self) -> list[tuple[str, str, str, int]]:
        """Group keys (head, channel, sequence id, part count) of incomplete messages."""
        return list(self._pending)

    def feed(self, line_no: int, raw: str, pos: int | None = None) -> None:
        """Process one physical line.

        ``pos`` is the line's position among the file's data lines when some lines are
        decoded elsewhere (``mda.ingest.fastdecode``); by default the lines fed so far.
        """
        self._at = line_no
        text = raw.strip()
        if not text:
            return self._skip("blank")
        if text.startswith("#"):
            return self._skip("comment")
        idx = len(self.raw)
        self._pos = idx if pos is None else pos
        self.line_no.append(line_no)
        self.raw.append(raw)
        self.line_owner.append(-1)
        leading = None
        m = _LEADING_EPOCH.match(text)
        if m:
            leading, text = epoch_to_utc(m.group(1)), text[m.end() :]
        fate = self._tokens(idx, text, leading)
        if fate == "metadata":
            self._drop_line(idx)
            return self._skip("metadata")
        if fate is not None:
            self._line_record(idx, fate)

    def _drop_line(self, idx: int) -> None:
        self.line_no.pop(idx)
        self.raw.pop(idx)
        self.line_owner.pop(idx)

    def _tokens(self, idx: int, text: str, leading: datetime | None) -> str | None:
        """Handle the tokens of one line; returns its fate unless a sentence owns it."""
        tokens = list(_TOKEN.finditer(text))
        if not tokens or text[: tokens[0].start()].strip():
            return "not_ais"
        owned, other, bad_meta = False, False, None
        for tok in tokens:
            if tok.group(1) is not None:
                self._tag = parse_tag_block(tok.group(1))
                continue
            sentence = tok.group(2).strip()
            if _AIS_HEAD.match(sentence.split(",", 1)[0]):
                self._ais(idx, sentence, leading, owner=not owned)
                owned = True
            elif sentence.startswith("$PGHP"):
                got = parse_pghp(sentence)
                if isinstance(got, str):
                    bad_meta = bad_meta or got
                else:
                    self._pghp = got
            else:
                other = True
        if owned:
            return None
        return bad_meta or ("not_ais" if other else "metadata")

    # --- sentences ---------------------------------------------------------------
    def _context_ts(self, rest: str, leading: datetime | None) -> datetime | None:
        tag, pghp = self._tag, self._pghp
        self._pghp = None
        if tag is not None and tag.ts is not None:
            return tag.ts
        return _trailing_epoch(rest) or leading or pghp

    def _ais(self, idx: int, text: str, leading: datetime | None, owner: bool) -> None:
        tag = self._tag
        ts = self._context_ts(text.partition("*")[2][2:], leading)
        self._tag = None
        got: Sentence | str
        got = "checksum" if tag is not None and not tag.valid else parse_ais_sentence(text, idx, ts)
        if isinstance(got, str):
            rec = self._new_record([], got).rec_id
            if owner:
                self.line_owner[idx] = rec
            return
        if owner:
            self.line_owner[idx] = got
        got.pos = self._pos
        self._assemble(got)

    def _assemble(self, p: Sentence) -> None:
        if p.count == 1:
            return self._complete([p])
        key = (p.head, p.channel, p.seq, p.count)
        group = self._pending.pop(key, None)
        if group is not None and p.pos - group.start_line > MAX_FRAGMENT_GAP_LINES:
            self._new_record(group.parts, "missing_fragment")
            group = None
        if p.num == 1:
            if group is not None:
                self._new_record(group.parts, "missing_fragment")
            self._pending[key] = _Group([p], p.pos)
            return None
        if group is None or group.parts[-1].num != p.num - 1:
            if group is not None:
                self._new_record(group.parts, "missing_fragment")
            self._new_record([p], "missing_fragment")
            return None
        group.parts.append(p)
        if p.num == p.count:
            return self._complete(group.parts)
        self._pending[key] = group
        return None

    def _complete(self, parts: list[Sentence]) -> None:
        got = decode_parts(parts)
        if isinstance(got, str):
            self._new_record(parts, got)
            return
        ts = next((p.ts for p in parts if p.ts is not None), None)
        got[s.TS] = ts
        self._new_record(parts, None, got)

    def finish(self) -> r.Parsed:
        """Flush incomplete groups and build the records and lines frames."""
        self.end()
        return self.drain()[0]

    def end(self) -> None:
        """The file ended: incomplete groups become ``missing_fragment`` records."""
        self._at = END_OF_FILE
        for group in self._pending.values():
            self._new_record(group.parts, "missing_fragment")
        self._pending.clear()

    def drain(self) -> tuple[r.Parsed, list[Message]]:
        """The records made since the last drain (reader-local rec ids), the lines they own,
        the skipped counts since the last drain, and those records' messages.

        A line whose record is not made yet (a part waiting for the others) waits for a
        later drain: a record's lines are always drained with it.
        """
        lo, self._drained = self._drained, len(self.messages)
        waiting, self._waiting = self._waiting, []
        ready: list[int] = []
        for idx in [*waiting, *range(self._lines_from, len(self.raw))]:
            (ready if _owner_rec(self.line_owner[idx]) >= 0 else self._waiting).append(idx)
        self._lines_from = len(self.raw)
        lines = pl.DataFrame(
            {
                s.SOURCE_FILE: [str(self.path)] * len(ready),
                s.LINE_NO: [self.line_no[i] for i in ready],
                s.RAW: [self.raw[i] for i in ready],
                r.REC_ID: [_owner_rec(self.line_owner[i]) for i in ready],
            },
            schema=r.LINES_SCHEMA,
        )
        skipped = {k: v - self._skipped_drained.get(k, 0) for k, v in self.skipped.items()}
        self._skipped_drained = dict(self.skipped)
        messages = self.messages[lo:]
        records, stations = self._records_frame(messages)
        parsed = r.Parsed(
            records=records,
            lines=lines,
            skipped={k: v for k, v in skipped.items() if v},
            stations=stations,
        )
        return parsed, messages

    def _records_frame(self, messages: list[Message]) -> tuple[pl.DataFrame, pl.DataFrame]:
        """The records of ``messages`` (with the payload each decoded message was decoded
        from, ``_payload``), and the station fields of the station reports among them."""
        cols: dict[str, list[Any]] = {k: [] for k in r.RECORDS_SCHEMA}
        stations: dict[str, list[Any]] = {k: [] for k in r.STATION_FIELDS_SCHEMA}
        payloads: list[str | None] = []  # what was decoded: parts joined, whatever their lines
        for m in messages:
            payloads.append(
                "".join(p.payload for p in m.sentences) if m.reason is None else None
            )
            row = dict(m.fields)
            row[r.REC_ID] = m.rec_id
            if s.STATION_KIND in row:  # the records frame keeps no station field
                for k, v in stations.items():
                    v.append(row.get(k))
                keep = (r.REC_ID, s.MMSI, s.MSG_TYPE, s.TS)
                row = {k: row[k] for k in keep if k in row}
            row[s.REASON] = m.reason
            row[s.SOURCE] = SOURCE_NAME
            row[r.IS_POSITION_REPORT] = m.fields.get(s.MSG_TYPE) in POSITION_TYPES
            for k, v in cols.items():
                v.append(row.get(k))
        records = pl.DataFrame(cols, schema=r.RECORDS_SCHEMA)
        return (
            records.with_columns(pl.Series(r._PAYLOAD, payloads, dtype=pl.String)),
            pl.DataFrame(stations, schema=r.STATION_FIELDS_SCHEMA),
        )


def _owner_rec(owner: Sentence | int) -> int:
    return owner.rec if isinstance(owner, Sentence) else owner


def read_nmea(path: Path) -> tuple[r.Parsed, list[Message]]:
    """Read one NMEA file: its records/lines, and every message record (for checks/tests)."""
    reader = NmeaReader(Path(path))
    for line_no, raw in enumerate(iter_text_lines(Path(path)), start=1):
        reader.feed(line_no, raw)
    parsed = reader.finish()
    return parsed, reader.messages


def parse_nmea_slow(path: Path) -> r.Parsed:
    """Records and lines of one NMEA file, every line through pyais (the reference)."""
    return read_nmea(path)[0]


def parse_nmea(path: Path) -> r.Chunked:
    """Records and lines of one NMEA file (plain or gzip), for :func:`mda.ingest.read_input`.

    The common sentences (single-part position reports, type 24, type 5 in one sentence or
    two adjacent ones) are decoded vectorised (``mda.ingest.fastdecode``), the rest
    through pyais; the result equals :func:`parse_nmea_slow`'s.
    """
    from mda.ingest.fastdecode import parse_nmea_fast  # fastdecode imports this module

    return parse_nmea_fast(path)


def parse_nmea_lines(lines: Iterable[tuple[int, str]], source: str) -> r.Parsed:
    """Records and lines of NMEA text from any source, e.g. one batch of a live stream.

    ``lines`` are (line number, raw line without terminator) pairs; ``source`` names them
    in the quarantine's ``source_file`` column (e.g. ``"tcp:153.44.253.27:5631"``).
    """
    reader = NmeaReader(Path(source))
    for line_no, raw in lines:
        reader.feed(line_no, raw)
    return reader.finish()
