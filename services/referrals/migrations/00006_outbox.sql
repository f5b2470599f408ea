-- +goose Up
-- Domain events, written in the transaction of the change they describe and
-- served by EventFeedService; see pkg/outbox (order, cursors, retention).
CREATE TABLE outbox (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id         uuid NOT NULL,
    type             text NOT NULL,
    aggregate_type   text NOT NULL,
    aggregate_id     text NOT NULL,
    organisation_ids text[] NOT NULL DEFAULT '{}',
    data             jsonb NOT NULL DEFAULT '{}',
    traceparent      text NOT NULL DEFAULT '',
    create_time      timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX outbox_create_time_idx ON outbox (create_time);

-- The feed's identity (part of every cursor) and how far it was pruned.
CREATE TABLE outbox_feed (
    singleton      boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    feed_id        uuid NOT NULL DEFAULT gen_random_uuid(),
    pruned_through bigint NOT NULL DEFAULT 0
);
INSERT INTO outbox_feed DEFAULT VALUES;

-- Cursors of the other services' feeds this service consumes.
CREATE TABLE outbox_cursors (
    consumer    text PRIMARY KEY,
    cursor      text NOT NULL DEFAULT '',
    update_time timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE outbox_cursors;
DROP TABLE outbox_feed;
DROP TABLE outbox;
