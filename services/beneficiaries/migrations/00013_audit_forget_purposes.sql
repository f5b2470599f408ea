-- +goose Up
-- Erasure blanks the purposes declared in the erased persons' audit records
-- through this function, the one change of the audit log there is: it runs
-- as its owner, the audit role that owns audit_events, so the service's own
-- role needs no UPDATE on the log (it may only INSERT and SELECT; the
-- append-only trigger still refuses anything but blanking a purpose).
-- +goose StatementBegin
CREATE FUNCTION audit_events_forget_purposes(ids uuid[]) RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path FROM CURRENT AS $$
    WITH blanked AS (
        UPDATE audit_events SET purpose = '' WHERE beneficiary_id = ANY (ids) AND purpose <> '' RETURNING 1
    )
    SELECT count(*) FROM blanked;
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION audit_events_forget_purposes(uuid[]);
