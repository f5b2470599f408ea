-- +goose Up
-- Who recorded each manual value and when: the organisation and API
-- client (key's client id or token subject) as the principal named them,
-- ids only. Values recorded before are left without (NULL): nobody kept
-- who recorded them.
ALTER TABLE indicator_values
    ADD COLUMN recorded_by_organisation_id uuid,
    ADD COLUMN recorded_by_client_id text,
    ADD COLUMN record_time timestamptz;

-- Every change of an indicator and of its recorded values, append-only:
-- who (actor), what (action; the fields an update wrote; a value's period
-- and the value before and after, decimal numbers) and when. No titles or
-- comments: those are free text. Not tied to the indicator by a foreign
-- key, so the record outlives its deletion (and its project's).
CREATE TABLE indicator_audit (
    id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    time                  timestamptz NOT NULL DEFAULT now(),
    action                text NOT NULL CONSTRAINT indicator_audit_action_check
        CHECK (action IN ('indicator.create', 'indicator.update', 'indicator.delete', 'value.record', 'value.correct')),
    actor_organisation_id uuid NOT NULL,
    actor_client_id       text NOT NULL,
    project_id            uuid NOT NULL,
    indicator_id          uuid NOT NULL,
    fields                text[] NOT NULL DEFAULT '{}',
    period_start          date,
    period_end            date,
    value_before          text CONSTRAINT indicator_audit_before_check CHECK (value_before ~ '^[0-9]+(\.[0-9]+)?$'),
    value_after           text CONSTRAINT indicator_audit_after_check CHECK (value_after ~ '^[0-9]+(\.[0-9]+)?$')
);
CREATE INDEX indicator_audit_indicator_idx ON indicator_audit (indicator_id, id);
CREATE INDEX indicator_audit_project_idx ON indicator_audit (project_id, id);

-- +goose StatementBegin
CREATE FUNCTION indicator_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'indicator_audit is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER indicator_audit_no_update_delete BEFORE UPDATE OR DELETE ON indicator_audit
    FOR EACH ROW EXECUTE FUNCTION indicator_audit_append_only();
CREATE TRIGGER indicator_audit_no_truncate BEFORE TRUNCATE ON indicator_audit
    FOR EACH STATEMENT EXECUTE FUNCTION indicator_audit_append_only();

-- +goose Down
DROP TABLE indicator_audit;
DROP FUNCTION indicator_audit_append_only();
ALTER TABLE indicator_values
    DROP COLUMN recorded_by_organisation_id,
    DROP COLUMN recorded_by_client_id,
    DROP COLUMN record_time;
