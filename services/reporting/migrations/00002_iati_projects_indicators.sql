-- +goose Up
-- Projects shaped after IATI 2.03 activities: narratives per language,
-- participating organisations with roles (who may read the project), budgets
-- per period, actual dates, status, countries, municipalities, DAC sectors,
-- the suppression threshold, and a version for etags.
ALTER TABLE projects
    ADD COLUMN titles                jsonb,
    ADD COLUMN descriptions          jsonb NOT NULL DEFAULT '[]',
    ADD COLUMN general_objectives    jsonb NOT NULL DEFAULT '[]',
    ADD COLUMN specific_objectives   jsonb NOT NULL DEFAULT '[]',
    ADD COLUMN reporting_org_ref     text NOT NULL DEFAULT '',
    ADD COLUMN reporting_org_names   jsonb NOT NULL DEFAULT '[]',
    ADD COLUMN reporting_org_type    text NOT NULL DEFAULT '',
    ADD COLUMN participants          jsonb NOT NULL DEFAULT '[]',
    -- Participating organisations' Spona ids: they may read the project.
    ADD COLUMN reader_ids            uuid[] NOT NULL DEFAULT '{}',
    ADD COLUMN actual_start_date     date,
    ADD COLUMN actual_end_date       date,
    ADD COLUMN activity_status       smallint NOT NULL DEFAULT 0
        CONSTRAINT projects_activity_status_check CHECK (activity_status BETWEEN 0 AND 6),
    ADD COLUMN recipient_countries   text[] NOT NULL DEFAULT '{}',
    ADD COLUMN municipalities        text[] NOT NULL DEFAULT '{}',
    ADD COLUMN sectors               text[] NOT NULL DEFAULT '{}',
    ADD COLUMN suppression_threshold integer NOT NULL DEFAULT 0
        CONSTRAINT projects_suppression_threshold_check CHECK (suppression_threshold BETWEEN 0 AND 100),
    ADD COLUMN version               bigint NOT NULL DEFAULT 1,
    ADD COLUMN update_time           timestamptz NOT NULL DEFAULT now();

UPDATE projects SET
    titles = jsonb_build_array(jsonb_build_object('text', title)),
    descriptions = CASE WHEN description <> '' THEN jsonb_build_array(jsonb_build_object('text', description)) ELSE '[]' END,
    participants = CASE WHEN funder <> ''
        THEN jsonb_build_array(jsonb_build_object('role', 1, 'names', jsonb_build_array(jsonb_build_object('text', funder))))
        ELSE '[]' END;

CREATE TABLE project_budgets (
    project_id   uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    position     integer NOT NULL,
    period_start date NOT NULL,
    period_end   date NOT NULL,
    -- Exact decimal; never a float.
    amount       numeric(18, 2) NOT NULL,
    -- ISO 4217 alphabetic code.
    currency     text NOT NULL,
    value_date   date NOT NULL,
    PRIMARY KEY (project_id, position),
    CONSTRAINT project_budgets_period_check CHECK (period_end >= period_start),
    CONSTRAINT project_budgets_amount_check CHECK (amount >= 0),
    CONSTRAINT project_budgets_currency_check CHECK (currency ~ '^[A-Z]{3}$')
);

INSERT INTO project_budgets (project_id, position, period_start, period_end, amount, currency, value_date)
SELECT id, 0, planned_start_date, planned_end_date, budget_amount, upper(budget_currency), planned_start_date
FROM projects WHERE budget_amount IS NOT NULL;

ALTER TABLE projects
    ALTER COLUMN titles SET NOT NULL,
    DROP COLUMN title,
    DROP COLUMN description,
    DROP COLUMN funder,
    DROP COLUMN budget_amount,
    DROP COLUMN budget_currency,
    ADD CONSTRAINT projects_actual_dates_check CHECK (actual_end_date >= actual_start_date);

CREATE INDEX projects_reader_ids_idx ON projects USING gin (reader_ids);

-- Logframe indicators. Values are decimal strings as given (exact).
CREATE TABLE indicators (
    id              uuid PRIMARY KEY,
    project_id      uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    code            text NOT NULL,
    titles          jsonb NOT NULL,
    unit            text NOT NULL DEFAULT '',
    level           text NOT NULL CONSTRAINT indicators_level_check CHECK (level IN ('impact', 'outcome', 'output')),
    baseline_value  text NOT NULL DEFAULT '',
    baseline_date   date,
    targets         jsonb NOT NULL DEFAULT '[]',
    metric          text NOT NULL,
    disaggregations text[] NOT NULL DEFAULT '{}',
    request_id      text,
    version         bigint NOT NULL DEFAULT 1,
    create_time     timestamptz NOT NULL DEFAULT now(),
    update_time     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT indicators_code_key UNIQUE (project_id, code),
    CONSTRAINT indicators_request_id_key UNIQUE (project_id, request_id)
);

-- Recorded values of manual indicators, one per period.
CREATE TABLE indicator_values (
    indicator_id uuid NOT NULL REFERENCES indicators (id) ON DELETE CASCADE,
    period_start date NOT NULL,
    period_end   date NOT NULL,
    value        text NOT NULL CONSTRAINT indicator_values_value_check CHECK (value ~ '^[0-9]+(\.[0-9]+)?$'),
    comment      text NOT NULL DEFAULT '',
    PRIMARY KEY (indicator_id, period_start, period_end),
    CONSTRAINT indicator_values_period_check CHECK (period_end >= period_start)
);

-- +goose Down
DROP TABLE indicator_values;
DROP TABLE indicators;
ALTER TABLE projects
    ADD COLUMN title text NOT NULL DEFAULT '',
    ADD COLUMN description text NOT NULL DEFAULT '',
    ADD COLUMN funder text NOT NULL DEFAULT '',
    ADD COLUMN budget_amount numeric(18, 2),
    ADD COLUMN budget_currency text;
UPDATE projects SET title = COALESCE(titles -> 0 ->> 'text', '');
DROP TABLE project_budgets;
ALTER TABLE projects
    DROP CONSTRAINT projects_actual_dates_check,
    DROP COLUMN titles, DROP COLUMN descriptions, DROP COLUMN general_objectives, DROP COLUMN specific_objectives,
    DROP COLUMN reporting_org_ref, DROP COLUMN reporting_org_names, DROP COLUMN reporting_org_type,
    DROP COLUMN participants, DROP COLUMN reader_ids, DROP COLUMN actual_start_date, DROP COLUMN actual_end_date,
    DROP COLUMN activity_status, DROP COLUMN recipient_countries, DROP COLUMN municipalities, DROP COLUMN sectors,
    DROP COLUMN suppression_threshold, DROP COLUMN version, DROP COLUMN update_time;
