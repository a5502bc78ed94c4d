-- mda.v_tracks: vessel-day tracks with the vessel's identity at the end of the track, the
-- duration and the mean speed over ground, and a 2-D geometry for tools without M support.
CREATE VIEW mda.v_tracks AS
WITH tracks AS (
    SELECT * FROM mda.tracks
),

final AS (
    SELECT
        t.region,
        t.day,
        t.mmsi,
        i.vessel_name,
        i.flag,
        i.ship_type,
        t.n_points,
        t.start_time,
        t.end_time,
        extract(epoch FROM t.end_time - t.start_time) / 3600.0 AS duration_h,
        t.length_km,
        CASE WHEN t.end_time > t.start_time
            THEN t.length_km / 1.852 / (extract(epoch FROM t.end_time - t.start_time) / 3600.0)
        END AS mean_speed_kn,
        t.geom,
        CAST(ST_Force2D(t.geom) AS geometry(LineString, 4326)) AS geom_2d
    FROM tracks AS t
    LEFT JOIN LATERAL (
        SELECT vessel_name, flag, ship_type
        FROM mda.vessel_identities AS vi
        WHERE vi.mmsi = t.mmsi AND vi.valid_from <= t.end_time
        ORDER BY vi.valid_from DESC
        LIMIT 1
    ) AS i ON true
)

SELECT * FROM final;

COMMENT ON VIEW mda.v_tracks IS
'Vessel-day tracks (mda.tracks) with the identity valid at the track end (null without a
static report; untrusted text), duration_h (hours from first to last report), mean_speed_kn
(length over duration, knots; null for one point) and geom_2d (the LineString without M,
for tools that do not read M). Caveats: length and speed include position jumps as
reported (spoofing or a shared MMSI inflate them); a day with a long gap still has one
track, drawn straight across the gap.';
COMMENT ON COLUMN mda.v_tracks.duration_h IS 'end_time - start_time, hours.';
COMMENT ON COLUMN mda.v_tracks.mean_speed_kn IS
'length_km / duration, knots (1 kn = 1.852 km/h); null when duration is 0.';
COMMENT ON COLUMN mda.v_tracks.geom IS
'LINESTRINGM(lon lat epoch_s), SRID 4326 (M = report time, seconds since 1970 UTC).';
COMMENT ON COLUMN mda.v_tracks.geom_2d IS 'The track as a 2-D LINESTRING, SRID 4326.';
