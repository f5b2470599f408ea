package app

import (
	"context"
	"slices"
	"strings"
	"testing"

	auditlog "github.com/spona/spona/pkg/audit"
	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/pagination"
	"github.com/spona/spona/pkg/testkit/statustest"
	"github.com/spona/spona/services/beneficiaries/internal/domain"
)

// Use-case tests of identity documents, the audit log and the reads other
// services report, against the registry fake.

// jmbg2006 is a valid JMBG of someone born on 1 January 2006.
const jmbg2006 = "0101006500006"

func (r *registry) CreateDocument(_ context.Context, d *domain.Document) (*domain.Document, error) {
	r.documents = append(r.documents, *d)
	out := *d
	return &out, nil
}

func (r *registry) ListDocuments(_ context.Context, beneficiaryID string) ([]*domain.Document, error) {
	var out []*domain.Document
	for _, d := range r.documents {
		if d.BeneficiaryID == beneficiaryID {
			out = append(out, &d)
		}
	}
	return out, nil
}

func (r *registry) ListAudit(_ context.Context, owner, beneficiaryID, actor string, _ pagination.Page) ([]auditlog.Record, error) {
	var out []auditlog.Record
	for _, rec := range r.audit {
		if rec.OwnerOrganisationID == owner && (beneficiaryID == "" || rec.BeneficiaryID == beneficiaryID) &&
			(actor == "" || rec.ActorOrganisationID == actor) {
			out = append(out, rec)
		}
	}
	return out, nil
}

func (r *registry) Owners(_ context.Context, list []string) (map[string]string, error) {
	out := map[string]string{}
	for _, id := range list {
		if b, ok := r.persons[id]; ok {
			out[id] = b.OrganisationID
		}
	}
	return out, nil
}

func TestCreateDocumentUseCase(t *testing.T) {
	t.Parallel()
	born2006 := func(r *registry) {
		r.edit(personID, func(b *domain.Beneficiary) { b.BirthDate = date.Date{Year: 2006, Month: 1, Day: 1} })
	}
	tests := []struct {
		name  string
		by    string
		doc   domain.Document
		setup func(*registry)
		kind  errs.Kind
		field string
	}{
		{name: "a passport", by: owner, doc: domain.Document{Type: "passport", Number: "p 123 456", IssuingCountry: "SY"}},
		{name: "a JMBG agreeing with the birth date", by: owner, doc: domain.Document{Type: "jmbg", Number: jmbg2006}, setup: born2006},
		{name: "a JMBG of a person without a birth date", by: owner, doc: domain.Document{Type: "jmbg", Number: jmbg2006}},
		{name: "a JMBG of another birth date", by: owner, doc: domain.Document{Type: "jmbg", Number: jmbg2006},
			setup: func(r *registry) {
				r.edit(personID, func(b *domain.Beneficiary) { b.BirthDate = date.Date{Year: 2005, Month: 1, Day: 1} })
			},
			kind: errs.KindInvalidArgument, field: "document.number"},
		{name: "not a JMBG", by: owner, doc: domain.Document{Type: "jmbg", Number: "0101006500007"},
			kind: errs.KindInvalidArgument, field: "document.number"},
		{name: "a grantee adds no document", by: grantee, doc: domain.Document{Type: "passport", Number: "P1"}, kind: errs.KindPermissionDenied},
		{name: "an erased person", by: owner, doc: domain.Document{Type: "passport", Number: "P1"},
			setup: func(r *registry) { r.edit(personID, func(b *domain.Beneficiary) { b.EraseTime = clock }) }, kind: errs.KindFailedPrecondition},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := people2(tt.setup)
			doc := tt.doc
			out, err := registryApp(r, directory{}).CreateDocument(context.Background(), actor(tt.by), personID, &doc)
			if tt.kind != 0 {
				statustest.WantError(t, err, tt.kind, "", violationsOf(tt.field))
				if len(r.documents) != 0 || len(r.audit) != 0 {
					t.Errorf("a refusal left traces: documents %v, audit %v", r.documents, r.audit)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !ids.Valid(out.ID) || out.BeneficiaryID != personID || out.OrganisationID != owner || strings.Contains(out.Number, " ") {
				t.Errorf("stored %+v", out)
			}
			if !slices.Equal(actions(r.audit), []string{domain.ActionDocumentCreate}) {
				t.Errorf("audit %v, want one %s", actions(r.audit), domain.ActionDocumentCreate)
			}
		})
	}
}

