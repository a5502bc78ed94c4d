"""Ingest: AIS files (raw NMEA, NOAA and DMA CSV) -> canonical polars tables.

``read_input`` detects the format by content and returns an :class:`IngestResult`:
positions, static vessel rows, fixed stations' reports (base stations, aids to navigation)
and a quarantine of every rejected line, with counts by reason that add up
(``accepted + sum(rejects.values()) == lines_read``). See ``mda.ingest._records`` for the
order of checks and what "accepted" means.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from mda.ingest._records import REASONS, Chunked, IngestResult, Parsed, TableHook, finalize
from mda.ingest.csv_sources import parse_dma, parse_noaa
from mda.ingest.formats import Format, ProgressHook, StageHook, detect_format
from mda.ingest.nmea import parse_nmea

__all__ = ["REASONS", "Format", "IngestResult", "detect_format", "read_input", "read_inputs"]

PARSERS: dict[str, Callable[[Path], Parsed | Chunked]] = {
    "nmea": parse_nmea,
    "noaa_csv": parse_noaa,
    "dma_csv": parse_dma,
}


def parse_input(path: Path) -> Parsed | Chunked:
    """Detect the format of ``path`` and run its reader (no common checks yet)."""
    return PARSERS[detect_format(Path(path))](Path(path))


def read_input(path: Path, day: date | None = None) -> IngestResult:
    """Read one AIS file of any supported format.

    With ``day``, records outside [day 00:00, day+1 00:00) UTC are rejected as
    "outside_day". Raises InputFileError / InputFormatError (one line) when the file
    cannot be read at all.
    """
    return finalize([parse_input(path)], day)


def read_inputs(
    paths: Sequence[Path],
    day: date | None = None,
    progress: ProgressHook | None = None,
    stage: StageHook | None = None,
    ready: TableHook | None = None,
) -> IngestResult:
    """Read several files as one stream, in the given order.

    A record that repeats what an earlier file already gave (same mmsi, ts, lat, lon
    and no new static data) is a "duplicate". ``progress`` is called with (file, bytes
    read, bytes in all) as the files are read, ``stage`` when the duplicate rules over
    all records begin, ``ready`` with the positions table as soon as it is final.
    """
    return finalize([parse_input(p) for p in paths], day, progress, stage, ready)
