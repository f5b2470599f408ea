-- +goose Up
-- The HSDS API's search finds services by where they are delivered (their
-- locations' names, addresses and municipalities) and organisations by
-- their municipality. The search keys are folded by the service (Go):
-- those written before are cleared here and written again when the
-- service starts, before it serves (FillSearchKeys).
UPDATE organisations SET search_key = NULL;
UPDATE services SET search_key = NULL;

-- +goose Down
-- The keys are kept: a search of the earlier rule then also finds rows by
-- their places, until they are changed.
SELECT 1;
