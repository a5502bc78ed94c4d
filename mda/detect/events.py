"""Turn annotated candidates into final events: filters, score, explanation, id.

Scores are in [0, 1] and built from the evidence only (no learned weights yet):

* loitering: 0.35·duration (saturating at 12 h) + 0.35·cable proximity + 0.15·in a zone
  + 0.15·slowness (1 - mean speed / threshold)
* ais_gap: 0.35·duration (saturating at 24 h) + 0.30·cable (crossed or near)
  + 0.20·likely intentional (Welch et al. 2022) + 0.15·in or across a zone
* anchor_drag: 0.5 (it crossed a cable) + 0.2·distance (saturating at 50 km)
  + 0.2·share of reports with course/heading diverging + 0.1·relative speed drop
* encounter: 0.4 + 0.25·duration (saturating at 8 h) + 0.15·closeness + 0.1·cable
  proximity + 0.1·in a zone
* identity_conflict: shared MMSI 0.6 + 0.4·overlap (saturating at 6 h); invalid MMSI 0.3
* fishing_in_zone: 0.4 + 0.3·model confidence (mean P(fishing) rescaled from the threshold
  to 1) + 0.2·duration (saturating at 4 h) + 0.1·share of the fishing run inside the zone

Cable proximity is 1 within ``cable_near_m``, falling linearly to 0 at ``cable_search_km``.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date

import polars as pl

from mda.detect.params import AnnotateParams, DetectParams
from mda.schema import (
    CABLE_DISTANCE_M,
    CABLE_NAME,
    DISTANCE_TO_SHORE_KM,
    DURATION_H,
    EVENT_DATE,
    EVENT_ID,
    EVENT_TYPE,
    EVENTS_SCHEMA,
    EVIDENCE,
    EXPLANATION,
    MMSI,
    OTHER_MMSI,
    REGION,
    SCORE,
    START_TIME,
    TS,
    VESSEL_NAME,
    ZONE_NAME,
    conform,
)

KM_PER_NM = 1.852


def event_id(
    event_type: str, mmsi: int, other_mmsi: int | None, start_iso: str, kind: str = ""
) -> str:
    """Deterministic id: a hash of the fields that define an event (kind: a sub-type)."""
    key = f"{event_type}|{mmsi}|{other_mmsi or ''}|{start_iso}" + (f"|{kind}" if kind else "")
    return hashlib.sha256(key.encode()).hexdigest()[:20]


def cable_factor(distance_m: float | None, p: AnnotateParams) -> float:
    """1 within cable_near_m of a cable, linearly down to 0 at cable_search_km."""
    if distance_m is None:
        return 0.0
    far = p.cable_search_km * 1000
    if distance_m <= p.cable_near_m:
        return 1.0
    return max(0.0, (far - distance_m) / (far - p.cable_near_m))


def _fmt_distance(m: float) -> str:
    return f"{m:.0f} m" if m < 1000 else f"{m / 1000:.1f} km"


def _who(row: dict, names: dict[int, str]) -> str:
    name = names.get(row[MMSI])
    return f"{name} (MMSI {row[MMSI]})" if name else f"MMSI {row[MMSI]}"


def _where(row: dict) -> str:
    parts = []
    if row[CABLE_NAME] is not None:
        parts.append(f"{_fmt_distance(row[CABLE_DISTANCE_M])} from the {row[CABLE_NAME]} cable")
    if row[ZONE_NAME]:
        parts.append(f"in {row[ZONE_NAME]}")
    if row[DISTANCE_TO_SHORE_KM] is not None:
        parts.append(f"{row[DISTANCE_TO_SHORE_KM] / KM_PER_NM:.0f} nm from shore")
    return (", " + ", ".join(parts)) if parts else ""


def _score_loitering(row: dict, ev: dict, p: DetectParams) -> tuple[float, str]:
    slowness = max(0.0, 1 - ev["mean_speed_kn"] / p.loitering.max_speed_kn)
    score = (
        0.35 * min(row[DURATION_H] / 12, 1)
        + 0.35 * cable_factor(row[CABLE_DISTANCE_M], p.annotate)
        + 0.15 * bool(row[ZONE_NAME])
        + 0.15 * slowness
    )
    text = (
        f"loitered for {row[DURATION_H]:.1f} h at {ev['mean_speed_kn']:.1f} kn on average"
        f"{_where(row)}."
    )
    return score, text


def _score_gap(row: dict, ev: dict, p: DetectParams) -> tuple[float, str]:
    cable = 1.0 if ev["crosses_cable"] else cable_factor(row[CABLE_DISTANCE_M], p.annotate)
    score = (
        0.35 * min(row[DURATION_H] / 24, 1)
        + 0.30 * cable
        + 0.20 * bool(ev.get("likely_intentional"))
        + 0.15 * bool(row[ZONE_NAME])
    )
    coverage = ev.get("reception_coverage")
    if coverage is not None:  # a silence where others were heard means more
        score *= 0.5 + 0.5 * coverage
    across = f", its path crossing the {row[CABLE_NAME]} cable" if ev["crosses_cable"] else ""
    text = (
        f"went silent for {row[DURATION_H]:.1f} h{across}{_where(row) if not across else ''} "
        f"and reappeared {ev['distance_km']:.0f} km away "
        f"(implied {ev['implied_speed_kn']:.1f} kn){_reception_note(coverage)}."
    )
    return score, text


def _reception_note(coverage: float | None) -> str:
    if coverage is None:
        return ""
    if coverage >= 0.5:
        return f"; other ships nearby were received in {coverage:.0%} of those hours"
    return f"; reception there was poor (others heard in {coverage:.0%} of those hours)"


def _score_identity(row: dict, ev: dict, p: DetectParams) -> tuple[float, str]:
    if ev["kind"] == "shared_mmsi":
        score = 0.6 + 0.4 * min(row[DURATION_H] / 6, 1)
        text = (
            f"was transmitted from two places at once for {row[DURATION_H]:.1f} h, "
            f"{ev['separation_km']:.0f} km apart: two transmitters are using this MMSI."
        )
        return score, text
    return 0.3, (
        f"uses an MMSI that is not a valid ship identity (MID {ev['mid']} is "
        "unallocated, or the number is a placeholder)."
    )


def _score_anchor_drag(row: dict, ev: dict, p: DetectParams) -> tuple[float, str]:
    drop = max(0.0, ev["transit_speed_kn"] - ev["mean_speed_kn"])
    score = (
        0.5
        + 0.2 * min(ev["distance_km"] / 50, 1)
        + 0.2 * ev["share_course_heading_diverging"]
        + 0.1 * min(drop / max(ev["transit_speed_kn"], 1e-6), 1)
    )
    text = (
        f"slowed from its {ev['transit_speed_kn']:.0f} kn transit speed to "
        f"{ev['mean_speed_kn']:.1f} kn for {ev['distance_km']:.0f} km ({row[DURATION_H]:.1f} h), "
        f'crossing the {row[CABLE_NAME]} cable without reporting "at anchor"; course and '
        f"heading diverged in {ev['share_course_heading_diverging']:.0%} of reports."
    )
    return score, text


def _score_encounter(row: dict, ev: dict, p: DetectParams) -> tuple[float, str]:
    closeness = 1 - min(ev["median_distance_m"] / (p.encounter.max_distance_km * 1000), 1)
    score = (
        0.4
        + 0.25 * min(row[DURATION_H] / 8, 1)
        + 0.15 * closeness
        + 0.1 * cable_factor(row[CABLE_DISTANCE_M], p.annotate)
        + 0.1 * bool(row[ZONE_NAME])
    )
    text = (
        f"stayed within {ev['median_distance_m']:.0f} m (median) of MMSI {row[OTHER_MMSI]} for "
        f"{row[DURATION_H]:.1f} h, both at about {ev['median_speed_kn']:.1f} kn"
        f"{_where(row)}: a possible transfer at sea."
    )
    return score, text


ZONE_KIND_WORDS = {
    "fishing_closure": "a fishing closure",
    "mpa": "a marine protected area",
    "no_take": "a no-take zone",
}


def _score_fishing(row: dict, ev: dict, p: DetectParams) -> tuple[float, str]:
    threshold = ev["threshold_p_fishing"]
    confidence = max(0.0, (ev["mean_p_fishing"] - threshold) / max(1 - threshold, 1e-6))
    score = (
        0.4
        + 0.3 * min(confidence, 1)
        + 0.2 * min(row[DURATION_H] / 4, 1)
        + 0.1 * ev["share_of_fishing_run_in_zone"]
    )
    kind = ZONE_KIND_WORDS.get(ev["zone_kind"], f"a zone of kind {ev['zone_kind']!r}")
    shore = row[DISTANCE_TO_SHORE_KM]
    where = "" if shore is None else f", {shore / KM_PER_NM:.0f} nm from shore"
    text = (
        f"moved like a fishing vessel at work (model confidence {ev['mean_p_fishing']:.0%}, "
        f"{ev['mean_speed_kn']:.1f} kn on average) for {row[DURATION_H]:.1f} h inside "
        f"{ev['zone']}, {kind} in force at the time{where}."
    )
    return score, text


SCORERS = {
    "loitering": _score_loitering,
    "ais_gap": _score_gap,
    "identity_conflict": _score_identity,
    "anchor_drag": _score_anchor_drag,
    "encounter": _score_encounter,
    "fishing_in_zone": _score_fishing,
}


def _gap_flags(ev: dict, shore_km: float | None, p: DetectParams) -> dict:
    g = p.gaps
    if shore_km is None:
        ev["likely_intentional"] = None
    else:
        ev["likely_intentional"] = bool(
            ev["gap_h"] >= g.intentional_min_h and shore_km > g.intentional_min_shore_nm * KM_PER_NM
        )
    return ev


def _keep(row: dict, p: DetectParams) -> bool:
    """Rules that need the annotation: distance from shore, and anchor drags crossing a cable."""
    if row[EVENT_TYPE] == "anchor_drag" and not json.loads(row[EVIDENCE])["crosses_cable"]:
        return False
    shore = row[DISTANCE_TO_SHORE_KM]
    if shore is None:
        return True
    minimum = {
        "loitering": p.loitering.min_shore_distance_nm,
        "ais_gap": p.gaps.min_shore_distance_nm,
        "anchor_drag": p.anchor_drag.min_shore_distance_nm,
        "encounter": p.encounter.min_shore_distance_km / KM_PER_NM,
    }.get(row[EVENT_TYPE], 0.0)
    return shore >= minimum * KM_PER_NM


def _finish_row(row: dict, names: dict[int, str], p: DetectParams) -> dict:
    ev = json.loads(row[EVIDENCE])
    if row[EVENT_TYPE] == "ais_gap":
        ev = _gap_flags(ev, row[DISTANCE_TO_SHORE_KM], p)
    score, text = SCORERS[row[EVENT_TYPE]](row, ev, p)
    start = row[START_TIME].isoformat()
    return {
        **row,
        EVENT_ID: event_id(row[EVENT_TYPE], row[MMSI], row[OTHER_MMSI], start, ev.get("kind", "")),
        SCORE: round(min(max(score, 0.0), 1.0), 3),
        EXPLANATION: f"{_who(row, names)} {text}",
        EVIDENCE: json.dumps(ev, sort_keys=True),
    }


def latest_names(vessels: pl.DataFrame) -> dict[int, str]:
    """MMSI -> the latest non-empty vessel name reported."""
    named = vessels.filter(pl.col(VESSEL_NAME).str.strip_chars().str.len_chars() > 0)
    latest = named.sort(TS).group_by(MMSI).agg(pl.col(VESSEL_NAME).last().str.strip_chars())
    return dict(latest.iter_rows())


def finalize(
    annotated: pl.DataFrame, vessels: pl.DataFrame, p: DetectParams, *, day: date, region: str
) -> pl.DataFrame:
    """Filter, score, explain and id annotated candidates; EVENTS_SCHEMA, best first."""
    names = latest_names(vessels)
    rows = [_finish_row(r, names, p) for r in annotated.iter_rows(named=True) if _keep(r, p)]
    out = pl.DataFrame(
        rows,
        schema=annotated.schema | {EVENT_ID: pl.String, SCORE: pl.Float64, EXPLANATION: pl.String},
    )
    out = out.with_columns(pl.lit(region).alias(REGION), pl.lit(day).alias(EVENT_DATE))
    return rank(conform(out, EVENTS_SCHEMA))


def rank(events: pl.DataFrame) -> pl.DataFrame:
    """Best score first; ties by start time, then id (a stable, reproducible order)."""
    return events.sort([SCORE, START_TIME, EVENT_ID], descending=[True, False, False])
