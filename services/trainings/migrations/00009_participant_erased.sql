-- +goose Up
-- A beneficiary participant erased since registering: a certificate issued
-- to them afterwards gets a number that links to nothing
-- ("ERASED-<participant id>"), as one issued before does on erasure.
ALTER TABLE participants ADD COLUMN beneficiary_erased boolean NOT NULL DEFAULT false;
-- Known erased: those whose certificates were redacted (the others were
-- not certified; this schema cannot tell).
UPDATE participants SET beneficiary_erased = true
WHERE beneficiary_id IN (SELECT beneficiary_id FROM participants WHERE certificate_number LIKE 'ERASED-%');

-- +goose Down
ALTER TABLE participants DROP COLUMN beneficiary_erased;
