-- +goose Up
-- When referral.overdue was emitted for a referral (once: the scheduler
-- sets it in the transaction that writes the event).
ALTER TABLE referrals ADD COLUMN overdue_event_time timestamptz;
CREATE INDEX referrals_overdue_due_idx ON referrals (due_time)
    WHERE status IN ('sent', 'accepted', 'in_progress') AND overdue_event_time IS NULL;

-- +goose Down
DROP INDEX referrals_overdue_due_idx;
ALTER TABLE referrals DROP COLUMN overdue_event_time;
