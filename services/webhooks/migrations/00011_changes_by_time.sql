-- +goose Up
-- GET /v1/events?start_time=…: the first of an organisation's changes that
-- happened at or after a time is the least position among its changes of
-- that time or later, read from this index alone (event_time range, seq
-- included) instead of walking the organisation's whole feed.
CREATE INDEX changes_organisation_time_idx ON changes (organisation_id, event_time) INCLUDE (seq);

-- +goose Down
DROP INDEX changes_organisation_time_idx;
