"""The day-partitioned Parquet lake."""

from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl
import pytest

from mda import schema as s
from mda.errors import ConfigError
from mda.lake import partition_dir, scan_days, scan_partition, write_partition

DAY = date(2024, 3, 5)


def positions(n: int, mmsi: int = 257000000, day: date = DAY) -> pl.DataFrame:
    ts = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    df = pl.DataFrame({s.MMSI: [mmsi] * n, s.TS: [ts] * n, s.LAT: [60.0 + i for i in range(n)],
                       s.LON: [5.0] * n, s.SOURCE: ["nmea"] * n})  # fmt: skip
    return s.conform(df, s.POSITIONS_SCHEMA)


def test_layout_and_roundtrip(tmp_path):
    path = write_partition(tmp_path, "positions", DAY, positions(3))
    assert path == tmp_path / "positions" / "date=2024-03-05" / "part-0.parquet"
    back = scan_partition(tmp_path, "positions", DAY).collect()
    assert back.equals(positions(3))
    assert back.schema == pl.Schema(s.POSITIONS_SCHEMA)


def test_region_partition(tmp_path):
    path = write_partition(tmp_path, "events", DAY, positions(1), region="baltic")
    assert path.parent == tmp_path / "events" / "region=baltic" / "date=2024-03-05"
    assert scan_partition(tmp_path, "events", DAY, region="baltic").collect().height == 1
    empty = scan_partition(tmp_path, "events", DAY, region="other", schema=s.POSITIONS_SCHEMA)
    assert empty.collect().height == 0


def test_rerun_replaces_never_duplicates(tmp_path):
    write_partition(tmp_path, "positions", DAY, positions(5))
    write_partition(tmp_path, "positions", DAY, positions(2))
    assert scan_partition(tmp_path, "positions", DAY).collect().height == 2
    day_dir = partition_dir(tmp_path, "positions", DAY)
    assert [p.name for p in day_dir.iterdir()] == ["part-0.parquet"]
    assert [p.name for p in day_dir.parent.iterdir()] == ["date=2024-03-05"]  # no temp left


def test_missing_partition_is_empty_with_schema(tmp_path):
    lf = scan_partition(tmp_path, "positions", DAY, schema=s.POSITIONS_SCHEMA)
    assert lf.collect().schema == pl.Schema(s.POSITIONS_SCHEMA)
    with pytest.raises(ConfigError, match="pass schema="):
        scan_partition(tmp_path, "positions", DAY)


def test_empty_frame_keeps_schema(tmp_path):
    write_partition(tmp_path, "positions", DAY, s.empty(s.POSITIONS_SCHEMA))
    back = scan_partition(tmp_path, "positions", DAY).collect()
    assert back.height == 0 and back.schema == pl.Schema(s.POSITIONS_SCHEMA)


def test_scan_days(tmp_path):
    d2 = date(2024, 3, 6)
    write_partition(tmp_path, "positions", DAY, positions(2))
    write_partition(tmp_path, "positions", d2, positions(3, day=d2))
    got = scan_days(tmp_path, "positions", [DAY, d2, date(2024, 3, 7)]).collect()
    assert got.height == 5
    none = scan_days(tmp_path, "positions", [date(2020, 1, 1)], schema=s.POSITIONS_SCHEMA)
    assert none.collect().height == 0


@pytest.mark.parametrize("name", ["../escape", "a/b", "", ".hidden"])
def test_unsafe_names_rejected(tmp_path, name):
    with pytest.raises(ConfigError):
        write_partition(tmp_path, name, DAY, positions(1))
    with pytest.raises(ConfigError):
        write_partition(tmp_path, "positions", DAY, positions(1), region=name)
