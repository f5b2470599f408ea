package service_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	commonv1 "github.com/spona/spona/gen/go/spona/common/v1"
	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/services/trainings/migrations"
	"github.com/spona/spona/services/trainings/service"
)

// organisers is the service with two organisers, a and b, of one project
// (a implements it, b is a partner).
type organisers struct {
	*client
	a, b       string
	orgA, orgB context.Context
	project    string
}

func startOrganisers(t *testing.T) organisers {
	t.Helper()
	o := organisers{client: start(t), a: ids.New(), b: ids.New()}
	o.orgA, o.orgB = servicetest.As(t, o.a), servicetest.As(t, o.b)
	o.project = o.client.project(t, o.orgA, o.b)
	return o
}

// seminarOn creates a seminar of the project on day, organised by the
// organisation of ctx, and returns its id.
func (o organisers) seminarOn(t *testing.T, ctx context.Context, day string) string {
	t.Helper()
	return event(t, o.client, ctx, &pb.TrainingEvent{ProjectId: o.project, Type: pb.EventType_EVENT_TYPE_SEMINAR, Title: "S", StartDate: day}).GetId()
}

// registered counts the professionals registered at the project's events.
func (c *client) registered(t *testing.T, ctx context.Context, project string) int64 {
	t.Helper()
	r, err := c.CountParticipants(ctx, &pb.CountParticipantsRequest{ProjectId: project,
		Kind: pb.ParticipantKind_PARTICIPANT_KIND_PROFESSIONAL, Stage: pb.ParticipationStage_PARTICIPATION_STAGE_REGISTERED})
	if err != nil {
		t.Fatal(err)
	}
	return r.GetAggregate().GetTotal()
}

// TestProfessionalCountedOnce: one professional registered with an e-mail
// at one event and without one at another (one organiser or two) is
// counted once; two e-mails are two persons (audit finding: counted twice).
func TestProfessionalCountedOnce(t *testing.T) {
	o := startOrganisers(t)
	c, orgA, orgB, project := o.client, o.orgA, o.orgB, o.project
	a1, a2, b1 := o.seminarOn(t, orgA, "2019-03-01"), o.seminarOn(t, orgA, "2019-05-01"), o.seminarOn(t, orgB, "2019-06-01")
	person := func(given, email string) *pb.Participant {
		return professional(given, "Marković", email, "PU Kikinda", pb.Sector_SECTOR_POLICE, commonv1.Sex_SEX_MALE)
	}
	steps := []struct {
		name  string
		ctx   context.Context
		event string
		p     *pb.Participant
		want  int64
	}{
		{"Marko at A, no e-mail", orgA, a1, person("Marko", ""), 1},
		{"Marko again at A, with his e-mail", orgA, a2, person("Marko", "marko@example.org"), 1},
		{"Marko at B, no e-mail", orgB, b1, person("Marko", ""), 1},
		{"Ana at A, with her e-mail", orgA, a1, person("Ana", "ana@example.org"), 2},
		{"Ana at B, no e-mail", orgB, b1, person("Ana", ""), 2},
		{"Jovan at B, no e-mail", orgB, b1, person("Jovan", ""), 3},
		{"Jovan at A, with his e-mail", orgA, a1, person("Jovan", "jovan@example.org"), 3},
		// Another man of the same names and organisation, with another
		// e-mail, is another person.
		{"another Jovan at A", orgA, a2, person("Jovan", "jovan.m@example.org"), 4},
	}
	var first string
	for i, s := range steps {
		got := register(t, c, s.ctx, s.event, s.p)
		if i == 0 {
			first = got.GetProfessionalId()
		}
		if n := c.registered(t, orgA, project); n != s.want {
			t.Errorf("after %s: %d professionals registered, want %d", s.name, n, s.want)
		}
	}
	// A's two registrations of Marko are one record of A's.
	ps, err := c.ListParticipants(orgA, &pb.ListParticipantsRequest{EventId: a2})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps.GetParticipants() {
		if p.GetProfessional().GetGivenName() == "Marko" && (p.GetProfessionalId() != first || p.GetProfessional().GetEmail() != "marko@example.org") {
			t.Errorf("Marko with his e-mail at A: %v, want the record %s taken over", p, first)
		}
	}
}

// TestPersonKeysMigration: the professionals stored before migrations
// 00007 and 00008, counted by the old generated key (the e-mail, else the
// names), are counted by the domain's rule once the service migrates them.
func TestPersonKeysMigration(t *testing.T) {
	c := start(t)
	a, b := ids.New(), ids.New()
	orgA, orgB := servicetest.As(t, a), servicetest.As(t, b)
	project := c.project(t, orgA, b)
	ea := event(t, c, orgA, &pb.TrainingEvent{ProjectId: project, Type: pb.EventType_EVENT_TYPE_SEMINAR, Title: "S", StartDate: "2019-03-01"}).GetId()
	eb := event(t, c, orgB, &pb.TrainingEvent{ProjectId: project, Type: pb.EventType_EVENT_TYPE_SEMINAR, Title: "S", StartDate: "2019-04-01"}).GetId()
	register(t, c, orgA, ea, professional("Ana", "Anić", "ana@example.org", "CSR Kikinda", pb.Sector_SECTOR_SOCIAL_WELFARE, 0))
	register(t, c, orgB, eb, professional("Ana", "Anić", "", "CSR Kikinda", pb.Sector_SECTOR_SOCIAL_WELFARE, 0))
	register(t, c, orgB, eb, professional("Marko", "Marković", "", "PU Kikinda", pb.Sector_SECTOR_POLICE, 0))
	if n := c.registered(t, orgA, project); n != 2 {
		t.Fatalf("%d registered, want 2", n)
	}
	// The schema as before migration 00007 (its Down section brings the
	// generated key back), with the Go migration 00008 not applied either.
	db, err := pgx.Connect(t.Context(), c.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	pgtest.Undo(t, db, "trainings", migrations.FS, 7)
	if _, err := db.Exec(t.Context(), `DELETE FROM trainings.goose_db_version WHERE version_id = 8`); err != nil {
		t.Fatal(err)
	}
	if n := c.registered(t, orgA, project); n != 3 {
		t.Fatalf("%d registered with the old keys, want 3 (Ana twice)", n)
	}
	if n := c.restarted(t).registered(t, orgA, project); n != 2 {
		t.Fatalf("after the migrations: %d registered, want 2", n)
	}
}

// restarted is c with the service started again on its database (which
// runs the migrations not applied), with c's other services.
func (c *client) restarted(t *testing.T) *client {
	t.Helper()
	again := *c
	again.TrainingServiceClient = pb.NewTrainingServiceClient(servicetest.Start(t, service.New(service.Config{
		Config:        servicetest.Platform(t, c.dbURL),
		ReferralsAddr: c.referralsAddr, BeneficiariesAddr: c.beneficiaries.Addr, ReportingAddr: c.reporting.Addr})))
	return &again
}
