-- +goose Up
-- A legal status history entry corrected after it was recorded (its start
-- or status: CorrectLegalStatusChange, or a PATCH of the current status's
-- legal_status_since) says which organisation corrected it and when, the
-- latest correction; organisation_id and create_time keep who recorded it
-- first and when. Both are set together (the audit log has every
-- correction, legal_status_history.correct or update).
ALTER TABLE legal_status_history ADD COLUMN corrected_by_organisation_id uuid, ADD COLUMN correct_time timestamptz,
    ADD CONSTRAINT legal_status_history_corrected_check CHECK ((corrected_by_organisation_id IS NULL) = (correct_time IS NULL)) NOT VALID;
-- NOT VALID: the rows there are have neither (no scan under the lock).

-- +goose Down
ALTER TABLE legal_status_history DROP COLUMN corrected_by_organisation_id, DROP COLUMN correct_time;
