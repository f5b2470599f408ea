-- +goose Up
-- The beneficiaries this service learnt were erased (beneficiary.erased),
-- so that a registration of one whose create was under way when the
-- erasure was applied is refused (BENEFICIARY_ERASED) instead of stored as
-- a participation the erasure never reached (a certificate issued to it
-- later got a number linking to the person). Those erased before are the
-- ones whose participations are marked.
CREATE TABLE erased_beneficiaries (
    beneficiary_id uuid PRIMARY KEY,
    erase_time     timestamptz NOT NULL DEFAULT now()
);
INSERT INTO erased_beneficiaries (beneficiary_id)
    SELECT DISTINCT beneficiary_id FROM participants WHERE beneficiary_erased AND beneficiary_id IS NOT NULL;

-- +goose Down
DROP TABLE erased_beneficiaries;
