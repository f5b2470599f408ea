-- +goose Up
-- The claim looks for due deliveries subscription by subscription, so a
-- target with a long backlog (a slow receiver at its cap) costs the others
-- nothing.
CREATE INDEX deliveries_sub_due_idx ON deliveries (subscription_id, next_attempt_time, seq) WHERE status = 'pending';
DROP INDEX deliveries_due_idx;

-- +goose Down
CREATE INDEX deliveries_due_idx ON deliveries (next_attempt_time) WHERE status = 'pending';
DROP INDEX deliveries_sub_due_idx;
