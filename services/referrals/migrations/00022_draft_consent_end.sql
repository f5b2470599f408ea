-- +goose Up
-- A draft naming a consent (the caller's consent_id, replaced by the live
-- consent when it is sent) was recorded as ended when that consent was
-- withdrawn or expired, and could never be sent, although it had shared
-- nothing under it. Such drafts can be sent again; an erasure's end
-- (BENEFICIARY_ERASED) stays.
UPDATE referrals SET consent_end_reason = '', version = version + 1, update_time = now()
	WHERE status = 'draft' AND consent_end_reason IN ('CONSENT_WITHDRAWN', 'CONSENT_EXPIRED');

-- +goose Down
SELECT 1;
