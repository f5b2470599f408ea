package service_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	pb "github.com/spona/spona/gen/go/spona/reporting/v1"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/services/reporting/service"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
)

// trail is a reporting service of its own (no sources: manual indicators
// only) with what a test of an indicator's trail reads: its feed and the
// indicator_audit table.
type trail struct {
	t     testing.TB
	c     pb.ReportingServiceClient
	conn  grpc.ClientConnInterface
	dbURL string
}

func startTrail(t testing.TB) *trail {
	dbURL := pgtest.NewDatabase(t)
	return startTrailVia(t, dbURL, dbURL)
}

// startTrailVia starts the service of dbURL's database connecting to it
// through serviceURL (a relay counting its round trips: pkg/testkit/pgwire).
func startTrailVia(t testing.TB, dbURL, serviceURL string) *trail {
	conn := servicetest.Start(t, service.New(service.Config{Config: servicetest.Platform(t, serviceURL),
		BeneficiariesAddr: "127.0.0.1:1", ReferralsAddr: "127.0.0.1:1", TrainingsAddr: "127.0.0.1:1"}))
	return &trail{t: t, c: pb.NewReportingServiceClient(conn), conn: conn, dbURL: dbURL}
}

// caller is organisation org calling with API client client.
func caller(org, client string) context.Context {
	return auth.WithPrincipal(context.Background(), auth.Principal{OrganisationID: org, ClientID: client, Scopes: auth.AllScopes})
}

// project creates a project of the caller's organisation funded by funders.
func (tr *trail) project(ctx context.Context, code string, funders ...string) *pb.Project {
	tr.t.Helper()
	p := &pb.Project{Code: code, Titles: []*pb.Narrative{{Text: "Foster care"}}, PlannedStartDate: "2024-01-01",
		PlannedEndDate: "2024-12-31", Sectors: []string{"15160"}}
	for _, r := range funders {
		p.ParticipatingOrganisations = append(p.ParticipatingOrganisations, &pb.ParticipatingOrganisation{OrganisationId: r,
			Role: pb.OrganisationRole_ORGANISATION_ROLE_FUNDING, Names: []*pb.Narrative{{Text: "Donor"}}})
	}
	r, err := tr.c.CreateProject(ctx, &pb.CreateProjectRequest{Project: p})
	if err != nil {
		tr.t.Fatal(err)
	}
	return r.GetProject()
}

// manual adds a manual count of things (not persons) to project.
func (tr *trail) manual(ctx context.Context, project, code string) *pb.Indicator {
	tr.t.Helper()
	r, err := tr.c.CreateIndicator(ctx, &pb.CreateIndicatorRequest{ProjectId: project, Indicator: &pb.Indicator{
		Code: code, Titles: []*pb.Narrative{{Text: "Workshops held"}}, Unit: "workshops", CountsPersons: new(bool),
		Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTPUT, Metric: pb.Metric_METRIC_MANUAL}})
	if err != nil {
		tr.t.Fatal(err)
	}
	return r.GetIndicator()
}

func (tr *trail) record(ctx context.Context, in *pb.Indicator, v *pb.IndicatorValue) *pb.Indicator {
	tr.t.Helper()
	r, err := tr.c.RecordIndicatorValue(ctx, &pb.RecordIndicatorValueRequest{ProjectId: in.GetProjectId(), IndicatorId: in.GetId(),
		Value: proto.Clone(v).(*pb.IndicatorValue)})
	if err != nil {
		tr.t.Fatal(err)
	}
	return r.GetIndicator()
}

// trailEvent is an event of the feed as these tests compare it.
type trailEvent struct {
	Type, ID string
	Orgs     []string
	Data     map[string]any
}

// events returns the feed's events after cursor, and the cursor after them.
func (tr *trail) events(cursor string) ([]trailEvent, string) {
	evs, next := servicetest.Events(tr.t, tr.conn, cursor)
	var out []trailEvent
	for _, ev := range evs {
		out = append(out, trailEvent{ev.GetType(), ev.GetAggregateId(), ev.GetOrganisationIds(), ev.GetData().AsMap()})
	}
	return out, next
}

// auditRow is a row of indicator_audit as these tests compare it.
type auditRow struct {
	Action, Org, Client, Indicator string
	Start, Before, After           string
}

