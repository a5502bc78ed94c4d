-- events_not_null: events missing a field every consumer relies on, or with inconsistent
-- values (end before start, score outside [0, 1], negative duration).
SELECT event_id, event_type, mmsi, start_time, end_time, score
FROM mda.events
WHERE event_id IS NULL OR event_type IS NULL OR mmsi IS NULL
    OR start_time IS NULL OR end_time IS NULL OR lat IS NULL OR lon IS NULL
    OR geom IS NULL OR region IS NULL OR event_date IS NULL OR score IS NULL
    OR end_time < start_time OR duration_h < 0 OR score < 0 OR score > 1
