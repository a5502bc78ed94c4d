"""The SQL library in ``sql/``: named analyst queries, data checks and analyst views.

``sql/`` sits at the repository top level. It is found, in order, as package data
``mda/_sql`` (for a wheel that force-includes it) or as ``<repo>/sql`` next to the ``mda``
package (source checkout and the editable install ``uv sync`` makes).
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, text

from mda.errors import StoreError

log = logging.getLogger(__name__)

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@cache
def sql_dir() -> Path:
    """The ``sql/`` folder (see module docstring), or StoreError if it cannot be found."""
    packaged = Path(str(files("mda") / "_sql"))
    candidates = [packaged, Path(__file__).resolve().parents[2] / "sql"]
    for candidate in candidates:
        if (candidate / "queries").is_dir():
            return candidate
    raise StoreError(
        f"looked for the SQL library in {', '.join(map(str, candidates))}: not found; "
        "run from a source checkout (uv sync) or package sql/ as mda/_sql"
    )


def query_names() -> list[str]:
    """Names of the analyst queries in ``sql/queries`` (file stems)."""
    return sorted(p.stem for p in (sql_dir() / "queries").glob("*.sql"))


def load_sql(kind: str, name: str) -> str:
    """The text of ``sql/<kind>/<name>.sql``; StoreError for unknown names."""
    if not _NAME.match(name):
        raise StoreError(f"SQL name {name!r} is not a plain lower_snake_case name")
    path = sql_dir() / kind / f"{name}.sql"
    if not path.is_file():
        known = sorted(p.stem for p in path.parent.glob("*.sql"))
        raise StoreError(f"no {kind} named {name!r} in {path.parent}; known: {known}")
    return path.read_text(encoding="utf-8")


def _strip_comment_lines(sql: str) -> str:
    """Drop whole-line ``--`` comments, so ``:names`` in a header are not read as binds."""
    return "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))


def query_text(name: str) -> str:
    """The executable SQL of the analyst query ``name`` (header comments removed)."""
    return _strip_comment_lines(load_sql("queries", name))


def run_query(conn: Connection, name: str, **params: Any) -> list[dict[str, Any]]:
    """Run the analyst query ``sql/queries/<name>.sql`` with bind parameters ``params``.

    Units of the parameters are in each file's header comment. Returns one dict per row.
    """
    result = conn.execute(text(query_text(name)), params)
    return [dict(row) for row in result.mappings()]


def check_names() -> list[str]:
    """Names of the data checks in ``sql/checks``."""
    return sorted(p.stem for p in (sql_dir() / "checks").glob("*.sql"))


def run_checks(conn: Connection) -> dict[str, int]:
    """Run every data check; return check name -> number of offending rows (0 = passes).

    Offending rows are logged at WARNING (first five per check).
    """
    counts: dict[str, int] = {}
    for name in check_names():
        stmt = text(_strip_comment_lines(load_sql("checks", name)))
        rows = conn.execute(stmt).mappings().all()
        counts[name] = len(rows)
        if rows:
            log.warning("check %s: %d offending rows, e.g. %s", name, len(rows), rows[:5])
    return counts


def view_names() -> list[str]:
    """Analyst views in ``sql/views``, in creation order (file ``NN_name.sql`` -> ``name``)."""
    return [_view_name(p) for p in sorted((sql_dir() / "views").glob("*.sql"))]


def _view_name(path: Path) -> str:
    """``mda.<name>`` is defined by ``sql/views/[NN_]<name>.sql``."""
    stem = path.stem
    return stem.split("_", 1)[1] if stem[:2].isdigit() and "_" in stem else stem


def drop_views(conn: Connection) -> None:
    """Drop the analyst views (reverse creation order; no CASCADE: a user's view on top of
    them makes this fail loudly rather than vanish)."""
    for name in reversed(view_names()):
        conn.execute(text(f'DROP VIEW IF EXISTS mda."{name}"'))


def apply_views(conn: Connection) -> list[str]:
    """Re-create every analyst view in ``sql/views`` in file-name order; return their names.

    The views are dropped first, so a view whose columns changed is replaced cleanly. Each
    file is run as one script (CREATE VIEW ...; COMMENT ON VIEW/COLUMN ...).
    """
    drop_views(conn)
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    for path in sorted((sql_dir() / "views").glob("*.sql")):
        cursor.execute(path.read_text(encoding="utf-8"))
    return view_names()


# --- typed entry points to the query library (what other packages should call) --------------


def events_near_cable(
    conn: Connection, cable_name: str, radius_km: float, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """Events within ``radius_km`` (geodesic) of the cable ``cable_name``, starting in
    [start, end) (UTC), nearest first; see sql/queries/events_near_cable.sql."""
    return run_query(
        conn, "events_near_cable", cable_name=cable_name, radius_km=radius_km, start=start, end=end
    )


def vessels_in_zone(
    conn: Connection, zone_name: str, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """Vessels with positions inside the zone ``zone_name`` (while valid) in [start, end)."""
    return run_query(conn, "vessels_in_zone", zone_name=zone_name, start=start, end=end)


def vessel_history(conn: Connection, mmsi: int) -> list[dict[str, Any]]:
    """One vessel's identities, daily tracks and events as one timeline (oldest first)."""
    return run_query(conn, "vessel_history", mmsi=mmsi)


def encounter_network(
    conn: Connection,
    start: datetime,
    end: datetime,
    *,
    bbox: tuple[float, float, float, float] = (-180.0, -90.0, 180.0, 90.0),
    min_encounters: int = 1,
) -> list[dict[str, Any]]:
    """Pairs of vessels with encounter events starting in [start, end) inside ``bbox``
    (west, south, east, north; degrees), most encounters first, with network degrees."""
    west, south, east, north = bbox
    return run_query(
        conn,
        "encounter_network",
        west=west,
        south=south,
        east=east,
        north=north,
        start=start,
        end=end,
        min_encounters=min_encounters,
    )


def gap_hotspots(
    conn: Connection,
    bbox: tuple[float, float, float, float],
    cell_deg: float,
    start: datetime,
    end: datetime,
) -> list[dict[str, Any]]:
    """AIS-gap starts counted on a ``cell_deg`` grid inside ``bbox`` (west, south, east,
    north; degrees), busiest cell first."""
    west, south, east, north = bbox
    return run_query(
        conn,
        "gap_hotspots",
        west=west,
        south=south,
        east=east,
        north=north,
        cell_deg=cell_deg,
        start=start,
        end=end,
    )


def vessel_track(conn: Connection, mmsi: int, day: date) -> dict[str, Any] | None:
    """One vessel's track on one UTC day (None when it has no position that day)."""
    rows = run_query(conn, "vessel_track", mmsi=mmsi, day=day)
    return rows[0] if rows else None
