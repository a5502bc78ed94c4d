"""Bulk loading into the warehouse with COPY, idempotent per (region, day).

Everything goes through psycopg 3's ``cursor.copy()`` on the SQLAlchemy connection's driver
connection, so it joins the caller's transaction: ``load_day`` inside
``with engine.begin() as conn`` replaces a (region, day) atomically.

Positions (the bulk): the (region, day) leaf partition of ``mda.positions`` is created
empty, filled with one binary COPY (``FREEZE``) whose stream numpy builds column by column
(:mod:`mda.store.pgcopy`; points as EWKB, ids as load number * 2^32 + row number), then
indexed and attached (:mod:`mda.store.partitions`). Building indexes once after the COPY
is several times faster than maintaining them row by row (the GiST index alone halved
COPY throughput); ``bench/load_bench.py`` measures both against a text COPY baseline.
Tracks (:mod:`mda.store.tracks`) are built from the same sorted frame; identity history
(:mod:`mda.store.identities`) is rebuilt for the MMSIs whose static reports changed.

Vessels, events and reference layers are small: CSV COPY, via a temporary staging table
and ``INSERT ... SELECT`` with ``ST_GeomFromText(..., 4326)`` where geometry is parsed.
"""

from __future__ import annotations

import binascii
import datetime as dt
import logging

import numpy as np
import polars as pl
from psycopg import sql
from psycopg.copy import QueuedLibpqWriter
from shapely import to_wkt
from shapely.geometry import LineString, MultiLineString, MultiPolygon
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from mda import schema as s
from mda.errors import StoreError
from mda.reference import ReferenceLayers
from mda.store import partitions, pgcopy
from mda.store.identities import rebuild_identities
from mda.store.models import ROWS_PER_LOAD, SCHEMA, SRID
from mda.store.tracks import load_tracks

log = logging.getLogger(__name__)

CHUNK_ROWS = 200_000  # rows per CSV chunk sent to COPY (bounds client memory)

# EWKB point header: little endian, type Point with the SRID flag, SRID.
_EWKB_POINT = np.dtype(
    [("order", "u1"), ("type", "<u4"), ("srid", "<u4"), ("x", "<f8"), ("y", "<f8")]
)
_WKB_POINT_WITH_SRID = 0x20000001


def _driver_cursor(conn: Connection):  # -> psycopg.Cursor
    """A psycopg cursor on the same connection (and transaction) as ``conn``."""
    return conn.connection.driver_connection.cursor()  # type: ignore[union-attr]


def copy_frame(conn: Connection, table: str, df: pl.DataFrame) -> int:
    """COPY ``df`` into ``table`` (``schema.table`` or a temp table), columns by name.

    Returns the number of rows written. Nulls travel as unquoted empty fields, every string
    is quoted, so empty strings, quotes, commas and newlines survive unchanged.
    """
    target = sql.Identifier(*table.split("."))
    columns = sql.SQL(", ").join(sql.Identifier(c) for c in df.columns)
    stmt = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv)").format(target, columns)
    with _driver_cursor(conn) as cur, cur.copy(stmt) as copy:
        for chunk in df.iter_slices(CHUNK_ROWS):
            copy.write(chunk.write_csv(include_header=False, quote_style="non_numeric"))
    return df.height


