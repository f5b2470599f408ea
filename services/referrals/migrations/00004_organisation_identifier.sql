-- +goose Up
-- The organisation's registered identifier (registration agency code and
-- number, e.g. HR-OIB-12345678901); '' when none is known. One organisation
-- per identifier.
ALTER TABLE organisations ADD COLUMN organisation_identifier text NOT NULL DEFAULT '';
CREATE UNIQUE INDEX organisations_identifier_key ON organisations (organisation_identifier)
    WHERE organisation_identifier <> '';

-- +goose Down
DROP INDEX organisations_identifier_key;
ALTER TABLE organisations DROP COLUMN organisation_identifier;
