-- +goose Up
-- The ids (UUIDs) a stored request path or response names, so that erasing
-- a person finds and deletes every stored response that holds their data;
-- and the people erased lately, so a response completing while its subject
-- is erased is not stored (see internal/idempotency).
ALTER TABLE idempotency_records ADD COLUMN subject_ids uuid[] NOT NULL DEFAULT '{}';
CREATE INDEX idempotency_records_subjects_idx ON idempotency_records USING gin (subject_ids);

CREATE TABLE erased_subjects (
    id         uuid PRIMARY KEY,
    erase_time timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE erased_subjects;
DROP INDEX idempotency_records_subjects_idx;
ALTER TABLE idempotency_records DROP COLUMN subject_ids;
