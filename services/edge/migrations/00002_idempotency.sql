-- +goose Up
-- First responses of writes sent with an Idempotency-Key, replayed to
-- retries of the same request by the same client. A row without status is
-- a request in flight, held until lock_until (then a retry may take it
-- over); rows are deleted after expire_time.
CREATE TABLE idempotency_records (
    client_id   text NOT NULL,
    key         text NOT NULL,
    method      text NOT NULL,
    path        text NOT NULL,
    body_hash   bytea NOT NULL,
    status      integer,
    header      jsonb,
    body        bytea,
    lock_until  timestamptz NOT NULL,
    create_time timestamptz NOT NULL DEFAULT now(),
    expire_time timestamptz NOT NULL,
    PRIMARY KEY (client_id, key)
);
CREATE INDEX idempotency_records_expire_idx ON idempotency_records (expire_time);

-- +goose Down
DROP TABLE idempotency_records;
