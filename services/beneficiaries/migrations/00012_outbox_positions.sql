-- +goose Up
-- Feed positions are handed out after commit (pkg/outbox, "Order is commit
-- order"): a writer inserts its events with pos NULL and waits for nobody;
-- the feed stamps committed events with the next positions, one stamping
-- transaction at a time (it updates outbox_feed.sequenced_through).
ALTER TABLE outbox ADD COLUMN pos bigint;
ALTER TABLE outbox_feed ADD COLUMN sequenced_through bigint NOT NULL DEFAULT 0;
-- Events written before keep their ids as positions, so the cursors
-- consumers stored keep their meaning; new positions continue after every
-- id ever handed out.
UPDATE outbox SET pos = id;
UPDATE outbox_feed SET sequenced_through = GREATEST(pruned_through,
    COALESCE(pg_sequence_last_value(pg_get_serial_sequence('outbox', 'id')::regclass), 0),
    COALESCE((SELECT max(id) FROM outbox), 0));
CREATE UNIQUE INDEX outbox_pos_idx ON outbox (pos);
CREATE INDEX outbox_unsequenced_idx ON outbox (id) WHERE pos IS NULL;

-- +goose Down
DROP INDEX outbox_unsequenced_idx;
DROP INDEX outbox_pos_idx;
ALTER TABLE outbox_feed DROP COLUMN sequenced_through;
ALTER TABLE outbox DROP COLUMN pos;
