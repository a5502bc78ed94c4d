"""AIS payload bits and the canonical fields of type 24, 4 and 21 reports, vectorised (numpy).

Position reports and type 5 are decoded by the compiled :mod:`mda.ingest.fastkernel`.

A payload is turned into 48-bit words (8 armoured characters each, most significant bit
first, the last word padded with zero bits) with SWAR arithmetic on 8-byte loads, and the
fields are cut out with shifts. The results equal :func:`mda.ingest.nmea.canonical_fields`
of pyais's decode bit for bit (tests check it).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
from pyais.constants import EpfdType, NavAid, ShipType

from mda import schema as s
from mda.ingest.fastscan import loads

WORD_BITS = 48
_ONES = np.uint64(0x0101010101010101)
_M16 = np.uint64(0x00FF00FF00FF00FF)
_M32 = np.uint64(0x0000FFFF0000FFFF)
_M48 = np.uint64(0xFFFFFFFF)
SHIP_TYPE_5 = np.array([int(ShipType.from_value(v) or 0) for v in range(256)], dtype=np.int64)
"""pyais's type 5 ship type (its ShipType enum folds unknown codes: 57 -> 56, 100 -> 0)."""
EPFD = np.array([int(EpfdType(v)) for v in range(16)], dtype=np.int8)
"""pyais's position fixing device code of each 4-bit value (its enum folds unknown codes to
0, as ``EpfdType.from_value`` does in the decode)."""
AID_NAMES = [NavAid(v).name.lower() for v in range(32)]
"""pyais's name of each 5-bit aid-to-navigation type."""

Fields = dict[str, Any]
"""Column name -> numpy array, numpy masked array (masked = null) or polars Series."""


# --- words ---------------------------------------------------------------------------------


def _pack_sixbit(v: np.ndarray) -> np.ndarray:
    """Eight 6-bit values in the bytes of ``v`` (first in the lowest byte) -> 48-bit int."""
    v = ((v & _M16) << np.uint64(6)) | ((v >> np.uint64(8)) & _M16)
    v = ((v & _M32) << np.uint64(12)) | ((v >> np.uint64(16)) & _M32)
    v = ((v & _M48) << np.uint64(24)) | (v >> np.uint64(32))
    return v.astype(np.int64)


def _dearmour(v: np.ndarray, n_chars: int | np.ndarray) -> np.ndarray:
    """Armoured characters (``0``-``W``, `````-``w``) in uint64 lanes -> 6-bit values;
    lanes from ``n_chars`` on (one count, or each row's) are zeroed. Lanes before the first
    invalid byte are exact (an invalid one would spill into its neighbour when packed)."""
    v = v - _ONES * np.uint64(0x30)
    high = ((v + _ONES * np.uint64(128 - 41)) >> np.uint64(7)) & _ONES  # lanes >= 41
    v = v - high * np.uint64(8)
    if isinstance(n_chars, np.ndarray):
        lanes = np.clip(n_chars, 0, 8).astype(np.uint64)
        keep = (np.uint64(1) << (np.uint64(8) * np.minimum(lanes, 7))) - np.uint64(1)
        v &= np.where(lanes == 8, np.uint64(0xFFFF_FFFF_FFFF_FFFF), keep)
    elif n_chars < 8:
        v &= np.uint64((1 << (8 * n_chars)) - 1)
    return v


def payload_words(buf: np.ndarray, payload_at: np.ndarray, n_chars: int | np.ndarray,
                  width: int | None = None) -> list[np.ndarray]:  # fmt: skip
    """The bits of each ``n_chars``-character payload at ``payload_at`` as 48-bit words.
    ``n_chars`` may be each payload's length (``width``: the longest); characters past a
    payload's end then read as 0."""
    u64 = loads(buf)
    width = int(n_chars) if width is None else width
    return [
        _pack_sixbit(_dearmour(u64[payload_at + first], n_chars - first))
        for first in range(0, width, 8)
    ]


def bits(words: list[np.ndarray], start: int, width: int, signed: bool = False) -> np.ndarray:
    """Field of ``width`` (<= 48) bits at bit ``start`` (0 = first bit of the payload)."""
    i, o = divmod(start, WORD_BITS)
    if o + width <= WORD_BITS:
        v = (words[i] >> (WORD_BITS - o - width)) & ((1 << width) - 1)
    else:
        low = o + width - WORD_BITS
        head = words[i] & ((1 << (WORD_BITS - o)) - 1)
        v = (head << low) | (words[i + 1] >> (WORD_BITS - low))
    if signed:
        v = np.where(v >= 1 << (width - 1), v - (1 << width), v)
    return v


