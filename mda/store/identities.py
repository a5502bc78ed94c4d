"""Vessel identity history (``mda.vessel_identities``) and the MID -> flag reference table.

The history of an MMSI is rebuilt from all its stored static reports (``mda.vessels``, every
region and day) whenever a load adds or removes reports of it, so loading days in any
order, or reloading one, gives the same history. Rebuilding per MMSI is cheap because the
ingest keeps only static reports that differ from the vessel's previous one.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.types import BigInteger

from mda.mid import MID_FLAGS
from mda.store.models import SCHEMA

# Forward fill: count(col) over the time order numbers the runs that start at a non-null
# value; first_value over (mmsi, run) carries it. Run 0 (before the first non-null value)
# takes the first non-null value of the MMSI, so a missing field is never a change.
REBUILD_SQL = f"""
WITH reports AS (
    SELECT
        mmsi, ts, vessel_report_id, vessel_name, call_sign, imo, ship_type,
        count(vessel_name) OVER w AS g_name,
        count(call_sign) OVER w AS g_call,
        count(imo) OVER w AS g_imo,
        count(ship_type) OVER w AS g_type,
        first_value(vessel_name) OVER (PARTITION BY mmsi
            ORDER BY vessel_name IS NULL, ts, vessel_report_id) AS first_name,
        first_value(call_sign) OVER (PARTITION BY mmsi
            ORDER BY call_sign IS NULL, ts, vessel_report_id) AS first_call,
        first_value(imo) OVER (PARTITION BY mmsi
            ORDER BY imo IS NULL, ts, vessel_report_id) AS first_imo,
        first_value(ship_type) OVER (PARTITION BY mmsi
            ORDER BY ship_type IS NULL, ts, vessel_report_id) AS first_type
    FROM {SCHEMA}.vessels
    WHERE mmsi = ANY(:mmsis)
    WINDOW w AS (PARTITION BY mmsi ORDER BY ts, vessel_report_id)
),

filled AS (
    SELECT
        mmsi, ts, vessel_report_id,
        CASE WHEN g_name = 0 THEN first_name ELSE first_value(vessel_name) OVER (
            PARTITION BY mmsi, g_name ORDER BY ts, vessel_report_id) END AS vessel_name,
        CASE WHEN g_call = 0 THEN first_call ELSE first_value(call_sign) OVER (
            PARTITION BY mmsi, g_call ORDER BY ts, vessel_report_id) END AS call_sign,
        CASE WHEN g_imo = 0 THEN first_imo ELSE first_value(imo) OVER (
            PARTITION BY mmsi, g_imo ORDER BY ts, vessel_report_id) END AS imo,
        CASE WHEN g_type = 0 THEN first_type ELSE first_value(ship_type) OVER (
            PARTITION BY mmsi, g_type ORDER BY ts, vessel_report_id) END AS ship_type
    FROM reports
),

changes AS (
    SELECT
        *,
        CASE WHEN ROW(vessel_name, call_sign, imo, ship_type) IS NOT DISTINCT FROM lag(
            ROW(vessel_name, call_sign, imo, ship_type)) OVER w THEN 0 ELSE 1 END AS is_new
    FROM filled
    WINDOW w AS (PARTITION BY mmsi ORDER BY ts, vessel_report_id)
),

runs AS (
    SELECT
        *,
        sum(is_new) OVER (PARTITION BY mmsi ORDER BY ts, vessel_report_id) AS run_no
    FROM changes
),

periods AS (
    SELECT
        mmsi, run_no, vessel_name, call_sign, imo, ship_type,
        min(ts) AS valid_from,
        max(ts) AS last_seen,
        count(*) AS n_reports
    FROM runs
    GROUP BY mmsi, run_no, vessel_name, call_sign, imo, ship_type
)

INSERT INTO {SCHEMA}.vessel_identities (
    mmsi, valid_from, valid_to, last_seen, vessel_name, call_sign, imo, ship_type,
    mid, flag, n_reports)
SELECT
    p.mmsi,
    p.valid_from,
    lead(p.valid_from) OVER (PARTITION BY p.mmsi ORDER BY p.valid_from) AS valid_to,
    p.last_seen, p.vessel_name, p.call_sign, p.imo, p.ship_type,
    {SCHEMA}.mmsi_mid(p.mmsi), f.flag, p.n_reports
FROM periods AS p
LEFT JOIN {SCHEMA}.mid_flags AS f ON f.mid = {SCHEMA}.mmsi_mid(p.mmsi)
"""

# The SQL twin of mda.mid.mmsi_mid (tests check they agree): two statements.
MMSI_MID_FUNCTION = (
    f"""
CREATE OR REPLACE FUNCTION {SCHEMA}.mmsi_mid(mmsi bigint) RETURNS smallint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CAST(CASE
        WHEN mmsi BETWEEN 200000000 AND 799999999 THEN mmsi / 1000000
        WHEN mmsi BETWEEN 980000000 AND 999999999 THEN mmsi / 1000 % 1000
        WHEN mmsi BETWEEN 111000000 AND 111999999 THEN mmsi / 1000 % 1000
        WHEN mmsi BETWEEN 2000000 AND 7999999 THEN mmsi / 10000
    END AS smallint)
$$""",
    f"""
COMMENT ON FUNCTION {SCHEMA}.mmsi_mid(bigint) IS
'Maritime Identification Digits inside an MMSI by its form (ITU-R M.585): ship station
MIDxxxxxx -> first 3 digits; 98MIDxxxx (craft of a parent ship), 99MIDxxxx (AtoN) and coast
station 00MIDxxxx -> digits 3-5; SAR aircraft 111MIDxxx -> digits 4-6; otherwise null.'
""",
)


def rebuild_identities(conn: Connection, mmsis: Iterable[int]) -> int:
    """Recompute the identity history of ``mmsis`` from mda.vessels; return rows written."""
    ids = sorted({int(m) for m in mmsis})
    if not ids:
        return 0
    mmsi_list = bindparam("mmsis", ids, type_=ARRAY(BigInteger))
    delete = text(f"DELETE FROM {SCHEMA}.vessel_identities WHERE mmsi = ANY(:mmsis)")
    conn.execute(delete.bindparams(mmsi_list))
    return conn.execute(text(REBUILD_SQL).bindparams(mmsi_list)).rowcount


def all_vessel_mmsis(conn: Connection) -> list[int]:
    """Every MMSI with a stored static report (for a full rebuild)."""
    return list(conn.execute(text(f"SELECT DISTINCT mmsi FROM {SCHEMA}.vessels")).scalars())


def sync_mid_flags(conn: Connection) -> int:
    """Make ``mda.mid_flags`` equal to :data:`mda.mid.MID_FLAGS`; return its row count."""
    rows = [{"mid": m, "flag": f, "country": c} for m, (f, c) in sorted(MID_FLAGS.items())]
    conn.execute(
        text(f"DELETE FROM {SCHEMA}.mid_flags WHERE NOT (mid = ANY(:mids))"),
        {"mids": list(MID_FLAGS)},
    )
    conn.execute(
        text(
            f"INSERT INTO {SCHEMA}.mid_flags (mid, flag, country) VALUES (:mid, :flag, :country) "
            "ON CONFLICT (mid) DO UPDATE SET flag = EXCLUDED.flag, country = EXCLUDED.country "
            f"WHERE ({SCHEMA}.mid_flags.flag, {SCHEMA}.mid_flags.country) "
            "IS DISTINCT FROM (EXCLUDED.flag, EXCLUDED.country)"
        ),
        rows,
    )
    return len(rows)
