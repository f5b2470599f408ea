-- +goose Up
-- Name search and duplicate finding look for similar name keys among the
-- distinct keys, not among the persons: names repeat, so there are far fewer
-- keys than beneficiaries, and a key row is narrow where a beneficiary row is
-- wide. The persons carrying a matched key are then read by their
-- organisation and key. persons counts the beneficiaries (of any
-- organisation, current or not) whose name_key is key; a key nobody carries
-- any more (after an erasure or a rename) is deleted at once.
CREATE TABLE name_keys (
    key     text PRIMARY KEY,
    persons integer NOT NULL CHECK (persons > 0)
);
INSERT INTO name_keys (key, persons)
SELECT name_key, count(*) FROM beneficiaries WHERE name_key <> '' GROUP BY name_key;
CREATE INDEX name_keys_trgm_idx ON name_keys USING gin (key gin_trgm_ops);

-- The keys similar to q (pg_trgm's %), and the keys containing a word
-- similar to q (<%) with their word_similarity, always found by the trigram
-- index: pg_trgm's functions are costed as cheap as an addition, so while
-- name_keys is small the planner would rather compute the similarity of
-- every key (milliseconds) than probe the index (tens of microseconds).
-- +goose StatementBegin
CREATE FUNCTION similar_name_keys(q text) RETURNS SETOF text
    LANGUAGE sql STABLE ROWS 100 SET enable_seqscan = off SET search_path FROM CURRENT
    AS $$ SELECT key FROM name_keys WHERE key % q $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION word_similar_name_keys(q text) RETURNS TABLE (key text, score real)
    LANGUAGE sql STABLE ROWS 100 SET enable_seqscan = off SET search_path FROM CURRENT
    AS $$ SELECT k.key, word_similarity(q, k.key) FROM name_keys k WHERE q <% k.key $$;
-- +goose StatementEnd

-- The persons of an organisation with a key, current ones only (searches
-- and duplicates exclude merged and erased records).
CREATE INDEX beneficiaries_org_name_key_idx ON beneficiaries (organisation_id, name_key, id)
    WHERE merged_into IS NULL AND erase_time IS NULL;
-- Replaced by name_keys_trgm_idx: every insert no longer pays for a trigram
-- index over the persons.
DROP INDEX beneficiaries_name_key_trgm_idx;

-- The trigger functions find name_keys on the search path of the migration
-- (the service's schema), whichever session fires them.
-- Inserts (one row or a COPY of many) count their keys once per statement,
-- in key order so that concurrent statements lock shared keys in one order.
-- +goose StatementBegin
CREATE FUNCTION name_keys_inserted() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO name_keys AS k (key, persons)
    SELECT n.name_key, count(*) FROM inserted_rows n WHERE n.name_key <> ''
    GROUP BY n.name_key ORDER BY n.name_key
    ON CONFLICT (key) DO UPDATE SET persons = k.persons + excluded.persons;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER beneficiaries_name_keys_insert AFTER INSERT ON beneficiaries
    REFERENCING NEW TABLE AS inserted_rows FOR EACH STATEMENT EXECUTE FUNCTION name_keys_inserted();

-- A changed key (update, erasure) or a deleted row moves its count.
-- +goose StatementBegin
CREATE FUNCTION name_keys_changed() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.name_key <> '' THEN
        DELETE FROM name_keys WHERE key = OLD.name_key AND persons = 1;
        IF NOT FOUND THEN
            UPDATE name_keys SET persons = persons - 1 WHERE key = OLD.name_key;
        END IF;
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.name_key <> '' THEN
        INSERT INTO name_keys AS k (key, persons) VALUES (NEW.name_key, 1)
        ON CONFLICT (key) DO UPDATE SET persons = k.persons + 1;
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER beneficiaries_name_keys_update AFTER UPDATE OF name_key ON beneficiaries
    FOR EACH ROW WHEN (OLD.name_key IS DISTINCT FROM NEW.name_key) EXECUTE FUNCTION name_keys_changed();
CREATE TRIGGER beneficiaries_name_keys_delete AFTER DELETE ON beneficiaries
    FOR EACH ROW EXECUTE FUNCTION name_keys_changed();

-- +goose Down
DROP TRIGGER beneficiaries_name_keys_delete ON beneficiaries;
DROP TRIGGER beneficiaries_name_keys_update ON beneficiaries;
DROP TRIGGER beneficiaries_name_keys_insert ON beneficiaries;
DROP FUNCTION name_keys_changed();
DROP FUNCTION name_keys_inserted();
DROP FUNCTION word_similar_name_keys(text);
DROP FUNCTION similar_name_keys(text);
CREATE INDEX beneficiaries_name_key_trgm_idx ON beneficiaries USING gin (name_key gin_trgm_ops);
DROP INDEX beneficiaries_org_name_key_idx;
DROP TABLE name_keys;
