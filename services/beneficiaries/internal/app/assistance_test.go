package app

import (
	"context"
	"maps"
	"slices"
	"testing"

	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/events"
	"github.com/spona/spona/pkg/pagination"
	"github.com/spona/spona/pkg/testkit/statustest"
	"github.com/spona/spona/services/beneficiaries/internal/domain"
)

// Use-case tests of recording assistance: which directory services an
// organisation may name for a person (its own, or one of an organisation
// that may see the person), locations, project tags, and what a grantee
// lists, against the registry fake and small fakes of the directory and
// the project check.

const (
	ownerService   = "0190c000-0000-7000-8000-0000000000e1"
	granteeService = "0190c000-0000-7000-8000-0000000000e2"
	unlisted       = "0190c000-0000-7000-8000-0000000000e9"
	location       = "0190c000-0000-7000-8000-0000000000a1"
	project        = "0190c000-0000-7000-8000-0000000000d1"
	refusedProject = "0190c000-0000-7000-8000-0000000000d2"
)

// directory lists owner's service (one location) and grantee's; down makes
// it unreachable.
type directory struct{ down bool }

func (d directory) Service(_ context.Context, id string) (domain.DirectoryService, error) {
	switch {
	case d.down:
		return domain.DirectoryService{}, errs.New(errs.KindUnavailable, "directory down")
	case id == ownerService:
		return domain.DirectoryService{ID: id, OrganisationID: owner, Category: "legal", LocationIDs: []string{location}}, nil
	case id == granteeService:
		return domain.DirectoryService{ID: id, OrganisationID: grantee, Category: "health"}, nil
	}
	return domain.DirectoryService{}, errs.NotFound("service", id)
}

// projects lets every organisation tag project, none refusedProject.
type projects struct{}

func (projects) CheckTag(_ context.Context, id string) error {
	if id == refusedProject {
		return errs.PermissionDenied("not a participant of project %s", id)
	}
	return nil
}

func (r *registry) CreateAssistance(_ context.Context, a *domain.Assistance, _ string) (*domain.Assistance, error) {
	r.assistance = append(r.assistance, *a)
	out := *a
	return &out, nil
}

func (r *registry) ListAssistances(_ context.Context, onlyOrg, beneficiaryID string, voided bool, _ pagination.Page) ([]*domain.Assistance, error) {
	var out []*domain.Assistance
	for _, a := range r.assistance {
		if a.BeneficiaryID == beneficiaryID && (onlyOrg == "" || a.OrganisationID == onlyOrg) && (voided || a.VoidTime.IsZero()) {
			out = append(out, &a)
		}
	}
	return out, nil
}

