"""Encode simulated positions and static data to real AIS NMEA 0183 sentences.

Position reports become type 1 (Class A, ``msg_type`` 1-3) or type 18 (Class B,
``msg_type`` 18); static data becomes type 5 (two sentences) for Class A or type 24
parts A and B for Class B, repeated every ``static_interval_s`` seconds (6 minutes, as
ITU-R M.1371 prescribes) while the vessel is transmitting.

Two engines produce the same bytes:

- ``"pyais"`` calls :func:`pyais.encode_dict` for every message (about 0.1 ms each);
- ``"fast"`` packs the bits of types 1 and 18 with numpy (about 1 us each) and still uses
  pyais for the static messages. A test checks both engines emit identical lines, so the
  fast engine is only a speed-up for the demo day (about 150 000 position reports).

Timestamp styles (what real receivers and networks add around the sentence):

- ``"tagblock"``: NMEA 4.0 tag block ``\\c:1709596800*hh\\!AIVDM,...`` on every sentence;
- ``"leading_epoch"``: ``1709596800.000 !AIVDM,...`` (simpleais-style loggers);
- ``"trailing_epoch"``: ``!AIVDM,...*hh,1709596800`` (USCG-style);
- ``"pghp"``: a Gatehouse ``$PGHP,1,<date time>,...,<checksum of next>*hh`` line before
  each sentence.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache, reduce
from typing import Any, Literal

import numpy as np
import polars as pl
from pyais import encode_dict

from mda import schema
from mda.errors import MdaError

log = logging.getLogger(__name__)

TimestampStyle = Literal["tagblock", "leading_epoch", "trailing_epoch", "pghp"]
Engine = Literal["pyais", "fast"]

CLASS_B_TYPES = (18, 19)
STATIC_INTERVAL_S = 360.0  # 6 min: type 5 / type 24 reporting interval
PGHP_COUNTRY = 265  # MID of Sweden: the receiving network in the demo region
PGHP_STATION = 2650100


def nmea_checksum(body: str) -> str:
    """The two-hex-digit XOR checksum of the characters between '!'/'$'/'\\' and '*'."""
    return f"{reduce(lambda acc, ch: acc ^ ord(ch), body, 0):02X}"


# --- raw AIS field values ------------------------------------------------------------------


def _raw_fields(positions: pl.DataFrame) -> dict[str, np.ndarray]:
    """Integer AIS field values of each position report (not-available codes for nulls)."""
    ts_us = positions[schema.TS].dt.epoch("us").to_numpy()
    return {
        "ts_s": ts_us // 1_000_000,
        "mmsi": positions[schema.MMSI].to_numpy(),
        "status": positions[schema.NAV_STATUS].fill_null(15).to_numpy().astype(np.int64),
        "speed": _scaled(positions[schema.SOG_KN], 10.0, 1023),
        "lon": np.round(positions[schema.LON].to_numpy() * 600000.0).astype(np.int64),
        "lat": np.round(positions[schema.LAT].to_numpy() * 600000.0).astype(np.int64),
        "course": _scaled(positions[schema.COG_DEG], 10.0, 3600),
        "heading": _scaled(positions[schema.HEADING_DEG], 1.0, 511),
        "second": (ts_us // 1_000_000) % 60,
    }


def _scaled(series: pl.Series, factor: float, not_available: int) -> np.ndarray:
    values = series.cast(pl.Float64).to_numpy() * factor
    return np.where(np.isnan(values), not_available, np.round(values)).astype(np.int64)


def _pyais_position_dict(raw: dict[str, np.ndarray], i: int, class_b: bool) -> dict[str, Any]:
    msg: dict[str, Any] = {
        "msg_type": 18 if class_b else 1,
        "mmsi": int(raw["mmsi"][i]),
        "speed": int(raw["speed"][i]) / 10.0,
        "lon": int(raw["lon"][i]) / 600000.0,
        "lat": int(raw["lat"][i]) / 600000.0,
        "course": int(raw["course"][i]) / 10.0,
        "heading": int(raw["heading"][i]),
        "second": int(raw["second"][i]),
    }
    if class_b:
        msg["cs"] = True  # Class B "CS" (carrier-sense) unit, the common kind
    else:
        msg["status"] = int(raw["status"][i])
        msg["maneuver"] = 0
    return msg


# --- the fast engine: numpy bit packing of types 1 and 18 --------------------------------


def _pack_bits(fields: list[tuple[np.ndarray, int]]) -> np.ndarray:
    """(N, total_bits) array of 0/1 from (values, width) fields, two's complement if negative."""
    cols = []
    for values, width in fields:
        v = np.asarray(values, dtype=np.int64) & ((1 << width) - 1)
        shifts = np.arange(width - 1, -1, -1, dtype=np.int64)
        cols.append(((v[:, None] >> shifts) & 1).astype(np.uint8))
    return np.concatenate(cols, axis=1)


