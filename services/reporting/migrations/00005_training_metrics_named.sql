-- +goose Up
-- Training metrics are named for what they count (issue 14).
-- professionals_trained now counts professionals who completed an event;
-- it used to count registrations. Indicators stored before keep what they
-- counted, under the name that says it, so no report changes its figures
-- without anyone choosing it: an implementing organisation that wants
-- completions sets metric METRIC_PROFESSIONALS_TRAINED on the indicator.
-- community_beneficiaries is renamed to the beneficiary-participant metric
-- that counts the same. Changed indicators get a new version (etag).
UPDATE indicators
   SET metric = CASE metric
                  WHEN 'professionals_trained' THEN 'professionals_registered'
                  ELSE 'beneficiary_participants_registered'
                END,
       version = version + 1,
       update_time = now()
 WHERE metric IN ('professionals_trained', 'community_beneficiaries');

-- +goose Down
-- Only the metrics that existed before can be given back; indicators of the
-- new metrics keep theirs.
UPDATE indicators
   SET metric = CASE metric
                  WHEN 'professionals_registered' THEN 'professionals_trained'
                  ELSE 'community_beneficiaries'
                END,
       version = version + 1,
       update_time = now()
 WHERE metric IN ('professionals_registered', 'beneficiary_participants_registered');
