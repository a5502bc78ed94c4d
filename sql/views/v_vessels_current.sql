-- mda.v_vessels_current: one row per MMSI with a static report: its current identity (the
-- open period of mda.vessel_identities), the flag its MID claims, and how many identity
-- periods it has had.
CREATE VIEW mda.v_vessels_current AS
WITH identities AS (
    SELECT * FROM mda.vessel_identities
),

history AS (
    SELECT
        mmsi,
        count(*) AS n_identities,
        min(valid_from) AS first_seen
    FROM identities
    GROUP BY mmsi
),

final AS (
    SELECT
        i.mmsi,
        i.vessel_name,
        i.call_sign,
        i.imo,
        i.ship_type,
        i.mid,
        i.flag,
        f.country AS flag_country,
        i.valid_from AS identity_since,
        i.last_seen,
        h.first_seen,
        h.n_identities
    FROM identities AS i
    INNER JOIN history AS h USING (mmsi)
    LEFT JOIN mda.mid_flags AS f ON f.mid = i.mid
    WHERE i.valid_to IS NULL
)

SELECT * FROM final;

COMMENT ON VIEW mda.v_vessels_current IS
'Current identity per MMSI: the open period (valid_to null) of mda.vessel_identities, with
the flag claimed by the MMSI''s MID (ISO 3166-1 alpha-3, and the country name) and the
number of identity periods seen (n_identities > 1: the vessel changed name, call sign, IMO
or ship type). Caveats: "current" means latest stored, as of last_seen (UTC); text fields are
untrusted AIS input (escape when rendering); the flag is derived from the MMSI, not a
registry.';
COMMENT ON COLUMN mda.v_vessels_current.identity_since IS
'Start of the current identity period, UTC (first report with these fields).';
COMMENT ON COLUMN mda.v_vessels_current.last_seen IS
'Last static report with the current identity, UTC.';
COMMENT ON COLUMN mda.v_vessels_current.first_seen IS
'First static report stored for the MMSI, UTC.';
COMMENT ON COLUMN mda.v_vessels_current.n_identities IS
'Identity periods stored for the MMSI (1 = never changed).';
COMMENT ON COLUMN mda.v_vessels_current.flag_country IS
'Country or area of the MID (mda.mid_flags.country).';
