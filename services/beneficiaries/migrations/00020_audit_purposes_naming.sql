-- +goose Up
-- A purpose (X-Spona-Purpose) may name a person a call did not read: the
-- check before registering someone ("is Đurđija K. already registered?")
-- finds only others, and stores its purpose with their records. Erasing
-- her then also blanks the purposes of her organisation's calls whose text
-- names her (pkg/audit/auditpg.Naming): each stored purpose now records
-- the organisation that declared it, and the text is matched folded as
-- name keys are.

-- translit_fold is pkg/translit's Fold in SQL (lower case, NFKD, combining
-- marks dropped, Cyrillic and the Latin letters that do not decompose
-- spelled in ASCII, every run of non-letters one space, "dj" as "d"), so
-- that a text and a name fold alike in every script. It lower-cases the
-- Cyrillic and Latin letters it maps itself, whatever the database's
-- collation (under "C", lower() changes ASCII letters only). It differs
-- from Fold only on characters outside the sets it lists: combining marks
-- other than Latin, Cyrillic, Hebrew and Arabic ones are kept, and
-- punctuation and symbols outside the Latin-1, general punctuation,
-- currency, arrow-to-dingbat, Arabic punctuation and emoji blocks count as
-- letters. Adapters' TestTranslitFoldAsFold compares the two.
-- +goose StatementBegin
CREATE FUNCTION translit_fold(s text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN regexp_replace(btrim(regexp_replace(
    replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(
        translate(
            lower(regexp_replace(normalize(lower(translate(s,
                'ЀЁЂЃЄЅІЇЈЉЊЋЌЍЎЏАБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯҐ',
                'ѐёђѓєѕіїјљњћќѝўџабвгдежзийклмнопрстуфхцчшщъыьэюяґ')), NFKD),
                '[\u0300-\u036f\u0483-\u0487\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e4\u06e7\u06e8\u06ea-\u06ed\u1ab0-\u1abd\u1dc0-\u1dff\u20d0-\u20dc\u20e1\u20e5-\u20f0\ufe00-\ufe0f\ufe20-\ufe2f]',
                '', 'g')),
            'абвгдђежзијклмнопрстћуфхцчшѓќйёыэіґўđøłıħðĐØŁĦÐъь',
            'abvgddezzijklmnoprstcufhccsdcjeyeigudolihddolhd'),
        'љ', 'lj'), 'њ', 'nj'), 'џ', 'dz'), 'ѕ', 'dz'), 'ю', 'ju'), 'я', 'ja'), 'щ', 'sc'), 'є', 'je'), 'ї', 'ji'),
        'ß', 'ss'), 'æ', 'ae'), 'œ', 'oe'), 'þ', 'th'), 'Æ', 'ae'), 'Œ', 'oe'), 'Þ', 'th'),
    '[\u0001-\u002f\u003a-\u0040\u005b-\u0060\u007b-\u00bf\u00d7\u00f7\u2000-\u206f\u20a0-\u20cf\u2190-\u2bff\u2e00-\u2e7f\u3000-\u3003\u060c\u061b\u061f\u066a-\u066d\u06d4\ufe10-\ufe19\ufe30-\ufe4f\ufe50-\ufe6b\U0001f000-\U0001faff]+',
    ' ', 'g')), 'dj+', 'd', 'g');
-- +goose StatementEnd

-- The organisation whose call declared the purpose (the records' actor).
ALTER TABLE audit_purposes ADD COLUMN organisation_id uuid;
ALTER TABLE audit_purposes DISABLE TRIGGER audit_purposes_no_update_delete;
UPDATE audit_purposes p SET organisation_id = e.o
FROM (SELECT DISTINCT ON (purpose_id) purpose_id, actor_organisation_id AS o FROM audit_events
      WHERE purpose_id IS NOT NULL ORDER BY purpose_id, id) e
WHERE p.id = e.purpose_id AND p.purpose <> '';
ALTER TABLE audit_purposes ENABLE TRIGGER audit_purposes_no_update_delete;
-- An organisation's purposes not blanked yet: what an erasure reads.
CREATE INDEX audit_purposes_organisation_idx ON audit_purposes (organisation_id) WHERE purpose <> '';

-- Erasure may still only blank a purpose, now keeping its organisation.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION audit_purposes_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.purpose = '' AND NEW.id = OLD.id
        AND NEW.organisation_id IS NOT DISTINCT FROM OLD.organisation_id THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_purposes is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION audit_purposes_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.purpose = '' AND NEW.id = OLD.id THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_purposes is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd
DROP INDEX audit_purposes_organisation_idx;
ALTER TABLE audit_purposes DROP COLUMN organisation_id;
DROP FUNCTION translit_fold(text);
