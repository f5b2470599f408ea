-- +goose Up
-- GET /v1/referrals?overdue=true finds an organisation's referrals under
-- way (sent, accepted, in progress) through these, newest first, and keeps
-- those past due: it reads its open referrals until a page of overdue ones,
-- not every referral of a status none of which is past due (00028's index
-- by status would, one status at a time).
CREATE INDEX referrals_from_open_idx ON referrals (from_organisation_id, id DESC) WHERE status IN ('sent', 'accepted', 'in_progress');
CREATE INDEX referrals_to_open_idx ON referrals (to_organisation_id, id DESC) WHERE status IN ('sent', 'accepted', 'in_progress');

-- +goose Down
DROP INDEX referrals_to_open_idx;
DROP INDEX referrals_from_open_idx;