func TestCreateAssistanceUseCase(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		by       string
		person   string
		in       domain.Assistance
		down     bool
		setup    func(*registry)
		kind     errs.Kind
		field    string // violation
		category string // kept from the directory
	}{
		{name: "no service named", by: owner, person: personID, in: domain.Assistance{}},
		{name: "the owner's own service, at one of its locations", by: owner, person: personID,
			in: domain.Assistance{ServiceID: ownerService, LocationID: location, ProjectID: project}, category: "legal"},
		{name: "a grantee records its own service", by: grantee, person: personID, in: domain.Assistance{ServiceID: granteeService}, category: "health"},
		{name: "the service of an organisation that sees the person", by: owner, person: personID,
			in: domain.Assistance{ServiceID: granteeService}, category: "health"},
		{name: "not the service of one that does not", by: owner, person: personB, in: domain.Assistance{ServiceID: granteeService},
			kind: errs.KindPermissionDenied},
		{name: "a service the directory does not list", by: owner, person: personID, in: domain.Assistance{ServiceID: unlisted},
			kind: errs.KindInvalidArgument, field: "assistance.service_id"},
		{name: "a location of another service", by: owner, person: personID,
			in: domain.Assistance{ServiceID: granteeService, LocationID: location}, kind: errs.KindInvalidArgument, field: "assistance.location_id"},
		{name: "the directory cannot be asked", by: owner, person: personID, in: domain.Assistance{ServiceID: ownerService}, down: true,
			kind: errs.KindUnavailable},
		{name: "a project the caller may not tag", by: owner, person: personID, in: domain.Assistance{ProjectID: refusedProject},
			kind: errs.KindPermissionDenied},
		{name: "a stranger sees no such person", by: stranger, person: personID, in: domain.Assistance{}, kind: errs.KindNotFound},
		{name: "an erased person", by: owner, person: personID, in: domain.Assistance{},
			setup: func(r *registry) { r.edit(personID, func(b *domain.Beneficiary) { b.EraseTime = clock }) },
			kind:  errs.KindFailedPrecondition},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := people2(tt.setup)
			in := tt.in
			in.Type, in.Date, in.Notes = "legal_counselling", date.Of(clock), "Amina spoke of her asylum interview"
			out, err := registryApp(r, directory{down: tt.down}).CreateAssistance(context.Background(), actor(tt.by), tt.person, &in, "")
			if tt.kind != 0 {
				statustest.WantError(t, err, tt.kind, "", violationsOf(tt.field))
				if len(r.assistance) != 0 || len(r.audit) != 0 || len(r.emitted) != 0 {
					t.Errorf("a refusal left traces: assistance %v, audit %v, events %v", r.assistance, r.audit, r.emitted)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if out.OrganisationID != tt.by || out.BeneficiaryID != tt.person || out.ServiceCategory != tt.category || len(r.assistance) != 1 {
				t.Errorf("stored %+v, want by %s for %s in category %q", out, tt.by, tt.person, tt.category)
			}
			if !slices.Equal(actions(r.audit), []string{domain.ActionAssistance}) || r.audit[0].BeneficiaryID != tt.person {
				t.Errorf("audit %v, want one %s", actions(r.audit), domain.ActionAssistance)
			}
			// Told, with the change, to the recording and the registering
			// organisations: ids and codes, never the notes.
			want := map[string]any{"assistance_id": out.ID, "beneficiary_id": tt.person, "organisation_id": tt.by,
				"assistance_type": "legal_counselling", "date": date.Of(clock).String()}
			for k, v := range map[string]string{"service_id": tt.in.ServiceID, "location_id": tt.in.LocationID, "project_id": tt.in.ProjectID} {
				if v != "" {
					want[k] = v
				}
			}
			orgs := slices.Compact([]string{tt.by, owner})
			if len(r.emitted) != 1 || r.emitted[0].Type != events.AssistanceRecorded || r.emitted[0].AggregateID != out.ID ||
				!maps.Equal(r.emitted[0].Data, want) || !slices.Equal(r.emitted[0].OrganisationIDs, orgs) {
				t.Errorf("events %+v, want one %s with %v to %v", r.emitted, events.AssistanceRecorded, want, orgs)
			}
		})
	}
}

// The owner lists every organisation's assistance to its person; a
// grantee only what it recorded itself.
func TestListAssistancesUseCase(t *testing.T) {
	t.Parallel()
	r := people2(nil)
	r.assistance = []domain.Assistance{{ID: "a1", BeneficiaryID: personID, OrganisationID: owner},
		{ID: "a2", BeneficiaryID: personID, OrganisationID: grantee}}
	a := registryApp(r, directory{})
	for _, c := range []struct {
		by   string
		want []string
	}{{owner, []string{"a1", "a2"}}, {grantee, []string{"a2"}}} {
		rows, _, err := a.ListAssistances(context.Background(), actor(c.by), personID, false, 0, "")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, x := range rows {
			got = append(got, x.ID)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s lists %v, want %v", c.by, got, c.want)
		}
	}
	if _, _, err := a.ListAssistances(context.Background(), actor(stranger), personID, false, 0, ""); errs.KindOf(err) != errs.KindNotFound {
		t.Errorf("a stranger's list: %v, want not found", err)
	}
}
