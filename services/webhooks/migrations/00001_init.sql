-- +goose Up
-- Endpoints of partner organisations subscribed to event types. Secrets are
-- stored encrypted (AES-256-GCM under WEBHOOK_SECRETS_KEY).
CREATE TABLE subscriptions (
    id                          uuid PRIMARY KEY,
    organisation_id             uuid NOT NULL,
    url                         text NOT NULL,
    -- host:port of url, for the per-target concurrency cap
    target                      text NOT NULL,
    event_types                 text[] NOT NULL,
    description                 text NOT NULL DEFAULT '',
    secret                      bytea NOT NULL,
    previous_secret             bytea,
    previous_secret_expire_time timestamptz,
    state                       text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'disabled')),
    disabled_reason             text NOT NULL DEFAULT '',
    disable_time                timestamptz,
    -- first failure since the last success; NULL while the endpoint answers
    failing_since               timestamptz,
    request_id                  text,
    version                     bigint NOT NULL DEFAULT 1,
    create_time                 timestamptz NOT NULL DEFAULT now(),
    update_time                 timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT subscriptions_request_id_key UNIQUE (organisation_id, request_id)
);
CREATE INDEX subscriptions_organisation_idx ON subscriptions (organisation_id, id DESC);

-- One event sent to one subscription; its id is the webhook-id header.
CREATE TABLE deliveries (
    id                uuid PRIMARY KEY,
    -- order of creation: events of one referral are delivered in this order
    seq               bigint GENERATED ALWAYS AS IDENTITY,
    subscription_id   uuid NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
    event_id          uuid NOT NULL,
    event_type        text NOT NULL,
    ordering_key      text NOT NULL,
    body              bytea NOT NULL,
    traceparent       text NOT NULL DEFAULT '',
    event_time        timestamptz NOT NULL,
    status            text NOT NULL CHECK (status IN ('pending', 'succeeded', 'dead_lettered')),
    attempts          integer NOT NULL DEFAULT 0,
    next_attempt_time timestamptz,
    retry_start_time  timestamptz NOT NULL,
    -- a claim: the process attempting it holds it until lease_until
    lease_id          uuid,
    lease_until       timestamptz,
    last_code         integer NOT NULL DEFAULT 0,
    last_latency_us   bigint NOT NULL DEFAULT 0,
    last_error        text NOT NULL DEFAULT '',
    last_attempt_time timestamptz,
    deliver_time      timestamptz,
    create_time       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT deliveries_event_key UNIQUE (subscription_id, event_id)
);
CREATE INDEX deliveries_due_idx ON deliveries (next_attempt_time) WHERE status = 'pending';
CREATE INDEX deliveries_order_idx ON deliveries (subscription_id, ordering_key, seq) WHERE status = 'pending';
CREATE INDEX deliveries_list_idx ON deliveries (subscription_id, id DESC);
CREATE INDEX deliveries_finished_idx ON deliveries (create_time) WHERE status <> 'pending';

-- The change feed: per organisation, the thin events it may see. Rows are
-- appended under a transaction-level advisory lock, so positions follow
-- commit order and a reader never skips a row that commits later.
CREATE TABLE changes (
    seq             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id uuid NOT NULL,
    event_id        uuid NOT NULL,
    type            text NOT NULL,
    event_time      timestamptz NOT NULL,
    data            jsonb NOT NULL,
    create_time     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT changes_event_key UNIQUE (organisation_id, event_id)
);
CREATE INDEX changes_organisation_idx ON changes (organisation_id, seq);
CREATE INDEX changes_create_time_idx ON changes (create_time);

-- Every change up to pruned_through was deleted (retention).
CREATE TABLE changes_retention (
    singleton      boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    pruned_through bigint NOT NULL DEFAULT 0
);
INSERT INTO changes_retention DEFAULT VALUES;

-- +goose Down
DROP TABLE changes_retention;
DROP TABLE changes;
DROP TABLE deliveries;
DROP TABLE subscriptions;
