-- geometry_valid: geometries that are not OGC-valid (self-intersecting polygons, lines with
-- a single distinct point...), with PostGIS's reason. Positions are points and always valid:
-- they are not scanned.
WITH all_geoms AS (
    SELECT 'events' AS table_name, event_id AS row_key, geom FROM mda.events
    UNION ALL
    SELECT 'cables', cable_pk::text, geom FROM mda.cables
    UNION ALL
    SELECT 'zones', zone_pk::text, geom FROM mda.zones
    UNION ALL
    SELECT 'land', land_pk::text, geom FROM mda.land
)

SELECT table_name, row_key, ST_IsValidReason(geom) AS reason
FROM all_geoms
WHERE NOT ST_IsValid(geom)
