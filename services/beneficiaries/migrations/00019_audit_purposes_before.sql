-- +goose Up
-- 00018 stored the purposes of the records from before it once per group
-- (one call), but two kinds of old text stayed out of erasure's reach:
-- an import's records were grouped under a random id, while erasure
-- blanks an import's purpose under the import's id; and a call that read
-- a person erased before the upgrade kept its text on the records of the
-- others it read (the old erasure blanked only the erased person's own
-- records, and erasing them again finds no group). This reaches both, once.
-- The migration runs as the tables' owner: it re-points records
-- (purpose_id) with the append-only trigger off, and otherwise only blanks
-- stored purposes, as erasure may.

-- An import that created, linked or was scored against a person erased
-- before the upgrade: its purpose is blanked, as erasure does now (older
-- versions did not).
UPDATE imports SET purpose = ''
WHERE purpose <> '' AND id IN (
    SELECT r.import_id FROM import_rows r JOIN beneficiaries b ON b.id = r.resource_id
    WHERE b.erase_time IS NOT NULL
    UNION
    SELECT r.import_id FROM import_rows r, jsonb_array_elements(r.matches) m, beneficiaries b
    WHERE jsonb_typeof(r.matches) = 'array' AND b.id = (m ->> 'id')::uuid AND b.erase_time IS NOT NULL);

-- An import's old records go under the import's id, where erasure looks
-- for them. They are the create records of the persons it created
-- (import_rows.outcome 'created' and resource_id), the only records an
-- import writes: a person is created once, so the record is the import's.
-- Records, not 00018's groups, are moved: a group may hold several calls
-- with the same actor and text (after a dump and restore every record has
-- the same xmin). The id keeps the text only while the import keeps its
-- own purpose (an erasure after the upgrade may have stored it blank
-- already); a group no record refers to any more keeps no text.
ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete;
WITH r AS (
    SELECT e.id AS event, e.purpose_id AS old, i.id AS import_id, i.purpose = '' AS blank
    FROM imports i
    JOIN import_rows r ON r.import_id = i.id AND r.outcome = 'created'
    JOIN audit_events e ON e.owner_organisation_id = i.organisation_id AND e.beneficiary_id = r.resource_id
    WHERE e.action = 'create' AND e.actor_organisation_id = i.organisation_id
        AND e.purpose_id IS NOT NULL AND e.purpose_id <> i.id),
stored AS (
    INSERT INTO audit_purposes (id, purpose)
    SELECT DISTINCT ON (r.import_id) r.import_id, CASE WHEN r.blank THEN '' ELSE p.purpose END
    FROM r JOIN audit_purposes p ON p.id = r.old
    ORDER BY r.import_id, p.purpose = '' DESC
    ON CONFLICT (id) DO NOTHING),
moved AS (
    UPDATE audit_events e SET purpose_id = r.import_id FROM r WHERE e.id = r.event)
UPDATE audit_purposes p SET purpose = ''
WHERE p.id IN (SELECT old FROM r) AND p.purpose <> ''
    AND NOT EXISTS (SELECT 1 FROM audit_events e WHERE e.purpose_id = p.id AND e.id NOT IN (SELECT event FROM r));
ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_delete;

-- An import whose own purpose is blank (erasure blanked it) keeps none in
-- the log either.
UPDATE audit_purposes p SET purpose = '' FROM imports i WHERE p.id = i.id AND i.purpose = '' AND p.purpose <> '';

-- A call that wrote a record of a person erased before the upgrade: its
-- stored purpose is blanked, as erasure now blanks the purpose of every
-- call that read the person. Such a record is one of the erased person's
-- records, outside any group: the old erasure blanked its purpose column
-- before 00018 grouped the others (a record of a person erased before
-- even that, which kept its text, is in a group: that group is blanked).
-- The old erasure rewrote the record, and 00018 the others, so the
-- transaction that wrote them (xmin) is no longer known: a call's records
-- are recognised by their actor, action and time (one call's records are
-- written together, by one statement or transaction, within moments of
-- each other). A group is blanked when the erased person's record has its
-- actor and action and was written within a second of one of the group's
-- records (a merge's two records, merge and merged_into, count as one
-- action). Create records are left out: a create writes one person's
-- record (an import's creates are reached above, through the import).
-- Another call of the same client and action within that second may be
-- blanked too: the rule may blank more than the calls that read the
-- person, and misses none whose records were written within a second of
-- each other (every call's, a statement's rows; an import, written over
-- longer, is reached above).
WITH erased AS (
    SELECT e.purpose_id, e.purpose, e.actor_organisation_id AS o, e.actor_client_id AS c, e.time,
        CASE e.action WHEN 'merged_into' THEN 'merge' ELSE e.action END AS a
    FROM audit_events e JOIN beneficiaries b ON b.id = e.beneficiary_id
    WHERE b.erase_time IS NOT NULL),
sign AS (
    SELECT o, c, a, time FROM erased WHERE purpose_id IS NULL AND purpose = '' AND a <> 'create'),
-- The records of those actors and actions with a stored purpose, and the
-- signs, in one sorted pass: a record is near a sign written within a
-- second of it.
near AS (
    SELECT purpose_id, bool_or(is_sign) OVER (PARTITION BY o, c, a ORDER BY time
        RANGE BETWEEN interval '1 second' PRECEDING AND interval '1 second' FOLLOWING) AS hit
    FROM (
        SELECT e.purpose_id, e.actor_organisation_id AS o, e.actor_client_id AS c,
            CASE e.action WHEN 'merged_into' THEN 'merge' ELSE e.action END AS a, e.time, false AS is_sign
        FROM audit_events e
        WHERE e.purpose_id IS NOT NULL AND (e.actor_organisation_id, e.actor_client_id,
            CASE e.action WHEN 'merged_into' THEN 'merge' ELSE e.action END) IN (SELECT o, c, a FROM sign)
        UNION ALL
        SELECT NULL, o, c, a, time, true FROM sign) x),
hit AS (
    SELECT purpose_id AS id FROM erased WHERE purpose_id IS NOT NULL
    UNION
    SELECT purpose_id FROM near WHERE hit AND purpose_id IS NOT NULL)
UPDATE audit_purposes p SET purpose = '' FROM hit WHERE p.id = hit.id AND p.purpose <> '';

-- +goose Down
-- Nothing to undo: the blanked text is gone (as after an erasure), and the
-- records moved under an import's id find their purpose there, which
-- 00018's Down puts back on them like any other.
SELECT 1;
