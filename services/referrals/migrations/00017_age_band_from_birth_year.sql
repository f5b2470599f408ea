-- +goose Up
-- A referral's age band is now the band of the age its person reaches,
-- from the birth year, in the year of the day it was sent, as every other
-- count by age (before: the exact age on that day, from the birth date,
-- one band lower for a person whose birthday came later in the year).
-- The bands stored before are marked stale; the referrals service takes
-- each again from the beneficiaries service (app.RestampAgeBands). 60+
-- cannot change (the age in the year is never lower than the exact age).
ALTER TABLE referrals ADD COLUMN ben_age_band_stale boolean NOT NULL DEFAULT false;
UPDATE referrals SET ben_age_band_stale = true WHERE send_time IS NOT NULL AND ben_age_band <> '60+';
CREATE INDEX referrals_age_band_stale_idx ON referrals (id) WHERE ben_age_band_stale;

-- +goose Down
DROP INDEX referrals_age_band_stale_idx;
ALTER TABLE referrals DROP COLUMN ben_age_band_stale;
