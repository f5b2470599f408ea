-- +goose Up
-- The void of an assistance record answering a referral not completed yet
-- (assistance.voided applied before the completion that recorded the
-- record committed): which record, when and why. The completion that names
-- that record takes the void as its outcome's (outcome_assistance_void_time,
-- _reason) when it commits; before, such a void matched no outcome and was
-- lost, and the outcome named a voided record as if it counted.
ALTER TABLE referrals ADD COLUMN early_void_assistance_id uuid,
	ADD COLUMN early_void_time timestamptz,
	ADD COLUMN early_void_reason text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE referrals DROP COLUMN early_void_assistance_id, DROP COLUMN early_void_time, DROP COLUMN early_void_reason;
