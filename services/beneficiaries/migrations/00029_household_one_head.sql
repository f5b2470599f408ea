-- +goose Up
-- A household has at most one head (the other members' relationships are
-- to them): a unique index, so that two members added as heads at once
-- cannot both be. Nothing refused a second head before, and which of a
-- household's heads heads it cannot be told from what is stored (members
-- have no time of joining, the audit log no relationship): so none of
-- them is kept as head. Their relationship becomes unrecorded (''; the
-- API shows RELATIONSHIP_UNSPECIFIED) rather than one of them being made
-- the head, or another relationship being made up for the others; the
-- registering organisation sees that in the household and records it
-- again (remove the member, add them with their relationship).
UPDATE household_members SET relationship = ''
WHERE relationship = 'head' AND household_id IN
    (SELECT household_id FROM household_members WHERE relationship = 'head' GROUP BY household_id HAVING count(*) > 1);

CREATE UNIQUE INDEX household_members_head_key ON household_members (household_id) WHERE relationship = 'head';

-- +goose Down
DROP INDEX household_members_head_key;
