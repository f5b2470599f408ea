-- +goose Up
-- Certificate numbers stay unique through a partial index instead of a
-- unique constraint: a column with a unique constraint is one a foreign key
-- could name, so numbering a certificate was a key update of the
-- participant, whose row lock made every new attendance mark of the
-- participant (its foreign key check) wait for the issuing transaction.
-- PostgreSQL does not count a partial index's columns as key columns.
CREATE UNIQUE INDEX participants_certificate_number_idx ON participants (certificate_number)
    WHERE certificate_number IS NOT NULL;
ALTER TABLE participants DROP CONSTRAINT participants_certificate_number_key;

-- +goose Down
ALTER TABLE participants ADD CONSTRAINT participants_certificate_number_key UNIQUE (certificate_number);
DROP INDEX participants_certificate_number_idx;
