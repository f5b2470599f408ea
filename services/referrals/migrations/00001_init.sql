-- +goose Up
CREATE TABLE organisations (
    id              uuid PRIMARY KEY,
    name            text NOT NULL,
    localized_names jsonb NOT NULL DEFAULT '{}',
    kind            text NOT NULL,
    municipality    text NOT NULL DEFAULT '',
    country         text NOT NULL DEFAULT '',
    email           text NOT NULL DEFAULT '',
    website         text NOT NULL DEFAULT '',
    created_by      uuid NOT NULL,
    request_id      text,
    create_time     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT organisations_request_id_key UNIQUE (created_by, request_id)
);
CREATE INDEX organisations_kind_idx ON organisations (kind, id DESC);

CREATE TABLE referrals (
    id                   uuid PRIMARY KEY,
    beneficiary_id       uuid NOT NULL,
    from_organisation_id uuid NOT NULL,
    to_organisation_id   uuid NOT NULL REFERENCES organisations (id),
    to_service_id        uuid,
    category             text NOT NULL,
    reason               text NOT NULL DEFAULT '',
    urgency              text NOT NULL,
    status               text NOT NULL,
    due_time             timestamptz NOT NULL,
    consent_id           uuid,
    request_id           text,
    version              bigint NOT NULL DEFAULT 1,
    create_time          timestamptz NOT NULL DEFAULT now(),
    update_time          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT referrals_request_id_key UNIQUE (from_organisation_id, request_id)
);
CREATE INDEX referrals_from_idx ON referrals (from_organisation_id, id DESC);
CREATE INDEX referrals_to_idx ON referrals (to_organisation_id, id DESC) WHERE status <> 'draft';

-- Every change of a referral, with who made it and when.
CREATE TABLE referral_events (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    referral_id     uuid NOT NULL REFERENCES referrals (id),
    from_status     text,
    to_status       text NOT NULL,
    organisation_id uuid NOT NULL,
    client_id       text NOT NULL DEFAULT '',
    note            text NOT NULL DEFAULT '',
    create_time     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX referral_events_referral_idx ON referral_events (referral_id, id);

-- +goose Down
DROP TABLE referral_events;
DROP TABLE referrals;
DROP TABLE organisations;
