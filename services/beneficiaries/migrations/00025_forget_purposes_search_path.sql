-- +goose Up
-- audit_events_forget_purposes runs as the audit role that owns the audit
-- log, and the runtime role may call it (erasure). Its search_path, taken
-- FROM CURRENT when it was made, did not name pg_temp, and PostgreSQL then
-- looks for tables in the caller's temporary schema first: a runtime role
-- that made a temporary table audit_events, with a trigger of its own on
-- it, had that trigger run as the audit role, which could disable the
-- append-only trigger and empty the log. pg_temp is now searched last, and
-- public (where a role may create functions on servers before PostgreSQL
-- 15) not at all: the function uses only its schema's tables and
-- pg_catalog.
-- +goose StatementBegin
DO $$ BEGIN
    EXECUTE format('ALTER FUNCTION %I.audit_events_forget_purposes(uuid[], uuid[], uuid[]) SET search_path = %I, pg_temp',
        current_schema(), current_schema());
END $$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DO $$ BEGIN
    EXECUTE format('ALTER FUNCTION %I.audit_events_forget_purposes(uuid[], uuid[], uuid[]) SET search_path = %I, public',
        current_schema(), current_schema());
END $$;
-- +goose StatementEnd
