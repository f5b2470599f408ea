-- +goose Up
-- A purpose (X-Spona-Purpose) is free text and may name a person, and one
-- call may read many persons (a search, a list, a referral list, an
-- import). It was copied into the record of every person the call read,
-- and erasure blanked it only on the erased person's own records. Now it
-- is stored once per call, in audit_purposes (id: the call's id), and the
-- call's records refer to it (audit_events.purpose_id): erasing anyone the
-- call read blanks it for all of them.
CREATE TABLE audit_purposes (
    id      uuid PRIMARY KEY,
    purpose text NOT NULL
);
ALTER TABLE audit_events ADD COLUMN purpose_id uuid;

-- Append-only like audit_events: erasure may only blank a purpose.
-- +goose StatementBegin
CREATE FUNCTION audit_purposes_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.purpose = '' AND NEW.id = OLD.id THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_purposes is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_purposes_no_update_delete BEFORE UPDATE OR DELETE ON audit_purposes
    FOR EACH ROW EXECUTE FUNCTION audit_purposes_append_only();
CREATE TRIGGER audit_purposes_no_truncate BEFORE TRUNCATE ON audit_purposes
    FOR EACH STATEMENT EXECUTE FUNCTION audit_purposes_append_only();

-- The records from before: the records one call wrote were written by one
-- transaction (one statement, or the transaction of the call; an import's
-- in its own), with the same actor and purpose, so they are grouped by the
-- transaction that inserted them (xmin, which freezing keeps) and their
-- actor and purpose, and each group's purpose is stored once. A group may
-- hold more than one call only when their transaction ids are the same
-- after a wraparound (or all the same after a dump and restore): such calls
-- had the same actor and the same text, and erasure then blanks that text
-- for all of them. The audit_events column keeps a purpose only for a
-- record written by a process of the version before (while it is being
-- replaced): erasure blanks those on the erased person's records, as
-- before.
ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete;
WITH g AS (
    SELECT xmin::text AS x, actor_organisation_id AS o, actor_client_id AS c, purpose AS p, gen_random_uuid() AS id
    FROM audit_events WHERE purpose <> '' GROUP BY 1, 2, 3, 4),
stored AS (INSERT INTO audit_purposes (id, purpose) SELECT id, p FROM g)
UPDATE audit_events e SET purpose_id = g.id, purpose = ''
FROM g WHERE e.purpose <> '' AND e.xmin::text = g.x AND e.actor_organisation_id = g.o AND e.actor_client_id = g.c AND e.purpose = g.p;
ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_delete;

-- Erasure blanks its own purpose column only: purpose_id is kept like every
-- other column.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.purpose = ''
        AND (NEW.id, NEW.time, NEW.actor_organisation_id, NEW.actor_client_id, NEW.owner_organisation_id,
             NEW.beneficiary_id, NEW.action, NEW.fields, NEW.resource, NEW.purpose_id)
        IS NOT DISTINCT FROM (OLD.id, OLD.time, OLD.actor_organisation_id, OLD.actor_client_id, OLD.owner_organisation_id,
             OLD.beneficiary_id, OLD.action, OLD.fields, OLD.resource, OLD.purpose_id) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd

-- Erasure of the persons ids, of the organisations owners, blanks the
-- purpose of every call that wrote a record of one of them, and of the
-- calls named in calls (the imports whose own purpose it blanked): a call
-- with no purpose stored yet (an import still running) gets a blank one,
-- which its later records keep. The owners let the records be found by
-- their index (a record's owner is its person's organisation) instead of
-- reading the whole log. It runs as the audit role that owns both tables:
-- the service's role may only INSERT into and SELECT from them.
DROP FUNCTION audit_events_forget_purposes(uuid[]);
-- +goose StatementBegin
CREATE FUNCTION audit_events_forget_purposes(owners uuid[], ids uuid[], calls uuid[]) RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path FROM CURRENT AS $$
    WITH own AS (
        SELECT id, purpose, purpose_id FROM audit_events
        WHERE owner_organisation_id = ANY (owners) AND beneficiary_id = ANY (ids)
    ),
    legacy AS (
        UPDATE audit_events SET purpose = '' WHERE id IN (SELECT id FROM own WHERE purpose <> '') RETURNING 1
    ),
    blanked AS (
        INSERT INTO audit_purposes AS p (id, purpose)
        SELECT c, '' FROM (SELECT purpose_id FROM own WHERE purpose_id IS NOT NULL UNION SELECT unnest(calls)) x(c)
        ON CONFLICT (id) DO UPDATE SET purpose = '' WHERE p.purpose <> '' RETURNING 1
    )
    SELECT (SELECT count(*) FROM legacy) + (SELECT count(*) FROM blanked);
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION audit_events_forget_purposes(uuid[], uuid[], uuid[]);
-- +goose StatementBegin
CREATE FUNCTION audit_events_forget_purposes(ids uuid[]) RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path FROM CURRENT AS $$
    WITH blanked AS (
        UPDATE audit_events SET purpose = '' WHERE beneficiary_id = ANY (ids) AND purpose <> '' RETURNING 1
    )
    SELECT count(*) FROM blanked;
$$;
-- +goose StatementEnd
ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete;
UPDATE audit_events e SET purpose = p.purpose FROM audit_purposes p WHERE p.id = e.purpose_id AND p.purpose <> '';
ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_delete;
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.purpose = ''
        AND (NEW.id, NEW.time, NEW.actor_organisation_id, NEW.actor_client_id, NEW.owner_organisation_id,
             NEW.beneficiary_id, NEW.action, NEW.fields, NEW.resource)
        IS NOT DISTINCT FROM (OLD.id, OLD.time, OLD.actor_organisation_id, OLD.actor_client_id, OLD.owner_organisation_id,
             OLD.beneficiary_id, OLD.action, OLD.fields, OLD.resource) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd
ALTER TABLE audit_events DROP COLUMN purpose_id;
DROP TABLE audit_purposes;
DROP FUNCTION audit_purposes_append_only();
