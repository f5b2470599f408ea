-- +goose Up
-- The trigram index of staged rows (an import's duplicates found in the
-- database) leaves out rows without a name key: an import's rows lose
-- theirs when it ends, as its cells are dropped, so that last rewrite of
-- every row adds nothing to this index.
DROP INDEX import_rows_name_key_trgm_idx;
CREATE INDEX import_rows_name_key_trgm_idx ON import_rows USING gist (name_key gist_trgm_ops) WHERE name_key <> '';

-- +goose Down
DROP INDEX import_rows_name_key_trgm_idx;
CREATE INDEX import_rows_name_key_trgm_idx ON import_rows USING gist (name_key gist_trgm_ops);
