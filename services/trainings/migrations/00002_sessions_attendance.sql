-- +goose Up
-- Event details, completion threshold and optimistic concurrency.
ALTER TABLE training_events
    ADD COLUMN location                     text   NOT NULL DEFAULT '',
    ADD COLUMN topics                       text[] NOT NULL DEFAULT '{}',
    ADD COLUMN language                     text   NOT NULL DEFAULT '',
    ADD COLUMN completion_threshold_percent int    NOT NULL DEFAULT 80,
    ADD COLUMN version                      bigint NOT NULL DEFAULT 1,
    ADD COLUMN update_time                  timestamptz NOT NULL DEFAULT now(),
    ADD CONSTRAINT training_events_threshold_check CHECK (completion_threshold_percent BETWEEN 1 AND 100);
CREATE INDEX training_events_organiser_start_idx ON training_events (organiser_organisation_id, start_date);

-- person_key identifies a professional across organisers for counting
-- (professional rows themselves stay private to their organiser): the e-mail
-- when known, else the normalised names and organisation.
ALTER TABLE professionals
    ADD COLUMN position   text NOT NULL DEFAULT '',
    ADD COLUMN person_key text GENERATED ALWAYS AS (
        CASE WHEN email IS NOT NULL THEN 'e:' || email
             ELSE 'n:' || family_key || '|' || given_key || '|' || organisation_key END) STORED;

-- The registration keeps the professional's organisation and sector as they
-- were at the event (a person may change jobs later), the organisation kind
-- read from the directory, test scores and the certificate.
ALTER TABLE participants
    ADD COLUMN organisation_id        uuid,
    ADD COLUMN organisation_name      text NOT NULL DEFAULT '',
    ADD COLUMN organisation_kind      text NOT NULL DEFAULT '',
    ADD COLUMN sector                 text NOT NULL DEFAULT '',
    ADD COLUMN pre_test_score         int,
    ADD COLUMN post_test_score        int,
    ADD COLUMN certificate_number     text,
    ADD COLUMN certificate_issue_time timestamptz,
    ADD CONSTRAINT participants_pre_test_score_check CHECK (pre_test_score BETWEEN 0 AND 100),
    ADD CONSTRAINT participants_post_test_score_check CHECK (post_test_score BETWEEN 0 AND 100),
    ADD CONSTRAINT participants_certificate_number_key UNIQUE (certificate_number);
UPDATE participants pa SET organisation_id = pr.organisation_id, organisation_name = pr.organisation_name, sector = pr.sector
    FROM professionals pr WHERE pr.id = pa.professional_id;

CREATE SEQUENCE certificate_number_seq;

CREATE TABLE sessions (
    id          uuid PRIMARY KEY,
    event_id    uuid NOT NULL REFERENCES training_events (id),
    date        date NOT NULL,
    start_time  time,
    end_time    time,
    topic       text NOT NULL DEFAULT '',
    trainer     text NOT NULL DEFAULT '',
    request_id  text,
    create_time timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT sessions_times_check CHECK (end_time IS NULL OR start_time IS NULL OR end_time > start_time),
    CONSTRAINT sessions_request_id_key UNIQUE (event_id, request_id)
);
CREATE INDEX sessions_event_idx ON sessions (event_id, date, start_time, id);

-- One row per participant and session once marked; a new mark replaces it.
CREATE TABLE attendance (
    session_id     uuid NOT NULL REFERENCES sessions (id),
    participant_id uuid NOT NULL REFERENCES participants (id),
    present        boolean NOT NULL,
    update_time    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (session_id, participant_id)
);
CREATE INDEX attendance_participant_idx ON attendance (participant_id) WHERE present;

-- +goose Down
DROP TABLE attendance;
DROP TABLE sessions;
DROP SEQUENCE certificate_number_seq;
ALTER TABLE participants
    DROP COLUMN organisation_id, DROP COLUMN organisation_name, DROP COLUMN organisation_kind, DROP COLUMN sector,
    DROP COLUMN pre_test_score, DROP COLUMN post_test_score, DROP COLUMN certificate_number, DROP COLUMN certificate_issue_time;
ALTER TABLE professionals DROP COLUMN person_key, DROP COLUMN position;
DROP INDEX training_events_organiser_start_idx;
ALTER TABLE training_events
    DROP COLUMN location, DROP COLUMN topics, DROP COLUMN language, DROP COLUMN completion_threshold_percent,
    DROP COLUMN version, DROP COLUMN update_time;
