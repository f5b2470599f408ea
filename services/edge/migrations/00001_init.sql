-- +goose Up
-- Partner systems and their API keys. Only a SHA-256 hash of the secret part
-- of a key is kept; the key itself is shown once when it is created.
CREATE TABLE api_clients (
    id              uuid PRIMARY KEY,
    name            text NOT NULL,
    organisation_id uuid NOT NULL,
    scopes          text[] NOT NULL,
    lookup_id       text NOT NULL UNIQUE,
    secret_hash     bytea NOT NULL,
    create_time     timestamptz NOT NULL DEFAULT now(),
    revoke_time     timestamptz
);
CREATE INDEX api_clients_organisation_idx ON api_clients (organisation_id);

-- +goose Down
DROP TABLE api_clients;
