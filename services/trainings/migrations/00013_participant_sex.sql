-- +goose Up
-- The sex a professional's registration gave ('unknown' when none). A
-- record's sex is the latest one its registrations gave: deleting a
-- registration made by mistake (Ana registered as male) gives the record
-- back the sex of the registrations that remain. NULL for registrations
-- made before (what they gave is not known: a record with one of them
-- keeps its sex).
ALTER TABLE participants ADD COLUMN sex text;

-- +goose Down
ALTER TABLE participants DROP COLUMN sex;
