-- +goose Up
-- Extensions live in public (on every service's search path) so that any
-- service may use them whichever created them first.
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;
CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA public;

ALTER TABLE beneficiaries
    -- translit.Fold of the names: the key name search and duplicates match on.
    ADD COLUMN name_key           text NOT NULL DEFAULT '',
    ADD COLUMN legal_status_since date,
    ADD COLUMN phone              text NOT NULL DEFAULT '',
    ADD COLUMN email              text NOT NULL DEFAULT '',
    ADD COLUMN notes              text NOT NULL DEFAULT '',
    ADD COLUMN merged_into        uuid REFERENCES beneficiaries (id),
    ADD COLUMN merge_time         timestamptz,
    ADD COLUMN erase_time         timestamptz;

-- Rows written before name keys existed: an approximation of the Go fold
-- (the service rewrites the key on every update).
UPDATE beneficiaries
SET name_key = trim(regexp_replace(lower(public.unaccent(given_name || ' ' || family_name || ' ' || original_script_name)), '[^[:alnum:]]+', ' ', 'g'));

CREATE INDEX beneficiaries_name_key_trgm_idx ON beneficiaries USING gin (name_key gin_trgm_ops);
CREATE INDEX beneficiaries_org_municipality_idx ON beneficiaries (organisation_id, municipality, id DESC);

CREATE TABLE legal_status_history (
    id              uuid PRIMARY KEY,
    beneficiary_id  uuid NOT NULL REFERENCES beneficiaries (id),
    legal_status    text NOT NULL,
    since           date NOT NULL,
    organisation_id uuid NOT NULL,
    create_time     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX legal_status_history_beneficiary_idx ON legal_status_history (beneficiary_id, since, id);

CREATE TABLE identity_documents (
    id              uuid PRIMARY KEY,
    beneficiary_id  uuid NOT NULL REFERENCES beneficiaries (id),
    organisation_id uuid NOT NULL,
    type            text NOT NULL,
    number          text NOT NULL,
    issuing_country text NOT NULL DEFAULT '',
    expiry_date     date,
    create_time     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT identity_documents_number_key UNIQUE (beneficiary_id, type, issuing_country, number)
);
CREATE INDEX identity_documents_beneficiary_idx ON identity_documents (beneficiary_id, id);
CREATE INDEX identity_documents_number_idx ON identity_documents (organisation_id, type, number);

CREATE TABLE households (
    id              uuid PRIMARY KEY,
    organisation_id uuid NOT NULL,
    reference       text NOT NULL DEFAULT '',
    request_id      text,
    create_time     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT households_request_id_key UNIQUE (organisation_id, request_id)
);

CREATE TABLE household_members (
    household_id   uuid NOT NULL REFERENCES households (id),
    beneficiary_id uuid NOT NULL REFERENCES beneficiaries (id),
    relationship   text NOT NULL,
    PRIMARY KEY (household_id, beneficiary_id),
    -- A person belongs to at most one household.
    CONSTRAINT household_members_beneficiary_key UNIQUE (beneficiary_id)
);

-- Every read and write of personal data: who (organisation and client),
-- what (beneficiary, action, fields), when, why (declared purpose). The
-- owner organisation is recorded so the data owner can query it.
CREATE TABLE audit_events (
    id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    time                  timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor_organisation_id uuid NOT NULL,
    actor_client_id       text NOT NULL DEFAULT '',
    owner_organisation_id uuid NOT NULL,
    beneficiary_id        uuid NOT NULL,
    action                text NOT NULL,
    fields                text[] NOT NULL DEFAULT '{}',
    purpose               text NOT NULL DEFAULT ''
);
CREATE INDEX audit_events_owner_idx ON audit_events (owner_organisation_id, beneficiary_id, id DESC);
CREATE INDEX audit_events_owner_all_idx ON audit_events (owner_organisation_id, id DESC);

-- The audit log is append-only: updates, deletes and truncation fail.
-- +goose StatementBegin
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_events_no_update_delete BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();

-- +goose Down
DROP TABLE audit_events;
DROP FUNCTION audit_events_append_only();
DROP TABLE household_members;
DROP TABLE households;
DROP TABLE identity_documents;
DROP TABLE legal_status_history;
DROP INDEX beneficiaries_org_municipality_idx;
DROP INDEX beneficiaries_name_key_trgm_idx;
ALTER TABLE beneficiaries
    DROP COLUMN erase_time,
    DROP COLUMN merge_time,
    DROP COLUMN merged_into,
    DROP COLUMN notes,
    DROP COLUMN email,
    DROP COLUMN phone,
    DROP COLUMN legal_status_since,
    DROP COLUMN name_key;
