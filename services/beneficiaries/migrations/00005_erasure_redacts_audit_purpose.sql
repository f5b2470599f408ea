-- +goose Up
-- Erasure blanks the purposes declared in the audit log for the erased
-- person: a purpose is free text (X-Spona-Purpose) and may name them. Every
-- other change of the log stays refused.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.purpose = ''
        AND (NEW.id, NEW.time, NEW.actor_organisation_id, NEW.actor_client_id, NEW.owner_organisation_id,
             NEW.beneficiary_id, NEW.action, NEW.fields)
        IS NOT DISTINCT FROM (OLD.id, OLD.time, OLD.actor_organisation_id, OLD.actor_client_id, OLD.owner_organisation_id,
             OLD.beneficiary_id, OLD.action, OLD.fields) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd
