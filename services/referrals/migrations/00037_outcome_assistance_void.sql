-- +goose Up
-- The void of the assistance record a completed referral's outcome names
-- (outcome_assistance_id), as the beneficiaries service's assistance.voided
-- event tells it: when and why (a void reason code); NULL while the record
-- counts. A correction of that record (assistance.corrected) replaces
-- outcome_assistance_id and clears both.
ALTER TABLE referrals ADD COLUMN outcome_assistance_void_time timestamptz,
	ADD COLUMN outcome_assistance_void_reason text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE referrals DROP COLUMN outcome_assistance_void_time, DROP COLUMN outcome_assistance_void_reason;
