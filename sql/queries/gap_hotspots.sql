-- gap_hotspots: where vessels go dark. AIS-gap events starting in [:start, :end) counted on a
-- regular grid of :cell_deg degrees, by the point where the vessel went dark (the event's
-- representative point: its last position before the silence), inside the box
-- (:west, :south, :east, :north).
--
-- Parameters:
--   :west, :south, :east, :north  float        box, degrees WGS84 (lon/lat), west < east
--   :cell_deg                     float        grid cell size, degrees (cells are aligned on
--                                              multiples of :cell_deg from 0, 0)
--   :start                        timestamptz  inclusive lower bound on start_time (UTC)
--   :end                          timestamptz  exclusive upper bound on start_time (UTC)
--
-- Returns one row per non-empty cell, busiest first: cell_x, cell_y (integer cell indices),
-- west/south/east/north of the cell (degrees), n_gaps, n_vessels (distinct MMSIs),
-- total_gap_h and median_gap_h (hours silent), event_ids, and cell_wkt (the cell polygon,
-- EPSG:4326) for mapping.
--
-- Caveats: degree cells are not equal-area (a cell is cos(latitude) times narrower in km
-- than at the equator): compare cells at similar latitudes. Gaps reflect reception coverage
-- as much as behaviour: a hotspot at the edge of receiver range is expected. The box is
-- matched against the gap's line with the GiST index ix_events_geom (&&), then the dark point
-- must lie inside it.
WITH area AS MATERIALIZED (
    SELECT ST_MakeEnvelope(
        CAST(:west AS double precision), CAST(:south AS double precision),
        CAST(:east AS double precision), CAST(:north AS double precision), 4326
    ) AS geom
),

gaps AS (
    SELECT e.event_id, e.mmsi, e.duration_h, e.lon, e.lat
    FROM area AS a
    INNER JOIN mda.events AS e ON e.geom && a.geom
    WHERE e.event_type = 'ais_gap' AND e.start_time >= :start AND e.start_time < :end
        AND ST_Intersects(ST_SetSRID(ST_MakePoint(e.lon, e.lat), 4326), a.geom)
),

cells AS (
    SELECT
        *,
        CAST(floor(lon / CAST(:cell_deg AS double precision)) AS bigint) AS cell_x,
        CAST(floor(lat / CAST(:cell_deg AS double precision)) AS bigint) AS cell_y
    FROM gaps
),

per_cell AS (
    SELECT
        cell_x,
        cell_y,
        count(*) AS n_gaps,
        count(DISTINCT mmsi) AS n_vessels,
        sum(duration_h) AS total_gap_h,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_h) AS median_gap_h,
        array_agg(event_id ORDER BY event_id) AS event_ids
    FROM cells
    GROUP BY cell_x, cell_y
),

final AS (
    SELECT
        cell_x,
        cell_y,
        round(CAST(cell_x * CAST(:cell_deg AS double precision) AS numeric), 9) AS west,
        round(CAST(cell_y * CAST(:cell_deg AS double precision) AS numeric), 9) AS south,
        round(CAST((cell_x + 1) * CAST(:cell_deg AS double precision) AS numeric), 9) AS east,
        round(CAST((cell_y + 1) * CAST(:cell_deg AS double precision) AS numeric), 9) AS north,
        n_gaps,
        n_vessels,
        total_gap_h,
        median_gap_h,
        event_ids
    FROM per_cell
)

SELECT
    *,
    ST_AsText(ST_MakeEnvelope(
        CAST(west AS double precision), CAST(south AS double precision),
        CAST(east AS double precision), CAST(north AS double precision), 4326
    )) AS cell_wkt
FROM final
ORDER BY n_gaps DESC, total_gap_h DESC, cell_y, cell_x
