-- +goose Up
-- The assistance a completion recorded in the beneficiaries service, kept
-- on its referral from the moment it was recorded until the completion
-- committed naming it, or the record was voided: a completion whose commit
-- failed and whose void failed too (the beneficiaries service unreachable)
-- leaves it here, and the referrals service retries the void until it
-- succeeds, so no assistance stays counted for a referral that did not
-- complete.
ALTER TABLE referrals ADD COLUMN uncommitted_assistance_id uuid;
CREATE INDEX referrals_uncommitted_assistance_idx ON referrals (id) WHERE uncommitted_assistance_id IS NOT NULL;

-- +goose Down
DROP INDEX referrals_uncommitted_assistance_idx;
ALTER TABLE referrals DROP COLUMN uncommitted_assistance_id;
