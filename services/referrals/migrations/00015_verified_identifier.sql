-- +goose Up
-- A registered identifier is vouched for by the platform administrator
-- (verification), so it is unique among verified organisations only: an
-- organisation may propose one before it is verified without taking it
-- from the organisation it belongs to, which then cannot be locked out by
-- whoever wrote it first. Verification refuses an identifier another
-- verified organisation holds.
DROP INDEX organisations_identifier_key;
CREATE UNIQUE INDEX organisations_verified_identifier_key ON organisations (organisation_identifier)
    WHERE organisation_identifier <> '' AND verify_time IS NOT NULL;

-- +goose Down
-- Fails when two organisations propose one identifier: clear all but one
-- first.
DROP INDEX organisations_verified_identifier_key;
CREATE UNIQUE INDEX organisations_identifier_key ON organisations (organisation_identifier)
    WHERE organisation_identifier <> '';
