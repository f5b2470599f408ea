-- +goose Up
-- When a referral was accepted and when it was completed: a count of the
-- referrals accepted (completed) in a period keeps those that reached the
-- stage in it, whatever happened to them after (cancelled by the sender,
-- ended by a withdrawn consent), so a closed period's figure stays. Stored
-- referrals take the times from their status history.
ALTER TABLE referrals ADD COLUMN accept_time timestamptz, ADD COLUMN complete_time timestamptz;
UPDATE referrals r SET accept_time = e.accepted, complete_time = e.completed
FROM (SELECT referral_id, min(create_time) FILTER (WHERE to_status = 'accepted') AS accepted,
             min(create_time) FILTER (WHERE to_status = 'completed') AS completed
      FROM referral_events GROUP BY referral_id) e
WHERE e.referral_id = r.id;
-- A referral past acceptance without its event (none should be) is dated
-- by what it has: its close, else its send.
UPDATE referrals SET accept_time = COALESCE(close_time, send_time)
WHERE accept_time IS NULL AND status IN ('accepted', 'in_progress', 'completed');
UPDATE referrals SET complete_time = close_time WHERE complete_time IS NULL AND status = 'completed';
CREATE INDEX referrals_project_accept_idx ON referrals (project_id, accept_time) WHERE accept_time IS NOT NULL;
CREATE INDEX referrals_project_complete_idx ON referrals (project_id, complete_time) WHERE complete_time IS NOT NULL;

-- +goose Down
DROP INDEX referrals_project_complete_idx;
DROP INDEX referrals_project_accept_idx;
ALTER TABLE referrals DROP COLUMN accept_time, DROP COLUMN complete_time;
