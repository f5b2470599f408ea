-- +goose Up
-- An ended import keeps no staged personal data: the cells and the keys its
-- duplicates were found by (names, e-mail) are dropped when it ends
-- (pkg/imports/importsjob), here also for the imports that ended before.
UPDATE import_rows r SET cells = NULL, name_key = '', birth_date = NULL, birth_year = NULL, nationality = '', match_key = ''
    FROM imports i WHERE i.id = r.import_id AND i.state <> 'running';

-- +goose Down
SELECT 1;
