-- +goose Up
-- The HSDS API's service_at_locations search matches each location of a
-- service by its own key: the service's texts and that location's place
-- (names, address, municipality), one key per location in the order of
-- services.locations. Folded by the service (Go): written when the
-- service starts, before it serves (FillSearchKeys, for rows whose keys
-- are NULL), and with every write of a service.
ALTER TABLE services ADD COLUMN location_keys text[];

-- +goose Down
ALTER TABLE services DROP COLUMN location_keys;
