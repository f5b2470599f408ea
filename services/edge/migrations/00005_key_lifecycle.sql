-- +goose Up
-- Keys apart from clients: a client (partner system) keeps its id, name,
-- organisation and scopes across rotations; each of its keys has its own
-- secret, expiry, revocation and last use.
CREATE TABLE api_keys (
    id             uuid PRIMARY KEY,
    client_id      uuid NOT NULL REFERENCES api_clients (id),
    lookup_id      text NOT NULL UNIQUE,
    secret_hash    bytea NOT NULL,
    create_time    timestamptz NOT NULL DEFAULT now(),
    expire_time    timestamptz,
    revoke_time    timestamptz,
    revoke_reason  text,
    last_use_time  timestamptz,
    replaced_by    uuid REFERENCES api_keys (id)
);
CREATE INDEX api_keys_client_idx ON api_keys (client_id);

INSERT INTO api_keys (id, client_id, lookup_id, secret_hash, create_time, revoke_time, revoke_reason)
SELECT id, id, lookup_id, secret_hash, create_time, revoke_time,
       CASE WHEN revoke_time IS NOT NULL THEN 'revoked before key lifecycle' END
FROM api_clients;

ALTER TABLE api_clients DROP COLUMN lookup_id, DROP COLUMN secret_hash, DROP COLUMN revoke_time;

-- Every edge replica caches keys; a change that can end a key's use
-- (revocation, expiry, a new key for an id once looked up in vain) is
-- announced on channel spona_api_keys with the key's lookup id, and the
-- replicas drop it from their caches at once. A trigger, so a change made
-- by hand in SQL is announced too.
-- +goose StatementBegin
CREATE FUNCTION api_keys_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('spona_api_keys', COALESCE(NEW.lookup_id, OLD.lookup_id));
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER api_keys_changed AFTER INSERT OR DELETE OR UPDATE OF revoke_time, expire_time, secret_hash, lookup_id, client_id
    ON api_keys FOR EACH ROW EXECUTE FUNCTION api_keys_notify();

-- +goose StatementBegin
CREATE FUNCTION api_clients_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('spona_api_keys', k.lookup_id) FROM api_keys k WHERE k.client_id = NEW.id;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER api_clients_changed AFTER UPDATE OF scopes, organisation_id ON api_clients
    FOR EACH ROW EXECUTE FUNCTION api_clients_notify();

-- Who did what to which key, and why. Append-only.
CREATE TABLE key_audit (
    id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    time                  timestamptz NOT NULL DEFAULT now(),
    action                text NOT NULL CHECK (action IN ('create', 'revoke', 'rotate')),
    key_id                uuid NOT NULL,
    client_id             uuid NOT NULL,
    organisation_id       uuid NOT NULL,
    actor_organisation_id uuid NOT NULL,
    actor_client_id       text NOT NULL,
    reason                text NOT NULL DEFAULT '',
    detail                jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX key_audit_key_idx ON key_audit (key_id, id);

-- +goose StatementBegin
CREATE FUNCTION key_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'key_audit is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
-- +goose StatementEnd
CREATE TRIGGER key_audit_no_update_delete BEFORE UPDATE OR DELETE ON key_audit
    FOR EACH ROW EXECUTE FUNCTION key_audit_append_only();
CREATE TRIGGER key_audit_no_truncate BEFORE TRUNCATE ON key_audit
    FOR EACH STATEMENT EXECUTE FUNCTION key_audit_append_only();

-- +goose Down
DROP TABLE key_audit;
DROP FUNCTION key_audit_append_only();
DROP TRIGGER api_clients_changed ON api_clients;
DROP FUNCTION api_clients_notify();
ALTER TABLE api_clients ADD COLUMN lookup_id text, ADD COLUMN secret_hash bytea, ADD COLUMN revoke_time timestamptz;
UPDATE api_clients c SET lookup_id = k.lookup_id, secret_hash = k.secret_hash, revoke_time = k.revoke_time
FROM (SELECT DISTINCT ON (client_id) * FROM api_keys ORDER BY client_id, create_time DESC) k WHERE k.client_id = c.id;
DROP TABLE api_keys;
DROP FUNCTION api_keys_notify();
