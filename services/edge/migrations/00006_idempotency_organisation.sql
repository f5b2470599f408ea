-- +goose Up
-- The organisation of the client that sent the write: when a consent ends,
-- the stored responses of the organisations whose access it ended that
-- name the person go (what they read under it is not replayed). NULL for
-- records from before this column (gone within IDEMPOTENCY_TTL).
ALTER TABLE idempotency_records ADD COLUMN organisation_id text;

-- +goose Down
ALTER TABLE idempotency_records DROP COLUMN organisation_id;
