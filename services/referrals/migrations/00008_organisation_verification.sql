-- +goose Up
-- A platform administrator verifies an organisation's legal name, kind and
-- country; from then on only the administrator changes them.
ALTER TABLE organisations ADD COLUMN verify_time timestamptz;
CREATE INDEX organisations_name_idx ON organisations (lower(btrim(name)));

-- Who changed an organisation's verified details (or verified it), when
-- and why. Append-only.
CREATE TABLE organisation_audit (
    id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    time                  timestamptz NOT NULL DEFAULT now(),
    organisation_id       uuid NOT NULL,
    action                text NOT NULL CHECK (action = 'verify'),
    actor_organisation_id uuid NOT NULL,
    actor_client_id       text NOT NULL,
    reason                text NOT NULL DEFAULT '',
    before                jsonb NOT NULL,
    after                 jsonb NOT NULL
);
CREATE INDEX organisation_audit_org_idx ON organisation_audit (organisation_id, id);

-- +goose StatementBegin
CREATE FUNCTION organisation_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'organisation_audit is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER organisation_audit_no_update_delete BEFORE UPDATE OR DELETE ON organisation_audit
    FOR EACH ROW EXECUTE FUNCTION organisation_audit_append_only();
CREATE TRIGGER organisation_audit_no_truncate BEFORE TRUNCATE ON organisation_audit
    FOR EACH STATEMENT EXECUTE FUNCTION organisation_audit_append_only();

-- +goose Down
DROP TABLE organisation_audit;
DROP FUNCTION organisation_audit_append_only();
DROP INDEX organisations_name_idx;
ALTER TABLE organisations DROP COLUMN verify_time;
