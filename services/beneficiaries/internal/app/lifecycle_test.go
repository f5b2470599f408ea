package app

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/events"
	"github.com/spona/spona/pkg/testkit/statustest"
	"github.com/spona/spona/services/beneficiaries/internal/domain"
)

// Use-case tests of merging, erasing and households: who may, what a
// refusal leaves (nothing), which records the audit log gets and whom the
// events concern, against a small fake of the PersonStore, Lifecycle,
// HouseholdStore, AuditStore and Outbox (the PostgreSQL scenario tests in
// service/ stay).

const (
	personB = "0190c000-0000-7000-8000-000000000002" // owner's, a duplicate of personID
	personC = "0190c000-0000-7000-8000-000000000003" // grantee's own, shared with owner
	hhID    = "0190c000-0000-7000-8000-0000000000b1"
)

// registry fakes what these use cases use; anything else panics on the nil
// embedded interface.
type registry struct {
	journal
	persons    map[string]domain.Beneficiary
	sees       map[string][]string // person → organisations holding a grant
	households map[string]domain.Household
	requests   map[string]string // request id → household
	assistance []domain.Assistance
	documents  []domain.Document
	guarded    []string // consents of others whose guardian's name an erasure blanks
}

// InTx is one transaction: on error, nothing it wrote stays.
func (r *registry) InTx(_ context.Context, fn func(Repository) error) error {
	before := *r
	before.persons, before.households, before.requests = maps.Clone(r.persons), maps.Clone(r.households), maps.Clone(r.requests)
	before.assistance, before.documents = slices.Clone(r.assistance), slices.Clone(r.documents)
	before.audit, before.emitted = slices.Clone(r.audit), slices.Clone(r.emitted)
	if err := fn(r); err != nil {
		*r = before
		return err
	}
	return nil
}

func (r *registry) LockBeneficiary(ctx context.Context, viewer, id string, lock Lock) (*domain.Beneficiary, error) {
	r.lock(id, lock)
	return r.GetBeneficiary(ctx, viewer, id)
}

func (r *registry) GetBeneficiary(_ context.Context, viewer, id string) (*domain.Beneficiary, error) {
	b, ok := r.persons[id]
	switch {
	case ok && viewer == b.OrganisationID:
		b.Access = domain.AccessOwner
	case ok && slices.Contains(r.sees[id], viewer):
		b.Access = domain.AccessGranted
	default:
		return nil, errs.NotFound("beneficiary", id)
	}
	return &b, nil
}

func (r *registry) LoadDetails(context.Context, *domain.Beneficiary) error { return nil }

func (r *registry) TouchBeneficiary(_ context.Context, id string) error {
	r.edit(id, func(b *domain.Beneficiary) { b.Version++ })
	return nil
}

