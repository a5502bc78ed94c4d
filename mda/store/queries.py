"""The SQL library in ``sql/``: named analyst queries, data checks and analyst views.

``sql/`` sits at the repository top level. It is found, in order, as package data
``mda/_sql`` (for a wheel that force-includes it) or as ``<repo>/sql`` next to the ``mda``
package (source checkout and the editable install ``uv sync`` makes).
"""

from __future__ import annotations

import logging
import re
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


def apply_views(conn: Connection) -> list[str]:
    """(Re)create every analyst view in ``sql/views`` in file-name order; return their names.

    Each file is run as one script (CREATE OR REPLACE VIEW ...; COMMENT ON VIEW ...).
    """
    names = []
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    for path in sorted((sql_dir() / "views").glob("*.sql")):
        cursor.execute(path.read_text(encoding="utf-8"))
        names.append(path.stem)
    return names
