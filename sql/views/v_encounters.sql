-- mda.v_encounters: encounter events with both vessels' identities at the event start.
CREATE VIEW mda.v_encounters AS
WITH encounters AS (
    SELECT * FROM mda.events WHERE event_type = 'encounter'
),

final AS (
    SELECT
        e.event_id,
        e.mmsi,
        a.vessel_name,
        a.flag,
        e.other_mmsi,
        b.vessel_name AS other_vessel_name,
        b.flag AS other_flag,
        e.start_time,
        e.end_time,
        e.duration_h,
        e.lat,
        e.lon,
        e.score,
        e.cable_name,
        e.zone_name,
        e.distance_to_shore_km,
        e.region,
        e.event_date,
        e.evidence,
        e.geom
    FROM encounters AS e
    LEFT JOIN LATERAL (
        SELECT vessel_name, flag FROM mda.vessel_identities AS vi
        WHERE vi.mmsi = e.mmsi AND vi.valid_from <= e.start_time
        ORDER BY vi.valid_from DESC LIMIT 1
    ) AS a ON true
    LEFT JOIN LATERAL (
        SELECT vessel_name, flag FROM mda.vessel_identities AS vi
        WHERE vi.mmsi = e.other_mmsi AND vi.valid_from <= e.start_time
        ORDER BY vi.valid_from DESC LIMIT 1
    ) AS b ON true
)

SELECT * FROM final;

COMMENT ON VIEW mda.v_encounters IS
'Encounter events (two vessels close and slow for long enough, mda.detect.encounter) with
both vessels'' identity valid at the event start (vessel_name and flag; other_* for
other_mmsi; null without an earlier static report; untrusted text). duration_h in hours,
distance_to_shore_km in km, geom the pair''s midpoint track (SRID 4326). Caveat: an
encounter is proximity, not proof of a transfer; see the encounter_network query for
who met whom over a period.';
COMMENT ON COLUMN mda.v_encounters.other_vessel_name IS
'Name of other_mmsi at the event start (untrusted).';
COMMENT ON COLUMN mda.v_encounters.other_flag IS
'Flag claimed by other_mmsi''s MID, ISO 3166-1 alpha-3.';
