-- +goose Up
-- GET /v1/referrals lists referrals newest first by when they were sent (a
-- draft by when it was created): COALESCE(send_time, create_time), then
-- id. Before, by id (the draft's creation), so a referral drafted a week
-- ago and sent today came below newer ones in the receiver's inbox. The
-- list's indexes (00001, 00028, 00029) are rebuilt in that order, so a
-- page is still an ordered index scan that stops after the page.
DROP INDEX referrals_from_idx;
DROP INDEX referrals_to_idx;
DROP INDEX referrals_from_status_idx;
DROP INDEX referrals_to_status_idx;
DROP INDEX referrals_from_open_idx;
DROP INDEX referrals_to_open_idx;
CREATE INDEX referrals_from_idx ON referrals (from_organisation_id, COALESCE(send_time, create_time) DESC, id DESC);
CREATE INDEX referrals_to_idx ON referrals (to_organisation_id, COALESCE(send_time, create_time) DESC, id DESC) WHERE status <> 'draft';
CREATE INDEX referrals_from_status_idx ON referrals (from_organisation_id, status, COALESCE(send_time, create_time) DESC, id DESC);
CREATE INDEX referrals_to_status_idx ON referrals (to_organisation_id, status, COALESCE(send_time, create_time) DESC, id DESC) WHERE status <> 'draft';
CREATE INDEX referrals_from_open_idx ON referrals (from_organisation_id, COALESCE(send_time, create_time) DESC, id DESC)
    WHERE status IN ('sent', 'accepted', 'in_progress');
CREATE INDEX referrals_to_open_idx ON referrals (to_organisation_id, COALESCE(send_time, create_time) DESC, id DESC)
    WHERE status IN ('sent', 'accepted', 'in_progress');

-- +goose Down
DROP INDEX referrals_to_open_idx;
DROP INDEX referrals_from_open_idx;
DROP INDEX referrals_to_status_idx;
DROP INDEX referrals_from_status_idx;
DROP INDEX referrals_to_idx;
DROP INDEX referrals_from_idx;
CREATE INDEX referrals_from_idx ON referrals (from_organisation_id, id DESC);
CREATE INDEX referrals_to_idx ON referrals (to_organisation_id, id DESC) WHERE status <> 'draft';
CREATE INDEX referrals_from_status_idx ON referrals (from_organisation_id, status, id DESC);
CREATE INDEX referrals_to_status_idx ON referrals (to_organisation_id, status, id DESC) WHERE status <> 'draft';
CREATE INDEX referrals_from_open_idx ON referrals (from_organisation_id, id DESC) WHERE status IN ('sent', 'accepted', 'in_progress');
CREATE INDEX referrals_to_open_idx ON referrals (to_organisation_id, id DESC) WHERE status IN ('sent', 'accepted', 'in_progress');
