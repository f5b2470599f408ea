-- +goose Up
-- When the referral_sharing consent a referral was sent under expires
-- (NULL: it has no expiry, or the referral was sent before this column):
-- the receiver stops reading the texts shared under it at that time
-- itself, before the expiry sweep's consent.expired reaches this service.
ALTER TABLE referrals ADD COLUMN consent_expire_time timestamptz;

-- +goose Down
ALTER TABLE referrals DROP COLUMN consent_expire_time;