def text(words: list[np.ndarray], start: int, n_chars: int) -> pl.Series:
    """6-bit ASCII text of ``n_chars`` characters at bit ``start``, as pyais decodes it and
    ``mda.ingest.nmea`` cleans it: '@' padding and spaces stripped at both ends, empty ->
    null."""
    codes = np.stack([bits(words, start + 6 * k, 6) for k in range(n_chars)], axis=1)
    ascii_ = np.where(codes < 32, codes + 64, codes).astype(np.uint8)
    if len(ascii_) <= FEW_TEXTS:
        return few_texts(ascii_)
    raw = pl.Series(np.ascontiguousarray(ascii_).view(f"S{n_chars}").ravel())
    out = raw.cast(pl.String).str.strip_chars(" @")
    return out.set(out == "", None)  # type: ignore[arg-type]


FEW_TEXTS = 4096
"""Up to this many texts are made in Python (:func:`few_texts`): each polars call costs a
fixed ~1 ms, about what Python spends on a thousand short texts."""


def few_texts(chars: np.ndarray) -> pl.Series:
    """Rows of ASCII bytes (n x width) as :func:`text` cleans them ('@' and spaces stripped
    at both ends, empty -> null), made in Python: for the few texts of a piece (each
    distinct static report is decoded once)."""
    n, width = chars.shape
    data = np.ascontiguousarray(chars, dtype=np.uint8).tobytes()
    values = [data[i : i + width].strip(b" @").decode("ascii") or None
              for i in range(0, n * width, width)]  # fmt: skip
    return pl.Series("text", values, dtype=pl.String)


# --- fields --------------------------------------------------------------------------------


def _dims(bow: np.ndarray, stern: np.ndarray, port: np.ndarray, star: np.ndarray,
          ok: np.ndarray | bool = True) -> Fields:  # fmt: skip
    """Length and width in metres; null when zero (or where ``ok`` is False)."""
    length, width = (bow + stern).astype(np.float64), (port + star).astype(np.float64)
    return {
        s.LENGTH_M: np.ma.masked_array(length, (length == 0) | ~np.asarray(ok)),
        s.WIDTH_M: np.ma.masked_array(width, (width == 0) | ~np.asarray(ok)),
    }


def decode_static24(w: list[np.ndarray]) -> Fields:
    """Canonical fields of 168-bit type 24 reports, part A or B."""
    mmsi = bits(w, 8, 30)
    part_b = bits(w, 38, 2) == 1
    ship_type = bits(w, 40, 8)
    aux = (mmsi >= 980_000_000) & (mmsi <= 989_999_999)  # pyais: mothership MMSI, no dims
    dims = _dims(bits(w, 132, 9), bits(w, 141, 9), bits(w, 150, 6), bits(w, 156, 6),
                 part_b & ~aux)  # fmt: skip
    pb = pl.Series(part_b)
    return {
        s.MMSI: mmsi,
        s.MSG_TYPE: bits(w, 0, 6),
        s.AIS_CLASS: pl.Series(["B"]).gather(np.zeros(len(mmsi), dtype=np.int64)),
        s.VESSEL_NAME: text(w, 40, 20).set(pb, None),  # type: ignore[arg-type]
        s.CALL_SIGN: text(w, 90, 7).set(~pb, None),  # type: ignore[arg-type]
        s.SHIP_TYPE: np.ma.masked_array(ship_type, ~part_b | (ship_type == 0)),
        **dims,
    }


# --- fixed stations: types 4 and 21 --------------------------------------------------------

STATION_CHARS = 60
"""The longest station report a unit holds (type 21 with a full name extension: 360 bits)."""
_NAME_EXT_AT = 272
"""Bit of a type 21's name extension (present when the payload is longer)."""


