-- +goose Up
-- Issue 14: assistance names the directory service that delivered it, the
-- service's location, and the referral it answers. service_category is the
-- service's category when the assistance was recorded, kept for counting.
-- (Numbered after main's 7, 8 and 9: grants tied to consents, consent expiry, import rows.)
ALTER TABLE assistances
    ADD COLUMN service_id       uuid,
    ADD COLUMN location_id      uuid,
    ADD COLUMN service_category text NOT NULL DEFAULT '',
    ADD COLUMN referral_id      uuid,
    ADD CONSTRAINT assistances_location_needs_service CHECK (location_id IS NULL OR service_id IS NOT NULL);

-- +goose Down
ALTER TABLE assistances
    DROP COLUMN service_id,
    DROP COLUMN location_id,
    DROP COLUMN service_category,
    DROP COLUMN referral_id;
