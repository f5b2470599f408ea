-- +goose Up
-- Reads of a person's data made through another service's resource (a
-- referral's reason and notes, read in the referrals service) are recorded
-- here too, naming that resource.
ALTER TABLE audit_events ADD COLUMN resource text NOT NULL DEFAULT '';
-- Erasure may still only blank a purpose: the resource is kept like every
-- other column.
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

-- The consent a grant was made under: withdrawing it (or its expiry) ends
-- the grant, and a grant is only live while its consent is.
ALTER TABLE access_grants ADD COLUMN consent_id uuid REFERENCES consents (id);
UPDATE access_grants g SET consent_id = (
    SELECT c.id FROM consents c
    WHERE c.beneficiary_id = g.beneficiary_id AND c.purpose = 'referral_sharing' AND c.given_time <= g.create_time
        AND (c.withdraw_time IS NULL OR c.withdraw_time > g.create_time)
    ORDER BY c.expire_time DESC NULLS FIRST, c.id DESC LIMIT 1);
-- A grant that cannot be tied to a consent could not be ended by a
-- withdrawal: end it now.
UPDATE access_grants SET revoke_time = now() WHERE consent_id IS NULL AND revoke_time IS NULL;
CREATE INDEX access_grants_consent_idx ON access_grants (consent_id) WHERE revoke_time IS NULL;

-- +goose Down
DROP INDEX access_grants_consent_idx;
ALTER TABLE access_grants DROP COLUMN consent_id;
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
ALTER TABLE audit_events DROP COLUMN resource;
