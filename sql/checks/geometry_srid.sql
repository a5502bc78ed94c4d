-- geometry_srid: geometries whose SRID is not 4326 (WGS84). The column types enforce it;
-- the check guards tables created or altered outside mda.store.
WITH all_geoms AS (
    SELECT 'positions' AS table_name, position_id::text AS row_key, geom FROM mda.positions
    UNION ALL
    SELECT 'events', event_id, geom FROM mda.events
    UNION ALL
    SELECT 'stations', station_report_id::text, geom FROM mda.stations WHERE geom IS NOT NULL
    UNION ALL
    SELECT 'cables', cable_pk::text, geom FROM mda.cables
    UNION ALL
    SELECT 'zones', zone_pk::text, geom FROM mda.zones
    UNION ALL
    SELECT 'land', land_pk::text, geom FROM mda.land
)

SELECT table_name, row_key, ST_SRID(geom) AS srid
FROM all_geoms
WHERE ST_SRID(geom) IS DISTINCT FROM 4326
