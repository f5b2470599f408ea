-- +goose Up
-- An ended import keeps no staged personal data: the cells and the keys its
-- duplicates were found by are dropped when it ends (pkg/imports/importsjob),
-- here also for the imports that ended before. Erasure clears the rows that
-- were the erased person (found by the record they created or linked, or by
-- their scored duplicates).
UPDATE import_rows r SET cells = NULL, name_key = '', birth_date = NULL, birth_year = NULL, nationality = '', match_key = ''
    FROM imports i WHERE i.id = r.import_id AND i.state <> 'running';
CREATE INDEX import_rows_resource_idx ON import_rows (resource_id) WHERE resource_id IS NOT NULL;
CREATE INDEX import_rows_matches_idx ON import_rows USING gin (matches jsonb_path_ops) WHERE matches IS NOT NULL;

-- +goose Down
DROP INDEX import_rows_matches_idx;
DROP INDEX import_rows_resource_idx;
