-- +goose Up
-- When the subscription took each of its event types ({"type": time}),
-- stamped with this database's clock: it is delivered only the events of
-- a type that happened at or after then (an event's time is its source
-- service's outbox create_time, written with that service's database
-- clock; in one PostgreSQL, as deployed, the same clock). Without it, a
-- subscription made while the process was catching up on a feed (first
-- start, after downtime) was sent events from days before it existed.
-- NULL, or a type missing from it (subscriptions made or changed by a
-- replica from before this migration): since the subscription's
-- create_time.
ALTER TABLE subscriptions ADD COLUMN event_types_since jsonb;

-- +goose Down
ALTER TABLE subscriptions DROP COLUMN event_types_since;
