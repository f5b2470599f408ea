-- +goose Up
-- Erasure finds the bad rows of an import scored as in-file duplicates of
-- a row that was the erased person (their problems quote cells). Only bad
-- rows keep anything to clear, and few rows are both bad and duplicates,
-- so the index is small and an erasure reads those rows, not the whole
-- import.
CREATE INDEX import_rows_invalid_duplicates_idx ON import_rows (import_id) WHERE NOT valid AND same_as IS NOT NULL;

-- +goose Down
DROP INDEX import_rows_invalid_duplicates_idx;
