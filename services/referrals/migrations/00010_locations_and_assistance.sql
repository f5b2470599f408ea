-- +goose Up
-- Issue 14: assistance names the service and location that gave it.
-- Every location of a service gets an id of its own, kept across updates.
UPDATE services
   SET locations = (SELECT jsonb_agg(CASE WHEN l ? 'id' THEN l
                                          ELSE l || jsonb_build_object('id', gen_random_uuid()::text) END
                                     ORDER BY n)
                      FROM jsonb_array_elements(locations) WITH ORDINALITY AS x (l, n))
 WHERE jsonb_array_length(locations) > 0;

-- The assistance record a completion created for the receiving
-- organisation (in the beneficiaries service), if any.
ALTER TABLE referrals ADD COLUMN outcome_assistance_id uuid;

-- +goose Down
ALTER TABLE referrals DROP COLUMN outcome_assistance_id;
UPDATE services
   SET locations = (SELECT jsonb_agg(l - 'id' ORDER BY n)
                      FROM jsonb_array_elements(locations) WITH ORDINALITY AS x (l, n))
 WHERE jsonb_array_length(locations) > 0;