// Only the registering organisation reads a person's audit log (merged and
// erased records keep theirs); "-" is every person of the caller's.
func TestListAuditEventsUseCase(t *testing.T) {
	t.Parallel()
	r := people2(func(r *registry) { r.edit(personB, func(b *domain.Beneficiary) { b.MergedInto = personID }) })
	r.audit = []auditlog.Record{
		{ID: 1, OwnerOrganisationID: owner, BeneficiaryID: personID, ActorOrganisationID: owner, Action: domain.ActionCreate},
		{ID: 2, OwnerOrganisationID: owner, BeneficiaryID: personID, ActorOrganisationID: grantee, Action: domain.ActionRead},
		{ID: 3, OwnerOrganisationID: owner, BeneficiaryID: personB, ActorOrganisationID: owner, Action: domain.ActionMergedAway},
		{ID: 4, OwnerOrganisationID: grantee, BeneficiaryID: personC, ActorOrganisationID: grantee, Action: domain.ActionCreate},
	}
	a := registryApp(r, directory{})
	for _, c := range []struct {
		by, person, actorOrg string
		want                 []int64
		kind                 errs.Kind
		field                string
	}{
		{by: owner, person: personID, want: []int64{1, 2}},
		{by: owner, person: personID, actorOrg: grantee, want: []int64{2}},
		{by: owner, person: personB, want: []int64{3}},
		{by: owner, person: "-", want: []int64{1, 2, 3}},
		{by: grantee, person: personID, kind: errs.KindPermissionDenied},
		{by: stranger, person: personID, kind: errs.KindNotFound},
		{by: owner, person: personID, actorOrg: "someone", kind: errs.KindInvalidArgument, field: "actor_organisation_id"},
	} {
		rows, _, err := a.ListAuditEvents(context.Background(), actor(c.by), c.person, c.actorOrg, 0, "")
		if c.kind != 0 {
			statustest.WantError(t, err, c.kind, "", violationsOf(c.field))
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, rec := range rows {
			got = append(got, rec.ID)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s reading %s's log (actor %q): %v, want %v", c.by, c.person, c.actorOrg, got, c.want)
		}
	}
}

// Reads another service made are recorded for the owner of each person it
// names; persons that do not exist are skipped, and a purpose is checked.
func TestRecordAccessUseCase(t *testing.T) {
	t.Parallel()
	r := people2(nil)
	act := actor(grantee)
	act.Purpose = "case follow-up"
	reads := []domain.Read{{BeneficiaryID: personID, Resource: "referrals/1"}, {BeneficiaryID: personC, Resource: "referrals/2"},
		{BeneficiaryID: "0190c000-0000-7000-8000-0000000000ff", Resource: "referrals/3"}}
	n, err := registryApp(r, directory{}).RecordAccess(context.Background(), act, "referral.read", []string{"referral.reason"}, reads)
	if err != nil || n != 2 {
		t.Fatalf("recorded %d (%v), want the two existing persons", n, err)
	}
	for i, want := range []auditlog.Record{
		{OwnerOrganisationID: owner, BeneficiaryID: personID, Resource: "referrals/1"},
		{OwnerOrganisationID: grantee, BeneficiaryID: personC, Resource: "referrals/2"},
	} {
		got := r.audit[i]
		if got.OwnerOrganisationID != want.OwnerOrganisationID || got.BeneficiaryID != want.BeneficiaryID || got.Resource != want.Resource ||
			got.ActorOrganisationID != grantee || got.Purpose != act.Purpose || got.Action != "referral.read" {
			t.Errorf("record %d: %+v, want %+v by %s", i, got, want, grantee)
		}
	}
	act.Purpose = strings.Repeat("x", auditlog.MaxPurpose+1)
	if _, err := registryApp(r, directory{}).RecordAccess(context.Background(), act, "referral.read", nil, reads); errs.KindOf(err) != errs.KindInvalidArgument {
		t.Errorf("an overlong purpose: %v, want invalid", err)
	}
	if _, err := registryApp(r, directory{}).RecordAccess(context.Background(), actor(grantee), "Referral Read", nil, reads); errs.KindOf(err) != errs.KindInvalidArgument {
		t.Errorf("a bad action code: %v, want invalid", err)
	}
}
