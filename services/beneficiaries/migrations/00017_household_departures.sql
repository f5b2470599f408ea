-- +goose Up
-- Who has left a household (removed as a member, or a merged duplicate's
-- membership dropped for the survivor's): a household's free-text
-- reference may name a former member too, and erasing that person blanks
-- it as it does for a current member. Ids only.
CREATE TABLE household_departures (
    household_id   uuid NOT NULL REFERENCES households (id),
    beneficiary_id uuid NOT NULL REFERENCES beneficiaries (id),
    PRIMARY KEY (beneficiary_id, household_id)
);

-- +goose Down
DROP TABLE household_departures;