def ewkb_points_hex(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Hex EWKB (SRID 4326) for points ``(lon, lat)`` in degrees, as a numpy bytes array."""
    rec = np.empty(len(lon), dtype=_EWKB_POINT)
    rec["order"] = 1
    rec["type"] = _WKB_POINT_WITH_SRID
    rec["srid"] = SRID
    rec["x"] = lon
    rec["y"] = lat
    hexed = binascii.hexlify(rec.tobytes())
    return np.frombuffer(hexed, dtype=f"S{2 * _EWKB_POINT.itemsize}")


def with_point_geom_hex(df: pl.DataFrame) -> pl.DataFrame:
    """Add ``geom`` (hex EWKB string) built from the lon/lat columns."""
    hexed = ewkb_points_hex(df[s.LON].to_numpy(), df[s.LAT].to_numpy())
    return df.with_columns(geom=pl.Series(hexed, dtype=pl.Binary).cast(pl.String))


def pg_text_array(col: str) -> pl.Expr:
    """A ``List(String)`` column as PostgreSQL array literals (``{"a","b"}``), for COPY.

    Every element is double-quoted with ``\\`` and ``"`` backslash-escaped, so commas,
    braces, quotes and the word NULL survive; a null list stays null (SQL NULL), a null
    element becomes an unquoted NULL.
    """
    escaped = pl.element().str.replace_all(r"([\\\"])", r"\$1")
    quoted = pl.concat_str([pl.lit('"'), escaped, pl.lit('"')]).fill_null(pl.lit("NULL"))
    body = pl.col(col).list.eval(quoted).list.join(",")
    return pl.concat_str([pl.lit("{"), body, pl.lit("}")]).alias(col)


def _check_day(df: pl.DataFrame, day: dt.date, what: str) -> None:
    """Raise StoreError if any ``ts`` of ``df`` is outside the UTC day ``day``."""
    if df.is_empty():
        return
    days = df.select(pl.col(s.TS).dt.date().unique())[s.TS].to_list()
    if days != [day]:
        raise StoreError(
            f"checked that every {what} timestamp falls on {day} (UTC): found days "
            f"{sorted(d for d in days if d is not None)}; filter the frame to the day "
            "before loading (the warehouse replaces data per day)"
        )


def _check_events(events: pl.DataFrame, day: dt.date, region: str) -> None:
    """Raise StoreError if events carry another region or event_date than the load's."""
    bad = events.filter(pl.col(s.REGION).ne_missing(region) | pl.col(s.EVENT_DATE).ne_missing(day))
    if bad.height:
        raise StoreError(
            f"checked events' region/event_date against the load ({region!r}, {day}): "
            f"{bad.height} rows differ, e.g. {bad.row(0, named=True)[s.EVENT_ID]!r}"
        )
    duplicated = events.filter(pl.col(s.EVENT_ID).is_duplicated())[s.EVENT_ID].unique()
    if duplicated.len():
        raise StoreError(
            f"checked event_id uniqueness: {duplicated.len()} ids occur more than once, "
            f"e.g. {duplicated[0]!r}; event ids must be unique (fix the detector's id fields)"
        )


def _vessel_mmsis(conn: Connection, day: dt.date, region: str) -> set[int]:
    """MMSIs with static reports stored for (region, day)."""
    stmt = text(f"SELECT DISTINCT mmsi FROM {SCHEMA}.vessels WHERE region = :r AND day = :d")
    return set(conn.execute(stmt, {"r": region, "d": day}).scalars())


def _delete_rows(conn: Connection, day: dt.date, region: str) -> dict[str, int]:
    """Remove one (region, day) from every per-day table; return rows removed per table."""
    params = {"region": region, "day": day}
    deleted = {"positions": partitions.drop_leaf(conn, day, region)}
    per_day = (("tracks", "day"), ("vessels", "day"), ("stations", "day"), ("events", s.EVENT_DATE))
    for table, day_col in per_day:
        stmt = text(f"DELETE FROM {SCHEMA}.{table} WHERE region = :region AND {day_col} = :day")
        deleted[table] = conn.execute(stmt, params).rowcount
    return deleted


def delete_day(conn: Connection, day: dt.date, region: str) -> dict[str, int]:
    """Delete one (region, day): its positions partition, tracks, vessels, stations and
    events.

    The identity history of the MMSIs whose static reports were removed is rebuilt.
    Returns rows deleted per table.
    """
    partitions.lock(conn)
    mmsis = _vessel_mmsis(conn, day, region)
    deleted = _delete_rows(conn, day, region)
    rebuild_identities(conn, mmsis)
    return deleted


POSITION_TYPES = {
    "position_id": "int8",
    s.MMSI: "int8",
    s.TS: "timestamptz",
    s.LAT: "float8",
    s.LON: "float8",
    s.SOG_KN: "float4",
    s.COG_DEG: "float4",
    s.HEADING_DEG: "float4",
    s.NAV_STATUS: "int2",
    s.MSG_TYPE: "int2",
    s.SOURCE: "text",
    s.SOURCES: "text[]",
    s.REGION: "text",
    "day": "date",
}


def ewkb_points(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """EWKB (SRID 4326) of points ``(lon, lat)`` in degrees, as a ``(n, 25)`` uint8 array."""
    rec = np.empty(len(lon), dtype=_EWKB_POINT)
    rec["order"] = 1
    rec["type"] = _WKB_POINT_WITH_SRID
    rec["srid"] = SRID
    rec["x"] = lon
    rec["y"] = lat
    return rec.view(np.uint8).reshape(len(lon), _EWKB_POINT.itemsize)


def _next_load_number(conn: Connection) -> int:
    """A new load number from ``mda.positions_load_seq`` (ids of a load: n * 2^32 + row)."""
    return int(conn.execute(text(f"SELECT nextval('{SCHEMA}.positions_load_seq')")).scalar_one())


def positions_frame(
    positions: pl.DataFrame, day: dt.date, region: str, first_id: int
) -> pl.DataFrame:
    """Positions conformed, sorted by (mmsi, ts), with position_id, region and day added."""
    df = sorted_positions(positions)
    ids = pl.int_range(0, pl.len(), dtype=pl.Int64) + first_id
    return df.with_columns(position_id=ids, region=pl.lit(region), day=pl.lit(day))


def copy_positions_binary(conn: Connection, table: str, df: pl.DataFrame) -> int:
    """Binary COPY (FREEZE) of a positions_frame into ``table`` (created in this transaction).

    The stream is built chunk by chunk while a psycopg writer thread sends the previous one.
    """
    geom = pgcopy.bytes_block(ewkb_points(df[s.LON].to_numpy(), df[s.LAT].to_numpy()))
    columns = sql.SQL(", ").join(sql.Identifier(c) for c in [*POSITION_TYPES, "geom"])
    stmt = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT binary, FREEZE)").format(
        sql.Identifier(*table.split(".")), columns
    )
    frame = df.select(list(POSITION_TYPES))
    with _driver_cursor(conn) as cur, cur.copy(stmt, writer=QueuedLibpqWriter(cur)) as copy:
        for piece in pgcopy.copy_chunks(frame, POSITION_TYPES, {"geom": geom}):
            copy.write(piece)
    return df.height