// audit returns the project's indicator_audit rows, in order.
func (tr *trail) audit(project string) []auditRow {
	tr.t.Helper()
	rows, err := pgtest.Connect(tr.t, tr.dbURL).Query(context.Background(), `SELECT action, actor_organisation_id::text, actor_client_id,
		indicator_id::text, coalesce(period_start::text, ''), coalesce(value_before, ''), coalesce(value_after, '')
		FROM reporting.indicator_audit WHERE project_id = $1 ORDER BY id`, project)
	if err != nil {
		tr.t.Fatal(err)
	}
	defer rows.Close()
	var out []auditRow
	for rows.Next() {
		var a auditRow
		if err := rows.Scan(&a.Action, &a.Org, &a.Client, &a.Indicator, &a.Start, &a.Before, &a.After); err != nil {
			tr.t.Fatal(err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		tr.t.Fatal(err)
	}
	return out
}

// TestProjectDeletionLeavesEachIndicatorsTrail: deleting a project deletes
// its indicators and their values as deleting each would: an
// indicator.delete audit record per indicator naming who deleted it
// (kept after the project is gone) and an indicator.deleted event per
// indicator to the project's readers (the funder too), then
// project.deleted; a deletion refused (a stale etag) leaves none. Before,
// the project's deletion was its project.deleted alone: the funder's
// auditor found the figures gone with no record of who removed them.
func TestProjectDeletionLeavesEachIndicatorsTrail(t *testing.T) {
	tr := startTrail(t)
	org, funder := ids.New(), ids.New()
	clerk, manager := caller(org, "key-clerk"), caller(org, "key-manager")
	p := tr.project(clerk, "FC-1", funder)
	a, b := tr.manual(clerk, p.GetId(), "OP1"), tr.manual(clerk, p.GetId(), "OP2")
	tr.record(clerk, a, &pb.IndicatorValue{Period: period("2024-01-01", "2024-03-31"), Value: "12"})
	// Another project of the organisation, not deleted: its indicator
	// has no trail of the deletion.
	kept := tr.project(clerk, "FC-2")
	tr.manual(clerk, kept.GetId(), "OP1")
	_, cursor := tr.events("")
	before := tr.audit(p.GetId())

	if _, err := tr.c.DeleteProject(manager, &pb.DeleteProjectRequest{Id: p.GetId(), Etag: `"stale"`}); err == nil {
		t.Fatal("deleted with a stale etag")
	}
	if _, err := tr.c.DeleteProject(manager, &pb.DeleteProjectRequest{Id: p.GetId(), Etag: p.GetEtag()}); err != nil {
		t.Fatal(err)
	}

	readers := []string{org, funder}
	deleted := func(in *pb.Indicator) trailEvent {
		return trailEvent{"indicator.deleted", in.GetId(), readers, map[string]any{"project_id": p.GetId(), "indicator_id": in.GetId()}}
	}
	evs, _ := tr.events(cursor)
	if diff := cmp.Diff([]trailEvent{deleted(a), deleted(b),
		{"project.deleted", p.GetId(), readers, map[string]any{"project_id": p.GetId()}}}, evs); diff != "" {
		t.Errorf("events of the project's deletion (-want +got):\n%s", diff)
	}
	gone := func(in *pb.Indicator) auditRow {
		return auditRow{"indicator.delete", org, "key-manager", in.GetId(), "", "", ""}
	}
	if diff := cmp.Diff(append(before, gone(a), gone(b)), tr.audit(p.GetId())); diff != "" {
		t.Errorf("indicator_audit after the project's deletion (-want +got):\n%s", diff)
	}
	if got := tr.audit(kept.GetId()); len(got) != 1 {
		t.Errorf("the other project's audit: %v, want its indicator's creation only", got)
	}
}

// TestValueRecordedAgainChangesNothing: a period's value recorded again as
// it is (a retry whose answer was lost, by another key of the same
// organisation, as 12.0 for 12) is answered with the indicator as stored:
// the same etag, the first recorder and record time; no event, no audit
// record. A comment changed alone, or another number, is still a
// correction. Before, the retry was a correction: indicator.value_corrected,
// a value.correct record from 12 to 12, a new version and the retrying
// key as the recorder.
func TestValueRecordedAgainChangesNothing(t *testing.T) {
	tr := startTrail(t)
	org, funder := ids.New(), ids.New()
	clerk, manager := caller(org, "key-clerk"), caller(org, "key-manager")
	p := tr.project(clerk, "FC-1", funder)
	in := tr.manual(clerk, p.GetId(), "OP1")
	q1 := &pb.IndicatorValue{Period: period("2024-01-01", "2024-03-31"), Value: "12", Comment: "two cancelled"}
	first := tr.record(clerk, in, q1)
	_, cursor := tr.events("")
	audited := tr.audit(p.GetId())

	for _, retry := range []struct {
		who   context.Context
		value string
	}{{clerk, "12"}, {manager, "12.0"}, {clerk, " 12.00 "}} {
		v := proto.Clone(q1).(*pb.IndicatorValue)
		v.Value = retry.value
		got := tr.record(retry.who, in, v)
		if diff := cmp.Diff(first, got, protocmp.Transform()); diff != "" {
			t.Errorf("%q recorded again: answer differs from the first (-first +again):\n%s", retry.value, diff)
		}
	}
	if evs, _ := tr.events(cursor); len(evs) != 0 {
		t.Errorf("recording the same value again told: %v", evs)
	}
	if diff := cmp.Diff(audited, tr.audit(p.GetId())); diff != "" {
		t.Errorf("recording the same value again audited (-want +got):\n%s", diff)
	}

	// Another comment, then another number: corrections, by the manager.
	q1.Comment = "three cancelled"
	tr.record(manager, in, q1)
	q1.Value = "11"
	got := tr.record(manager, in, q1)
	if v := got.GetValues()[0]; v.GetRecordedByClientId() != "key-manager" || v.GetValue() != "11" {
		t.Errorf("corrected value: %v", v)
	}
	evs, _ := tr.events(cursor)
	corrected := trailEvent{"indicator.value_corrected", in.GetId(), []string{org, funder}, map[string]any{"project_id": p.GetId(),
		"indicator_id": in.GetId(), "period_start": "2024-01-01", "period_end": "2024-03-31", "organisation_id": org}}
	if diff := cmp.Diff([]trailEvent{corrected, corrected}, evs); diff != "" {
		t.Errorf("events of the corrections (-want +got):\n%s", diff)
	}
	correct := func(before, after string) auditRow {
		return auditRow{"value.correct", org, "key-manager", in.GetId(), "2024-01-01", before, after}
	}
	if diff := cmp.Diff(append(audited, correct("12", "12"), correct("12", "11")), tr.audit(p.GetId())); diff != "" {
		t.Errorf("indicator_audit of the corrections (-want +got):\n%s", diff)
	}
}
