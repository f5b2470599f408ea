-- +goose Up
-- A UUIDv7 (48-bit Unix milliseconds, version 7, random rest) made in SQL, so
-- the deliveries of an event are inserted by one statement that matches the
-- subscriptions itself.
CREATE FUNCTION uuid7() RETURNS uuid LANGUAGE sql VOLATILE AS $$
    SELECT encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
        PLACING substring(int8send((extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3) FROM 1 FOR 6),
        52, 1), 53, 1), 'hex')::uuid
$$;
ALTER TABLE deliveries ALTER COLUMN id SET DEFAULT uuid7();

-- +goose Down
ALTER TABLE deliveries ALTER COLUMN id DROP DEFAULT;
DROP FUNCTION uuid7();
