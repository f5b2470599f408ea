-- +goose Up
CREATE TABLE projects (
    id                           uuid PRIMARY KEY,
    implementing_organisation_id uuid NOT NULL,
    code                         text NOT NULL,
    title                        text NOT NULL,
    description                  text NOT NULL DEFAULT '',
    planned_start_date           date NOT NULL,
    planned_end_date             date NOT NULL,
    -- Exact decimal; never a float.
    budget_amount                numeric(18, 2),
    -- Lower-case ISO 4217 code, as the API's Currency enum names it.
    budget_currency              text,
    funder                       text NOT NULL DEFAULT '',
    request_id                   text,
    create_time                  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT projects_code_key UNIQUE (implementing_organisation_id, code),
    CONSTRAINT projects_request_id_key UNIQUE (implementing_organisation_id, request_id),
    CONSTRAINT projects_planned_dates_check CHECK (planned_end_date >= planned_start_date),
    CONSTRAINT projects_budget_amount_check CHECK (budget_amount >= 0),
    CONSTRAINT projects_budget_currency_check CHECK (
        (budget_amount IS NULL AND budget_currency IS NULL)
        OR (budget_amount IS NOT NULL AND budget_currency IN ('eur', 'hrk', 'rsd', 'bam', 'chf')))
);
CREATE INDEX projects_org_id_idx ON projects (implementing_organisation_id, id DESC);

-- +goose Down
DROP TABLE projects;
