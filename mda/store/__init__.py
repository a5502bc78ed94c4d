"""The PostGIS warehouse: the only package that imports SQLAlchemy and GeoAlchemy2.

Entry points open transactions; every other function takes a SQLAlchemy Connection::

    engine = setup_database("postgresql://postgres@127.0.0.1:5432/mda")
    with engine.begin() as conn:
        load_day(conn, day, positions=..., vessels=..., events=..., region="baltic")
        rows = run_query(conn, "events_near_cable", cable_name=..., radius_km=10, ...)
"""

from mda.store.db import connect_checked, ensure_schema, make_engine, setup_database
from mda.store.load import delete_day, load_day, load_reference
from mda.store.queries import apply_views, query_names, run_checks, run_query

__all__ = [
    "apply_views",
    "connect_checked",
    "delete_day",
    "ensure_schema",
    "load_day",
    "load_reference",
    "make_engine",
    "query_names",
    "run_checks",
    "run_query",
    "setup_database",
]
