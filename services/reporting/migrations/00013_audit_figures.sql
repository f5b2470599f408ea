-- +goose Up
-- An indicator update's audit record keeps the figures and codes it
-- changed, before and after: a JSON object each, keyed by field (code,
-- unit, measure, lower_is_better, counts_persons, level, baseline,
-- targets, metric, disaggregations), holding only the fields whose stored
-- value changed ('{}' when none did: a title only). Never a title, which
-- is free text. NULL for the other actions, and for updates audited
-- before this migration (only their fields were kept).
ALTER TABLE indicator_audit ADD COLUMN before jsonb, ADD COLUMN after jsonb;

-- Every change of a project, append-only, as indicator_audit keeps its
-- indicators': who (actor), what (action; the fields an update wrote and
-- the figures and codes it changed before and after: dates, status,
-- countries, municipalities, sectors, suppression threshold, participating
-- organisations' ids, identifiers, types and roles, budgets) and when.
-- Never a title, description, objective or name: those are free text.
-- Not tied to the project by a foreign key, so it outlives its deletion.
CREATE TABLE project_audit (
    id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    time                  timestamptz NOT NULL DEFAULT now(),
    action                text NOT NULL CONSTRAINT project_audit_action_check
        CHECK (action IN ('project.create', 'project.update', 'project.delete')),
    actor_organisation_id uuid NOT NULL,
    actor_client_id       text NOT NULL,
    project_id            uuid NOT NULL,
    fields                text[] NOT NULL DEFAULT '{}',
    before                jsonb,
    after                 jsonb
);
CREATE INDEX project_audit_project_idx ON project_audit (project_id, id);

-- +goose StatementBegin
CREATE FUNCTION project_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'project_audit is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER project_audit_no_update_delete BEFORE UPDATE OR DELETE ON project_audit
    FOR EACH ROW EXECUTE FUNCTION project_audit_append_only();
CREATE TRIGGER project_audit_no_truncate BEFORE TRUNCATE ON project_audit
    FOR EACH STATEMENT EXECUTE FUNCTION project_audit_append_only();

-- +goose Down
DROP TABLE project_audit;
DROP FUNCTION project_audit_append_only();
ALTER TABLE indicator_audit DROP COLUMN before, DROP COLUMN after;
