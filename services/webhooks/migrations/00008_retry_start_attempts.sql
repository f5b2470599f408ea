-- +goose Up
-- How many attempts a delivery had had when its retry window began (0 at
-- creation; its attempts at a :redeliver): its retries back off from the
-- attempts made since, so a redelivery waits 5 s after a failure, not the
-- hours its given-up window had reached. A replica from before this
-- migration ignores it (and backs off from every attempt, as before).
ALTER TABLE deliveries ADD COLUMN retry_start_attempts integer NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE deliveries DROP COLUMN retry_start_attempts;
