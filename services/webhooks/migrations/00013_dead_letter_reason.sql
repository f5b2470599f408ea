-- +goose Up
-- Why a delivery was given up, as a code stored where the decision is made
-- (last_error keeps the words, for people): 'retries_exhausted' (retried
-- for WEBHOOK_RETRY_FOR), 'webhook_disabled' (its subscription was
-- disabled: by the organisation, for failing, or 410 Gone),
-- 'event_type_unsubscribed' (its event type was removed from the
-- subscription); '' unless it is dead-lettered. Before, the reason was
-- read back from the end of last_error. Deliveries given up before are
-- given theirs from those words, which said it: the builds before this one
-- ended last_error with "webhook disabled" or "event type no longer
-- subscribed" when they gave a delivery up for those, and left the last
-- attempt's error alone when its retries ran out. A replica from before
-- this migration gives up without a code ('': unspecified in the API) and
-- leaves a redelivered one's code in place (read as '' while it is not
-- dead-lettered).
ALTER TABLE deliveries ADD COLUMN dead_letter_reason text NOT NULL DEFAULT ''
    CHECK (dead_letter_reason IN ('', 'retries_exhausted', 'webhook_disabled', 'event_type_unsubscribed'));
UPDATE deliveries SET dead_letter_reason = CASE
        WHEN last_error LIKE '%event type no longer subscribed' THEN 'event_type_unsubscribed'
        WHEN last_error LIKE '%webhook disabled' THEN 'webhook_disabled'
        ELSE 'retries_exhausted' END
    WHERE status = 'dead_lettered';

-- +goose Down
ALTER TABLE deliveries DROP COLUMN dead_letter_reason;
