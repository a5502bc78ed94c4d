-- events_unique_event_id: event_id values that occur more than once (the primary key should
-- make this impossible; the check guards tables created without it).
SELECT event_id, count(*) AS n
FROM mda.events
GROUP BY event_id
HAVING count(*) > 1
