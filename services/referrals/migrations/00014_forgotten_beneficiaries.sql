-- +goose Up
-- The beneficiaries erased (ids only, as beneficiary.erased named them):
-- a referral about one of them is no longer created. A create takes the
-- beneficiary's advisory lock shared and checks this table in a later
-- statement; applying the erasure takes the lock alone before it records
-- the ids here, so a create racing the erasure is either seen by it (and
-- ended and wiped) or refused. Referrals record the erasure in
-- consent_end_reason (BENEFICIARY_ERASED), the column of every reason a
-- referral ended for good outside its parties' hands.
CREATE TABLE forgotten_beneficiaries (
    beneficiary_id uuid PRIMARY KEY,
    forget_time    timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE forgotten_beneficiaries;
