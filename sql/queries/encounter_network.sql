-- encounter_network: who met whom. Pairs of vessels with encounter events starting in
-- [:start, :end) whose geometry meets the box (:west, :south, :east, :north), with how often
-- they met and each vessel's number of distinct partners (its degree in the network).
--
-- Parameters:
--   :west, :south, :east, :north  float    area of interest, degrees WGS84 (lon/lat); pass
--                                           -180, -90, 180, 90 for everywhere
--   :start                        timestamptz  inclusive lower bound on start_time (UTC)
--   :end                          timestamptz  exclusive upper bound on start_time (UTC)
--   :min_encounters               integer  keep pairs that met at least this often
--
-- Returns one row per pair (mmsi_a < mmsi_b), most encounters first: n_encounters,
-- total_h (hours together), first_start / last_start (UTC), event_ids (by time),
-- partners_a / partners_b (distinct partners of each vessel in the window and area, before
-- the :min_encounters filter), and each vessel's identity at last_start (name, flag; null
-- without a static report; untrusted text).
--
-- Caveats: an encounter is the detector's (mda.detect.encounter: close and slow for long
-- enough); a pair seen by two overlapping regions counts once per distinct event_id. The box
-- does not cross the antimeridian (west < east). The box is matched with the GiST index
-- ix_events_geom (&&), then exactly with ST_Intersects.
WITH area AS MATERIALIZED (
    SELECT ST_MakeEnvelope(
        CAST(:west AS double precision), CAST(:south AS double precision),
        CAST(:east AS double precision), CAST(:north AS double precision), 4326
    ) AS geom
),

encounters AS (
    SELECT
        e.event_id,
        least(e.mmsi, e.other_mmsi) AS mmsi_a,
        greatest(e.mmsi, e.other_mmsi) AS mmsi_b,
        e.start_time,
        e.duration_h
    FROM area AS a
    INNER JOIN mda.events AS e ON e.geom && a.geom AND ST_Intersects(e.geom, a.geom)
    WHERE e.event_type = 'encounter' AND e.other_mmsi IS NOT NULL
        AND e.start_time >= :start AND e.start_time < :end
),

pairs AS (
    SELECT
        mmsi_a,
        mmsi_b,
        count(*) AS n_encounters,
        sum(duration_h) AS total_h,
        min(start_time) AS first_start,
        max(start_time) AS last_start,
        array_agg(event_id ORDER BY start_time, event_id) AS event_ids
    FROM encounters
    GROUP BY mmsi_a, mmsi_b
),

degree AS (
    SELECT mmsi, count(*) AS n_partners
    FROM (SELECT mmsi_a AS mmsi FROM pairs UNION ALL SELECT mmsi_b FROM pairs) AS ends
    GROUP BY mmsi
),

final AS (
    SELECT
        p.*,
        da.n_partners AS partners_a,
        db.n_partners AS partners_b,
        ia.vessel_name AS vessel_name_a,
        ia.flag AS flag_a,
        ib.vessel_name AS vessel_name_b,
        ib.flag AS flag_b
    FROM pairs AS p
    INNER JOIN degree AS da ON da.mmsi = p.mmsi_a
    INNER JOIN degree AS db ON db.mmsi = p.mmsi_b
    LEFT JOIN LATERAL (
        SELECT vessel_name, flag FROM mda.vessel_identities AS vi
        WHERE vi.mmsi = p.mmsi_a AND vi.valid_from <= p.last_start
        ORDER BY vi.valid_from DESC LIMIT 1
    ) AS ia ON true
    LEFT JOIN LATERAL (
        SELECT vessel_name, flag FROM mda.vessel_identities AS vi
        WHERE vi.mmsi = p.mmsi_b AND vi.valid_from <= p.last_start
        ORDER BY vi.valid_from DESC LIMIT 1
    ) AS ib ON true
    WHERE p.n_encounters >= CAST(:min_encounters AS integer)
)

SELECT * FROM final
ORDER BY n_encounters DESC, total_h DESC, mmsi_a, mmsi_b
