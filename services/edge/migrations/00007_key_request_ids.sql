-- +goose Up
-- The request id (the administrator's Idempotency-Key, as the edge passes
-- it on: "<client id>/<key>") a key was made with, by a create or a
-- rotation. The edge keeps no copy of an answer carrying a secret, so a
-- retry of that request runs again: it is answered with the key the first
-- attempt made, without its secret (only its hash is kept), and makes no
-- other key.
ALTER TABLE api_keys ADD COLUMN request_id text UNIQUE;

-- Answers an older edge kept for replay with the secret they showed once
-- (an API key's, a webhook's signing secret, at the top of the JSON
-- answer) keep the rest of the answer only. One that does not read as
-- JSON is dropped (a retry then runs again).
-- +goose StatementBegin
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT client_id, key FROM idempotency_records
             WHERE method = 'POST' AND status BETWEEN 200 AND 299
               AND path ~ '^/v1/(apiKeys|apiKeys/[^/?]+:rotate|webhooks|webhooks/[^/?]+:rotateSecret)([?]|$)'
    LOOP
        BEGIN
            UPDATE idempotency_records
               SET body = convert_to((convert_from(body, 'UTF8')::jsonb - 'secret')::text, 'UTF8')
             WHERE client_id = r.client_id AND key = r.key;
        EXCEPTION WHEN others THEN
            DELETE FROM idempotency_records WHERE client_id = r.client_id AND key = r.key;
        END;
    END LOOP;
END $$;
-- +goose StatementEnd

-- +goose Down
ALTER TABLE api_keys DROP COLUMN request_id;
