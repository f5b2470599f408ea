-- +goose Up
-- The list's municipality filter matches the municipality folded as names
-- are searched (pkg/translit's Fold, in the service): municipality=Sid,
-- =Шид and =ŠID find the persons entered as living in Šid. Before, it
-- compared the text as entered, case and diacritics included. The service
-- writes the key with the municipality; a row without one (NULL: stored
-- before this migration, or by a replica of an earlier release during the
-- rollout) gets it when the service next starts (FillMunicipalityKeys,
-- before it serves), found through the partial index.
ALTER TABLE beneficiaries ADD COLUMN municipality_key text;
CREATE INDEX beneficiaries_org_municipality_key_idx ON beneficiaries (organisation_id, municipality_key, id DESC);
CREATE INDEX beneficiaries_unkeyed_municipality_idx ON beneficiaries (id) WHERE municipality_key IS NULL;
DROP INDEX beneficiaries_org_municipality_idx;

-- +goose Down
CREATE INDEX beneficiaries_org_municipality_idx ON beneficiaries (organisation_id, municipality, id DESC);
DROP INDEX beneficiaries_unkeyed_municipality_idx;
DROP INDEX beneficiaries_org_municipality_key_idx;
ALTER TABLE beneficiaries DROP COLUMN municipality_key;
