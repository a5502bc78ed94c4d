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
import shutil
import tempfile
import uuid
from collections.abc import Iterable
from datetime import date
from pathlib import Path

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

    An existing partition is replaced by directory renames, so a reader never sees a
    partly written file; an empty ``df`` writes an empty file that keeps the schema.
    """
    final = partition_dir(lake, table, day, region)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{final.name}-", dir=final.parent))
    try:
        df.write_parquet(tmp / PART_FILE, statistics=True)
        _swap_in(tmp, final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log.info("wrote %d rows to %s", df.height, final / PART_FILE)
    return final / PART_FILE


def _swap_in(new: Path, final: Path) -> None:
    """Replace directory ``final`` by ``new`` (both on the same filesystem)."""
    if not final.exists():
        os.replace(new, final)
        return
    old = final.with_name(f".old-{final.name}-{uuid.uuid4().hex}")
    os.replace(final, old)
    try:
        os.replace(new, final)
    except OSError:
        os.replace(old, final)
        raise
    shutil.rmtree(old, ignore_errors=True)


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
