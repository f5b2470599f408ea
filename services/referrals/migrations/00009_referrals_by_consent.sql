-- +goose Up
-- The open referrals sent under a consent, ended when it is withdrawn or
-- expires.
CREATE INDEX referrals_open_consent_idx ON referrals (consent_id) WHERE status IN ('sent', 'accepted', 'in_progress');

-- +goose Down
DROP INDEX referrals_open_consent_idx;
