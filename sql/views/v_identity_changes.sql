-- mda.v_identity_changes: every change of a vessel's identity (name, call sign, IMO, ship
-- type), with the values before and after, one row per change.
CREATE VIEW mda.v_identity_changes AS
WITH identities AS (
    SELECT
        *,
        lag(vessel_name) OVER w AS previous_name,
        lag(call_sign) OVER w AS previous_call_sign,
        lag(imo) OVER w AS previous_imo,
        lag(ship_type) OVER w AS previous_ship_type,
        row_number() OVER w AS period_no
    FROM mda.vessel_identities
    WINDOW w AS (PARTITION BY mmsi ORDER BY valid_from)
),

final AS (
    SELECT
        mmsi,
        valid_from AS changed_at,
        flag,
        previous_name,
        vessel_name,
        previous_call_sign,
        call_sign,
        previous_imo,
        imo,
        previous_ship_type,
        ship_type,
        array_remove(ARRAY[
            CASE WHEN vessel_name IS DISTINCT FROM previous_name THEN 'vessel_name' END,
            CASE WHEN call_sign IS DISTINCT FROM previous_call_sign THEN 'call_sign' END,
            CASE WHEN imo IS DISTINCT FROM previous_imo THEN 'imo' END,
            CASE WHEN ship_type IS DISTINCT FROM previous_ship_type THEN 'ship_type' END
        ], NULL) AS changed_fields
    FROM identities
    WHERE period_no > 1
)

SELECT * FROM final;

COMMENT ON VIEW mda.v_identity_changes IS
'One row per identity change of an MMSI (from mda.vessel_identities): changed_at (UTC, the
first report with the new values), the values before (previous_*) and after, and
changed_fields. Caveats: AIS identity fields are typed in by crews, so a change may be a
correction or a typo as well as a re-flag or disguise; a flag change needs a new MMSI, so it
shows as two MMSIs sharing an IMO (see the vessel_history query), not here. Untrusted text.';
COMMENT ON COLUMN mda.v_identity_changes.changed_at IS
'First static report time with the new identity, UTC.';
COMMENT ON COLUMN mda.v_identity_changes.changed_fields IS
'Names of the fields that differ from the previous period.';
