-- +goose Up
-- A person's referrals are found by beneficiary_id when the beneficiaries
-- feed says the person was erased (lock, end, wipe the texts), merged
-- (repoint) or had a birth year corrected (age bands taken again): through
-- this index rather than by reading every referral, on the one consumer
-- that also applies consent withdrawals.
CREATE INDEX referrals_beneficiary_idx ON referrals (beneficiary_id);

-- +goose Down
DROP INDEX referrals_beneficiary_idx;
