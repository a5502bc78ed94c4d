"""Synthetic but realistic vessel particulars: MMSI, IMO, call sign, name, type and size.

MMSIs carry the real Maritime Identification Digits of the flag (265 Sweden, 636 Liberia,
...), IMO numbers have a valid check digit, call signs start with the flag's ITU prefix.
Names are invented from common Baltic naming words; any match with a real ship is chance.
All text is in the AIS 6-bit alphabet (upper case, digits, a few signs), so it survives an
NMEA round trip unchanged.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

import numpy as np

from mda.errors import MdaError

# flag -> (MIDs, ITU call-sign prefix, number of characters after the prefix)
FLAGS: dict[str, tuple[tuple[int, ...], str, int]] = {
    "SE": ((265, 266), "S", 3),
    "FI": ((230,), "OJ", 2),
    "EE": ((276,), "ES", 2),
    "LV": ((275,), "YL", 2),
    "LT": ((277,), "LY", 2),
    "PL": ((261,), "SP", 2),
    "DE": ((211, 218), "DA", 2),
    "DK": ((219, 220), "OZ", 2),
    "NL": ((244, 245), "PC", 2),
    "NO": ((257, 258), "LA", 2),
    "MT": ((215, 229, 248, 249, 256), "9H", 4),
    "CY": ((209, 210, 212), "5B", 3),
    "LR": ((636,), "D5", 4),
    "MH": ((538,), "V7", 4),
    "PA": ((352, 353, 355, 356, 357, 370, 371), "3E", 3),
    "AG": ((304, 305), "V2", 3),
    "PT": ((255,), "CQ", 2),
    "HK": ((477,), "VR", 3),
    "RU": ((273,), "UB", 3),
}
LOCAL_FLAGS = ("SE", "FI", "EE", "LV", "LT", "PL", "DK")
OCEAN_FLAGS = (*LOCAL_FLAGS, "DE", "NL", "NO", "MT", "CY", "LR", "MH", "PA", "AG", "PT", "HK", "RU")

NAME_HEADS = (
    "BALTIC",
    "NORDIC",
    "AMBER",
    "HANSA",
    "POLAR",
    "NORTHERN",
    "GOTLAND",
    "CORAL",
    "SILVER",
    "STELLA",
    "AURORA",
    "VIKING",
    "OCEAN",
    "ARCTIC",
    "SKAGEN",
    "DVINA",
    "KURSA",
    "SVEA",
    "FREJA",
    "RIGEL",
    "NEPTUN",
    "ODIN",
    "LINDA",
    "MERIDIAN",
    "FAIRWIND",
    "EASTERN",
)
NAME_TAILS = (
    "TRADER",
    "PIONEER",
    "SPIRIT",
    "CARRIER",
    "STAR",
    "WIND",
    "WAVE",
    "EXPRESS",
    "VENTURE",
    "HARMONY",
    "LINK",
    "BRIDGE",
    "QUEEN",
    "FALCON",
    "HORIZON",
    "SUN",
    "PRIDE",
    "GLORY",
)
FISHING_NAMES = (
    "ANDREA",
    "MARIANNE",
    "SILLEN",
    "TORSKEN",
    "LAIMA",
    "DAUGAVA",
    "VEGA",
    "ELLEN",
    "KAJA",
    "ASTRID",
    "SAGA",
    "HAVSORN",
    "ZVEJNIEKS",
    "JURATE",
    "MARIJA",
    "KARIN",
)
LEISURE_NAMES = (
    "LILLA MY",
    "SJOFARAREN",
    "BRIS",
    "TARNAN",
    "MOLNET",
    "SOLVIK",
    "KALLE",
    "MASEN",
    "FRIDA",
    "VINDROS",
    "TROLLET",
    "SKUTAN",
)

# kind -> (ITU ship types, length range m, beam ratio range, draught range m)
Range = tuple[float, float]
KINDS: dict[str, tuple[tuple[int, ...], Range, Range, Range]] = {
    "cargo": ((70, 71, 79), (85, 200), (6.0, 7.5), (5.0, 11.0)),
    "tanker": ((80, 81, 82), (100, 250), (5.5, 7.0), (7.0, 14.5)),
    "passenger": ((60, 69), (120, 200), (6.0, 7.0), (5.5, 7.0)),
    "fishing": ((30,), (18, 40), (3.5, 4.5), (3.0, 5.5)),
    "tug": ((52,), (22, 35), (3.0, 3.5), (3.5, 5.0)),
    "leisure": ((37, 36), (8, 15), (3.0, 3.8), (1.2, 2.2)),
}

DESTINATIONS: dict[str, tuple[str, ...]] = {
    "main_ne": ("ST PETERSBURG", "RU ULU", "FI HKO", "PRIMORSK", "SKAW", "DE KEL"),
    "stockholm": ("SE STO", "STOCKHOLM", "SKAW", "GDANSK"),
    "riga": ("LV RIX", "RIGA", "SKAW", "DE ROS"),
    "klaipeda_west": ("LT KLJ", "KARLSHAMN", "DE KEL"),
    "liepaja_west": ("LV LPX", "LIEPAJA", "SKAW"),
    "ventspils_stockholm": ("LV VNT", "NYNASHAMN"),
    "gof_klaipeda": ("LT KLJ", "HELSINKI", "FI KTK"),
    "visby_nynashamn": ("NYNASHAMN", "VISBY"),
    "visby_oskarshamn": ("OSKARSHAMN", "VISBY"),
}


@dataclass(frozen=True)
class Particulars:
    """One vessel's static AIS data (what a type 5 / type 24 message carries)."""

    mmsi: int
    imo: int | None
    call_sign: str
    name: str
    ship_type: int
    length_m: float
    width_m: float
    draught_m: float | None
    destination: str | None
    ais_class: str  # "A" or "B"


