-- +goose Up
-- The request id (Idempotency-Key) of a subscription's last secret
-- rotation: a retry of it returns the secret it made instead of rotating
-- again (the edge keeps no copy of answers carrying a secret).
ALTER TABLE subscriptions ADD COLUMN rotate_request_id text;

-- +goose Down
ALTER TABLE subscriptions DROP COLUMN rotate_request_id;
