-- +goose Up
-- Why a subscription was disabled, as a code beside the reason in words
-- (disabled_reason): 'failing' (every delivery failed for
-- WEBHOOK_DISABLE_AFTER), 'gone' (410 Gone), 'by_organisation'; '' while
-- it is active. Subscriptions disabled before are given theirs from the
-- reason in words, which said it. A replica from before this migration
-- disables without a code ('': unspecified in the API).
ALTER TABLE subscriptions ADD COLUMN disabled_reason_code text NOT NULL DEFAULT ''
    CHECK (disabled_reason_code IN ('', 'failing', 'gone', 'by_organisation'));
UPDATE subscriptions SET disabled_reason_code = CASE
        WHEN disabled_reason = 'disabled by the organisation' THEN 'by_organisation'
        WHEN disabled_reason LIKE '%410 Gone%' THEN 'gone'
        ELSE 'failing' END
    WHERE state = 'disabled';

-- +goose Down
ALTER TABLE subscriptions DROP COLUMN disabled_reason_code;