def _armor(bits: np.ndarray) -> np.ndarray:
    """(N, n_chars) uint8 of AIS 6-bit ASCII armoring ('0'..'W', '`'..'w')."""
    n, nbits = bits.shape
    sixes = bits.reshape(n, nbits // 6, 6) @ np.array([32, 16, 8, 4, 2, 1], dtype=np.uint8)
    sixes = sixes.astype(np.uint8) + 48
    return np.where(sixes > 87, sixes + 8, sixes).astype(np.uint8)


def _position_bits(raw: dict[str, np.ndarray], class_b: bool) -> np.ndarray:
    n = len(raw["mmsi"])
    zero = np.zeros(n, dtype=np.int64)
    head = [(np.full(n, 18 if class_b else 1), 6), (zero, 2), (raw["mmsi"], 30)]
    kinematics = [
        (raw["speed"], 10),
        (zero, 1),
        (raw["lon"], 28),
        (raw["lat"], 27),
        (raw["course"], 12),
        (raw["heading"], 9),
        (raw["second"], 6),
    ]
    if class_b:  # reserved 8 | ... | reserved 2, cs 1, display..assigned 5, raim 1, radio 20
        tail = [(zero, 2), (np.ones(n, dtype=np.int64), 1), (zero, 5), (zero, 1), (zero, 20)]
        return _pack_bits([*head, (zero, 8), *kinematics, *tail])
    # status 4, turn 8 (-128: no turn information) | ... | maneuver 2, spare 3, raim 1, radio 19
    status_turn = [(raw["status"], 4), (np.full(n, -128), 8)]
    tail = [(zero, 2), (zero, 3), (zero, 1), (zero, 19)]
    return _pack_bits([*head, *status_turn, *kinematics, *tail])


def _fast_sentences(
    raw: dict[str, np.ndarray], class_b: bool, channels: np.ndarray, talker: str
) -> list[str]:
    chars = _armor(_position_bits(raw, class_b))
    payload_xor = np.bitwise_xor.reduce(chars, axis=1)
    payloads = np.ascontiguousarray(chars).view(f"S{chars.shape[1]}").ravel()
    heads = {ch: f"{talker}VDM,1,1,,{ch}," for ch in "AB"}
    head_xor = {ch: int(nmea_checksum(h + ",0"), 16) for ch, h in heads.items()}
    return [
        f"!{heads[ch]}{p.decode()},0*{(head_xor[ch] ^ int(x)):02X}"
        for ch, p, x in zip(channels, payloads, payload_xor, strict=True)
    ]


def _position_sentences(
    positions: pl.DataFrame, talker: str, engine: Engine
) -> tuple[np.ndarray, list[list[str]]]:
    """(ts_s per message, sentences per message) for every position report, input order."""
    raw = _raw_fields(positions)
    class_b = np.isin(positions[schema.MSG_TYPE].fill_null(1).to_numpy(), CLASS_B_TYPES)
    channels = np.where(np.arange(positions.height) % 2 == 0, "A", "B")
    out: list[list[str]] = [[] for _ in range(positions.height)]
    for is_b in (False, True):
        idx = np.flatnonzero(class_b == is_b)
        if len(idx) == 0:
            continue
        sub = {k: v[idx] for k, v in raw.items()}
        if engine == "fast":
            lines = _fast_sentences(sub, is_b, channels[idx], talker)
        else:
            lines = [
                _encode(_pyais_position_dict(sub, j, is_b), talker, str(channels[i]))[0]
                for j, i in enumerate(idx)
            ]
        for i, line in zip(idx, lines, strict=True):
            out[i] = [line]
    return raw["ts_s"], out


def _encode(msg: dict[str, Any], talker: str, channel: str, seq_id: int | None = None) -> list[str]:
    try:
        return encode_dict(
            msg, talker_id=talker, sentence_type="VDM", radio_channel=channel, seq_id=seq_id
        )
    except (ValueError, TypeError) as e:
        raise MdaError(f"pyais could not encode {msg!r}: {e}") from e


# --- static messages ---------------------------------------------------------------------------


def _dims(length_m: float | None, width_m: float | None) -> dict[str, int]:
    length = round(length_m or 0)
    width = round(width_m or 0)
    to_bow = min(511, round(length * 0.8))
    to_port = min(63, width // 2)
    return {
        "to_bow": to_bow,
        "to_stern": min(511, length - to_bow),
        "to_port": to_port,
        "to_starboard": min(63, width - to_port),
    }


def _static_messages(vessel: dict[str, Any]) -> list[dict[str, Any]]:
    """pyais dicts of one vessel's static report: [type 5] or [type 24 A, type 24 B]."""
    common = {"mmsi": vessel[schema.MMSI]}
    name = vessel[schema.VESSEL_NAME] or ""
    call_sign = vessel[schema.CALL_SIGN] or ""
    ship_type = vessel[schema.SHIP_TYPE] or 0
    dims = _dims(vessel[schema.LENGTH_M], vessel[schema.WIDTH_M])
    if vessel[schema.AIS_CLASS] == "B":
        part_a = {**common, "msg_type": 24, "partno": 0, "shipname": name}
        part_b = {
            **common,
            "msg_type": 24,
            "partno": 1,
            "ship_type": ship_type,
            "callsign": call_sign,
            **dims,
        }
        return [part_a, part_b]
    return [
        {
            **common,
            "msg_type": 5,
            "ais_version": 2,
            "imo": vessel[schema.IMO] or 0,
            "callsign": call_sign,
            "shipname": name,
            "ship_type": ship_type,
            **dims,
            "epfd": 1,
            "month": 0,
            "day": 0,
            "hour": 24,
            "minute": 60,  # ETA not available
            "draught": vessel[schema.DRAUGHT_M] or 0.0,
            "destination": vessel[schema.DESTINATION] or "",
        }
    ]


def _static_times(positions: pl.DataFrame, interval_s: float) -> pl.DataFrame:
    """(mmsi, ts_s, k): the first report of each vessel in every static interval."""
    ts_s = pl.col(schema.TS).dt.epoch("s")
    bucket = ((ts_s - ts_s.min().over(schema.MMSI)) // int(interval_s)).alias("k")
    return (
        positions.select(schema.MMSI, ts_s.alias("ts_s"), bucket)
        .group_by(schema.MMSI, "k")
        .agg(pl.col("ts_s").min())
        .sort(schema.MMSI, "ts_s")
    )


def _static_sentences(
    positions: pl.DataFrame, vessels: pl.DataFrame, talker: str, interval_s: float
) -> tuple[np.ndarray, list[list[str]]]:
    by_mmsi = {
        v[schema.MMSI]: _static_messages(v)
        for v in vessels.unique(schema.MMSI, keep="last").iter_rows(named=True)
    }
    cache: dict[tuple[int, int, str], list[list[str]]] = {}
    times: list[int] = []
    msgs: list[list[str]] = []
    for mmsi, k, ts_s in _static_times(positions, interval_s).iter_rows():
        if mmsi not in by_mmsi:
            continue
        key = (mmsi, k % 10, "AB"[k % 2])
        if key not in cache:
            cache[key] = [_encode(m, talker, key[2], seq_id=key[1]) for m in by_mmsi[mmsi]]
        for sentences in cache[key]:
            times.append(ts_s)
            msgs.append(sentences)
    return np.asarray(times, dtype=np.int64), msgs


# --- timestamp styles ----------------------------------------------------------------------


@lru_cache(maxsize=1 << 17)
def _tag(ts_s: int) -> str:
    body = f"c:{ts_s}"
    return f"\\{body}*{nmea_checksum(body)}\\"


def _tagblock(ts_s: int, sentence: str) -> list[str]:
    return [_tag(ts_s) + sentence]


def _leading(ts_s: int, sentence: str) -> list[str]:
    return [f"{ts_s}.000 {sentence}"]


def _trailing(ts_s: int, sentence: str) -> list[str]:
    return [f"{sentence},{ts_s}"]


def _pghp(ts_s: int, sentence: str) -> list[str]:
    t = datetime.fromtimestamp(ts_s, tz=UTC)
    body = (
        f"PGHP,1,{t.year},{t.month},{t.day},{t.hour},{t.minute},{t.second},0,"
        f"{PGHP_COUNTRY},,{PGHP_STATION},1,{sentence[-2:]}"
    )
    return [f"${body}*{nmea_checksum(body)}", sentence]


_STYLES: dict[str, Callable[[int, str], list[str]]] = {
    "tagblock": _tagblock,
    "leading_epoch": _leading,
    "trailing_epoch": _trailing,
    "pghp": _pghp,
}


def encode_nmea(
    positions: pl.DataFrame,
    vessels: pl.DataFrame | None = None,
    *,
    timestamp_style: TimestampStyle = "tagblock",
    talker: str = "AI",
    engine: Engine = "pyais",
    static_interval_s: float = STATIC_INTERVAL_S,
) -> list[str]:
    """NMEA lines (no line endings) for positions (POSITIONS_SCHEMA) and static data.

    Lines are in time order, as a receiver would log them. ``vessels`` (VESSELS_SCHEMA) adds
    a type 5 or type 24 A+B report every ``static_interval_s`` seconds while the vessel
    transmits (its first position in each interval). Timestamps are whole UTC seconds
    (fractions are truncated). See the module docstring for styles and engines.
    """
    if timestamp_style not in _STYLES:
        raise MdaError(f"unknown timestamp_style {timestamp_style!r}; use one of {list(_STYLES)}")
    if len(talker) != 2:
        raise MdaError(f"NMEA talker must be two characters (e.g. 'AI'), got {talker!r}")
    positions = schema.conform(positions, schema.POSITIONS_SCHEMA).sort(schema.TS, schema.MMSI)
    ts_s, msgs = _position_sentences(positions, talker, engine)
    if vessels is not None and vessels.height:
        static_ts, static_msgs = _static_sentences(positions, vessels, talker, static_interval_s)
        ts_s, msgs = np.concatenate([ts_s, static_ts]), msgs + static_msgs
    wrap = _STYLES[timestamp_style]
    lines: list[str] = []
    for i in np.argsort(ts_s, kind="stable"):
        for sentence in msgs[i]:
            lines.extend(wrap(int(ts_s[i]), sentence))
    log.debug("encoded %d positions into %d NMEA lines", positions.height, len(lines))
    return lines
