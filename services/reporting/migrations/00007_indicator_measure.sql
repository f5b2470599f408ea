-- +goose Up
-- An indicator says what its figures are: a count adds up over periods, a
-- percentage or an average does not (issue 15, audit finding: quarterly
-- 75 % and 85 % were reported as 160 %). The IATI measure used to be read
-- from the free-text unit at export; it is now this column. Stored
-- indicators get what the export gave them, except that a computed metric
-- always counts (one whose unit was "%" was published as a percentage).
-- No stored figure changes, so versions (etags) stay.
ALTER TABLE indicators ADD COLUMN measure text;
UPDATE indicators
   SET measure = CASE
                   WHEN metric = 'manual' AND lower(btrim(unit)) IN ('%', 'percent', 'percentage') THEN 'percentage'
                   ELSE 'count'
                 END;
ALTER TABLE indicators
    ALTER COLUMN measure SET NOT NULL,
    ADD CONSTRAINT indicators_measure_check
        CHECK (measure IN ('count', 'percentage', 'average') AND (metric = 'manual' OR measure = 'count'));

-- +goose Down
ALTER TABLE indicators DROP COLUMN measure;
