-- +goose Up
-- A directory administrator's changes of another organisation's directory
-- entry and services are audited too, not only verifications: who (actor),
-- what (action, organisation, service, the fields written) and when. No
-- values: a service's contacts name persons, and the entry itself is there
-- to read. Verifications keep their reason and verified details before and
-- after; the other actions leave those empty.
ALTER TABLE organisation_audit DROP CONSTRAINT organisation_audit_action_check;
ALTER TABLE organisation_audit ADD CONSTRAINT organisation_audit_action_check
    CHECK (action IN ('verify', 'create', 'update', 'service.create', 'service.update'));
ALTER TABLE organisation_audit
    ADD COLUMN service_id uuid,
    ADD COLUMN fields text[] NOT NULL DEFAULT '{}',
    ALTER COLUMN before SET DEFAULT '{}',
    ALTER COLUMN after SET DEFAULT '{}';

-- +goose Down
-- The rows of the new actions cannot go (the table is append-only): the
-- earlier CHECK is put back NOT VALID, so they stay and new ones are
-- refused.
ALTER TABLE organisation_audit DROP CONSTRAINT organisation_audit_action_check;
ALTER TABLE organisation_audit ADD CONSTRAINT organisation_audit_action_check CHECK (action = 'verify') NOT VALID;
ALTER TABLE organisation_audit DROP COLUMN service_id, DROP COLUMN fields,
    ALTER COLUMN before DROP DEFAULT, ALTER COLUMN after DROP DEFAULT;