def imo_number(rng: np.random.Generator) -> int:
    """A 7-digit IMO number with a valid check digit (weights 7..2 on the first six)."""
    digits = [int(rng.choice([7, 8, 9, 9, 9])), *(int(d) for d in rng.integers(0, 10, 5))]
    check = sum(d * w for d, w in zip(digits, range(7, 1, -1), strict=True)) % 10
    return int("".join(map(str, digits)) + str(check))


def mmsi_for(flag: str, rng: np.random.Generator, used: set[int]) -> int:
    """A ship-station MMSI (MID + 6 digits, last digit not 0 so it looks individual)."""
    mids = FLAGS[flag][0]
    while True:
        mmsi = int(rng.choice(mids)) * 1_000_000 + int(rng.integers(100_000, 999_999))
        if mmsi not in used and mmsi % 10:
            used.add(mmsi)
            return mmsi


def call_sign_for(flag: str, rng: np.random.Generator) -> str:
    """A call sign with the flag's ITU prefix."""
    _, prefix, n = FLAGS[flag]
    first = str(rng.choice(list(string.ascii_uppercase)))
    rest = rng.choice(list(string.ascii_uppercase + string.digits), n - 1)
    return prefix + first + "".join(rest)


def _name(kind: str, rng: np.random.Generator, used: set[str]) -> str:
    for _ in range(200):
        if kind == "fishing":
            name = f"{rng.choice(FISHING_NAMES)} {int(rng.integers(2, 400))}"
        elif kind == "leisure":
            name = str(rng.choice(LEISURE_NAMES))
            name = name if name not in used else f"{name} {int(rng.integers(2, 9))}"
        else:
            name = f"{rng.choice(NAME_HEADS)} {rng.choice(NAME_TAILS)}"
        if name not in used and len(name) <= 20:
            used.add(name)
            return name
    raise MdaError(f"ran out of unused {kind} vessel names")  # pragma: no cover - 400+ combinations


def make_particulars(
    kind: str,
    rng: np.random.Generator,
    used_mmsi: set[int],
    used_names: set[str],
    *,
    flag: str | None = None,
    lane: str | None = None,
    name: str | None = None,
    ais_class: str = "A",
) -> Particulars:
    """Draw one vessel of ``kind`` (see KINDS); ``lane`` picks a plausible destination."""
    types, (lmin, lmax), (rmin, rmax), (dmin, dmax) = KINDS[kind]
    flag = flag or str(
        rng.choice(LOCAL_FLAGS if kind in ("fishing", "leisure", "tug") else OCEAN_FLAGS)
    )
    length = float(round(rng.uniform(lmin, lmax)))
    width = float(round(length / rng.uniform(rmin, rmax)))
    is_a = ais_class == "A"
    dest = str(rng.choice(DESTINATIONS[lane])) if lane in DESTINATIONS and is_a else None
    return Particulars(
        mmsi=mmsi_for(flag, rng, used_mmsi),
        imo=imo_number(rng) if is_a and kind not in ("fishing", "leisure") else None,
        call_sign=call_sign_for(flag, rng),
        name=name or _name(kind, rng, used_names),
        ship_type=int(rng.choice(types)),
        length_m=length,
        width_m=width,
        draught_m=round(float(rng.uniform(dmin, dmax)), 1) if is_a else None,
        destination=dest,
        ais_class=ais_class,
    )
