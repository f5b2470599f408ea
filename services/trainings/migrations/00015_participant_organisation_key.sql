-- +goose Up
-- The organisation name a professional's registration gave, folded as
-- names are matched (translit.Fold), when it gave no directory id ('' for
-- one with an id or no name, and for beneficiaries): a count by
-- organisation has one cell for PU Kanjiža, ПУ Кањижа and PU KANJIZA.
-- Migration 00016 (Go) sets it for the registrations made before.
ALTER TABLE participants ADD COLUMN organisation_key text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE participants DROP COLUMN organisation_key;
