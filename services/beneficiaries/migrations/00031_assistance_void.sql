-- +goose Up
-- An assistance recorded in error is voided by the organisation that
-- recorded it (VoidAssistance): kept, with when and why, but counted by no
-- report. The indexes the counts read hold only the records that count, so
-- the counts (which select void_time IS NULL) keep their index-only scans.
ALTER TABLE assistances ADD COLUMN void_time timestamptz, ADD COLUMN void_reason text;

DROP INDEX assistances_last_idx;
CREATE INDEX assistances_last_idx ON assistances (project_id, beneficiary_id, date DESC, id DESC)
    INCLUDE (municipality, organisation_id) WHERE void_time IS NULL;
DROP INDEX assistances_project_idx;
CREATE INDEX assistances_project_idx ON assistances (project_id, date) INCLUDE (beneficiary_id, type) WHERE void_time IS NULL;

-- +goose Down
DROP INDEX assistances_project_idx;
CREATE INDEX assistances_project_idx ON assistances (project_id, date) INCLUDE (beneficiary_id, type);
DROP INDEX assistances_last_idx;
CREATE INDEX assistances_last_idx ON assistances (project_id, beneficiary_id, date DESC, id DESC)
    INCLUDE (municipality, organisation_id);
ALTER TABLE assistances DROP COLUMN void_time, DROP COLUMN void_reason;
