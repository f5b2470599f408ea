package app

import (
	"context"
	"errors"
	"slices"

	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/events"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/services/beneficiaries/internal/domain"
)

// MergeBeneficiaries merges dupID into id; both must be the caller's.
func (a *App) MergeBeneficiaries(ctx context.Context, act Actor, id, dupID string) (*domain.Beneficiary, error) {
	var v errs.Violations
	for field, x := range map[string]string{"id": id, "duplicate_id": dupID} {
		if x == "" {
			v.Add(field, "is required")
		} else if !ids.Valid(x) {
			v.Add(field, "must be a UUID")
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if ids.Normalize(id) == ids.Normalize(dupID) {
		v.Add("duplicate_id", "must differ from id: a record is not merged into itself")
		return nil, v.Err()
	}
	var out *domain.Beneficiary
	err := a.repo.InTx(ctx, func(r Repository) error {
		// Both rows locked, in the order of their ids (so that two merges
		// of the pair wait for each other instead of deadlocking).
		locked := map[string]*domain.Beneficiary{}
		pair := [][2]string{{"id", ids.Normalize(id)}, {"duplicate_id", ids.Normalize(dupID)}}
		if pair[1][1] < pair[0][1] {
			pair[0], pair[1] = pair[1], pair[0]
		}
		for _, p := range pair {
			b, err := writable(ctx, r, act, p[0], p[1], LockPerson)
			if err != nil {
				return err
			}
			locked[p[0]] = b
		}
		primary, dup := locked["id"], locked["duplicate_id"]
		// The duplicate's documents and legal status history become the
		// survivor's: its JMBG must agree with the survivor's birth and
		// not differ from the survivor's own, and no status of its may
		// start before that birth, as on any other write.
		if err := r.LoadDetails(ctx, dup); err != nil {
			return err
		}
		held, err := r.ListDocuments(ctx, primary.ID)
		if err != nil {
			return err
		}
		domain.CheckMergedBirth(&v, primary, dup.Documents)
		domain.CheckMergedNumbers(&v, primary.ID, held, dup.Documents)
		domain.CheckMergedStatuses(&v, primary, dup.LegalStatusHistory)
		if err := v.Err(); err != nil {
			return err
		}
		// Told of the merge (beneficiary.merged, ids only): the registering
		// organisation and those that see the duplicate now, whose grants
		// move to the survivor; they hold the duplicate's id. Not an
		// organisation that sees only the survivor (it never had the
		// duplicate's id), nor one whose grant to the duplicate ended (it
		// sees neither record).
		holders, err := r.LiveGrantHolders(ctx, dup.ID)
		if err != nil {
			return err
		}
		// Records merged into the duplicate earlier move with it (locked
		// after the pair, in the order of their ids, as Merge locks them).
		earlier, err := r.LockMergedFrom(ctx, dup.ID)
		if err != nil {
			return err
		}
		if err := r.Merge(ctx, primary, dup); err != nil {
			return err
		}
		data := map[string]any{"survivor_id": primary.ID}
		if len(earlier) > 0 {
			data["merged_ids"] = earlier
		}
		if err := r.Emit(ctx, beneficiaryEvent(events.BeneficiaryMerged, dup.ID, append([]string{dup.OrganisationID}, holders...),
			data)); err != nil {
			return err
		}
		if err := audit(ctx, r, act, domain.ActionMerge, []string{"merged_from:" + dup.ID}, primary); err != nil {
			return err
		}
		if err := audit(ctx, r, act, domain.ActionMergedAway, []string{"merged_into:" + primary.ID}, dup); err != nil {
			return err
		}
		out, err = r.GetBeneficiary(ctx, act.OrganisationID, primary.ID)
		if err != nil {
			return err
		}
		return r.LoadDetails(ctx, out)
	})
	return out, err
}

// EraseBeneficiary anonymises a beneficiary the caller registered, with the
// records merged into it, and emits beneficiary.erased so that every other
// service drops its copies. Erasing a merged record erases the person: the
// survivor it points to, with every record merged into it (the link stays,
// ids only). Erasing an erased record changes nothing and returns it.
func (a *App) EraseBeneficiary(ctx context.Context, act Actor, id, reason string) (*domain.Beneficiary, error) {
	if err := domain.ValidateWithdrawReason(reason); err != nil {
		return nil, err
	}
	if err := ids.Check("id", id); err != nil {
		return nil, err
	}
	id = ids.Normalize(id)
	var out *domain.Beneficiary
	var err error
	// A merge that got in between reading which record id was merged into
	// and locking it moved id to another survivor: the erasure starts
	// again from there.
	for range eraseAttempts {
		out, err = a.eraseOnce(ctx, act, id)
		if !errors.Is(err, errMovedMeanwhile) {
			return out, err
		}
	}
	return nil, errs.ConcurrentUpdate(err)
}

// eraseAttempts is how often EraseBeneficiary starts again after a merge
// moved the record it was asked for.
const eraseAttempts = 3

// errMovedMeanwhile is eraseOnce's error when the record was merged (or
// its survivor merged away) after it read which record is the person.
var errMovedMeanwhile = errors.New("beneficiaries: merged while being erased")

func (a *App) eraseOnce(ctx context.Context, act Actor, id string) (*domain.Beneficiary, error) {
	var out *domain.Beneficiary
	err := a.repo.InTx(ctx, func(r Repository) error {
		// The person's row is locked first: a write about the person that
		// got in before is committed by now and wiped below; one that
		// comes later waits and then reads that the person was erased.
		// Every path that erases or merges locks the same way, the
		// survivor, then the records merged into it in id order (the
		// survivor's, not the asked record's, lock comes first: so the
		// erasure of a merged record and an erasure or a merge of its
		// survivor wait for each other instead of deadlocking).
		person, err := ownerOnly(r.LockSurvivor(ctx, act.OrganisationID, id))
		if err != nil {
			return err
		}
		if person.MergedInto != "" {
			return errMovedMeanwhile
		}
		merged, err := r.LockMergedFrom(ctx, person.ID)
		if err != nil {
			return err
		}
		if person.ID != id && !slices.Contains(merged, id) {
			return errMovedMeanwhile
		}
		if person.EraseTime.IsZero() {
			holders, err := r.GrantHolders(ctx, append([]string{person.ID}, merged...))
			if err != nil {
				return err
			}
			// Audited first: the erasure then blanks the purpose of this
			// record too, which may name the person like any other.
			if err := audit(ctx, r, act, domain.ActionErase, domain.ViewFields(domain.AccessOwner), person); err != nil {
				return err
			}
			person.Erase(a.now())
			households, consents, err := r.Erase(ctx, person, merged)
			if err != nil {
				return err
			}
			data := map[string]any{}
			if len(merged) > 0 {
				data["merged_ids"] = merged
			}
			// Copies of a household's reference (the edge's stored
			// responses) go with the person too.
			if len(households) > 0 {
				data["household_ids"] = households
			}
			// So do those of the consents of others (a child's) whose
			// guardian's name named the person.
			if len(consents) > 0 {
				data["consent_ids"] = consents
			}
			if err := r.Emit(ctx, beneficiaryEvent(events.BeneficiaryErased, person.ID,
				append([]string{person.OrganisationID}, holders...), data)); err != nil {
				return err
			}
		}
		out, err = r.GetBeneficiary(ctx, act.OrganisationID, id)
		return err
	})
	return out, err
}
