-- +goose Up
-- Folded names and descriptions in every language (pkg/translit), matched
-- by the HSDS API's search. Written by the service with each change; rows
-- from before this migration get theirs when the service starts (NULL
-- until then).
ALTER TABLE organisations ADD COLUMN search_key text;
ALTER TABLE services ADD COLUMN search_key text;
CREATE INDEX services_update_time_idx ON services (update_time);

-- +goose Down
DROP INDEX services_update_time_idx;
ALTER TABLE services DROP COLUMN search_key;
ALTER TABLE organisations DROP COLUMN search_key;
