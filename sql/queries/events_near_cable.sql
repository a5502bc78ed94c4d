-- events_near_cable: events whose geometry (the track piece, or the point when there is no
-- track) comes within :radius_km of the submarine cable named :cable_name, starting in
-- [:start, :end).
--
-- Parameters:
--   :cable_name  text         exact mda.cables.name (all rows with that name are used)
--   :radius_km   float        search radius, kilometres (geodesic, WGS84 spheroid)
--   :start       timestamptz  inclusive lower bound on events.start_time (UTC)
--   :end         timestamptz  exclusive upper bound on events.start_time (UTC)
--
-- Returns one row per event, nearest first: the event's fields, its geodesic distance to the
-- cable in metres (distance_m) and the cable's id.
--
-- Caveats: distances are computed on the spheroid via geography casts, so a route edge is a
-- geodesic between its vertices (TeleGeography routes are dense enough for this not to
-- matter). The cable is materialized first, so ST_DWithin(geom::geography, ...) is answered
-- from the GiST index ix_events_geom_geog on events.
-- events.cable_name is the nearest cable at detection time and may differ from :cable_name:
-- an event can be near several cables. An unknown :cable_name returns no rows.
WITH cable AS MATERIALIZED (
    -- one row: all parts of every route with that name, as one geography
    SELECT
        min(c.cable_id) AS cable_id,
        ST_Collect(d.geom)::geography AS geog
    FROM mda.cables AS c, LATERAL ST_Dump(c.geom) AS d
    WHERE c.name = :cable_name
),

hits AS (
    SELECT
        e.event_id,
        c.cable_id,
        ST_Distance(e.geom::geography, c.geog) AS distance_m
    FROM cable AS c
    INNER JOIN mda.events AS e
        ON ST_DWithin(e.geom::geography, c.geog, CAST(:radius_km AS double precision) * 1000.0)
    WHERE e.start_time >= :start AND e.start_time < :end
),

final AS (
    SELECT
        e.event_id,
        e.event_type,
        e.mmsi,
        e.start_time,
        e.end_time,
        e.duration_h,
        e.lat,
        e.lon,
        e.score,
        e.region,
        e.event_date,
        h.cable_id,
        h.distance_m,
        ST_AsText(e.geom) AS geometry_wkt
    FROM hits AS h
    INNER JOIN mda.events AS e USING (event_id)
)

SELECT * FROM final
ORDER BY distance_m, event_id
