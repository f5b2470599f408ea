-- +goose Up
-- The reporting organisation's identifier comes from the implementing
-- organisation's directory entry (referrals: organisations.organisation_identifier).
ALTER TABLE projects DROP COLUMN reporting_org_ref;

-- +goose Down
ALTER TABLE projects ADD COLUMN reporting_org_ref text NOT NULL DEFAULT '';