def load_positions(conn: Connection, positions: pl.DataFrame, day: dt.date, region: str) -> int:
    """Replace the (region, day) positions partition by ``positions``; return rows loaded.

    Rows go in sorted by (mmsi, ts), so the heap is clustered by vessel (what track queries
    read) and ids follow that order. Tracks are not built here (see load_day).
    """
    partitions.lock(conn)
    partitions.drop_leaf(conn, day, region)
    partitions.ensure_day(conn, day)
    leaf = partitions.create_leaf(conn, day, region)
    df = positions_frame(positions, day, region, _next_load_number(conn) * ROWS_PER_LOAD)
    if df.height:
        copy_positions_binary(conn, f"{SCHEMA}.{leaf}", df)
    partitions.index_and_attach(conn, day, region)
    return df.height


def sorted_positions(positions: pl.DataFrame) -> pl.DataFrame:
    """Positions conformed and sorted by (mmsi, ts) (stable), as the loaders expect.

    A frame already in that order (the lake's, or this function's output) is not re-sorted.
    """
    df = s.conform(positions, s.POSITIONS_SCHEMA)
    if df.height < 2 or df[s.MMSI].null_count() or df[s.TS].null_count():
        return df.sort(s.MMSI, s.TS, maintain_order=True)
    mmsi, ts = df[s.MMSI].to_numpy(), df[s.TS].dt.epoch("us").to_numpy()
    step_back = (mmsi[1:] < mmsi[:-1]) | ((mmsi[1:] == mmsi[:-1]) & (ts[1:] < ts[:-1]))
    return df.sort(s.MMSI, s.TS, maintain_order=True) if step_back.any() else df


