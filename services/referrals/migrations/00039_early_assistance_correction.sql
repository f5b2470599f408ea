-- +goose Up
-- The correction of an assistance record voided before the completion
-- that recorded it committed (assistance.corrected applied while the
-- referral is still open, after the assistance.voided that 00038 keeps):
-- the record correcting early_void_assistance_id, or the latest of a chain
-- of corrections, each of the one voided before it. The completion that
-- names early_void_assistance_id names this record instead, with
-- early_void_time / _reason as its void (cleared by the correction, set
-- again if the correction itself is voided); before, such a correction
-- matched no outcome and was lost, and the completed referral's outcome
-- named the voided record.
ALTER TABLE referrals ADD COLUMN early_correction_id uuid;

-- +goose Down
ALTER TABLE referrals DROP COLUMN early_correction_id;
