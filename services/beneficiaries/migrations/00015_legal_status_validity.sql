-- +goose Up
-- Each legal status history entry stores the days it is the person's
-- status on, [valid_from, valid_until), so that counting by the status of
-- a day is a join on the person and that range, with no sort to pick an
-- entry (README, "Projects and donor reports"). The ranges of a person's
-- entries cover every day once: in the order (since, create_time, id), an
-- entry is valid from its since until the next entry's since; an entry
-- followed by one with the same since (corrected by it) is valid on no day
-- ([since, since)); the first valid entry is valid from -infinity (a day
-- before the first since takes the first status recorded) and the last
-- until infinity. A person's first entry needs nothing more than these
-- defaults; whatever writes a second entry, or moves entries between
-- persons (a merge), calls legal_status_validity for them in the same
-- transaction.
ALTER TABLE legal_status_history
    ADD COLUMN valid_from date NOT NULL DEFAULT '-infinity',
    ADD COLUMN valid_until date NOT NULL DEFAULT 'infinity';

-- Sets the ranges of every entry of the persons, changing only the rows
-- whose range moved. PL/pgSQL, so that a session plans the statement once.
-- +goose StatementBegin
CREATE FUNCTION legal_status_validity(persons uuid[]) RETURNS void
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    UPDATE legal_status_history h SET valid_from = r.valid_from, valid_until = r.valid_until
    FROM (SELECT e.id,
            CASE WHEN e.next = e.since THEN e.since WHEN e.since = e.first THEN '-infinity' ELSE e.since END AS valid_from,
            CASE WHEN e.next = e.since THEN e.since ELSE COALESCE(e.next, 'infinity') END AS valid_until
        FROM (SELECT id, since, lead(since) OVER entries AS next, min(since) OVER (PARTITION BY beneficiary_id) AS first
            FROM legal_status_history WHERE beneficiary_id = ANY (persons)
            WINDOW entries AS (PARTITION BY beneficiary_id ORDER BY since, create_time, id)) e) r
    WHERE h.id = r.id AND (h.valid_from, h.valid_until) IS DISTINCT FROM (r.valid_from, r.valid_until);
END;
$$;
-- +goose StatementEnd

SELECT legal_status_validity(ARRAY(SELECT beneficiary_id FROM legal_status_history GROUP BY beneficiary_id HAVING count(*) > 1));

-- The entries valid from a day (not from -infinity): a report finds by it
-- the persons whose status changed within its period. An entry valid
-- from -infinity (a person's only entry, as a create writes it) is not in
-- it, so a create does not write to this index.
CREATE INDEX legal_status_history_change_idx ON legal_status_history (valid_from) WHERE valid_from > '-infinity';

-- +goose Down
DROP INDEX legal_status_history_change_idx;
DROP FUNCTION legal_status_validity(uuid[]);
ALTER TABLE legal_status_history DROP COLUMN valid_from, DROP COLUMN valid_until;
