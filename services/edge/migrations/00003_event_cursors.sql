-- +goose Up
-- Cursors of the services' feeds the edge consumes (see pkg/outbox).
CREATE TABLE outbox_cursors (
    consumer    text PRIMARY KEY,
    cursor      text NOT NULL DEFAULT '',
    update_time timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE outbox_cursors;
