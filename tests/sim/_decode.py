"""Test-side NMEA reader: strips each timestamp style by hand, decodes with pyais only.

Independent of mda.ingest on purpose, so the simulator is checked against pyais itself.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import reduce
from typing import Any

import pyais

TAG = re.compile(r"^\\(?P<body>[^*\\]*)\*(?P<cs>[0-9A-F]{2})\\(?P<nmea>!.*)$")
PGHP = re.compile(r"^\$PGHP,1,(\d+),(\d+),(\d+),(\d+),(\d+),(\d+),(\d+),[^*]*,([0-9A-F]{2})\*")


def xor(body: str) -> str:
    return f"{reduce(lambda a, c: a ^ ord(c), body, 0):02X}"


def split_timestamps(lines: list[str], style: str) -> list[tuple[int, str]]:
    """(epoch second, bare !AIVDM sentence) per sentence; asserts every wrapper is well formed."""
    out: list[tuple[int, str]] = []
    pending: int | None = None
    pending_cs = ""
    for line in lines:
        if style == "tagblock":
            m = TAG.match(line)
            assert m, line
            assert xor(m["body"]) == m["cs"], f"bad tag-block checksum: {line}"
            out.append((int(m["body"].removeprefix("c:")), m["nmea"]))
        elif style == "leading_epoch":
            ts, sentence = line.split(" ", 1)
            out.append((int(float(ts)), sentence))
        elif style == "trailing_epoch":
            sentence, ts = line.rsplit(",", 1)
            out.append((int(ts), sentence))
        elif line.startswith("$PGHP"):
            m = PGHP.match(line)
            assert m and xor(line[1 : line.index("*")]) == line[-2:], line
            y, mo, d, h, mi, s, _ms = (int(g) for g in m.groups()[:7])
            pending = int(datetime(y, mo, d, h, mi, s, tzinfo=UTC).timestamp())
            pending_cs = m.groups()[7]
        else:
            assert pending is not None and line.endswith(pending_cs), line
            out.append((pending, line))
            pending = None
    return out


def decode_all(pairs: list[tuple[int, str]]) -> list[tuple[int, dict[str, Any]]]:
    """Assemble fragments and decode each message with pyais: (epoch second, fields)."""
    out: list[tuple[int, dict[str, Any]]] = []
    fragments: list[str] = []
    for ts, sentence in pairs:
        assert xor(sentence[1 : sentence.index("*")]) == sentence[-2:], sentence
        total, number = (int(x) for x in sentence.split(",")[1:3])
        fragments.append(sentence)
        if number == total:
            out.append((ts, pyais.decode(*fragments).asdict()))
            fragments = []
    assert not fragments
    return out
