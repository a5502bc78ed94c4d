-- mda.v_events_latest: every event with the vessel's latest static report at or before the
-- event's end (name, call sign, type, length), the annotated cable's id and geodesic
-- distance, and the zones (name and kind) the event's geometry intersects while valid.
CREATE VIEW mda.v_events_latest AS
WITH events AS (
    SELECT * FROM mda.events
),

vessels AS (
    SELECT * FROM mda.vessels
),

latest_vessel AS (
    SELECT
        e.event_id,
        v.vessel_name,
        v.call_sign,
        v.ship_type,
        v.length_m,
        v.ts AS vessel_report_ts
    FROM events AS e
    LEFT JOIN LATERAL (
        SELECT vessel_name, call_sign, ship_type, length_m, ts
        FROM vessels AS vs
        WHERE vs.mmsi = e.mmsi AND vs.ts <= e.end_time
        ORDER BY vs.ts DESC, vs.vessel_report_id DESC
        LIMIT 1
    ) AS v ON true
),

cable AS (
    SELECT DISTINCT ON (e.event_id)
        e.event_id,
        c.cable_id
    FROM events AS e
    INNER JOIN mda.cables AS c ON c.name = e.cable_name
    -- the event's own region's cable first (regions may share a cable)
    ORDER BY e.event_id, (c.region = e.region) DESC, c.cable_pk
),

zones AS (
    SELECT
        e.event_id,
        -- DISTINCT: regions that share a zone store it once each
        string_agg(
            DISTINCT z.name || ' (' || z.kind || ')', '; '
            ORDER BY z.name || ' (' || z.kind || ')'
        ) AS zones_hit
    FROM events AS e
    INNER JOIN mda.zones AS z
        ON ST_Intersects(e.geom, z.geom)
        AND (z.valid_from IS NULL OR z.valid_from < e.end_time)
        AND (z.valid_to IS NULL OR z.valid_to > e.start_time)
    GROUP BY e.event_id
),

final AS (
    SELECT
        e.event_id,
        e.event_type,
        e.mmsi,
        lv.vessel_name,
        lv.call_sign,
        lv.ship_type,
        lv.length_m,
        lv.vessel_report_ts,
        e.start_time,
        e.end_time,
        e.duration_h,
        e.lat,
        e.lon,
        e.score,
        e.explanation,
        e.cable_name,
        c.cable_id,
        e.cable_distance_m,
        e.zone_name,
        z.zones_hit,
        e.distance_to_shore_km,
        e.region,
        e.event_date,
        e.evidence,
        e.geom
    FROM events AS e
    LEFT JOIN latest_vessel AS lv USING (event_id)
    LEFT JOIN cable AS c USING (event_id)
    LEFT JOIN zones AS z USING (event_id)
)

SELECT * FROM final;

COMMENT ON VIEW mda.v_events_latest IS
'Events with the vessel''s latest static report at or before the event end (vessel_name, '
'call_sign: untrusted text, escape when rendering; null when no report), the annotated '
'cable''s id, and zones_hit: "name (kind)" of zones the event geometry intersects while '
'valid, computed at query time (zone_name is the detector''s annotation at the '
'representative point). Caveat: zones_hit scans zones per event; filter events first.';