def load_vessels(conn: Connection, vessels: pl.DataFrame, day: dt.date, region: str) -> int:
    """COPY static vessel reports (VESSELS_SCHEMA) with region and day."""
    df = s.conform(vessels, s.VESSELS_SCHEMA)
    df = df.with_columns(region=pl.lit(region), day=pl.lit(day))
    return copy_frame(conn, f"{SCHEMA}.vessels", df)


def load_stations(conn: Connection, stations: pl.DataFrame, day: dt.date, region: str) -> int:
    """COPY fixed stations' reports (STATIONS_SCHEMA) with region, day and their point
    geometry (null for a report without a position)."""
    df = s.conform(stations, s.STATIONS_SCHEMA)
    located = (df[s.LAT].is_not_null() & df[s.LON].is_not_null()).to_numpy()
    hexed = ewkb_points_hex(
        df[s.LON].fill_null(0.0).to_numpy(), df[s.LAT].fill_null(0.0).to_numpy()
    )
    geom = pl.Series(hexed, dtype=pl.Binary).cast(pl.String)
    df = df.with_columns(
        pg_text_array(s.SOURCES),
        region=pl.lit(region),
        day=pl.lit(day),
        geom=pl.when(pl.Series(located)).then(geom),
    )
    return copy_frame(conn, f"{SCHEMA}.stations", df)


_STAGE_EVENTS = """
CREATE TEMP TABLE stage_events (
    event_id text, event_type text, mmsi bigint, other_mmsi bigint,
    start_time timestamptz, end_time timestamptz, lat double precision,
    lon double precision, duration_h double precision, cable_name text,
    cable_distance_m double precision, zone_name text, distance_to_shore_km double precision,
    score double precision, explanation text, evidence text, geometry_wkt text,
    region text, event_date date
)
"""

_INSERT_EVENTS = f"""
INSERT INTO {SCHEMA}.events (
    event_id, event_type, mmsi, other_mmsi, start_time, end_time, lat, lon, duration_h,
    cable_name, cable_distance_m, zone_name, distance_to_shore_km, score, explanation,
    evidence, region, event_date, geom)
SELECT event_id, event_type, mmsi, other_mmsi, start_time, end_time, lat, lon, duration_h,
    cable_name, cable_distance_m, zone_name, distance_to_shore_km, score, explanation,
    evidence::jsonb, region, event_date,
    COALESCE(ST_GeomFromText(geometry_wkt, {SRID}), ST_SetSRID(ST_MakePoint(lon, lat), {SRID}))
FROM stage_events
"""


def _recreate_temp(conn: Connection, name: str, ddl: str) -> None:
    """Drop and create the temporary table ``name`` (so loads can repeat in a transaction)."""
    conn.execute(text(f"DROP TABLE IF EXISTS pg_temp.{name}"))
    conn.execute(text(ddl))


def load_events(conn: Connection, events: pl.DataFrame) -> int:
    """COPY events (EVENTS_SCHEMA) via a staging table; geometry from WKT, evidence as JSONB.

    An event without ``geometry_wkt`` gets its representative point as geometry.
    """
    df = s.conform(events, s.EVENTS_SCHEMA)
    _recreate_temp(conn, "stage_events", _STAGE_EVENTS)
    copy_frame(conn, "stage_events", df)
    try:
        n = conn.execute(text(_INSERT_EVENTS)).rowcount
    except IntegrityError as e:
        raise StoreError(
            f"inserting events failed ({e.orig}): an event_id is already stored under another "
            "(region, event_date); event ids must be unique across regions and days"
        ) from e
    conn.execute(text("DROP TABLE pg_temp.stage_events"))
    return n


