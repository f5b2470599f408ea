-- +goose Up
-- During a rolling upgrade, replicas of a release before migration 00013
-- still accept and complete referrals, and their UPDATE does not know
-- accept_time and complete_time: such a referral stayed without them, and
-- was never counted among the referrals accepted (completed) in any
-- period. It now gets the time of that UPDATE, as the history of a
-- referral migrated by 00013 gives it. Writers that know the columns set
-- them at the transition itself and keep them, so the trigger does nothing
-- for them.
-- +goose StatementBegin
CREATE FUNCTION referrals_stage_times_from_old_writers() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.accept_time IS NULL AND NEW.status IN ('accepted', 'in_progress', 'completed') THEN
        NEW.accept_time := now();
    END IF;
    IF NEW.complete_time IS NULL AND NEW.status = 'completed' THEN
        NEW.complete_time := COALESCE(NEW.close_time, now());
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER referrals_stage_times_from_old_writers
    BEFORE UPDATE ON referrals
    FOR EACH ROW WHEN ((NEW.accept_time IS NULL AND NEW.status IN ('accepted', 'in_progress', 'completed'))
        OR (NEW.complete_time IS NULL AND NEW.status = 'completed'))
    EXECUTE FUNCTION referrals_stage_times_from_old_writers();

-- +goose Down
DROP TRIGGER referrals_stage_times_from_old_writers ON referrals;
DROP FUNCTION referrals_stage_times_from_old_writers();
