"""Pseudonyms for classroom use: vessel names, MMSIs, IMO numbers and call signs replaced.

The mapping is deterministic within a pack: each distinct original value gets one pseudonym,
drawn from a random generator seeded by a stable text that holds no identity (by default
the event's type, start time and region), so the same case always gets the same pseudonyms
and the pseudonyms say nothing about the originals. The mapping itself is never written.

Pseudonyms cannot be real identities:
- names are "VESSEL <phonetic word>" (VESSEL ALPHA, VESSEL KILO-2...);
- MMSIs are 9 digits starting with 1 (no ship station MMSI starts with 1; 111... is avoided);
- IMO numbers have a wrong check digit (real IMO numbers always pass the check);
- call signs start with Q (the Q series is reserved for Q codes, never a station's call sign).

The anonymiser works on the frames *before* anything is rendered, so maps, charts, tables and
PDF metadata only ever see pseudonyms; ``find_leaks`` double-checks the written files.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from mda import schema as s
from mda.errors import MdaError

PHONETIC = (
    "ALPHA",
    "BRAVO",
    "CHARLIE",
    "DELTA",
    "ECHO",
    "FOXTROT",
    "GOLF",
    "HOTEL",
    "INDIA",
    "JULIETT",
    "KILO",
    "LIMA",
    "MIKE",
    "NOVEMBER",
    "OSCAR",
    "PAPA",
    "QUEBEC",
    "ROMEO",
    "SIERRA",
    "TANGO",
    "UNIFORM",
    "VICTOR",
    "WHISKEY",
    "XRAY",
    "YANKEE",
    "ZULU",
)
_CALL_SIGN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"


class AnonymisationError(MdaError):
    """An original identity would appear in an anonymised pack."""


@dataclass
class Anonymiser:
    """Consistent pseudonyms for one pack; call ``frames`` before rendering anything."""

    seed_text: str
    mmsi: dict[int, int] = field(default_factory=dict)
    imo: dict[int, int] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    call_signs: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        digest = hashlib.sha256(("mda-anonymise:" + self.seed_text).encode()).digest()
        self._rng = random.Random(int.from_bytes(digest[:8], "big"))
        self._words = list(PHONETIC)
        self._rng.shuffle(self._words)

    # --- building the mapping ------------------------------------------------------------

    def learn(self, mmsis: Iterable[int | None], vessels: pl.DataFrame) -> None:
        """Assign pseudonyms to ``mmsis`` (in this order) and to every identity in ``vessels``."""
        for m in mmsis:
            self._mmsi(m)
        for row in vessels.sort([s.MMSI, s.TS]).iter_rows(named=True):
            self._mmsi(row[s.MMSI])
            self._imo(row.get(s.IMO))
            self._name(row.get(s.VESSEL_NAME))
            self._call_sign(row.get(s.CALL_SIGN))

    def _mmsi(self, value: int | None) -> int | None:
        if value is None:
            return None
        if value not in self.mmsi:
            used = set(self.mmsi.values())
            while (candidate := 100_000_000 + self._rng.randrange(100_000_000)) in used or str(
                candidate
            ).startswith("111"):
                pass
            self.mmsi[value] = candidate
        return self.mmsi[value]

    def _imo(self, value: int | None) -> int | None:
        if value is None:
            return None
        if value not in self.imo:
            used = set(self.imo.values())
            while (candidate := _invalid_imo(self._rng)) in used:
                pass
            self.imo[value] = candidate
        return self.imo[value]

    def _name(self, value: str | None) -> str | None:
        if value is None or not value.strip():
            return value
        key = value.strip()
        if key not in self.names:
            self.names[key] = self._next_name()
        return self.names[key]

    def _call_sign(self, value: str | None) -> str | None:
        if value is None or not value.strip():
            return value
        key = value.strip()
        if key not in self.call_signs:
            used = set(self.call_signs.values())
            while (
                candidate := "Q" + "".join(self._rng.choice(_CALL_SIGN_CHARS) for _ in range(4))
            ) in used:
                pass
            self.call_signs[key] = candidate
        return self.call_signs[key]

    def _next_name(self) -> str:
        n = len(self.names)
        word = self._words[n % len(self._words)]
        return f"VESSEL {word}" + (f"-{n // len(self._words) + 1}" if n >= len(self._words) else "")

    # --- applying it ---------------------------------------------------------------------

    def event(self, row: dict[str, Any], case_id: str) -> dict[str, Any]:
        """An events row with identities replaced, the event id replaced by ``case_id``."""
        out = dict(row)
        out[s.EVENT_ID] = case_id
        out[s.MMSI] = self._mmsi(row[s.MMSI])
        out[s.OTHER_MMSI] = self._mmsi(row.get(s.OTHER_MMSI))
        out[s.EXPLANATION] = self.text(row.get(s.EXPLANATION))
        out[s.EVIDENCE] = self.evidence(row.get(s.EVIDENCE))
        return out

    def positions(self, positions: pl.DataFrame) -> pl.DataFrame:
        """Positions with pseudonym MMSIs and no source file names."""
        mapped = positions.with_columns(
            pl.col(s.MMSI).replace_strict(self.mmsi, default=None, return_dtype=pl.Int64)
        )
        return mapped.with_columns(
            pl.lit(None, dtype=pl.String).alias(s.SOURCE),
            pl.lit(None, dtype=pl.List(pl.String)).alias(s.SOURCES),
        ).filter(pl.col(s.MMSI).is_not_null())

    def vessels(self, vessels: pl.DataFrame) -> pl.DataFrame:
        """Static reports with pseudonym MMSI, IMO, name and call sign; destination scrubbed."""
        rows = []
        for row in vessels.iter_rows(named=True):
            new = dict(row)
            new[s.MMSI] = self._mmsi(row[s.MMSI])
            new[s.IMO] = self._imo(row[s.IMO])
            new[s.VESSEL_NAME] = self._name(row[s.VESSEL_NAME])
            new[s.CALL_SIGN] = self._call_sign(row[s.CALL_SIGN])
            new[s.DESTINATION] = self.text(row[s.DESTINATION])
            new[s.SOURCE] = None
            rows.append(new)
        frame = pl.DataFrame(rows, schema=s.VESSELS_SCHEMA) if rows else s.empty(s.VESSELS_SCHEMA)
        return frame.filter(pl.col(s.MMSI).is_not_null())

    def text(self, value: str | None) -> str | None:
        """Free text with every known original identity replaced by its pseudonym."""
        if value is None:
            return None
        for original, pseudo in self._text_pairs():
            value = original.sub(pseudo, value)
        return value

    def evidence(self, text: str | None) -> str | None:
        """Evidence JSON with identities replaced in its values (numbers and strings)."""
        if text is None:
            return None
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            return self.text(text)
        return json.dumps(self._scrub(value), sort_keys=True, ensure_ascii=False)

    def _scrub(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: self._scrub(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._scrub(v) for v in value]
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return self.mmsi.get(value, self.imo.get(value, value))
        if isinstance(value, str):
            return self.text(value)
        return value

    def _text_pairs(self) -> list[tuple[re.Pattern[str], str]]:
        """(pattern, pseudonym) pairs, longest originals first."""
        pairs: list[tuple[str, str, bool]] = []
        pairs += [(str(k), str(v), True) for k, v in self.mmsi.items()]
        pairs += [(str(k), str(v), True) for k, v in self.imo.items()]
        pairs += [(k, v, False) for k, v in self.names.items()]
        pairs += [(k, v, False) for k, v in self.call_signs.items()]
        pairs.sort(key=lambda p: -len(p[0]))
        return [(_token_pattern(o, digits), p) for o, p, digits in pairs]

    def originals(self) -> list[str]:
        """Every original identity string this anonymiser replaces (for the leak check)."""
        tokens = [str(k) for k in self.mmsi] + [str(k) for k in self.imo]
        tokens += list(self.names)
        tokens += list(self.call_signs)
        return sorted(set(tokens))


def _token_pattern(token: str, digits: bool) -> re.Pattern[str]:
    """A pattern matching ``token`` as a whole word (digits: not inside a longer number)."""
    if digits:
        return re.compile(rf"(?<![\d]){re.escape(token)}(?![\d])")
    return re.compile(rf"(?<!\w){re.escape(token)}(?!\w)", re.IGNORECASE)


def _invalid_imo(rng: random.Random) -> int:
    """A 7-digit number whose last digit is NOT the IMO check digit (so never a real IMO)."""
    head = rng.randrange(100_000, 1_000_000)
    digits = [int(c) for c in str(head)]
    check = sum(d * w for d, w in zip(digits, range(7, 1, -1), strict=True)) % 10
    wrong = (check + 1 + rng.randrange(9)) % 10
    return head * 10 + wrong


def imo_check_ok(imo: int) -> bool:
    """True when a 7-digit number passes the IMO check-digit rule."""
    text = f"{imo:07d}"
    check = sum(int(d) * w for d, w in zip(text[:6], range(7, 1, -1), strict=True)) % 10
    return len(text) == 7 and check == int(text[6])


def find_leaks(text: str, originals: Iterable[str]) -> list[str]:
    """The original identities (numbers as whole numbers, names as whole words) in ``text``."""
    found = []
    for token in originals:
        if len(token) < 3:
            continue
        if _token_pattern(token, token.isdigit()).search(text):
            found.append(token)
    return found