func (r *registry) GrantHolders(_ context.Context, ids []string) ([]string, error) {
	var out []string
	for _, id := range ids {
		out = append(out, r.sees[id]...)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

func (r *registry) LiveGrantHolders(_ context.Context, id string) ([]string, error) {
	return slices.Sorted(slices.Values(r.sees[id])), nil
}

func (r *registry) Merge(_ context.Context, primary, dup *domain.Beneficiary) error {
	d := r.persons[dup.ID]
	d.MergedInto = primary.ID
	r.persons[dup.ID] = d
	return nil
}

func (r *registry) LockSurvivor(ctx context.Context, viewer, id string) (*domain.Beneficiary, error) {
	b, err := r.GetBeneficiary(ctx, viewer, id)
	if err != nil || b.MergedInto == "" {
		if err == nil {
			r.lock(id, LockPerson)
		}
		return b, err
	}
	return r.LockBeneficiary(ctx, viewer, b.MergedInto, LockPerson)
}

func (r *registry) LockMergedFrom(_ context.Context, id string) ([]string, error) {
	var out []string
	for _, b := range r.persons {
		if b.MergedInto == id {
			out = append(out, b.ID)
		}
	}
	slices.Sort(out)
	for _, m := range out {
		r.lock(m, LockPerson)
	}
	return out, nil
}

func (r *registry) Erase(_ context.Context, b *domain.Beneficiary, merged []string) ([]string, []string, error) {
	r.persons[b.ID] = *b
	for _, id := range merged {
		m := r.persons[id]
		m.GivenName, m.EraseTime = "", b.EraseTime
		r.persons[id] = m
	}
	var households []string
	for id, h := range r.households {
		if slices.ContainsFunc(h.Members, func(m domain.HouseholdMember) bool {
			return m.BeneficiaryID == b.ID || slices.Contains(merged, m.BeneficiaryID)
		}) {
			households = append(households, id)
		}
	}
	return households, r.guarded, nil
}

func (r *registry) CreateHousehold(_ context.Context, h *domain.Household, requestID string) (*domain.Household, bool, error) {
	if id, ok := r.requests[requestID]; ok && requestID != "" {
		out := r.households[id]
		return &out, false, nil
	}
	out := domain.Household{ID: h.ID, OrganisationID: h.OrganisationID, Reference: h.Reference}
	r.households[h.ID], r.requests[requestID] = out, h.ID
	return &out, true, nil
}

func (r *registry) GetHousehold(_ context.Context, org, id string) (*domain.Household, error) {
	h, ok := r.households[id]
	if !ok || h.OrganisationID != org {
		return nil, errs.NotFound("household", id)
	}
	h.Members = slices.Clone(h.Members)
	return &h, nil
}

func (r *registry) AddHouseholdMember(_ context.Context, householdID string, m domain.HouseholdMember) error {
	h := r.households[householdID]
	h.Members = append(slices.Clone(h.Members), m)
	r.households[householdID] = h
	return nil
}

func (r *registry) RemoveHouseholdMember(_ context.Context, householdID, beneficiaryID string) error {
	h := r.households[householdID]
	n := len(h.Members)
	h.Members = slices.DeleteFunc(slices.Clone(h.Members), func(m domain.HouseholdMember) bool { return m.BeneficiaryID == beneficiaryID })
	if len(h.Members) == n {
		return errs.NotFound("household member", beneficiaryID)
	}
	r.households[householdID] = h
	return nil
}

// NeverMembers: the fake keeps no departures, so a person is held by the
// household when a member now, or erased or merged since.
func (r *registry) NeverMembers(_ context.Context, householdID string, persons []string) ([]string, error) {
	var out []string
	for _, id := range persons {
		held := slices.ContainsFunc(r.households[householdID].Members, func(m domain.HouseholdMember) bool { return m.BeneficiaryID == id })
		if p := r.persons[id]; !held && p.EraseTime.IsZero() && p.MergedInto == "" {
			out = append(out, id)
		}
	}
	return out, nil
}

// people2 is owner's two records of one person (personID shared with
// grantee), grantee's own personC (shared with owner), and owner's empty
// household, then changed by setup (when not nil).
func people2(setup func(*registry)) *registry {
	r := &registry{
		persons: map[string]domain.Beneficiary{
			personID: {ID: personID, OrganisationID: owner, GivenName: "Amina"},
			personB:  {ID: personB, OrganisationID: owner, GivenName: "Амина"},
			personC:  {ID: personC, OrganisationID: grantee, GivenName: "Omar"},
		},
		sees:       map[string][]string{personID: {grantee}, personC: {owner}},
		households: map[string]domain.Household{hhID: {ID: hhID, OrganisationID: owner}},
		requests:   map[string]string{},
	}
	if setup != nil {
		setup(r)
	}
	return r
}

// edit changes person id.
func (r *registry) edit(id string, change func(*domain.Beneficiary)) {
	b := r.persons[id]
	change(&b)
	r.persons[id] = b
}

// state is what the use cases may change of each person.
func (r *registry) state() map[string]string {
	out := map[string]string{}
	for id, b := range r.persons {
		out[id] = fmt.Sprint(b.GivenName, b.MergedInto, b.EraseTime)
	}
	return out
}

// registryApp is the application over r, the directory d and a project
// check refusing refusedProject, at clock.
func registryApp(r *registry, d directory) *App {
	a := New(r, projects{}, d)
	a.now = func() time.Time { return clock }
	a.today = func() date.Date { return date.Of(clock) }
	return a
}

func TestMergeBeneficiariesUseCase(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		by          string
		primary     string
		dup         string
		setup       func(*registry)
		kind        errs.Kind
		reason      string
		violations  []string
		concernsToo []string // organisations the event concerns besides the owner
	}{
		// The grantee sees personID only: it is told when that record is
		// merged away (its id goes stale), not when personID survives.
		{name: "the owner merges its duplicate", by: owner, primary: personID, dup: personB},
		{name: "the grant holders of the duplicate are told", by: owner, primary: personB, dup: personID, concernsToo: []string{grantee}},
		{name: "not into itself", by: owner, primary: personID, dup: personID, kind: errs.KindInvalidArgument, violations: []string{"duplicate_id"}},
		{name: "not into itself, in either case", by: owner, primary: personID, dup: strings.ToUpper(personID), kind: errs.KindInvalidArgument,
			violations: []string{"duplicate_id"}},
		{name: "ids are UUIDs", by: owner, primary: "x", dup: "", kind: errs.KindInvalidArgument, violations: []string{"duplicate_id", "id"}},
		{name: "a record seen through a grant is not the caller's to merge", by: owner, primary: personID, dup: personC,
			kind: errs.KindPermissionDenied},
		{name: "a grantee merges nothing", by: grantee, primary: personC, dup: personID, kind: errs.KindPermissionDenied},
		{name: "a merged record is merged already", by: owner, primary: personID, dup: personB,
			setup: func(r *registry) { r.edit(personB, func(b *domain.Beneficiary) { b.MergedInto = personC }) },
			kind:  errs.KindFailedPrecondition, reason: "BENEFICIARY_MERGED"},
		{name: "an erased record is not merged", by: owner, primary: personID, dup: personB,
			setup: func(r *registry) { r.edit(personID, func(b *domain.Beneficiary) { b.EraseTime = clock }) },
			kind:  errs.KindFailedPrecondition, reason: "BENEFICIARY_ERASED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := people2(tt.setup)
			before := r.state()
			out, err := registryApp(r, directory{}).MergeBeneficiaries(context.Background(), actor(tt.by), tt.primary, tt.dup)
			if tt.kind != 0 {
				statustest.WantError(t, err, tt.kind, tt.reason, nil)
				if tt.violations != nil { // in any order
					var e *errs.Error
					var got []string
					if errors.As(err, &e) {
						for _, v := range e.Violations {
							got = append(got, v.Field)
						}
					}
					slices.Sort(got)
					if !slices.Equal(got, tt.violations) {
						t.Errorf("violations %v, want %v", got, tt.violations)
					}
				}
				if !maps.Equal(r.state(), before) || len(r.audit) != 0 || len(r.emitted) != 0 {
					t.Errorf("a refused merge left traces: audit %v, events %v", r.audit, r.emitted)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if out.ID != tt.primary || r.persons[tt.dup].MergedInto != tt.primary {
				t.Errorf("survivor %s, %s merged into %q", out.ID, tt.dup, r.persons[tt.dup].MergedInto)
			}
			if want := []string{domain.ActionMerge, domain.ActionMergedAway}; !slices.Equal(actions(r.audit), want) ||
				r.audit[0].BeneficiaryID != tt.primary || r.audit[1].BeneficiaryID != tt.dup {
				t.Errorf("audit %+v, want %v of the survivor then the duplicate", r.audit, want)
			}
			if len(r.emitted) != 1 || r.emitted[0].Type != events.BeneficiaryMerged || r.emitted[0].AggregateID != tt.dup ||
				!slices.Equal(r.emitted[0].OrganisationIDs, append([]string{owner}, tt.concernsToo...)) ||
				r.emitted[0].Data["survivor_id"] != tt.primary {
				t.Errorf("events %+v, want one %s of %s naming the survivor", r.emitted, events.BeneficiaryMerged, tt.dup)
			}
		})
	}
}

func TestEraseBeneficiaryUseCase(t *testing.T) {
	t.Parallel()
	merged := func(r *registry) { r.edit(personB, func(b *domain.Beneficiary) { b.MergedInto = personID }) }
	tests := []struct {
		name   string
		by     string
		id     string
		setup  func(*registry)
		kind   errs.Kind
		erased []string // records anonymised
		merged []string // merged_ids of the event
		homes  []string // household_ids of the event
		guards []string // consent_ids of the event
		quiet  bool     // erased before: nothing recorded
	}{
		{name: "the owner erases a person", by: owner, id: personID, erased: []string{personID}},
		{name: "erasing a merged record erases the person", by: owner, id: personB, setup: merged,
			erased: []string{personID, personB}, merged: []string{personB}},
		{name: "erasing the survivor erases what was merged into it", by: owner, id: personID, setup: merged,
			erased: []string{personID, personB}, merged: []string{personB}},
		{name: "the event names the person's household", by: owner, id: personID,
			setup: func(r *registry) {
				r.households[hhID] = domain.Household{ID: hhID, OrganisationID: owner,
					Members: []domain.HouseholdMember{{BeneficiaryID: personID, Relationship: "head"}}}
			},
			erased: []string{personID}, homes: []string{hhID}},
		{name: "the event names the consents whose guardian's name named the person", by: owner, id: personID,
			setup:  func(r *registry) { r.guarded = []string{consentID} },
			erased: []string{personID}, guards: []string{consentID}},
		{name: "erasing twice changes nothing", by: owner, id: personID,
			setup:  func(r *registry) { r.edit(personID, func(b *domain.Beneficiary) { b.Erase(clock.Add(-time.Hour)) }) },
			erased: []string{personID}, quiet: true},
		{name: "a grantee erases nothing", by: grantee, id: personID, kind: errs.KindPermissionDenied},
		{name: "a stranger sees no such person", by: stranger, id: personID, kind: errs.KindNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := people2(tt.setup)
			before := r.state()
			out, err := registryApp(r, directory{}).EraseBeneficiary(context.Background(), actor(tt.by), tt.id, "the person asked")
			if tt.kind != 0 {
				statustest.WantError(t, err, tt.kind, "", nil)
				if !maps.Equal(r.state(), before) || len(r.audit) != 0 || len(r.emitted) != 0 {
					t.Errorf("a refused erasure left traces: audit %v, events %v", r.audit, r.emitted)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if out.ID != tt.id || out.EraseTime.IsZero() {
				t.Errorf("returned %s erased at %v, want %s erased", out.ID, out.EraseTime, tt.id)
			}
			var erased []string
			for id, b := range r.persons {
				if !b.EraseTime.IsZero() {
					erased = append(erased, id)
					if b.GivenName != "" {
						t.Errorf("%s erased but still named", id)
					}
				}
			}
			slices.Sort(erased)
			if !slices.Equal(erased, tt.erased) {
				t.Errorf("erased %v, want %v", erased, tt.erased)
			}
			if tt.quiet {
				if len(r.audit) != 0 || len(r.emitted) != 0 {
					t.Errorf("a second erasure recorded audit %v, events %v", r.audit, r.emitted)
				}
				return
			}
			if !slices.Equal(actions(r.audit), []string{domain.ActionErase}) || r.audit[0].BeneficiaryID != personID {
				t.Errorf("audit %+v, want one %s of the person", r.audit, domain.ActionErase)
			}
			ids, _ := r.emitted[0].Data["merged_ids"].([]string)
			homes, _ := r.emitted[0].Data["household_ids"].([]string)
			guards, _ := r.emitted[0].Data["consent_ids"].([]string)
			if len(r.emitted) != 1 || r.emitted[0].Type != events.BeneficiaryErased || r.emitted[0].AggregateID != personID ||
				!slices.Equal(r.emitted[0].OrganisationIDs, []string{owner, grantee}) || !slices.Equal(ids, tt.merged) || !slices.Equal(homes, tt.homes) ||
				!slices.Equal(guards, tt.guards) {
				t.Errorf("events %+v, want one %s of the person to the owner and the grant holder, merged %v, households %v, consents %v",
					r.emitted, events.BeneficiaryErased, tt.merged, tt.homes, tt.guards)
			}
		})
	}
}

// moving is a registry where the survivor an erasure locks was merged
// away by a merge that committed while the erasure waited for the lock,
// in each of the first moves attempts.
type moving struct {
	*registry
	moves int
}

func (m *moving) InTx(ctx context.Context, fn func(Repository) error) error {
	return m.registry.InTx(ctx, func(Repository) error { return fn(m) })
}

func (m *moving) LockSurvivor(ctx context.Context, viewer, id string) (*domain.Beneficiary, error) {
	b, err := m.registry.LockSurvivor(ctx, viewer, id)
	if err == nil && m.moves > 0 {
		m.moves--
		b.MergedInto = personB
	}
	return b, err
}

// TestEraseBeneficiaryMergedMeanwhile: an erasure whose person was merged
// away between its read of the survivor and the survivor's lock starts
// again (a few times, then ABORTED), recording nothing of the attempt.
func TestEraseBeneficiaryMergedMeanwhile(t *testing.T) {
	t.Parallel()
	for moves, kind := range map[int]errs.Kind{1: 0, eraseAttempts - 1: 0, eraseAttempts: errs.KindAborted} {
		m := &moving{registry: people2(nil), moves: moves}
		a := registryApp(m.registry, directory{})
		a.repo = m
		_, err := a.EraseBeneficiary(context.Background(), actor(owner), personID, "the person asked")
		if kind != 0 {
			statustest.WantError(t, err, kind, "", nil)
			if len(m.audit) != 0 || len(m.emitted) != 0 || !m.persons[personID].EraseTime.IsZero() {
				t.Errorf("%d moves: a refused erasure left traces: audit %v, events %v", moves, m.audit, m.emitted)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%d moves: %v", moves, err)
		}
		if m.persons[personID].EraseTime.IsZero() || len(m.emitted) != 1 {
			t.Errorf("%d moves: person erased at %v, events %v; want erased once", moves, m.persons[personID].EraseTime, m.emitted)
		}
	}
}

func TestHouseholdUseCases(t *testing.T) {
	t.Parallel()
	member := func(id string) domain.HouseholdMember {
		return domain.HouseholdMember{BeneficiaryID: id, Relationship: "child"}
	}
	tests := []struct {
		name    string
		by      string
		setup   func(*registry)
		do      func(context.Context, *App, Actor) (*domain.Household, error)
		kind    errs.Kind
		field   string
		members []string // of owner's household hhID, or of the one created
		audited []string // persons with a household audit record
	}{
		{name: "a household of the caller's own", by: owner,
			do: func(ctx context.Context, a *App, act Actor) (*domain.Household, error) {
				return a.CreateHousehold(ctx, act, &domain.Household{Members: []domain.HouseholdMember{member(personID), member(personB)}}, "r1")
			}, members: []string{personID, personB}, audited: []string{personID, personB}},
		{name: "a person seen through a grant is not the caller's to group", by: owner,
			do: func(ctx context.Context, a *App, act Actor) (*domain.Household, error) {
				return a.CreateHousehold(ctx, act, &domain.Household{Members: []domain.HouseholdMember{member(personID), member(personC)}}, "r1")
			}, kind: errs.KindPermissionDenied},
		{name: "a member added", by: owner,
			do: func(ctx context.Context, a *App, act Actor) (*domain.Household, error) {
				return a.AddHouseholdMember(ctx, act, hhID, member(personB))
			}, members: []string{personB}, audited: []string{personB}},
		{name: "another organisation's household is not found", by: grantee,
			do: func(ctx context.Context, a *App, act Actor) (*domain.Household, error) {
				return a.AddHouseholdMember(ctx, act, hhID, member(personC))
			}, kind: errs.KindNotFound},
		{name: "a member is checked before anything is read", by: owner,
			do: func(ctx context.Context, a *App, act Actor) (*domain.Household, error) {
				return a.AddHouseholdMember(ctx, act, hhID, domain.HouseholdMember{BeneficiaryID: personB, Relationship: "cousin"})
			}, kind: errs.KindInvalidArgument, field: "member.relationship"},
		{name: "an erased person joins no household", by: owner,
			setup: func(r *registry) { r.edit(personB, func(b *domain.Beneficiary) { b.EraseTime = clock }) },
			do: func(ctx context.Context, a *App, act Actor) (*domain.Household, error) {
				return a.AddHouseholdMember(ctx, act, hhID, member(personB))
			}, kind: errs.KindFailedPrecondition},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := people2(tt.setup)
			households := len(r.households)
			h, err := tt.do(context.Background(), registryApp(r, directory{}), actor(tt.by))
			if tt.kind != 0 {
				statustest.WantError(t, err, tt.kind, "", violationsOf(tt.field))
				if len(r.households) != households || len(r.households[hhID].Members) != 0 || len(r.audit) != 0 {
					t.Errorf("a refusal left traces: households %v, audit %v", r.households, r.audit)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var members []string
			for _, m := range h.Members {
				members = append(members, m.BeneficiaryID)
			}
			if h.OrganisationID != owner || !slices.Equal(members, tt.members) {
				t.Errorf("household of %s with %v, want owner's with %v", h.OrganisationID, members, tt.members)
			}
			var audited []string
			for _, rec := range r.audit {
				if rec.Action == domain.ActionHousehold {
					audited = append(audited, rec.BeneficiaryID)
				}
			}
			if !slices.Equal(audited, tt.audited) || len(r.audit) != len(tt.audited) {
				t.Errorf("audit %v, want a household record of %v", actions(r.audit), tt.audited)
			}
		})
	}
}

// A retried create (same request id) returns the first household (a read,
// audited) and adds no member twice; removing a member takes only the
// caller's own.
func TestHouseholdRetryAndRemove(t *testing.T) {
	t.Parallel()
	r := people2(nil)
	a := registryApp(r, directory{})
	ctx := context.Background()
	in := func() *domain.Household {
		return &domain.Household{Members: []domain.HouseholdMember{{BeneficiaryID: personB, Relationship: "head"}}}
	}
	first, err := a.CreateHousehold(ctx, actor(owner), in(), "same")
	if err != nil {
		t.Fatal(err)
	}
	again, err := a.CreateHousehold(ctx, actor(owner), in(), "same")
	if err != nil || again.ID != first.ID || len(again.Members) != 1 {
		t.Fatalf("retry: %+v (%v), want household %s with one member", again, err, first.ID)
	}
	if _, err := a.RemoveHouseholdMember(ctx, actor(owner), first.ID, personC); errs.KindOf(err) != errs.KindPermissionDenied {
		t.Errorf("removing a person seen through a grant: %v, want permission denied", err)
	}
	h, err := a.RemoveHouseholdMember(ctx, actor(owner), first.ID, personB)
	if err != nil || len(h.Members) != 0 {
		t.Errorf("remove: %+v (%v), want no member left", h, err)
	}
	if want := []string{domain.ActionHousehold, domain.ActionHouseholdRead, domain.ActionHousehold}; !slices.Equal(actions(r.audit), want) {
		t.Errorf("audit %v, want %v (the create, the retry's answer and the removal)", actions(r.audit), want)
	}
}
