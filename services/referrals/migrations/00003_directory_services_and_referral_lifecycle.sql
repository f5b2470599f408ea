-- +goose Up
ALTER TABLE organisations
    ADD COLUMN description            text NOT NULL DEFAULT '',
    ADD COLUMN localized_descriptions jsonb NOT NULL DEFAULT '{}',
    ADD COLUMN languages              text[] NOT NULL DEFAULT '{}',
    ADD COLUMN phone                  text NOT NULL DEFAULT '',
    ADD COLUMN version                bigint NOT NULL DEFAULT 1,
    ADD COLUMN update_time            timestamptz NOT NULL DEFAULT now();
CREATE INDEX organisations_municipality_idx ON organisations (lower(municipality), id DESC);
CREATE INDEX organisations_languages_idx ON organisations USING gin (languages);

-- Services offered by organisations (Open Referral HSDS 3.0 service, with its
-- locations, contacts, schedules and eligibility kept as JSON documents).
CREATE TABLE services (
    id                     uuid PRIMARY KEY,
    organisation_id        uuid NOT NULL REFERENCES organisations (id),
    name                   text NOT NULL,
    localized_names        jsonb NOT NULL DEFAULT '{}',
    description            text NOT NULL DEFAULT '',
    localized_descriptions jsonb NOT NULL DEFAULT '{}',
    category               text NOT NULL,
    languages              text[] NOT NULL DEFAULT '{}',
    eligibility            jsonb NOT NULL DEFAULT '{}',
    accepting_referrals    boolean NOT NULL DEFAULT false,
    locations              jsonb NOT NULL DEFAULT '[]',
    -- lower-cased municipalities of the locations, for filtering
    municipalities         text[] NOT NULL DEFAULT '{}',
    contacts               jsonb NOT NULL DEFAULT '[]',
    schedules              jsonb NOT NULL DEFAULT '[]',
    email                  text NOT NULL DEFAULT '',
    url                    text NOT NULL DEFAULT '',
    phone                  text NOT NULL DEFAULT '',
    created_by             uuid NOT NULL,
    request_id             text,
    version                bigint NOT NULL DEFAULT 1,
    create_time            timestamptz NOT NULL DEFAULT now(),
    update_time            timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT services_request_id_key UNIQUE (created_by, request_id)
);
CREATE INDEX services_organisation_idx ON services (organisation_id, id DESC);
CREATE INDEX services_category_idx ON services (category, id DESC);
CREATE INDEX services_languages_idx ON services USING gin (languages);
CREATE INDEX services_municipalities_idx ON services USING gin (municipalities);

ALTER TABLE referrals
    ADD COLUMN notes           text NOT NULL DEFAULT '',
    ADD COLUMN send_time       timestamptz,
    ADD COLUMN close_time      timestamptz,
    ADD COLUMN close_reason    text NOT NULL DEFAULT '',
    ADD COLUMN outcome_code    text NOT NULL DEFAULT '',
    ADD COLUMN outcome_note    text NOT NULL DEFAULT '',
    -- access grant of the receiver: none, granted, revoke_pending, revoked
    ADD COLUMN access          text NOT NULL DEFAULT 'none',
    -- beneficiary dimensions at send time, for aggregates (no identifying data)
    ADD COLUMN ben_sex          text NOT NULL DEFAULT '',
    ADD COLUMN ben_age_band     text NOT NULL DEFAULT '',
    ADD COLUMN ben_legal_status text NOT NULL DEFAULT '',
    ADD COLUMN ben_municipality text NOT NULL DEFAULT '';
UPDATE referrals SET send_time = create_time WHERE status <> 'draft';
ALTER TABLE referrals ADD CONSTRAINT referrals_status_check
    CHECK (status IN ('draft', 'sent', 'accepted', 'declined', 'in_progress', 'completed', 'cancelled'));
CREATE INDEX referrals_open_due_idx ON referrals (due_time) WHERE status IN ('sent', 'accepted', 'in_progress');
CREATE INDEX referrals_revoke_pending_idx ON referrals (id) WHERE access = 'revoke_pending';
DROP INDEX referrals_project_idx;
CREATE INDEX referrals_project_idx ON referrals (project_id, send_time) WHERE project_id IS NOT NULL;

-- +goose Down
DROP INDEX referrals_project_idx;
CREATE INDEX referrals_project_idx ON referrals (project_id, create_time) WHERE project_id IS NOT NULL;
DROP INDEX referrals_revoke_pending_idx;
DROP INDEX referrals_open_due_idx;
ALTER TABLE referrals DROP CONSTRAINT referrals_status_check;
ALTER TABLE referrals
    DROP COLUMN notes, DROP COLUMN send_time, DROP COLUMN close_time, DROP COLUMN close_reason,
    DROP COLUMN outcome_code, DROP COLUMN outcome_note, DROP COLUMN access,
    DROP COLUMN ben_sex, DROP COLUMN ben_age_band, DROP COLUMN ben_legal_status, DROP COLUMN ben_municipality;
DROP TABLE services;
DROP INDEX organisations_languages_idx;
DROP INDEX organisations_municipality_idx;
ALTER TABLE organisations
    DROP COLUMN description, DROP COLUMN localized_descriptions, DROP COLUMN languages,
    DROP COLUMN phone, DROP COLUMN version, DROP COLUMN update_time;
