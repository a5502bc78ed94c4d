-- vessel_history: everything the warehouse knows about one vessel, as one timeline:
-- its identity periods (and those of other MMSIs that reported the same IMO number: the same
-- hull re-flagged or re-programmed), its vessel-day tracks and its events (as the vessel or
-- as the other party of an encounter).
--
-- Parameters:
--   :mmsi  bigint  the vessel's MMSI
--
-- Returns one row per item, oldest first: kind ('identity', 'track', 'event'), mmsi (the MMSI
-- the item belongs to; differs from :mmsi only for identities linked by IMO), start_time and
-- end_time (UTC; for an identity: valid_from and valid_to, or last_seen while current), label
-- (identity: vessel name; track: region and day; event: event type), details (jsonb: identity
-- fields and flag / n_points, length_km / event_id, score, other_mmsi, explanation, cable and
-- zone), and geometry_wkt (tracks as 2-D LineStrings, events' geometry; null for identities).
--
-- Caveats: text fields are untrusted input (escape when rendering). Tracks come per region:
-- overlapping regions give one track each. IMO links trust the reported IMO number.
-- Uses the primary key of vessel_identities, ix_vessel_identities_imo, ix_tracks_mmsi_day,
-- ix_events_mmsi_event_type_start_time and ix_events_other_mmsi (no spatial predicate).
WITH linked AS (
    -- the vessel, and every MMSI that reported one of its IMO numbers
    SELECT CAST(:mmsi AS bigint) AS mmsi
    UNION
    SELECT other.mmsi
    FROM mda.vessel_identities AS own
    INNER JOIN mda.vessel_identities AS other ON other.imo = own.imo
    WHERE own.mmsi = :mmsi AND own.imo IS NOT NULL
),

identities AS (
    SELECT
        'identity' AS kind,
        vi.mmsi,
        vi.valid_from AS start_time,
        coalesce(vi.valid_to, vi.last_seen) AS end_time,
        vi.vessel_name AS label,
        jsonb_build_object(
            'vessel_name', vi.vessel_name, 'call_sign', vi.call_sign, 'imo', vi.imo,
            'ship_type', vi.ship_type, 'flag', vi.flag, 'mid', vi.mid,
            'n_reports', vi.n_reports, 'current', vi.valid_to IS NULL,
            'linked_by_imo', vi.mmsi <> :mmsi
        ) AS details,
        CAST(NULL AS text) AS geometry_wkt
    FROM linked AS l
    INNER JOIN mda.vessel_identities AS vi ON vi.mmsi = l.mmsi
),

tracks AS (
    SELECT
        'track' AS kind,
        t.mmsi,
        t.start_time,
        t.end_time,
        t.region || ' ' || t.day AS label,
        jsonb_build_object(
            'region', t.region, 'day', t.day, 'n_points', t.n_points,
            'length_km', round(CAST(t.length_km AS numeric), 3)
        ) AS details,
        ST_AsText(ST_Force2D(t.geom)) AS geometry_wkt
    FROM mda.tracks AS t
    WHERE t.mmsi = :mmsi
),

events AS (
    SELECT
        'event' AS kind,
        e.mmsi,
        e.start_time,
        e.end_time,
        e.event_type AS label,
        jsonb_build_object(
            'event_id', e.event_id, 'score', e.score, 'duration_h', e.duration_h,
            'other_mmsi', e.other_mmsi, 'explanation', e.explanation,
            'cable_name', e.cable_name, 'zone_name', e.zone_name, 'region', e.region
        ) AS details,
        ST_AsText(e.geom) AS geometry_wkt
    FROM mda.events AS e
    WHERE e.mmsi = :mmsi OR e.other_mmsi = :mmsi
),

final AS (
    SELECT * FROM identities
    UNION ALL
    SELECT * FROM tracks
    UNION ALL
    SELECT * FROM events
)

SELECT * FROM final
ORDER BY start_time, kind, label
