-- +goose Up
-- The secrets rotations before the last one replaced, still signing until
-- the end of their own overlap (a second rotation within the day no
-- longer cuts the first one's short): a JSON list of {secret, expire_time},
-- encrypted as the secrets are (AES-256-GCM under WEBHOOK_SECRETS_KEY,
-- bound to the subscription's id). NULL when there are none. A replica
-- from before this migration ignores it and signs with the current and
-- the previous secret only.
ALTER TABLE subscriptions ADD COLUMN earlier_secrets bytea;

-- +goose Down
ALTER TABLE subscriptions DROP COLUMN earlier_secrets;
