"""Detectors: pure functions over positions, plus annotation against reference layers.

``detect_day`` is the one entry point the pipelines use.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import polars as pl

from mda.detect.anchor_drag import detect_anchor_drag
from mda.detect.annotate import SpatialIndex, annotate
from mda.detect.encounter import detect_encounters
from mda.detect.events import finalize
from mda.detect.gaps import detect_gaps
from mda.detect.identity import detect_invalid_mmsi, detect_shared_mmsi
from mda.detect.loitering import detect_loitering
from mda.detect.params import DetectParams
from mda.detect.reception import with_reception
from mda.detect.segment import segment
from mda.schema import END_TIME, EVENTS_SCHEMA, TS, empty

__all__ = ["DetectParams", "SpatialIndex", "detect_day"]


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """[start, end) of a UTC day."""
    start = datetime.combine(day, time(), tzinfo=UTC)
    return start, start + timedelta(days=1)


def detect_day(
    positions: pl.LazyFrame,
    vessels: pl.DataFrame,
    index: SpatialIndex,
    params: DetectParams,
    *,
    day: date,
    region: str,
    lookback: pl.LazyFrame | None = None,
) -> pl.DataFrame:
    """All events of one UTC day, in EVENTS_SCHEMA, best score first.

    positions: the day's positions. lookback: earlier positions (e.g. each vessel's last
    position of the previous day) so a gap that started before midnight and ended today is
    found; gaps are attributed to the day they end in. Positions are first split into track
    segments (mda.detect.segment) so two transmitters sharing an MMSI are two tracks; the other
    detectors then work per segment. Loitering and identity checks use the day's positions only.
    """
    start, end = day_bounds(day)
    history = positions if lookback is None else pl.concat([lookback, positions], how="vertical")
    tracks = segment(history, params.segment).lazy()
    today = tracks.filter(pl.col(TS) >= start)
    gaps = detect_gaps(tracks, params.gaps).filter(
        (pl.col(END_TIME) >= start) & (pl.col(END_TIME) < end)
    )
    gaps = with_reception(gaps, today, params.reception, start, end)
    candidates = pl.concat(
        [
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
    return finalize(annotated, vessels, params, day=day, region=region)
