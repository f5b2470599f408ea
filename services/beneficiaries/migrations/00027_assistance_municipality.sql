-- +goose Up
-- The municipality the person lived in when the assistance was recorded,
-- so that a report of a closed period counts persons by where they lived
-- then, not where they live now (a move no longer changes past figures).
-- NULL: recorded by a process older than this column; counted by the
-- person's current municipality. The records made before take the
-- person's current municipality, the best known.
ALTER TABLE assistances ADD COLUMN municipality text;
UPDATE assistances a SET municipality = b.municipality FROM beneficiaries b WHERE b.id = a.beneficiary_id;

-- +goose Down
ALTER TABLE assistances DROP COLUMN municipality;
