-- +goose Up
-- During a rolling upgrade, replicas of the previous release still create
-- indicators without a measure (they do not know the column), and migration
-- 7 made it NOT NULL: their creates failed. Such a row now gets the measure
-- migration 7 gave stored indicators (from its unit for a manual metric,
-- count otherwise) before the constraint is checked. Writers that know the
-- column always set it, so the trigger does nothing for them.
-- +goose StatementBegin
CREATE FUNCTION indicators_measure_from_unit() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.measure IS NULL THEN
        NEW.measure := CASE
                         WHEN NEW.metric = 'manual' AND lower(btrim(NEW.unit)) IN ('%', 'percent', 'percentage') THEN 'percentage'
                         ELSE 'count'
                       END;
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER indicators_measure_from_unit
    BEFORE INSERT ON indicators
    FOR EACH ROW WHEN (NEW.measure IS NULL)
    EXECUTE FUNCTION indicators_measure_from_unit();

-- +goose Down
DROP TRIGGER indicators_measure_from_unit ON indicators;
DROP FUNCTION indicators_measure_from_unit();
