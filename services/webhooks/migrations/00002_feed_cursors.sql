-- +goose Up
-- Cursors of the services' event feeds this process consumes (pkg/outbox
-- Consumer): moved in the transaction that applies the events.
CREATE TABLE outbox_cursors (
    consumer    text PRIMARY KEY,
    cursor      text NOT NULL DEFAULT '',
    update_time timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE outbox_cursors;