def load_day(
    conn: Connection,
    day: dt.date,
    *,
    positions: pl.DataFrame,
    vessels: pl.DataFrame,
    events: pl.DataFrame,
    region: str,
    stations: pl.DataFrame | None = None,
) -> dict[str, int]:
    """Replace one (region, UTC day) in the warehouse; return rows inserted per table.

    Drops the day's positions partition and deletes its tracks, vessels, stations and
    events, then loads the frames (mda.schema shapes), builds the vessel-day tracks and
    rebuilds the identity history of the MMSIs whose static reports were removed or added.
    Every position/vessel/station ``ts`` must fall on ``day`` and every event must carry
    ``region`` and ``event_date == day`` (StoreError otherwise). ``stations`` None: none.
    Runs in the caller's transaction.
    """
    stations = stations if stations is not None else s.empty(s.STATIONS_SCHEMA)
    _check_day(positions, day, "position")
    _check_day(vessels, day, "vessel report")
    _check_day(stations, day, "station report")
    _check_events(events, day, region)
    partitions.lock(conn)
    mmsis = _vessel_mmsis(conn, day, region)
    deleted = _delete_rows(conn, day, region)
    ordered = sorted_positions(positions)
    counts = {
        "positions": load_positions(conn, ordered, day, region),
        "tracks": load_tracks(conn, ordered, day, region),
        "vessels": load_vessels(conn, vessels, day, region),
        "stations": load_stations(conn, stations, day, region),
        "events": load_events(conn, events),
    }
    counts["identities"] = rebuild_identities(conn, mmsis | set(vessels[s.MMSI].to_list()))
    log.info("loaded %s %s: %s (replaced %s)", region, day, counts, deleted)
    return counts


# --- reference layers ----------------------------------------------------------------------


def _parts(geom: BaseGeometry, kinds: tuple[str, ...]) -> list[BaseGeometry]:
    """The single parts of ``geom`` whose geom_type is in ``kinds`` (collections flattened)."""
    if hasattr(geom, "geoms"):
        return [p for g in geom.geoms for p in _parts(g, kinds)]
    return [geom] if geom.geom_type in kinds else []


def _multi_lines(geom: BaseGeometry) -> str:
    """WKT MultiLineString of a cable's line parts (StoreError when it has none)."""
    lines = _parts(geom, ("LineString",))
    if not lines:
        raise StoreError(f"a cable geometry is {geom.geom_type}, expected (Multi)LineString")
    return to_wkt(MultiLineString(lines), rounding_precision=-1)


def _multi_polygons(geom: BaseGeometry) -> str:
    """WKT MultiPolygon of a zone's polygon parts (StoreError when it has none)."""
    polygons = _parts(geom, ("Polygon",))
    if not polygons:
        raise StoreError(f"a zone geometry is {geom.geom_type}, expected (Multi)Polygon")
    return to_wkt(MultiPolygon(polygons), rounding_precision=-1)


def _replace_layer(
    conn: Connection, table: str, df: pl.DataFrame, region: str | None = None
) -> int:
    """Replace ``table``'s rows by ``df``: its columns plus ``wkt``, parsed server-side. With
    ``region``, only that region's rows (and rows of no region, '') are replaced."""
    if region is not None:
        df = df.with_columns(pl.lit(region).alias("region"))
    stage = f"stage_{table}"
    columns = [c for c in df.columns if c != "wkt"]
    select = ", ".join([*columns, "''::text AS wkt"])
    ddl = f"CREATE TEMP TABLE {stage} AS SELECT {select} FROM {SCHEMA}.{table} WITH NO DATA"
    _recreate_temp(conn, stage, ddl)
    copy_frame(conn, stage, df)
    if region is None:
        conn.execute(text(f"DELETE FROM {SCHEMA}.{table}"))
    else:
        conn.execute(
            text(f"DELETE FROM {SCHEMA}.{table} WHERE region IN (:region, '')"),
            {"region": region},
        )
    geom = f"ST_GeomFromText(wkt, {SRID})"
    insert = (
        f"INSERT INTO {SCHEMA}.{table} ({', '.join([*columns, 'geom'])}) "
        f"SELECT {', '.join([*columns, geom])} FROM {stage}"
    )
    n = conn.execute(text(insert)).rowcount
    conn.execute(text(f"DROP TABLE pg_temp.{stage}"))
    return n


