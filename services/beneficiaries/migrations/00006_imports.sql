-- +goose Up
-- Spreadsheet imports (pkg/imports/importsjob): one row per import, and its
-- staged rows. cells hold the uploaded personal data only until the import
-- ends; problems (with the bad cell's text), duplicates and outcomes stay
-- until the import is purged.
CREATE TABLE imports (
    id              uuid PRIMARY KEY,
    kind            text NOT NULL,
    parent          text NOT NULL DEFAULT '',
    organisation_id uuid NOT NULL,
    client_id       text NOT NULL DEFAULT '',
    purpose         text NOT NULL DEFAULT '',
    validate_only   boolean NOT NULL,
    on_error        text NOT NULL,
    on_duplicate    text NOT NULL,
    request_id      text,
    format          text NOT NULL,
    encoding        text NOT NULL DEFAULT '',
    file_sha256     text NOT NULL,
    columns         jsonb NOT NULL DEFAULT '[]',
    state           text NOT NULL,
    phase           text NOT NULL DEFAULT 'check',
    counts          jsonb NOT NULL DEFAULT '{}',
    progress        int NOT NULL DEFAULT 0,
    error_code      int NOT NULL DEFAULT 0,
    error_reason    text NOT NULL DEFAULT '',
    error_message   text NOT NULL DEFAULT '',
    attempts        int NOT NULL DEFAULT 0,
    lease_owner     text NOT NULL DEFAULT '',
    lease_until     timestamptz NOT NULL DEFAULT '-infinity',
    create_time     timestamptz NOT NULL DEFAULT now(),
    update_time     timestamptz NOT NULL DEFAULT now(),
    complete_time   timestamptz,
    CONSTRAINT imports_state_check CHECK (state IN ('running', 'succeeded', 'failed')),
    CONSTRAINT imports_request_id_key UNIQUE (organisation_id, request_id)
);
CREATE INDEX imports_organisation_idx ON imports (organisation_id, id DESC);
CREATE INDEX imports_file_idx ON imports (organisation_id, file_sha256, create_time);
CREATE INDEX imports_running_idx ON imports (lease_until) WHERE state = 'running';

CREATE TABLE import_rows (
    import_id   uuid NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
    row_no      int NOT NULL,
    cells       text[],
    problems    jsonb,
    valid       boolean NOT NULL,
    name_key    text NOT NULL DEFAULT '',
    birth_date  date,
    birth_year  int,
    nationality text NOT NULL DEFAULT '',
    match_key   text NOT NULL DEFAULT '',
    matches     jsonb,
    same_as     int[],
    outcome     text NOT NULL DEFAULT '',
    resource_id uuid,
    PRIMARY KEY (import_id, row_no)
);
-- The rows of a file nearest to a row by name (within-file duplicates).
CREATE INDEX import_rows_name_key_trgm_idx ON import_rows USING gist (name_key gist_trgm_ops);

-- +goose Down
DROP TABLE import_rows;
DROP TABLE imports;
