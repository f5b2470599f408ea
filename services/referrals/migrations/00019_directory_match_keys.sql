-- +goose Up
-- The organisation's name and municipality as the directory's filters
-- match them, ignoring case: lower-cased by the service (Go), since the
-- database's lower() follows its LC_CTYPE and under C (CloudNativePG's
-- default) leaves capitals outside ASCII as they are ("Čačak" never met
-- "čačak"). Written by the service with each change; rows from before this
-- migration get theirs when the service starts (NULL until then), as the
-- search keys do.
ALTER TABLE organisations ADD COLUMN name_key text, ADD COLUMN municipality_key text;

-- +goose Down
ALTER TABLE organisations DROP COLUMN municipality_key, DROP COLUMN name_key;
