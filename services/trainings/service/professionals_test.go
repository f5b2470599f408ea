package service_test

import (
	"context"
	"database/sql"
	"testing"

	commonv1 "github.com/spona/spona/gen/go/spona/common/v1"
	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/services/trainings/migrations"

	_ "github.com/jackc/pgx/v5/stdlib"
)

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
	c := start(t)
	a, b := ids.New(), ids.New()
	orgA, orgB := servicetest.As(t, a), servicetest.As(t, b)
	project := c.project(t, orgA, b)
	mk := func(ctx context.Context, day string) string {
		return event(t, c, ctx, &pb.TrainingEvent{ProjectId: project, Type: pb.EventType_EVENT_TYPE_SEMINAR, Title: "S", StartDate: day}).GetId()
	}
	a1, a2, b1 := mk(orgA, "2019-03-01"), mk(orgA, "2019-05-01"), mk(orgB, "2019-06-01")
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

// TestPersonKeysMigration: the professionals stored before migration 00008,
// counted by the e-mail or else the names (the old generated key), are
// counted by the domain's rule once it runs.
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
	conn, err := sql.Open("pgx", c.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx := t.Context()
	// The keys as the old generated column made them.
	if _, err := conn.ExecContext(ctx, `UPDATE trainings.professionals SET person_key = CASE WHEN email IS NOT NULL THEN 'e:' || email
		ELSE 'n:' || family_key || '|' || given_key || '|' || organisation_key END`); err != nil {
		t.Fatal(err)
	}
	if n := c.registered(t, orgA, project); n != 3 {
		t.Fatalf("%d registered with the old keys, want 3 (Ana twice)", n)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SET LOCAL search_path = trainings`); err != nil {
		t.Fatal(err)
	}
	if err := migrations.PersonKeys(ctx, tx); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if n := c.registered(t, orgA, project); n != 2 {
		t.Fatalf("%d registered after the migration, want 2", n)
	}
}
