-- vessels_in_zone: vessels with at least one position inside the zone named :zone_name in
-- [:start, :end), counting only positions while the zone is valid.
--
-- Parameters:
--   :zone_name  text         exact mda.zones.name (every row with that name is used)
--   :start      timestamptz  inclusive lower bound on positions.ts (UTC)
--   :end        timestamptz  exclusive upper bound on positions.ts (UTC)
--
-- Returns one row per vessel, most positions first: mmsi, n_positions inside, first_ts and
-- last_ts inside (UTC), span_h (hours between them), n_days (UTC days with a position
-- inside), the zone's kind(s), and the vessel's identity at last_ts (vessel_name, call_sign,
-- imo, flag; null without a static report; untrusted text).
--
-- Caveats: span_h is not time spent inside (a vessel may leave and come back); a position
-- exactly on the zone boundary counts as inside (ST_Intersects). Zone validity is checked per
-- position (valid_from inclusive, valid_to exclusive, null = open). Several zone rows with the
-- same name count a position once. Only the day partitions overlapping [:start, :end) are read,
-- and each partition's GiST index on geom finds the positions inside the zone.
WITH zone AS MATERIALIZED (
    SELECT
        name,
        kind,
        geom,
        coalesce(valid_from, '-infinity'::timestamptz) AS valid_from,
        coalesce(valid_to, 'infinity'::timestamptz) AS valid_to
    FROM mda.zones
    WHERE name = :zone_name
),

inside AS (
    SELECT DISTINCT ON (p.position_id)
        p.position_id,
        p.mmsi,
        p.ts,
        z.kind
    FROM zone AS z
    INNER JOIN mda.positions AS p
        ON ST_Intersects(p.geom, z.geom)
        AND p.ts >= z.valid_from AND p.ts < z.valid_to
    WHERE p.ts >= :start AND p.ts < :end
    ORDER BY p.position_id
),

per_vessel AS (
    SELECT
        mmsi,
        count(*) AS n_positions,
        min(ts) AS first_ts,
        max(ts) AS last_ts,
        extract(epoch FROM max(ts) - min(ts)) / 3600.0 AS span_h,
        count(DISTINCT (ts AT TIME ZONE 'UTC')::date) AS n_days,
        string_agg(DISTINCT kind, '; ') AS zone_kind
    FROM inside
    GROUP BY mmsi
),

final AS (
    SELECT
        pv.*,
        i.vessel_name,
        i.call_sign,
        i.imo,
        i.flag
    FROM per_vessel AS pv
    LEFT JOIN LATERAL (
        SELECT vessel_name, call_sign, imo, flag
        FROM mda.vessel_identities AS vi
        WHERE vi.mmsi = pv.mmsi AND vi.valid_from <= pv.last_ts
        ORDER BY vi.valid_from DESC
        LIMIT 1
    ) AS i ON true
)

SELECT * FROM final
ORDER BY n_positions DESC, mmsi
