-- +goose Up
-- A create's request id is a client's text, which a partner may make of what
-- identifies the person the row is about (a case or document number, a
-- name); an erasure could not reach it. Rows about a person keep only its
-- digest (pkg/db RequestKey: chr(1) || 'sha256:' || hex), which still answers
-- a retry of the create. The request ids stored before are replaced by it.
UPDATE referrals SET request_id = chr(1) || 'sha256:' || encode(sha256(convert_to(request_id, 'UTF8')), 'hex')
    WHERE request_id IS NOT NULL AND request_id NOT LIKE chr(1) || '%';

-- +goose Down
-- Nothing to undo: a digest cannot be turned back into the request id, and
-- lookups find a row by either.
SELECT 1;
