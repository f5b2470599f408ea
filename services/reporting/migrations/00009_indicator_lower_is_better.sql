-- +goose Up
-- An indicator says whether a fall of its figure is the improvement (days
-- of waiting); the IATI export declared every indicator ascending. Stored
-- indicators keep what they were published as (a rise is the improvement);
-- the default also serves replicas of the previous release during a
-- rolling upgrade.
ALTER TABLE indicators ADD COLUMN lower_is_better boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE indicators DROP COLUMN lower_is_better;
