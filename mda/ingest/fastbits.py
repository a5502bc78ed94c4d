"""AIS payload bits and the canonical fields of type 24 reports, vectorised (numpy).

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


__all__ = ["SHIP_TYPE_5", "WORD_BITS", "Fields", "bits", "decode_static24", "payload_words",
           "text"]  # fmt: skip
