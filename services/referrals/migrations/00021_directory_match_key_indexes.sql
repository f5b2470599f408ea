-- +goose Up
-- The name and municipality filters compare the keys of migration 00019
-- (folded by the service) since; the indexes on the database's lower() of
-- the same columns serve nothing any more.
DROP INDEX organisations_name_idx;
DROP INDEX organisations_municipality_idx;
CREATE INDEX organisations_name_key_idx ON organisations (name_key);
CREATE INDEX organisations_municipality_key_idx ON organisations (municipality_key, id DESC);

-- +goose Down
DROP INDEX organisations_municipality_key_idx;
DROP INDEX organisations_name_key_idx;
CREATE INDEX organisations_municipality_idx ON organisations (lower(municipality), id DESC);
CREATE INDEX organisations_name_idx ON organisations (lower(btrim(name)));
