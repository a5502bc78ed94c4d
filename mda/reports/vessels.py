"""Vessel particulars for the report: the latest known static data per MMSI, ship type names.

Static AIS reports arrive several times a day and any field may be missing from one
report; the particulars are the latest non-null value of each field. All text fields
(name, call sign, destination) are untrusted: callers must escape them when rendering.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

from mda import schema as s
from mda.reports.i18n import N_, Gettext, identity

_FIELDS = (
    s.IMO,
    s.CALL_SIGN,
    s.VESSEL_NAME,
    s.SHIP_TYPE,
    s.LENGTH_M,
    s.WIDTH_M,
    s.DRAUGHT_M,
    s.DESTINATION,
    s.AIS_CLASS,
)

_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

# ITU-R M.1371-5 Table 53, first digit 2, 4, 6..9 (second digit: hazardous cargo category).
_TYPE_DECADES = {
    2: N_("Wing in ground (WIG)"),
    4: N_("High-speed craft (HSC)"),
    6: N_("Passenger"),
    7: N_("Cargo"),
    8: N_("Tanker"),
    9: N_("Other type"),
}
_HAZARD = {
    1: N_("hazardous category A"),
    2: N_("hazardous category B"),
    3: N_("hazardous category C"),
    4: N_("hazardous category D"),
}
# ITU-R M.1371-5 Table 53, single codes 30..59.
_TYPE_CODES = {
    30: N_("Fishing"),
    31: N_("Towing"),
    32: N_("Towing, length > 200 m or breadth > 25 m"),
    33: N_("Dredging or underwater operations"),
    34: N_("Diving operations"),
    35: N_("Military operations"),
    36: N_("Sailing"),
    37: N_("Pleasure craft"),
    50: N_("Pilot vessel"),
    51: N_("Search and rescue vessel"),
    52: N_("Tug"),
    53: N_("Port tender"),
    54: N_("Anti-pollution equipment"),
    55: N_("Law enforcement"),
    56: N_("Spare (local vessel)"),
    57: N_("Spare (local vessel)"),
    58: N_("Medical transport"),
    59: N_("Non-combatant ship (RR Resolution No. 18)"),
}


@dataclass(frozen=True)
class Particulars:
    """What the report shows about one vessel. Text fields are raw (unescaped) AIS text."""

    mmsi: int
    vessel_name: str | None = None
    imo: int | None = None
    call_sign: str | None = None
    ship_type: int | None = None
    length_m: float | None = None
    width_m: float | None = None
    draught_m: float | None = None
    destination: str | None = None
    ais_class: str | None = None

    @property
    def ship_type_label(self) -> str:
        """Readable ship category of ``ship_type`` (ITU-R M.1371 Table 53)."""
        return ship_type_name(self.ship_type)


def clean_text(value: str | None) -> str | None:
    """Strip control characters and surrounding blanks from an AIS text field; '' -> None.

    This is hygiene, not escaping: the result is still untrusted text.
    """
    if value is None:
        return None
    cleaned = _CONTROL_CHARS.sub("", value).strip()
    return cleaned or None


def ship_type_name(code: int | None, gettext: Gettext = identity) -> str:
    """Readable category of an ITU ship-and-cargo type code (ITU-R M.1371-5 Table 53),
    translated with ``gettext`` (English by default)."""
    if code is None or code == 0:
        return gettext("not available")
    if code >= 1000:
        return gettext("US Coast Guard vessel type (not an ITU code)")
    if code in _TYPE_CODES:
        return gettext(_TYPE_CODES[code])
    decade, digit = divmod(code, 10)
    if decade in _TYPE_DECADES:
        name = gettext(_TYPE_DECADES[decade])
        if digit in _HAZARD:
            return gettext("%(type)s, %(hazard)s") % {
                "type": name,
                "hazard": gettext(_HAZARD[digit]),
            }
        return name
    return gettext("reserved code")


def latest_particulars(vessels: pl.DataFrame) -> dict[int, Particulars]:
    """Latest non-null value of each static field per MMSI (by report time ``ts``).

    ``vessels`` is in VESSELS_SCHEMA; blank text is treated as missing.
    """
    if vessels.is_empty():
        return {}
    text = (s.CALL_SIGN, s.VESSEL_NAME, s.DESTINATION, s.AIS_CLASS)
    frame = (
        s.conform(vessels, s.VESSELS_SCHEMA)
        .with_columns(
            pl.when(pl.col(c).str.strip_chars() == "").then(None).otherwise(pl.col(c)).alias(c)
            for c in text
        )
        .sort([s.MMSI, s.TS], nulls_last=False)
        .group_by(s.MMSI, maintain_order=True)
        .agg(pl.col(c).drop_nulls().last() for c in _FIELDS)
    )
    return {row[s.MMSI]: _particulars(row) for row in frame.iter_rows(named=True)}


def _particulars(row: dict) -> Particulars:
    """One aggregated row -> Particulars, with text fields cleaned."""
    values = {k: row[k] for k in _FIELDS}
    for key in (s.CALL_SIGN, s.VESSEL_NAME, s.DESTINATION, s.AIS_CLASS):
        values[key] = clean_text(values[key])
    return Particulars(mmsi=row[s.MMSI], **values)
