-- +goose Up
-- The directory's name and municipality filters match as its search folds
-- (case, diacritics, Cyrillic or Latin script: domain.MatchKey), no longer
-- by case alone. The keys are folded by the service (Go): those written
-- before are cleared here and written again when the service starts,
-- before it serves (FillSearchKeys), the organisations' name and
-- municipality keys, and the services' municipalities with their search
-- keys.
UPDATE organisations SET name_key = NULL, municipality_key = NULL;
UPDATE services SET search_key = NULL;

-- +goose Down
-- The folded keys are kept: a filter of the earlier rule then finds rows
-- entered with diacritics or in Cyrillic by their lower-case ASCII form
-- only, until they are changed.
SELECT 1;