def _cables_frame(layers: ReferenceLayers) -> pl.DataFrame:
    rows = [
        {"name": c.name, "cable_id": c.cable_id, "wkt": _multi_lines(c.geometry)}
        for c in layers.cables
    ]
    return pl.DataFrame(rows, schema={"name": pl.String, "cable_id": pl.String, "wkt": pl.String})


def _zones_frame(layers: ReferenceLayers) -> pl.DataFrame:
    rows = [
        {
            "name": z.name,
            "kind": z.kind,
            "valid_from": z.valid_from,
            "valid_to": z.valid_to,
            "wkt": _multi_polygons(z.geometry),
        }
        for z in layers.zones
    ]
    schema = {
        "name": pl.String(),
        "kind": pl.String(),
        "valid_from": s.UTC_TS,
        "valid_to": s.UTC_TS,
        "wkt": pl.String(),
    }
    return pl.DataFrame(rows, schema=schema)


def _land_frames(land: BaseGeometry | None) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """WKT frames of ``land``'s polygon parts and line parts (one MultiPolygon or
    MultiLineString per part), and the number of other parts (points)."""
    parts = _parts(land, ANY_PART) if land is not None else []
    polygons = [p for p in parts if p.geom_type == "Polygon"]
    lines = [LineString(p.coords) for p in parts if p.geom_type in ("LineString", "LinearRing")]
    polygon_rows = [{"wkt": to_wkt(MultiPolygon([p]), rounding_precision=-1)} for p in polygons]
    line_rows = [{"wkt": to_wkt(MultiLineString([p]), rounding_precision=-1)} for p in lines]
    schema = {"wkt": pl.String}
    skipped = len(parts) - len(polygons) - len(lines)
    return (
        pl.DataFrame(polygon_rows, schema=schema),
        pl.DataFrame(line_rows, schema=schema),
        skipped,
    )


ANY_PART = ("Polygon", "LineString", "LinearRing", "Point")


def load_reference(conn: Connection, layers: ReferenceLayers, region: str) -> dict[str, int]:
    """Replace ``region``'s rows of the cables, zones, land and coastline tables by
    ``layers`` (other regions' rows stay; rows of no region, from before revision 0006, go);
    rows per table.

    The land/coastline layer is split: polygon parts go to ``mda.land`` and line parts (a
    coastline given as lines) to ``mda.coastline``, one row per part; point parts cannot be
    stored: they are counted under ``land_parts_skipped`` and logged.
    """
    land, coastline, skipped = _land_frames(layers.land)
    counts = {
        "cables": _replace_layer(conn, "cables", _cables_frame(layers), region),
        "zones": _replace_layer(conn, "zones", _zones_frame(layers), region),
        "land": _replace_layer(conn, "land", land, region),
        "coastline": _replace_layer(conn, "coastline", coastline, region),
        "land_parts_skipped": skipped,
    }
    if skipped:
        log.warning("land layer: %d point parts not stored", skipped)
    log.info("reference layers loaded: %s", counts)
    return counts


def load_ports(conn: Connection, ports: pl.DataFrame) -> int:
    """Replace ``mda.ports`` by ``ports`` (PORTS_SCHEMA of :mod:`mda.ports`); return rows."""
    from mda.ports import PORTS_SCHEMA

    df = s.conform(ports, PORTS_SCHEMA)
    bad = df.filter(pl.col("lat").abs().gt(90) | pl.col("lon").abs().gt(180))
    if bad.height:
        raise StoreError(
            f"checked port coordinates: {bad.height} outside lat [-90, 90] / lon [-180, 180], "
            f"e.g. {bad.row(0, named=True)}; fix the ports file"
        )
    wkt = pl.format("POINT({} {})", pl.col("lon"), pl.col("lat"))
    frame = df.select("port_id", "name", "country", "kind", wkt.alias("wkt"))
    return _replace_layer(conn, "ports", frame)
