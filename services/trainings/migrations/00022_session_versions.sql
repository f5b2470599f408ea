-- +goose Up
-- A session is corrected in place (UpdateSession) with optimistic
-- concurrency, as an event is: its version and the time of its last change
-- (a session stored before was last changed when it was added).
ALTER TABLE sessions
    ADD COLUMN version     bigint NOT NULL DEFAULT 1,
    ADD COLUMN update_time timestamptz;
UPDATE sessions SET update_time = create_time;
ALTER TABLE sessions
    ALTER COLUMN update_time SET DEFAULT now(),
    ALTER COLUMN update_time SET NOT NULL;

-- +goose Down
ALTER TABLE sessions DROP COLUMN version, DROP COLUMN update_time;
