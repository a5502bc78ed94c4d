-- repeated_gaps: vessels with at least :min_gaps AIS-gap events starting in [:start, :end).
--
-- Parameters:
--   :min_gaps  integer      minimum number of ais_gap events per vessel
--   :start     timestamptz  inclusive lower bound on events.start_time (UTC)
--   :end       timestamptz  exclusive upper bound on events.start_time (UTC)
--
-- Returns one row per vessel, most gaps first: mmsi, n_gaps, total_gap_h (hours silent),
-- max_gap_h, first_gap_start, last_gap_end, event_ids (ordered by start) and the latest
-- known vessel_name / call_sign (null when no static report was loaded; untrusted text).
--
-- Caveats: a gap is counted in the window of its start; gaps from overlapping regions are
-- distinct events only if their event_ids differ. Uses ix_events_mmsi_event_type_start_time.
WITH gaps AS (
    SELECT event_id, mmsi, start_time, end_time, duration_h
    FROM mda.events
    WHERE event_type = 'ais_gap' AND start_time >= :start AND start_time < :end
),

per_vessel AS (
    SELECT
        mmsi,
        count(*) AS n_gaps,
        sum(duration_h) AS total_gap_h,
        max(duration_h) AS max_gap_h,
        min(start_time) AS first_gap_start,
        max(end_time) AS last_gap_end,
        array_agg(event_id ORDER BY start_time, event_id) AS event_ids
    FROM gaps
    GROUP BY mmsi
    HAVING count(*) >= CAST(:min_gaps AS integer)
),

final AS (
    SELECT
        pv.*,
        v.vessel_name,
        v.call_sign
    FROM per_vessel AS pv
    LEFT JOIN LATERAL (
        SELECT vessel_name, call_sign
        FROM mda.vessels AS vs
        WHERE vs.mmsi = pv.mmsi
        ORDER BY vs.ts DESC, vs.vessel_report_id DESC
        LIMIT 1
    ) AS v ON true
)

SELECT * FROM final
ORDER BY n_gaps DESC, total_gap_h DESC, mmsi
