-- +goose Up
-- When an indicator of the project (with its recorded values) was last
-- deleted: an IATI export's last-updated-datetime moves with it, as with
-- any other change of the activity's results. NULL: none deleted since.
ALTER TABLE projects ADD COLUMN indicator_delete_time timestamptz;

-- +goose Down
ALTER TABLE projects DROP COLUMN indicator_delete_time;
