-- +goose Up
-- A referral the system ended (its consent ended, the person was erased:
-- cancelled with CONSENT_WITHDRAWN, CONSENT_EXPIRED or BENEFICIARY_ERASED by
-- the client spona-referrals) records no organisation as the actor of that
-- transition: no organisation did it. Before, the sender was named, as if it
-- had cancelled the referral; those events stored before say so too now.
ALTER TABLE referral_events ALTER COLUMN organisation_id DROP NOT NULL;
UPDATE referral_events SET organisation_id = NULL
    WHERE client_id = 'spona-referrals' AND to_status = 'cancelled'
        AND from_status IN ('sent', 'accepted', 'in_progress')
        AND note IN ('CONSENT_WITHDRAWN', 'CONSENT_EXPIRED', 'BENEFICIARY_ERASED');

-- +goose Down
UPDATE referral_events e SET organisation_id = r.from_organisation_id
    FROM referrals r WHERE r.id = e.referral_id AND e.organisation_id IS NULL;
ALTER TABLE referral_events ALTER COLUMN organisation_id SET NOT NULL;
