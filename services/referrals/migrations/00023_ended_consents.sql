-- +goose Up
-- The referral_sharing consents that ended (ids and reasons only, as
-- consent.withdrawn and consent.expired named them). A send takes the
-- consent's advisory lock shared and checks this table in a later
-- statement; applying the consent's end takes the lock alone before it
-- records the id here and looks for the referrals sent under it. So a send
-- under way when the consent ends is either seen by it (and ended) or
-- refused: before, a send that committed after the end was applied stayed
-- open, its texts readable by the receiver for good.
CREATE TABLE ended_consents (
    consent_id uuid PRIMARY KEY,
    reason     text NOT NULL,
    end_time   timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE ended_consents;
