"""Detectors: pure functions over positions, plus annotation against reference layers.

``detect_day`` is the one entry point the pipelines use.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import polars as pl

from mda.detect.anchor_drag import detect_anchor_drag
from mda.detect.annotate import SpatialIndex, annotate
from mda.detect.encounter import detect_encounters
from mda.detect.events import finalize, rank
from mda.detect.gaps import detect_gaps
from mda.detect.identity import detect_invalid_mmsi, detect_shared_mmsi
from mda.detect.loitering import detect_loitering
from mda.detect.params import DetectParams
from mda.detect.reception import with_reception
from mda.detect.segment import segment
from mda.detect.unusual import add_context
from mda.schema import END_TIME, EVENTS_SCHEMA, MMSI, SHIP_TYPE, TS, day_bounds, empty

if TYPE_CHECKING:
    from mda.detect.fishing_model import FishingModel

__all__ = ["DetectParams", "SpatialIndex", "detect_day"]


def detect_day(
    positions: pl.LazyFrame,
    vessels: pl.DataFrame,
    index: SpatialIndex,
    params: DetectParams,
    *,
    day: date,
    region: str,
    lookback: pl.LazyFrame | None = None,
    fishing_model: FishingModel | None = None,
) -> pl.DataFrame:
    """All events of one UTC day, in EVENTS_SCHEMA, best score first.

    positions: the day's positions. lookback: earlier positions (e.g. each vessel's last
    position of the previous day) so a gap that started before midnight and ended today is
    found; gaps are attributed to the day they end in. Positions are first split into track
    segments (mda.detect.segment) so two transmitters sharing an MMSI are two tracks; the other
    detectors then work per segment. Loitering and identity checks use the day's positions only.
    fishing_model: the fishing-activity classifier (default: the bundled one); it only runs
    when a zone whose kind forbids fishing is in force that day.
    """
    start, end = day_bounds(day)
    history = positions if lookback is None else pl.concat([lookback, positions], how="vertical")
    tracks = segment(history, params.segment).lazy()
    today = tracks.filter(pl.col(TS) >= start)
    gaps = detect_gaps(tracks, params.gaps).filter(
        (pl.col(END_TIME) >= start) & (pl.col(END_TIME) < end)
    )
    gaps = with_reception(gaps, today, params.reception, start, end)
    fishing = _fishing_candidates(today, vessels, index, params, start, end, fishing_model)
    candidates = pl.concat(
        [
            *fishing,
            detect_loitering(today, params.loitering),
            detect_anchor_drag(today, params.anchor_drag),
            detect_encounters(today, params.encounter),
            gaps,
            detect_shared_mmsi(today, params.identity),
            detect_invalid_mmsi(today),
        ]
    ).collect()
    if candidates.is_empty():
        return empty(EVENTS_SCHEMA)
    annotated = annotate(candidates, index, params.annotate)
    events = finalize(annotated, vessels, params, day=day, region=region)
    return rank(add_context(events, today))


def merchant_mmsis(vessels: pl.DataFrame, type_range: tuple[int, int]) -> pl.Series:
    """MMSIs whose latest reported ship type lies in ``type_range`` (inclusive)."""
    latest = (
        vessels.filter(pl.col(SHIP_TYPE).is_not_null())
        .sort(TS)
        .group_by(MMSI)
        .agg(pl.col(SHIP_TYPE).last())
    )
    return latest.filter(pl.col(SHIP_TYPE).is_between(*type_range))[MMSI]


def _fishing_candidates(
    today: pl.LazyFrame,
    vessels: pl.DataFrame,
    index: SpatialIndex,
    params: DetectParams,
    start: datetime,
    end: datetime,
    model: FishingModel | None,
) -> list[pl.LazyFrame]:
    """fishing_in_zone candidates (scikit-learn is imported only when a zone needs it)."""
    from mda.detect.fishing import zones_in_force

    if not zones_in_force(index.layers.zones, params.fishing, start, end):
        return []
    from mda.detect.fishing_model import fishing_in_zone_candidates

    merchants = merchant_mmsis(vessels, params.fishing.merchant_ship_types)
    candidates = today.filter(~pl.col(MMSI).is_in(merchants.implode()))
    found = fishing_in_zone_candidates(
        candidates, index.layers.zones, params.fishing, start, end, model
    )
    return [] if found is None else [found]
