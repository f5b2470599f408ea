-- +goose Up
CREATE TABLE training_events (
    id                        uuid PRIMARY KEY,
    organiser_organisation_id uuid NOT NULL,
    project_id                uuid,
    type                      text NOT NULL,
    title                     text NOT NULL,
    start_date                date NOT NULL,
    end_date                  date,
    municipality              text NOT NULL DEFAULT '',
    country                   text NOT NULL DEFAULT '',
    audience                  text NOT NULL DEFAULT '',
    request_id                text,
    create_time               timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT training_events_dates_check CHECK (end_date IS NULL OR end_date >= start_date),
    CONSTRAINT training_events_request_id_key UNIQUE (organiser_organisation_id, request_id)
);
CREATE INDEX training_events_organiser_id_idx ON training_events (organiser_organisation_id, id DESC);
CREATE INDEX training_events_project_idx ON training_events (project_id, start_date);

-- A professional as a person, deduplicated across the events of one
-- organiser. The *_key columns hold the normalised name and organisation the
-- domain matches on when no e-mail is given; email is stored lower-cased.
-- The unique indexes make find-or-create race-safe (INSERT … ON CONFLICT).
CREATE TABLE professionals (
    id                        uuid PRIMARY KEY,
    organiser_organisation_id uuid NOT NULL,
    given_name                text NOT NULL,
    family_name               text NOT NULL,
    email                     text,
    organisation_id           uuid,
    organisation_name         text NOT NULL DEFAULT '',
    sector                    text NOT NULL,
    sex                       text NOT NULL DEFAULT 'unknown',
    given_key                 text NOT NULL,
    family_key                text NOT NULL,
    organisation_key          text NOT NULL,
    create_time               timestamptz NOT NULL DEFAULT now(),
    update_time               timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT professionals_email_check CHECK (email = lower(email))
);
CREATE UNIQUE INDEX professionals_email_key ON professionals (organiser_organisation_id, email)
    WHERE email IS NOT NULL;
CREATE UNIQUE INDEX professionals_name_key ON professionals (organiser_organisation_id, family_key, given_key, organisation_key)
    WHERE email IS NULL;
CREATE INDEX professionals_name_idx ON professionals (organiser_organisation_id, family_key, given_key, organisation_key);

CREATE TABLE participants (
    id              uuid PRIMARY KEY,
    event_id        uuid NOT NULL REFERENCES training_events (id),
    professional_id uuid REFERENCES professionals (id),
    beneficiary_id  uuid,
    request_id      text,
    create_time     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT participants_person_check CHECK ((professional_id IS NULL) <> (beneficiary_id IS NULL)),
    CONSTRAINT participants_professional_key UNIQUE (event_id, professional_id),
    CONSTRAINT participants_beneficiary_key UNIQUE (event_id, beneficiary_id),
    CONSTRAINT participants_request_id_key UNIQUE (event_id, request_id)
);
CREATE INDEX participants_event_id_idx ON participants (event_id, id DESC);
CREATE INDEX participants_professional_idx ON participants (professional_id);

-- +goose Down
DROP TABLE participants;
DROP TABLE professionals;
DROP TABLE training_events;
