-- +goose Up
-- When the expiry of a consent was applied: the grants made under it revoked
-- and consent.expired written (once, by whichever replica claimed it).
ALTER TABLE consents ADD COLUMN expiry_apply_time timestamptz;
-- Consents whose expiry is still to be applied, by expiry time.
CREATE INDEX consents_expiry_due_idx ON consents (expire_time)
    WHERE expire_time IS NOT NULL AND expiry_apply_time IS NULL AND withdraw_time IS NULL;

-- +goose Down
DROP INDEX consents_expiry_due_idx;
ALTER TABLE consents DROP COLUMN expiry_apply_time;
