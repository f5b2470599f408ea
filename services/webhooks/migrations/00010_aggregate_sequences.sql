-- +goose Up
-- The last sequence number given to an event of each aggregate of the
-- services' feeds (a referral, consent, person or assistance record, as the
-- event names it): webhook bodies and change-feed entries carry it
-- (data.sequence), so a receiver that gets two events of one referral out
-- of order (a retry, a redelivery) knows which is newer. Numbers are given
-- as events are applied, in the transaction that moves the feed's cursor:
-- in feed order, which per aggregate is commit order. Events applied
-- before this migration have none; a replica from before it gives none.
CREATE TABLE aggregate_sequences (
    aggregate_type text NOT NULL,
    aggregate_id   text NOT NULL,
    last           bigint NOT NULL,
    PRIMARY KEY (aggregate_type, aggregate_id)
);

-- +goose Down
DROP TABLE aggregate_sequences;
