-- +goose Up
-- Why the consent a referral was sent under ended (CONSENT_WITHDRAWN,
-- CONSENT_EXPIRED), whatever the referral's status then: an open referral
-- is cancelled for it, and from then on the receiver of any referral sent
-- under that consent, closed ones included, no longer sees the texts shared
-- under it (reason, notes, outcome note, event notes). '' while it holds.
ALTER TABLE referrals ADD COLUMN consent_end_reason text NOT NULL DEFAULT '';
UPDATE referrals SET consent_end_reason = close_reason
WHERE status = 'cancelled' AND close_reason IN ('CONSENT_WITHDRAWN', 'CONSENT_EXPIRED');

-- Every referral sent under a consent, open or closed.
DROP INDEX referrals_open_consent_idx;
CREATE INDEX referrals_consent_idx ON referrals (consent_id) WHERE consent_id IS NOT NULL;

-- +goose Down
DROP INDEX referrals_consent_idx;
CREATE INDEX referrals_open_consent_idx ON referrals (consent_id) WHERE status IN ('sent', 'accepted', 'in_progress');
ALTER TABLE referrals DROP COLUMN consent_end_reason;
