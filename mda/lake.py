"""The day-partitioned Parquet lake.

Layout: ``<lake>/<table>/[region=<r>/]date=YYYY-MM-DD/part-0.parquet``. One directory per
(table, region, UTC day). Writing a partition is atomic: the new partition is written to a
temporary directory beside it, then swapped in; rerunning a day replaces it, never
duplicates it.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from mda.errors import ConfigError

log = logging.getLogger(__name__)

PART_FILE = "part-0.parquet"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def _check_name(kind: str, value: str) -> str:
    """Table and region names become directory names: keep them plain."""
    if not _NAME.match(value) or ".." in value:
        raise ConfigError(
            f"lake {kind} name {value!r} is not allowed; use letters, digits, '_', '-', '.'"
        )
    return value


def partition_dir(lake: Path, table: str, day: date, region: str | None = None) -> Path:
    """The directory of one (table, region, day) partition."""
    base = Path(lake) / _check_name("table", table)
    if region is not None:
        base = base / f"region={_check_name('region', region)}"
    return base / f"date={day.isoformat()}"


def write_partition(
    lake: Path, table: str, day: date, df: pl.DataFrame, *, region: str | None = None
) -> Path:
    """Write ``df`` as the whole partition of ``day``; returns the Parquet file path.

    The file is written beside its final name and moved over it with one ``os.replace``
    (atomic on POSIX), so a reader, or a run killed at any moment, sees either the old
    partition or the new one, never a partly written file or none. An empty ``df`` writes an
    empty file that keeps the schema.
    """
    path = write_parquet_atomic(df, partition_dir(lake, table, day, region) / PART_FILE)
    log.info("wrote %d rows to %s", df.height, path)
    return path


def write_parquet_atomic(df: pl.DataFrame, path: Path, **kwargs: Any) -> Path:
    """Write ``df`` to ``path`` through a hidden temporary file and one ``os.replace``.

    A reader, or a run killed at any moment, sees the old file or the new one, never a partly
    written one. Temporaries left by a killed run are removed. ``kwargs`` go to
    ``DataFrame.write_parquet`` (default: with statistics).
    """
    tmp = write_parquet_beside(df, path, **kwargs)
    try:
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return Path(path)


def write_parquet_beside(df: pl.DataFrame, path: Path, **kwargs: Any) -> Path:
    """The first step of :func:`write_parquet_atomic`: ``df`` written to a hidden temporary
    file beside ``path`` (returned; the caller moves it over ``path`` with ``os.replace``
    or removes it). Temporaries a killed run left are removed first."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in path.parent.glob(f".{path.name}.tmp-*"):
        stale.unlink(missing_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.tmp-", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        df.write_parquet(tmp, **({"statistics": True} | kwargs))
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def scan_partition(
    lake: Path,
    table: str,
    day: date,
    region: str | None = None,
    schema: dict[str, pl.DataType] | None = None,
) -> pl.LazyFrame:
    """Lazily read one partition; an empty frame with ``schema`` when it does not exist."""
    path = partition_dir(lake, table, day, region) / PART_FILE
    if path.is_file():
        return pl.scan_parquet(path)
    if schema is None:
        raise ConfigError(f"no partition {path}; pass schema= to get an empty frame instead")
    return pl.LazyFrame(schema=schema)


def scan_days(
    lake: Path,
    table: str,
    days: Iterable[date],
    region: str | None = None,
    schema: dict[str, pl.DataType] | None = None,
) -> pl.LazyFrame:
    """Lazily read several days of one table (missing days contribute nothing)."""
    frames = [
        pl.scan_parquet(p)
        for d in days
        if (p := partition_dir(lake, table, d, region) / PART_FILE).is_file()
    ]
    if frames:
        return pl.concat(frames, how="vertical_relaxed")
    if schema is None:
        raise ConfigError(f"no partition of {table!r} for the requested days under {lake}")
    return pl.LazyFrame(schema=schema)
