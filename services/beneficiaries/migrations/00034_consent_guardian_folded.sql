-- +goose Up
-- A consent given by a guardian keeps the guardian's name folded
-- (guardian_folded: pkg/translit's Fold, in Go when the service stores
-- it, as audit purposes are), so that erasing a registered person blanks
-- the guardian_name of other persons' consents that name her (the child's
-- consent given by its erased mother) by comparing folded text, whatever
-- the database's locale. Migration 00035 folds the names stored before.
ALTER TABLE consents ADD COLUMN guardian_folded text NOT NULL DEFAULT '';
-- Erasure reads the guardians' names of the organisations that knew the
-- person; consents without one are not indexed.
CREATE INDEX consents_guardian_idx ON consents (organisation_id) WHERE guardian_folded <> '';

-- +goose Down
DROP INDEX consents_guardian_idx;
ALTER TABLE consents DROP COLUMN guardian_folded;