def _station_words(buf: np.ndarray, payload_at: np.ndarray, n_bits: np.ndarray
                   ) -> list[np.ndarray]:  # fmt: skip
    """:func:`payload_words` of payloads of ``n_bits`` bits each (up to
    :data:`STATION_CHARS` characters), every bit from ``n_bits`` on set to 0 (the fill
    bits, and whatever follows the payload in the line)."""
    words = payload_words(buf, payload_at, (n_bits + 5) // 6, STATION_CHARS)
    out = []
    for i, word in enumerate(words):
        bits_in = np.clip(n_bits - WORD_BITS * i, 0, WORD_BITS)
        out.append(word & (((np.int64(1) << bits_in) - 1) << (WORD_BITS - bits_in)))
    return out


def _degrees(raw: np.ndarray) -> np.ndarray:
    """pyais's latitude or longitude of a raw 1/10000-minute value (``to_lat_lon``: the
    nearest integer to 5v/3, in millionths of a degree)."""
    return ((10 * raw + 3) // 6) / 1e6


def _days(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of proleptic Gregorian dates (H. Hinnant's days_from_civil)."""
    y = year - (month <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (month + np.where(month > 2, -3, 9)) + 2) // 5 + day - 1
    return era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468


_MONTH_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31, 0, 0, 0])


def _reported_us(w: list[np.ndarray]) -> np.ma.MaskedArray:
    """A type 4's UTC date and time in microseconds, masked where Python's ``datetime``
    refuses it (a "not available" part: year 0, month 0, hour 24, ...; a day the month
    does not have), as :func:`mda.ingest.nmea._reported_time`."""
    year, month, day = bits(w, 38, 14), bits(w, 52, 4), bits(w, 56, 5)
    hour, minute, second = bits(w, 61, 5), bits(w, 66, 6), bits(w, 72, 6)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_days = _MONTH_DAYS[month] + ((month == 2) & leap)
    ok = (year >= 1) & (year <= 9999) & (day >= 1) & (day <= month_days)
    ok &= (hour <= 23) & (minute <= 59) & (second <= 59)
    seconds = _days(year, month, day) * 86400 + hour * 3600 + minute * 60 + second
    return np.ma.masked_array(seconds * 1_000_000, ~ok)


def _text_of(chars: np.ndarray) -> list[str]:
    """Rows of 6-bit codes as pyais's text (``get_str``: '@' stripped at the end, then
    blanks at both ends)."""
    ascii_ = np.where(chars < 32, chars + 64, chars).astype(np.uint8)
    n, width = ascii_.shape
    data = np.ascontiguousarray(ascii_).tobytes()
    return [data[i : i + width].decode("ascii").rstrip("@").strip()
            for i in range(0, n * width, width)]  # fmt: skip


def _aton_names(w: list[np.ndarray], n_bits: np.ndarray) -> pl.Series:
    """A type 21's name and name extension as :func:`mda.ingest.nmea._station_fields`
    takes them (pyais's ``full_name``, cleaned): the extension's last character may hold
    fewer than 6 bits (pyais reads them as a smaller number), the characters past the end
    read as '@'; no extension unless the payload is longer than 272 bits."""
    name = _text_of(np.stack([bits(w, 43 + 6 * k, 6) for k in range(20)], axis=1))
    ext_codes = []
    for k in range(15):  # pyais: range(272, 272 + 88, 6)
        start = _NAME_EXT_AT + 6 * k
        left = np.clip(n_bits - start, 0, 6)  # the character's bits in the payload
        ext_codes.append(bits(w, start, 6) >> (6 - left))  # (bits past the end are 0)
    ext = _text_of(np.stack(ext_codes, axis=1))
    has_ext = (n_bits > _NAME_EXT_AT).tolist()
    out = []
    for head, tail, more in zip(name, ext, has_ext, strict=True):
        full = (head + tail if more and tail else head) if head else ""
        out.append(full.strip(" @") or None)
    return pl.Series(s.STATION_NAME, out, dtype=pl.String)


def decode_stations(buf: np.ndarray, payload_at: np.ndarray, n_bits: np.ndarray
                    ) -> tuple[Fields, Fields]:  # fmt: skip
    """Base station (type 4) and aid-to-navigation (type 21) reports of ``n_bits`` bits
    (at most :data:`STATION_CHARS` characters) at ``payload_at``: their record fields
    (mmsi, msg_type) and their station fields (the columns of
    :data:`mda.ingest._records.STATION_FIELDS_SCHEMA` but ``rec_id``), as
    :func:`mda.ingest.nmea.canonical_fields` gives them from pyais's decode."""
    w = _station_words(buf, payload_at, n_bits)
    msg_type = bits(w, 0, 6)
    base = msg_type == 4
    lon = _degrees(np.where(base, bits(w, 79, 28, True), bits(w, 164, 28, True)))
    lat = _degrees(np.where(base, bits(w, 107, 27, True), bits(w, 192, 27, True)))
    away = ~((lat >= -90) & (lat <= 90) & (lon >= -180) & (lon <= 180))
    epfd = EPFD[np.where(base, bits(w, 134, 4), bits(w, 249, 4))]
    aid = bits(w, 38, 5)
    second = bits(w, 253, 6)
    names = pl.Series(AID_NAMES).gather(aid)
    aton = pl.Series(~base)
    kind = pl.Series(["aton", "base_station"]).gather(base.astype(np.int64))
    reported = _reported_us(w)
    station = {
        s.STATION_KIND: kind,
        s.LAT: np.ma.masked_array(lat, away),
        s.LON: np.ma.masked_array(lon, away),
        s.STATION_NAME: _aton_names(w, n_bits).set(~aton, None),  # type: ignore[arg-type]
        s.AID_TYPE: np.ma.masked_array(aid, base | (aid == 0)),
        s.AID_TYPE_NAME: names.set(~aton | (pl.Series(aid) == 0), None),  # type: ignore[arg-type]
        s.VIRTUAL_AID: np.ma.masked_array(bits(w, 269, 1) == 1, base),
        s.OFF_POSITION: np.ma.masked_array(bits(w, 259, 1) == 1, base | (second > 59)),
        s.EPFD: np.ma.masked_array(epfd, epfd == 0),
        s.REPORTED_TS: np.ma.masked_array(reported.data, ~base | reported.mask),
    }
    return {s.MMSI: bits(w, 8, 30), s.MSG_TYPE: msg_type}, station


__all__ = ["AID_NAMES", "EPFD", "SHIP_TYPE_5", "STATION_CHARS", "WORD_BITS", "Fields", "bits",
           "decode_static24", "decode_stations", "payload_words", "text"]  # fmt: skip
