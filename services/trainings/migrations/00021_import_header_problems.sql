-- +goose Up
-- The problems of an import's header row that do not refuse the sheet
-- (pkg/imports Import.HeaderProblems: a sign-in sheet's date header read
-- two ways, 4/5/2024), listed before its rows' problems. They quote
-- header cells only, never a row's personal data.
ALTER TABLE imports ADD COLUMN header_problems jsonb;

-- +goose Down
ALTER TABLE imports DROP COLUMN header_problems;
