-- vessel_track: one vessel's track for one UTC day as a LineString ordered by time.
--
-- Parameters:
--   :mmsi  bigint  the vessel's MMSI
--   :day   date    the UTC day; positions with ts in [day 00:00 UTC, day+1 00:00 UTC)
--
-- Returns one row (no row when the vessel has no position that day): mmsi, n_points,
-- start_time/end_time (UTC), length_km (geodesic), track_wkt and track_geojson
-- (EPSG:4326, lon/lat order).
--
-- Caveats: reports with the same timestamp (e.g. the same message from two sources or
-- regions) count once; the first by position_id is kept. With a single point the track is
-- not a valid LineString: track_wkt, track_geojson and length_km are then null.
-- Uses the btree index ix_positions_mmsi_ts. Tracks crossing the antimeridian are drawn the
-- long way round by GIS tools (no splitting is done here).
WITH bounds AS (
    SELECT
        CAST(:day AS date)::timestamp AT TIME ZONE 'UTC' AS day_start,
        (CAST(:day AS date) + 1)::timestamp AT TIME ZONE 'UTC' AS day_end
),

points AS (
    SELECT DISTINCT ON (p.ts) p.mmsi, p.ts, p.geom
    FROM mda.positions AS p, bounds AS b
    WHERE p.mmsi = :mmsi AND p.ts >= b.day_start AND p.ts < b.day_end
    ORDER BY p.ts, p.position_id
),

track AS (
    SELECT
        mmsi,
        count(*) AS n_points,
        min(ts) AS start_time,
        max(ts) AS end_time,
        ST_MakeLine(geom ORDER BY ts) AS geom
    FROM points
    GROUP BY mmsi
),

final AS (
    SELECT
        mmsi,
        n_points,
        start_time,
        end_time,
        CASE WHEN n_points >= 2 THEN ST_Length(geom::geography) / 1000.0 END AS length_km,
        CASE WHEN n_points >= 2 THEN ST_AsText(geom) END AS track_wkt,
        CASE WHEN n_points >= 2 THEN ST_AsGeoJSON(geom) END AS track_geojson
    FROM track
)

SELECT * FROM final
