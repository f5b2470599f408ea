-- +goose Up
-- GET /v1/referrals filtered by status or overdue (a receiver's inbox of
-- referrals still sent, a sender's drafts, what is past due) finds an
-- organisation's referrals in that status through these, newest first,
-- rather than reading every referral of the organisation (or every open
-- referral of every organisation) to keep the few that match.
CREATE INDEX referrals_from_status_idx ON referrals (from_organisation_id, status, id DESC);
CREATE INDEX referrals_to_status_idx ON referrals (to_organisation_id, status, id DESC) WHERE status <> 'draft';

-- +goose Down
DROP INDEX referrals_to_status_idx;
DROP INDEX referrals_from_status_idx;
