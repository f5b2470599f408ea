-- +goose Up
-- An indicator says whether its manual values count persons ("children
-- placed in foster care"); such values are suppressed for funders as the
-- computed counts are (they used to reach funders and IATI files as typed,
-- a 2 as 2). A stored manual count is taken to count persons, the
-- privacy-safe reading, unless one of its values is not a whole number
-- (then it counts something else); its implementing organisation sets
-- counts_persons false for a count of things (workshops). No stored figure
-- changes, so versions (etags) stay.
ALTER TABLE indicators ADD COLUMN counts_persons boolean;
UPDATE indicators i
   SET counts_persons = metric = 'manual' AND measure = 'count'
       AND NOT EXISTS (SELECT 1 FROM indicator_values v
                        WHERE v.indicator_id = i.id AND v.value !~ '^[0-9]+(\.0+)?$');
ALTER TABLE indicators ALTER COLUMN counts_persons SET NOT NULL;

-- During a rolling upgrade, replicas of the previous release create
-- indicators without the column: such a row gets what a new one left
-- unset gets (a manual count counts persons) before NOT NULL is checked.
-- Writers that know the column always set it. Named to fire after
-- indicators_measure_from_unit (triggers fire in name order).
-- +goose StatementBegin
CREATE FUNCTION indicators_persons_default() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.counts_persons := NEW.metric = 'manual' AND NEW.measure = 'count';
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER indicators_persons_default
    BEFORE INSERT ON indicators
    FOR EACH ROW WHEN (NEW.counts_persons IS NULL)
    EXECUTE FUNCTION indicators_persons_default();

-- +goose Down
DROP TRIGGER indicators_persons_default ON indicators;
DROP FUNCTION indicators_persons_default();
ALTER TABLE indicators DROP COLUMN counts_persons;
