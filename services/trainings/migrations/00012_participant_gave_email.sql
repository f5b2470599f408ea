-- +goose Up
-- Whether a professional's registration gave an e-mail. A record keeps an
-- e-mail while a registration that gave it names the record: deleting a
-- registration made by mistake (a mistyped address that took over the
-- record of the professional registered earlier without one) takes its
-- e-mail away again.
ALTER TABLE participants ADD COLUMN gave_email boolean NOT NULL DEFAULT false;
-- Registrations made before: this schema cannot tell which of them gave
-- the record's e-mail, so each is taken to have given it (as before,
-- deleting one of them keeps the e-mail).
UPDATE participants pa SET gave_email = true
FROM professionals pr WHERE pr.id = pa.professional_id AND pr.email IS NOT NULL;

-- +goose Down
ALTER TABLE participants DROP COLUMN gave_email;
