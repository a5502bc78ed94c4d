"""AIS payload bits and the canonical fields of the common message types, vectorised.

A payload is turned into 48-bit words (8 armoured characters each, most significant bit
first, the last word padded with zero bits) with SWAR arithmetic on 8-byte loads, and the
fields are cut out with shifts and the same integer arithmetic as pyais (lat/lon
``((10 v + 3) // 6) / 1e6``, speed and course ``v / 10``). The results equal
:func:`mda.ingest.nmea.canonical_fields` of pyais's decode bit for bit (tests check it).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
from pyais.constants import ShipType

from mda import schema as s
from mda.ingest.fastscan import loads

WORD_BITS = 48
_ONES = np.uint64(0x0101010101010101)
_M16 = np.uint64(0x00FF00FF00FF00FF)
_M32 = np.uint64(0x0000FFFF0000FFFF)
_M48 = np.uint64(0xFFFFFFFF)
SHIP_TYPE_5 = np.array([int(ShipType.from_value(v) or 0) for v in range(256)], dtype=np.int64)
"""pyais's type 5 ship type (its ShipType enum folds unknown codes: 57 -> 56, 100 -> 0)."""

Fields = dict[str, Any]
"""Column name -> numpy array, numpy masked array (masked = null) or polars Series."""


# --- words ---------------------------------------------------------------------------------


def _pack_sixbit(v: np.ndarray) -> np.ndarray:
    """Eight 6-bit values in the bytes of ``v`` (first in the lowest byte) -> 48-bit int."""
    v = ((v & _M16) << np.uint64(6)) | ((v >> np.uint64(8)) & _M16)
    v = ((v & _M32) << np.uint64(12)) | ((v >> np.uint64(16)) & _M32)
    v = ((v & _M48) << np.uint64(24)) | (v >> np.uint64(32))
    return v.astype(np.int64)


def _dearmour(v: np.ndarray, n_chars: int) -> np.ndarray:
    """Armoured characters (``0``-``W``, `````-``w``) in uint64 lanes -> 6-bit values;
    lanes from ``n_chars`` on are zeroed. Lanes before the first invalid byte are exact."""
    v = v - _ONES * np.uint64(0x30)
    high = ((v + _ONES * np.uint64(128 - 41)) >> np.uint64(7)) & _ONES  # lanes >= 41
    v = v - high * np.uint64(8)
    if n_chars < 8:
        v &= np.uint64((1 << (8 * n_chars)) - 1)
    return v


def payload_words(buf: np.ndarray, payload_at: np.ndarray, n_chars: int) -> list[np.ndarray]:
    """The bits of each ``n_chars``-character payload at ``payload_at`` as 48-bit words."""
    u64 = loads(buf)
    return [
        _pack_sixbit(_dearmour(u64[payload_at + first], min(8, n_chars - first)))
        for first in range(0, n_chars, 8)
    ]


def _append_words(w1: list[np.ndarray], n_bits: int, w2: list[np.ndarray]) -> list[np.ndarray]:
    """The bit stream ``w1`` (``n_bits`` long) followed by the stream ``w2``."""
    q, shift = divmod(n_bits, WORD_BITS)
    if shift == 0:
        return [*w1[:q], *w2]
    out, carry = list(w1[:q]), w1[q]
    for w in w2:
        out.append(carry | (w >> shift))
        carry = (w << (WORD_BITS - shift)) & ((1 << WORD_BITS) - 1)
    return [*out, carry]


def joined_words(buf: np.ndarray, at1: np.ndarray, len1: np.ndarray, at2: np.ndarray,
                 n_chars: int) -> list[np.ndarray]:  # fmt: skip
    """Words of payloads made of two parts: ``len1`` characters at ``at1``, the rest (up to
    ``n_chars`` in all) at ``at2``."""
    n_words = -(-n_chars // 8)
    out = [np.zeros(len(at1), dtype=np.int64) for _ in range(n_words + 1)]
    for n1 in np.unique(len1).tolist():
        rows = np.flatnonzero(len1 == n1)
        w1 = payload_words(buf, at1[rows], n1)
        w2 = payload_words(buf, at2[rows], n_chars - n1) if n_chars > n1 else []
        for j, w in enumerate(_append_words(w1, 6 * n1, w2)[: n_words + 1]):
            out[j][rows] = w
    return out


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
    raw = pl.Series(np.ascontiguousarray(ascii_).view(f"S{n_chars}").ravel())
    out = raw.cast(pl.String).str.strip_chars(" @")
    return out.set(out == "", None)  # type: ignore[arg-type]


# --- fields --------------------------------------------------------------------------------


def _nonzero(v: np.ndarray, scale: float = 1.0) -> np.ma.MaskedArray:
    return np.ma.masked_array(v / scale if scale != 1.0 else v, v == 0)


def _field(words: list[np.ndarray], class_b: np.ndarray, a: int, b: int, width: int,
           signed: bool = False) -> np.ndarray:  # fmt: skip
    """A field at bit ``a`` in types 1-3 and bit ``b`` in type 18."""
    return np.where(class_b, bits(words, b, width, signed), bits(words, a, width, signed))


def _degrees(v: np.ndarray) -> np.ndarray:
    """1/10000 minutes -> degrees, rounded to 6 decimals exactly as pyais does."""
    return ((10 * v + 3) // 6) / 1e6


def decode_positions(w: list[np.ndarray]) -> Fields:
    """Canonical fields of 168-bit type 1/2/3/18 reports (see ``canonical_fields``)."""
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


def decode_static5(w: list[np.ndarray]) -> Fields:
    """Canonical fields of 424-bit type 5 reports."""
    mmsi = bits(w, 8, 30)
    return {
        s.MMSI: mmsi,
        s.MSG_TYPE: bits(w, 0, 6),
        s.AIS_CLASS: pl.Series(["A"]).gather(np.zeros(len(mmsi), dtype=np.int64)),
        s.IMO: _nonzero(bits(w, 40, 30)),
        s.CALL_SIGN: text(w, 70, 7),
        s.VESSEL_NAME: text(w, 112, 20),
        s.SHIP_TYPE: _nonzero(SHIP_TYPE_5[bits(w, 232, 8)]),
        **_dims(bits(w, 240, 9), bits(w, 249, 9), bits(w, 258, 6), bits(w, 264, 6)),
        s.DRAUGHT_M: _nonzero(bits(w, 294, 8), 10.0),
        s.DESTINATION: text(w, 302, 20),
    }


__all__ = ["WORD_BITS", "Fields", "bits", "decode_positions", "decode_static5",
           "decode_static24", "joined_words", "payload_words", "text"]  # fmt: skip
