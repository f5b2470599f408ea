-- +goose Up
-- The audited changes of a legal status (UpdateBeneficiary's records
-- naming legal_status): the service reads them when it starts to end the
-- statuses cleared before r13 that a new status followed (EndPastClears),
-- a small part of the audit log, which is read by person otherwise.
CREATE INDEX audit_events_legal_status_idx ON audit_events (beneficiary_id, time)
    WHERE action = 'update' AND 'legal_status' = ANY (fields);

-- +goose Down
DROP INDEX audit_events_legal_status_idx;
