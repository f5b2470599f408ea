-- +goose Up
-- Finished deliveries leave the log DELIVERY_RETENTION after they
-- finished (their last attempt; creation for one given up unattempted),
-- not after they were made: one redelivered a month on stays too.
CREATE INDEX deliveries_finish_idx ON deliveries ((coalesce(last_attempt_time, create_time))) WHERE status <> 'pending';
DROP INDEX deliveries_finished_idx;

-- +goose Down
CREATE INDEX deliveries_finished_idx ON deliveries (create_time) WHERE status <> 'pending';
DROP INDEX deliveries_finish_idx;
