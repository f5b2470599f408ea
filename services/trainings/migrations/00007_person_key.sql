-- +goose Up
-- person_key, the key a professional is counted by across organisers, is
-- set by the application with the domain's rule (domain.PersonKeys): a
-- professional registered without an e-mail is counted by the e-mail the
-- same names and organisation were registered with (at any organiser), so
-- a person registered once with and once without an e-mail counts once.
-- Migration 00008 (Go) sets it for the stored professionals.
ALTER TABLE professionals DROP COLUMN person_key;
ALTER TABLE professionals ADD COLUMN person_key text;
-- Person keys are set over every organiser's records of one name.
DROP INDEX professionals_name_idx;
CREATE INDEX professionals_name_idx ON professionals (family_key, given_key, organisation_key);

-- +goose Down
DROP INDEX professionals_name_idx;
CREATE INDEX professionals_name_idx ON professionals (organiser_organisation_id, family_key, given_key, organisation_key);
ALTER TABLE professionals DROP COLUMN person_key;
ALTER TABLE professionals ADD COLUMN person_key text GENERATED ALWAYS AS (
    CASE WHEN email IS NOT NULL THEN 'e:' || email
         ELSE 'n:' || family_key || '|' || given_key || '|' || organisation_key END) STORED;
