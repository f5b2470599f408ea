package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/etag"
	"github.com/spona/spona/pkg/events"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/pagination"
	"github.com/spona/spona/services/beneficiaries/internal/domain"
)

// CreateDocument adds an identity document to a beneficiary the caller
// registered.
func (a *App) CreateDocument(ctx context.Context, act Actor, beneficiaryID string, d *domain.Document) (*domain.Document, error) {
	d.Normalize()
	var v errs.Violations
	born := d.Validate(&v, "document")
	if err := v.Err(); err != nil {
		return nil, err
	}
	var out *domain.Document
	err := a.repo.InTx(ctx, func(r Repository) error {
		b, err := writable(ctx, r, act, "beneficiary_id", beneficiaryID, LockPerson)
		if err != nil {
			return err
		}
		var v errs.Violations
		switch domain.JMBGContradicts(born, b.BirthDate, b.BirthYear) {
		case "date":
			v.Add("document.number", "encodes another birth date than the beneficiary's (a JMBG starts with the birth date, DDMMYYY)")
		case "year":
			v.Add("document.number", "encodes another birth year than the beneficiary's birth_year (a JMBG starts with the birth date, DDMMYYY)")
		}
		if err := v.Err(); err != nil {
			return err
		}
		// One document recorded with and without its issuing country is
		// one (domain.Document.Same), which the table's unique key, on
		// the country too, does not see (it refuses the same country).
		held, err := r.ListDocuments(ctx, b.ID)
		if err != nil {
			return err
		}
		if i := slices.IndexFunc(held, func(h *domain.Document) bool { return d.Same(h) && h.IssuingCountry != d.IssuingCountry }); i >= 0 {
			return domain.DocumentTaken(held[i])
		}
		if h := d.OtherNumber(held); h != nil {
			return domain.NumberHeld(h)
		}
		d.ID, d.BeneficiaryID, d.OrganisationID = ids.New(), b.ID, act.OrganisationID
		if out, err = r.CreateDocument(ctx, d); err != nil {
			return err
		}
		return recordsChanged(ctx, r, act, domain.ActionDocumentCreate, "documents", b)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListDocuments lists the documents of a beneficiary the caller registered,
// oldest first, one page at a time.
func (a *App) ListDocuments(ctx context.Context, act Actor, beneficiaryID string, size int32, token string) ([]*domain.Document, string, error) {
	page, err := pagination.Parse(size, token, pagination.UUIDKey, act.OrganisationID, pagination.Fingerprint("documents", ids.Normalize(beneficiaryID)))
	if err != nil {
		return nil, "", err
	}
	var out []*domain.Document
	err = a.repo.InTx(ctx, func(r Repository) error {
		b, err := owned(ctx, r, act, "beneficiary_id", beneficiaryID)
		if err != nil {
			return err
		}
		if out, err = r.ListDocumentsPage(ctx, b.ID, page); err != nil {
			return err
		}
		return audit(ctx, r, act, domain.ActionDocumentList, []string{"documents"}, b)
	})
	if err != nil {
		return nil, "", err
	}
	out, next := pagination.Next(page, out, func(d *domain.Document) string { return d.ID })
	return out, next, nil
}

// DeleteDocument removes a document of a beneficiary the caller registered.
func (a *App) DeleteDocument(ctx context.Context, act Actor, beneficiaryID, id string) error {
	if err := ids.Check("id", id); err != nil {
		return err
	}
	return a.repo.InTx(ctx, func(r Repository) error {
		b, err := ownerOnly(find(ctx, r, act, "beneficiary_id", beneficiaryID, LockPerson))
		if err != nil {
			return err
		}
		if err := r.DeleteDocument(ctx, b.ID, ids.Normalize(id)); err != nil {
			return err
		}
		return recordsChanged(ctx, r, act, domain.ActionDocumentDelete, "documents", b)
	})
}

// recordsChanged records that b's documents or household membership
// (field) changed, b's row locked as LockPerson: b's version moves, as
// every change to what a read of b answers moves it (its etag stands for
// all of it, so a read with If-None-Match is not answered 304 with the
// documents or household of before, and a change sent with the etag read
// before is refused as stale), the change is audited, and it is emitted
// as beneficiary.updated naming the fields of the beneficiary's read that
// changed (recordFields), as any other change of it is: a consumer that
// keeps a copy of the record, or its version, learns that it moved.
func recordsChanged(ctx context.Context, r interface {
	PersonStore
	AuditStore
	Outbox
}, act Actor, action, field string, b *domain.Beneficiary) error {
	if err := r.TouchBeneficiary(ctx, b.ID); err != nil {
		return err
	}
	if err := audit(ctx, r, act, action, []string{field}, b); err != nil {
		return err
	}
	return r.Emit(ctx, beneficiaryEvent(events.BeneficiaryUpdated, b.ID, []string{b.OrganisationID},
		map[string]any{"fields": recordFields[field]}))
}

// recordFields are the fields of a beneficiary's read (its proto and JSON
// names) that a change of its documents or household membership (the
// audited field) changes.
var recordFields = map[string][]string{
	"documents": {"documents"},
	"household": {"household_id", "household_relationship"},
}

// CorrectLegalStatusChange corrects the entry id of the legal status
// history of a beneficiary the caller registered to fix's status and
// start (domain.Beneficiary.CheckHistoryFix), if tag is the etag of the
// stored version, and returns the beneficiary. The entry keeps who
// recorded it and when, and says that the caller's organisation
// corrected it, and when.
func (a *App) CorrectLegalStatusChange(ctx context.Context, act Actor, beneficiaryID, id, tag string, fix domain.LegalStatusChange) (*domain.Beneficiary, error) {
	fix.CorrectedByOrganisationID = act.OrganisationID
	return a.fixHistory(ctx, act, beneficiaryID, id, tag, &fix)
}

// DeleteLegalStatusChange deletes the entry id of the legal status history
// of a beneficiary the caller registered, as CorrectLegalStatusChange.
func (a *App) DeleteLegalStatusChange(ctx context.Context, act Actor, beneficiaryID, id, tag string) (*domain.Beneficiary, error) {
	return a.fixHistory(ctx, act, beneficiaryID, id, tag, nil)
}

// fixHistory corrects (fix) or deletes (fix nil) a history entry. The
// record's version moves (its etag is the history's too), the change is
// audited and emitted as beneficiary.updated naming legal_status_history.
func (a *App) fixHistory(ctx context.Context, act Actor, beneficiaryID, id, tag string, fix *domain.LegalStatusChange) (*domain.Beneficiary, error) {
	if err := ids.Check("beneficiary_id", beneficiaryID); err != nil {
		return nil, err
	}
	if err := ids.Check("id", id); err != nil {
		return nil, err
	}
	action := domain.ActionHistoryDelete
	if fix != nil {
		action = domain.ActionHistoryCorrect
	}
	var out *domain.Beneficiary
	err := a.repo.InTx(ctx, func(r Repository) error {
		b, err := writable(ctx, r, act, "beneficiary_id", beneficiaryID, LockPerson)
		if err != nil {
			return err
		}
		held := &domain.Beneficiary{ID: b.ID, OrganisationID: b.OrganisationID}
		if err := r.LoadDetails(ctx, held); err != nil {
			return err
		}
		if err := b.CheckHistoryFix(held.LegalStatusHistory, ids.Normalize(id), fix, a.today()); err != nil {
			return err
		}
		if err := etag.Require("etag", tag, b.Version); err != nil {
			return err
		}
		if err := r.FixLegalStatusChange(ctx, b.ID, ids.Normalize(id), fix); err != nil {
			return err
		}
		if out, err = r.UpdateBeneficiary(ctx, b, b.Version); err != nil {
			return err
		}
		return updated(ctx, r, act, action, []string{"legal_status_history"}, out)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CreateHousehold registers a household of the caller's beneficiaries.
func (a *App) CreateHousehold(ctx context.Context, act Actor, h *domain.Household, requestID string) (*domain.Household, error) {
	if err := h.Validate(); err != nil {
		return nil, err
	}
	var out *domain.Household
	err := a.repo.InTx(ctx, func(r Repository) error {
		h.ID, h.OrganisationID = ids.New(), act.OrganisationID
		members := h.Members
		var created bool
		var err error
		if out, created, err = r.CreateHousehold(ctx, h, requestID); err != nil {
			return err
		}
		if created {
			// Members are locked (and added) in id order, as a merge locks
			// its two records, so the two cannot deadlock.
			order := make([]int, len(members))
			for i := range order {
				order[i] = i
			}
			slices.SortStableFunc(order, func(x, y int) int {
				return cmp.Compare(ids.Normalize(members[x].BeneficiaryID), ids.Normalize(members[y].BeneficiaryID))
			})
			for _, i := range order {
				if err := a.addMember(ctx, r, act, out.ID, members[i], fmt.Sprintf("household.members[%d]", i)); err != nil {
					return err
				}
			}
		}
		if out, err = r.GetHousehold(ctx, act.OrganisationID, out.ID); err != nil || created {
			return err
		}
		same, err := sameHousehold(ctx, r, out, h.Reference, members)
		if err != nil {
			return err
		}
		if !same {
			// Not a retry: another household must not be answered as if
			// this one were made.
			out = nil
			return errs.RequestIDReused("create another household")
		}
		// A retry answers with the household as it is now: a read.
		return auditHouseholdRead(ctx, r, act, out, "")
	})
	return out, err
}

// sameHousehold reports whether a create asking for reference and
// members asks again for household made, the one its request id made:
// the same reference (or made's blanked since by an erasure, as it may
// have named the person erased), and no member who was never in made
// (members may have left, or been merged or erased, since).
func sameHousehold(ctx context.Context, r HouseholdStore, made *domain.Household, reference string, members []domain.HouseholdMember) (bool, error) {
	if made.Reference != reference && made.Reference != "" {
		return false, nil
	}
	persons := make([]string, len(members))
	for i, m := range members {
		persons[i] = ids.Normalize(m.BeneficiaryID)
	}
	strangers, err := r.NeverMembers(ctx, made.ID, persons)
	return len(strangers) == 0, err
}

// householdMembers is what adding a member reads and writes.
type householdMembers interface {
	PersonStore
	HouseholdStore
	AuditStore
	Outbox
}

// addMember adds m, whose path in the request is path (member,
// household.members[2]), to the household.
func (a *App) addMember(ctx context.Context, r householdMembers, act Actor, householdID string, m domain.HouseholdMember, path string) error {
	field := path + ".beneficiary_id"
	b, err := writable(ctx, r, act, field, m.BeneficiaryID, LockPerson)
	if err != nil {
		return err
	}
	if err := r.AddHouseholdMember(ctx, householdID, m); errors.Is(err, domain.ErrHeadTaken) {
		return domain.HeadTaken(path + ".relationship")
	} else if errors.Is(err, errs.ErrAlreadyExists) {
		return domain.InHousehold(field)
	} else if err != nil {
		return err
	}
	return recordsChanged(ctx, r, act, domain.ActionHousehold, "household", b)
}

// GetHousehold returns a household of the caller's organisation; the read
// (its reference, who is in it and how related) is audited for each member.
func (a *App) GetHousehold(ctx context.Context, act Actor, id string) (*domain.Household, error) {
	if err := ids.Check("id", id); err != nil {
		return nil, err
	}
	var out *domain.Household
	err := a.repo.InTx(ctx, func(r Repository) error {
		var err error
		if out, err = r.GetHousehold(ctx, act.OrganisationID, ids.Normalize(id)); err != nil {
			return err
		}
		return auditHouseholdRead(ctx, r, act, out, "")
	})
	return out, err
}

// auditHouseholdRead records that act read household h (its reference,
// who is in it and how related) for each member but except, whose change
// the caller audits: GetHousehold returns h, and so do the writes.
func auditHouseholdRead(ctx context.Context, r AuditStore, act Actor, h *domain.Household, except string) error {
	members := make([]*domain.Beneficiary, 0, len(h.Members))
	for _, m := range h.Members {
		if m.BeneficiaryID != except {
			members = append(members, &domain.Beneficiary{ID: m.BeneficiaryID, OrganisationID: h.OrganisationID})
		}
	}
	return audit(ctx, r, act, domain.ActionHouseholdRead, []string{"household"}, members...)
}

// AddHouseholdMember adds one of the caller's beneficiaries to its household.
func (a *App) AddHouseholdMember(ctx context.Context, act Actor, householdID string, m domain.HouseholdMember) (*domain.Household, error) {
	if err := ids.Check("household_id", householdID); err != nil {
		return nil, err
	}
	var v errs.Violations
	m.Validate(&v, "member")
	if err := v.Err(); err != nil {
		return nil, err
	}
	var out *domain.Household
	err := a.repo.InTx(ctx, func(r Repository) error {
		h, err := r.GetHousehold(ctx, act.OrganisationID, ids.Normalize(householdID))
		if err != nil {
			return err
		}
		if err := a.addMember(ctx, r, act, h.ID, m, "member"); err != nil {
			return err
		}
		if out, err = r.GetHousehold(ctx, act.OrganisationID, h.ID); err != nil {
			return err
		}
		// The answer shows the other members too.
		return auditHouseholdRead(ctx, r, act, out, ids.Normalize(m.BeneficiaryID))
	})
	return out, err
}

// RemoveHouseholdMember takes a beneficiary out of the caller's household.
func (a *App) RemoveHouseholdMember(ctx context.Context, act Actor, householdID, beneficiaryID string) (*domain.Household, error) {
	if err := ids.Check("household_id", householdID); err != nil {
		return nil, err
	}
	var out *domain.Household
	err := a.repo.InTx(ctx, func(r Repository) error {
		h, err := r.GetHousehold(ctx, act.OrganisationID, ids.Normalize(householdID))
		if err != nil {
			return err
		}
		b, err := ownerOnly(find(ctx, r, act, "beneficiary_id", beneficiaryID, LockPerson))
		if err != nil {
			return err
		}
		if err := r.RemoveHouseholdMember(ctx, h.ID, b.ID); err != nil {
			return err
		}
		if err := recordsChanged(ctx, r, act, domain.ActionHousehold, "household", b); err != nil {
			return err
		}
		if out, err = r.GetHousehold(ctx, act.OrganisationID, h.ID); err != nil {
			return err
		}
		// The answer shows the remaining members.
		return auditHouseholdRead(ctx, r, act, out, "")
	})
	return out, err
}
