-- positions_not_null: positions without identity, time or place, or off the globe.
SELECT position_id, mmsi, ts, lat, lon
FROM mda.positions
WHERE mmsi IS NULL OR ts IS NULL OR lat IS NULL OR lon IS NULL OR geom IS NULL
    OR lat NOT BETWEEN -90 AND 90 OR lon NOT BETWEEN -180 AND 180
