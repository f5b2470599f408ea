-- +goose Up
CREATE TABLE consents (
    id              uuid PRIMARY KEY,
    beneficiary_id  uuid NOT NULL REFERENCES beneficiaries (id),
    organisation_id uuid NOT NULL,
    purpose         text NOT NULL,
    scope           text NOT NULL DEFAULT '',
    given_by        text NOT NULL,
    guardian_name   text NOT NULL DEFAULT '',
    given_time      timestamptz NOT NULL,
    expire_time     timestamptz,
    withdraw_time   timestamptz,
    withdraw_reason text NOT NULL DEFAULT '',
    request_id      text,
    create_time     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT consents_request_id_key UNIQUE (organisation_id, request_id),
    CONSTRAINT consents_expiry_check CHECK (expire_time IS NULL OR expire_time > given_time)
);
CREATE INDEX consents_beneficiary_idx ON consents (beneficiary_id, purpose, id DESC);

-- A grant is identified by what it was made for (e.g. a referral id), so
-- granting again for the same source is idempotent.
ALTER TABLE access_grants
    ADD COLUMN source_id   text NOT NULL DEFAULT '',
    ADD COLUMN expire_time timestamptz,
    ADD CONSTRAINT access_grants_source_key UNIQUE (beneficiary_id, organisation_id, source_id);
CREATE INDEX access_grants_source_idx ON access_grants (beneficiary_id, source_id);

-- +goose Down
DROP INDEX access_grants_source_idx;
ALTER TABLE access_grants
    DROP CONSTRAINT access_grants_source_key,
    DROP COLUMN expire_time,
    DROP COLUMN source_id;
DROP TABLE consents;
