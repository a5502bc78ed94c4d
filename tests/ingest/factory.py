"""Hand-made AIS NMEA for tests, encoded with pyais (no third-party data).

Every helper returns text lines; ``write_lines`` puts them in a file.
"""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from functools import reduce
from operator import xor
from pathlib import Path

import pyais

T0 = datetime(2024, 3, 5, 12, 0, 0, tzinfo=UTC)
EPOCH0 = int(T0.timestamp())  # 1709640000
SHIP = 257_000_000  # Norwegian MID 257: a valid ship station
SHIP2 = 257_000_001


def checksum(body: str) -> str:
    """Two-hex-digit NMEA checksum of the text between the delimiter and '*'."""
    return f"{reduce(xor, body.encode(), 0):02X}"


def sentences(
    data: dict, talker: str = "AI", kind: str = "VDM", channel: str = "A", seq_id: int | None = None
) -> list[str]:
    """pyais-encoded sentences of one message."""
    return pyais.encode_dict(
        data, talker_id=talker, sentence_type=kind, radio_channel=channel, seq_id=seq_id
    )


def position(
    mmsi: int = SHIP,
    lat: float = 60.0,
    lon: float = 5.0,
    speed: float = 10.0,
    course: float = 90.0,
    heading: int = 91,
    status: int = 0,
    msg_type: int = 1,
    **extra,
) -> dict:
    """A position report dict for pyais.encode_dict (type 1 unless told)."""
    return {
        "type": msg_type,
        "mmsi": mmsi,
        "lat": lat,
        "lon": lon,
        "speed": speed,
        "course": course,
        "heading": heading,
        "status": status,
        **extra,
    }


def type1(**kw) -> str:
    """One single-sentence type 1 line."""
    return sentences(position(**kw))[0]


def tag(sentence: str, **fields: object) -> str:
    """Prefix an NMEA 4.0 tag block, e.g. tag(s, c=1709640000, s="rx1")."""
    body = ",".join(f"{k}:{v}" for k, v in fields.items())
    return f"\\{body}*{checksum(body)}\\{sentence}"


def pghp(ts: datetime) -> str:
    """A Gatehouse $PGHP time line for ``ts`` (UTC)."""
    ms = ts.microsecond // 1000
    stamp = f"{ts.year},{ts.month},{ts.day},{ts.hour},{ts.minute},{ts.second},{ms}"
    body = f"PGHP,1,{stamp},219,,2190047,1,00"
    return f"${body}*{checksum(body)}"


def corrupt_checksum(sentence: str) -> str:
    """The same sentence with a wrong checksum."""
    body, _, cs = sentence.partition("*")
    wrong = f"{(int(cs[:2], 16) + 1) % 256:02X}"
    return f"{body}*{wrong}{cs[2:]}"


def with_payload(sentence: str, payload: str, fill: int = 0) -> str:
    """The sentence with another payload and a correct checksum."""
    f = sentence.split("*")[0].split(",")
    f[5], f[6] = payload, str(fill)
    body = ",".join(f)
    return f"{body}*{checksum(body[1:])}"


def write_lines(path: Path, lines: list[str], compress: bool = False) -> Path:
    """Write lines (newline-terminated), gzip-compressed when asked."""
    data = "".join(f"{x}\n" for x in lines).encode()
    if compress:
        path.write_bytes(gzip.compress(data))
    else:
        path.write_bytes(data)
    return path
