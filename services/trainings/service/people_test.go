package service_test

import (
	"testing"

	"github.com/jackc/pgx/v5"
	commonv1 "github.com/spona/spona/gen/go/spona/common/v1"
	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
)

// TestDeletedRegistrationForgetsProfessional: a registration made by
// mistake (a wrong e-mail) and deleted leaves no professional behind
// (audit af-people: the record kept the name and the wrong e-mail for
// ever, out of every API's reach, and went on deciding whom a later
// registration without an e-mail is counted as: Marko registered by A
// with his right e-mail and by B without one was counted twice, B's by
// the deleted e-mail). A professional still registered at another event
// stays.
func TestDeletedRegistrationForgetsProfessional(t *testing.T) {
	o := startOrganisers(t)
	c, orgA, orgB, project := o.client, o.orgA, o.orgB, o.project
	a1, a2, b1 := o.seminarOn(t, orgA, "2019-03-01"), o.seminarOn(t, orgA, "2019-05-01"), o.seminarOn(t, orgB, "2019-06-01")
	person := func(given, email string) *pb.Participant {
		return professional(given, "Marković", email, "PU Kikinda", pb.Sector_SECTOR_POLICE, commonv1.Sex_SEX_MALE)
	}
	wrong := register(t, c, orgA, a1, person("Marko", "marko@exmaple.org"))
	if _, err := c.DeleteParticipant(orgA, &pb.DeleteParticipantRequest{EventId: a1, Id: wrong.GetId()}); err != nil {
		t.Fatal(err)
	}
	// Ana is registered twice by A; withdrawing one registration keeps her.
	ana := register(t, c, orgA, a1, person("Ana", "ana@example.org"))
	register(t, c, orgA, a2, person("Ana", "ana@example.org"))
	if _, err := c.DeleteParticipant(orgA, &pb.DeleteParticipantRequest{EventId: a1, Id: ana.GetId()}); err != nil {
		t.Fatal(err)
	}
	register(t, c, orgA, a2, person("Marko", "marko@example.org"))
	register(t, c, orgB, b1, person("Marko", ""))
	if n := c.registered(t, orgA, project); n != 2 {
		t.Errorf("Marko (A with his e-mail, B without) and Ana: %d professionals registered, want 2", n)
	}
	conn, err := pgx.Connect(t.Context(), c.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	var left, anas int
	if err := conn.QueryRow(t.Context(), `SELECT count(*) FILTER (WHERE email LIKE '%exmaple%'), count(*) FILTER (WHERE given_name = 'Ana')
		FROM trainings.professionals`).Scan(&left, &anas); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Errorf("%d professional records keep the deleted registration's e-mail, want 0", left)
	}
	if anas != 1 {
		t.Errorf("%d records of Ana, still registered at another event, want 1", anas)
	}
}
