-- +goose Up
CREATE TABLE beneficiaries (
    id                   uuid PRIMARY KEY,
    organisation_id      uuid NOT NULL,
    external_id          text,
    given_name           text NOT NULL,
    family_name          text NOT NULL DEFAULT '',
    original_script_name text NOT NULL DEFAULT '',
    sex                  text NOT NULL DEFAULT 'unknown',
    birth_date           date,
    birth_year           integer,
    birth_date_estimated boolean NOT NULL DEFAULT false,
    nationality          text NOT NULL DEFAULT '',
    languages            text[] NOT NULL DEFAULT '{}',
    legal_status         text NOT NULL DEFAULT '',
    municipality         text NOT NULL DEFAULT '',
    country              text NOT NULL DEFAULT '',
    accommodation        text NOT NULL DEFAULT '',
    vulnerabilities      text[] NOT NULL DEFAULT '{}',
    request_id           text,
    version              bigint NOT NULL DEFAULT 1,
    create_time          timestamptz NOT NULL DEFAULT now(),
    update_time          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT beneficiaries_external_id_key UNIQUE (organisation_id, external_id),
    CONSTRAINT beneficiaries_request_id_key UNIQUE (organisation_id, request_id)
);
CREATE INDEX beneficiaries_org_id_idx ON beneficiaries (organisation_id, id DESC);

-- Organisations other than the registering one that may see a beneficiary
-- (granted when a referral with consent is sent to them).
CREATE TABLE access_grants (
    id              uuid PRIMARY KEY,
    beneficiary_id  uuid NOT NULL REFERENCES beneficiaries (id),
    organisation_id uuid NOT NULL,
    granted_by      uuid NOT NULL,
    reason          text NOT NULL DEFAULT '',
    create_time     timestamptz NOT NULL DEFAULT now(),
    revoke_time     timestamptz
);
CREATE INDEX access_grants_live_idx ON access_grants (organisation_id, beneficiary_id) WHERE revoke_time IS NULL;

CREATE TABLE assistances (
    id              uuid PRIMARY KEY,
    beneficiary_id  uuid NOT NULL REFERENCES beneficiaries (id),
    organisation_id uuid NOT NULL,
    project_id      uuid,
    type            text NOT NULL,
    date            date NOT NULL,
    notes           text NOT NULL DEFAULT '',
    request_id      text,
    create_time     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT assistances_request_id_key UNIQUE (organisation_id, request_id)
);
CREATE INDEX assistances_beneficiary_idx ON assistances (beneficiary_id, id DESC);
CREATE INDEX assistances_project_idx ON assistances (project_id, date) INCLUDE (beneficiary_id, type);

-- +goose Down
DROP TABLE assistances;
DROP TABLE access_grants;
DROP TABLE beneficiaries;
