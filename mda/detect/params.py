"""Detector parameters: one place, each number with the definition it follows.

Every params object is frozen; a region overrides fields by name (see mda.regions).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

from mda.errors import ConfigError

NM_M = 1852.0


@dataclass(frozen=True)
class LoiteringParams:
    """Sustained low speed at sea.

    Anchor: Global Fishing Watch loitering events (carrier vessels at an average speed
    below 2 kn while at least 20 nm from shore). GFW publishes events of one hour or more;
    the default minimum here is 2 h, which keeps ordinary port-approach slowdowns out.
    """

    max_speed_kn: float = 2.0  # a position counts as slow below this SOG (implied speed if no SOG)
    max_mean_speed_kn: float = 2.0  # the whole run must average below this
    min_duration_h: float = 2.0
    max_point_gap_h: float = (
        1.0  # silence longer than this ends a run: that is a gap, not loitering
    )
    min_shore_distance_nm: float = 20.0  # GFW published events; applied only with a land layer


@dataclass(frozen=True)
class GapParams:
    """A vessel silent longer than a threshold.

    Anchors: GFW pipe-gaps (gaps of 6 h or more); Welch et al. 2022, "Hot spots of
    unseen fishing vessels" (likely intentional disabling: >= 12 h, starting > 50 nm from shore).
    """

    min_gap_h: float = 6.0
    intentional_min_h: float = 12.0
    intentional_min_shore_nm: float = 50.0
    min_shore_distance_nm: float = 0.0  # gaps starting nearer the shore than this are dropped


@dataclass(frozen=True)
class EncounterParams:
    """Two vessels close together at low speed for a minimum time.

    Anchors: Global Fishing Watch encounters (within 0.5 km for more than 2 h, median speed
    below 2 kn, more than 10 km from port); Skylight's standard rendezvous (within 250 m for
    more than 30 min) is ``max_distance_km=0.25, min_duration_h=0.5``.
    """

    max_distance_km: float = 0.5
    min_duration_h: float = 2.0
    max_median_speed_kn: float = 2.0
    bin_minutes: int = 10  # positions are averaged per vessel in bins of this length
    max_missing_bins: int = 2  # consecutive bins apart (no report) that do not end an encounter
    min_shore_distance_km: float = 10.0  # GFW uses distance from port; here: from the land layer


@dataclass(frozen=True)
class AnchorDragParams:
    """A vessel under way at reduced speed over a long distance across a cable.

    Anchors: the Baltic incidents (Eagle S, Dec 2024; Yi Peng 3, Nov 2024): a ship keeps
    moving at a few knots, well below its transit speed, for tens of km while crossing cables,
    without reporting "at anchor". AMSA's drift detector takes a 45-135 degree difference
    between course and heading as a sign the hull is not going where it points.
    """

    min_speed_kn: float = 1.0  # slower than this is a stop (loitering), not a drag
    max_speed_kn: float = 6.0  # the dragging speed band
    min_drop_kn: float = 2.0  # at least this far below the vessel's own transit speed
    transit_min_kn: float = 8.0  # speeds above this define the vessel's transit (median)
    min_distance_km: float = 10.0  # tens of km in the incidents; short slowdowns are not events
    min_duration_h: float = 1.0
    max_point_gap_h: float = 0.5  # a silence longer than this ends a run
    max_share_anchored: float = 0.5  # runs mostly reported "at anchor" are not covert drags
    max_share_fishing: float = 0.5  # runs mostly reported "engaged in fishing" are towed gear
    min_shore_distance_nm: float = 3.0  # port approaches are not drags
    divergence_min_deg: float = 45.0  # AMSA drift: course/heading difference band
    divergence_max_deg: float = 135.0


@dataclass(frozen=True)
class FishingParams:
    """Fishing activity inside a zone whose kind forbids fishing, while the zone is valid.

    Fishing activity is P(fishing) per position from a classifier over movement features
    (mda.detect.fishing_model; trained on the simulator's labelled gears). Anchor: Global
    Fishing Watch and Skylight publish per-position fishing classifiers of this kind
    (Skylight reports 71 % precision for its model).
    """

    min_probability: float = 0.5  # a position is "fishing" at or above this P(fishing)
    min_duration_h: float = 0.5  # time fishing inside one zone before it is an event
    # ... and the run's mean P(fishing) must reach this: half an hour of coin flips
    # (P just above min_probability) is not an event
    min_mean_probability: float = 0.6
    max_point_gap_h: float = 0.5  # a silence longer than this ends a run
    max_dip_h: float = 0.5  # a shorter spell below min_probability inside a tow does not end it
    # Many MPAs allow fishing: add "mpa" per region where they are no-take.
    forbidden_kinds: tuple[str, ...] = ("fishing_closure", "no_take")
    # Vessels whose latest static report gives a ship type in this range (ITU 60-89:
    # passenger, cargo, tanker) are not classified: a slow merchant ship is not fishing.
    merchant_ship_types: tuple[int, int] = (60, 89)


@dataclass(frozen=True)
class ReceptionParams:
    """Same-day reception context for gaps (see mda.detect.reception)."""

    cell_deg: float = 0.25  # grid cell size, degrees of latitude and longitude
    min_vessels: int = 1  # other vessels heard in the cell-hour for it to count as covered


@dataclass(frozen=True)
class AnnotateParams:
    """How events are placed against the reference layers."""

    cable_search_km: float = 25.0  # nearest cable reported only within this distance
    cable_near_m: float = 1000.0  # "over the cable" for scoring


@dataclass(frozen=True)
class SegmentParams:
    """Track segmentation (anchor: GFW pipe-segment / gpsdio-segment, 25 kn)."""

    max_speed_kn: float = 25.0  # a position farther than this x elapsed time starts a segment
    noise_nm: float = 0.5  # GNSS noise and timestamp rounding allowance


@dataclass(frozen=True)
class IdentityParams:
    """Shared-MMSI conflicts: two segments of one MMSI active at the same time."""

    min_overlap_h: float = 0.5
    min_points: int = 10  # positions per segment, so one stray fix is not a second ship


@dataclass(frozen=True)
class DetectParams:
    """All detector parameters of one region."""

    segment: SegmentParams = field(default_factory=SegmentParams)
    identity: IdentityParams = field(default_factory=IdentityParams)
    loitering: LoiteringParams = field(default_factory=LoiteringParams)
    anchor_drag: AnchorDragParams = field(default_factory=AnchorDragParams)
    encounter: EncounterParams = field(default_factory=EncounterParams)
    gaps: GapParams = field(default_factory=GapParams)
    reception: ReceptionParams = field(default_factory=ReceptionParams)
    fishing: FishingParams = field(default_factory=FishingParams)
    annotate: AnnotateParams = field(default_factory=AnnotateParams)

    def as_dict(self) -> dict[str, dict[str, float]]:
        """Plain nested dict, for reports and logs."""
        return {f.name: vars(getattr(self, f.name)).copy() for f in fields(self)}


def params_from_dict(overrides: dict[str, Any] | None) -> DetectParams:
    """Build DetectParams from a nested dict ``{"loitering": {"min_duration_h": 3}, ...}``.

    Raises ConfigError naming an unknown section or field.
    """
    base = DetectParams()
    for section, values in (overrides or {}).items():
        if section not in {f.name for f in fields(base)}:
            raise ConfigError(
                f"unknown detector section {section!r}; expected one of "
                f"{[f.name for f in fields(base)]}"
            )
        current = getattr(base, section)
        known = {f.name for f in fields(current)}
        unknown = set(values) - known
        if unknown:
            raise ConfigError(
                f"unknown {section} parameter(s) {sorted(unknown)}; "
                f"expected some of {sorted(known)}"
            )
        base = replace(
            base,
            **{section: replace(current, **{k: _cast(current, k, v) for k, v in values.items()})},
        )
    return base


def _cast(current: Any, name: str, value: Any) -> Any:
    """A numeric parameter becomes a float; a list parameter (e.g. zone kinds) a tuple."""
    if isinstance(getattr(current, name), tuple):
        return tuple(str(v) for v in value)
    return float(value)
