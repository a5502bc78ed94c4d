"""The read-only analyst role ``mda_analyst``.

A NOLOGIN group role: give people their own login role and make them members::

    CREATE ROLE alice LOGIN PASSWORD '...' IN ROLE mda_analyst;

Members can read every table and view of schema ``mda`` (present and future: default
privileges) and nothing else the setup grants: no INSERT/UPDATE/DELETE/TRUNCATE, no CREATE
in ``mda``, no membership in ``pg_read_server_files``/``pg_read_all_data``/
``pg_read_all_stats`` (so no server files, other databases' data or other sessions'
query text, where passwords may appear). Role settings are not inherited: to make a login
read-only even for temporary tables, ``ALTER ROLE alice SET default_transaction_read_only
= on``.
The warehouse holds no credentials: database URLs live in the Airflow connection or the
environment, never in a table.

Roles are cluster-wide: the role is created once and reused by every database; a
downgrade revokes its grants in this database but keeps the role.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from mda.store.models import SCHEMA

ANALYST_ROLE = "mda_analyst"

_CREATE = f"""
DO $$
BEGIN
    CREATE ROLE {ANALYST_ROLE} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION
        NOBYPASSRLS;
EXCEPTION WHEN duplicate_object THEN NULL;
END
$$
"""

_CONNECT = f"""
DO $$
BEGIN
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO {ANALYST_ROLE}', current_database());
END
$$
"""


def create_analyst_role(conn: Connection) -> None:
    """Create ``mda_analyst`` if missing and grant it read access to schema ``mda``."""
    for statement in (_CREATE, _CONNECT):
        conn.execute(text(statement))
    conn.execute(text(f"GRANT USAGE ON SCHEMA {SCHEMA} TO {ANALYST_ROLE}"))
    conn.execute(
        text(
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {SCHEMA} GRANT SELECT ON TABLES TO {ANALYST_ROLE}"
        )
    )
    grant_analyst_select(conn)


def grant_analyst_select(conn: Connection) -> None:
    """GRANT SELECT on every table and view now in ``mda`` (views are re-created at setup)."""
    if analyst_role_exists(conn):
        conn.execute(text(f"GRANT SELECT ON ALL TABLES IN SCHEMA {SCHEMA} TO {ANALYST_ROLE}"))


def revoke_analyst_role(conn: Connection) -> None:
    """Revoke what :func:`create_analyst_role` granted in this database (the role stays)."""
    if not analyst_role_exists(conn):
        return
    defaults = f"ALTER DEFAULT PRIVILEGES IN SCHEMA {SCHEMA}"
    conn.execute(text(f"{defaults} REVOKE SELECT ON TABLES FROM {ANALYST_ROLE}"))
    conn.execute(text(f"REVOKE ALL ON ALL TABLES IN SCHEMA {SCHEMA} FROM {ANALYST_ROLE}"))
    conn.execute(text(f"REVOKE ALL ON SCHEMA {SCHEMA} FROM {ANALYST_ROLE}"))


def analyst_role_exists(conn: Connection) -> bool:
    """True when the cluster has the ``mda_analyst`` role."""
    stmt = text("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :r)")
    return bool(conn.execute(stmt, {"r": ANALYST_ROLE}).scalar_one())
