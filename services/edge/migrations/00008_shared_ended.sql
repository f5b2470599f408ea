-- +goose Up
-- The people one of whose consents ended lately, with the organisation
-- that registered them (owner_id) and when the edge applied the end: a
-- write of another organisation under way then, whose answer was made
-- while its grant held, is not stored when it completes (see
-- internal/idempotency). Pruned as erased_subjects are.
CREATE TABLE shared_ended (
    id       uuid PRIMARY KEY,
    owner_id text NOT NULL,
    end_time timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE shared_ended;
