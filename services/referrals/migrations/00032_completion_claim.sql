-- +goose Up
-- A completion recording its assistance in the beneficiaries service marks
-- its referral until then (or until this time passes, if it never comes
-- back), so that no other transition (a cancel, the consent's end) commits
-- in between and leaves the assistance answering a referral that did not
-- complete.
ALTER TABLE referrals ADD COLUMN completing_until timestamptz;

-- +goose Down
ALTER TABLE referrals DROP COLUMN completing_until;
