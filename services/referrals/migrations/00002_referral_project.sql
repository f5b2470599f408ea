-- +goose Up
ALTER TABLE referrals ADD COLUMN project_id uuid;
CREATE INDEX referrals_project_idx ON referrals (project_id, create_time) WHERE project_id IS NOT NULL;

-- +goose Down
DROP INDEX referrals_project_idx;
ALTER TABLE referrals DROP COLUMN project_id;
