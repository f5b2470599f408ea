package service_test

import (
	"testing"

	"github.com/jackc/pgx/v5"
	commonv1 "github.com/spona/spona/gen/go/spona/common/v1"
	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/services/trainings/migrations"
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

// TestForgetOrphansMigration: the professionals left by registrations
// deleted before a deletion forgot them are deleted when the service
// migrates (Go migration 00011), and the records that were counted by
// their e-mail are keyed afresh.
func TestForgetOrphansMigration(t *testing.T) {
	o := startOrganisers(t)
	c, orgA, orgB, project := o.client, o.orgA, o.orgB, o.project
	a1, a2, b1 := o.seminarOn(t, orgA, "2019-03-01"), o.seminarOn(t, orgA, "2019-05-01"), o.seminarOn(t, orgB, "2019-06-01")
	person := func(email string) *pb.Participant {
		return professional("Marko", "Marković", email, "PU Kikinda", pb.Sector_SECTOR_POLICE, commonv1.Sex_SEX_MALE)
	}
	wrong := register(t, c, orgA, a1, person("marko@exmaple.org"))
	register(t, c, orgB, b1, person(""))
	register(t, c, orgA, a2, person("marko@example.org"))
	conn, err := pgx.Connect(t.Context(), c.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	// The registration deleted as before (its professional kept), and the
	// migration not applied.
	if _, err := conn.Exec(t.Context(), `DELETE FROM trainings.participants WHERE id = $1`, wrong.GetId()); err != nil {
		t.Fatal(err)
	}
	pgtest.Undo(t, conn, "trainings", migrations.FS, 11)
	if n := c.registered(t, orgA, project); n != 2 {
		t.Fatalf("%d registered before the migration, want 2 (B's Marko counted by the deleted e-mail)", n)
	}
	if n := c.restarted(t).registered(t, orgA, project); n != 1 {
		t.Errorf("after the migrations: %d registered, want 1", n)
	}
	var left int
	if err := conn.QueryRow(t.Context(), `SELECT count(*) FROM trainings.professionals WHERE email LIKE '%exmaple%'`).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Errorf("%d professional records keep the deleted registration's e-mail after the migrations, want 0", left)
	}
}

// TestDeletedRegistrationTakesItsEmail: a registration made with a
// mistyped e-mail takes over the record of the professional registered
// earlier without one (same names and organisation); deleting it takes
// the mistyped e-mail off the record again. Before, the record kept it
// for ever: the earlier event listed the wrong address, and the
// professional registered later with the right one became a second
// record and was counted twice.
func TestDeletedRegistrationTakesItsEmail(t *testing.T) {
	o := startOrganisers(t)
	c, orgA, orgB, project := o.client, o.orgA, o.orgB, o.project
	a1, a2, a3 := o.seminarOn(t, orgA, "2019-03-01"), o.seminarOn(t, orgA, "2019-05-01"), o.seminarOn(t, orgA, "2019-07-01")
	b1 := o.seminarOn(t, orgB, "2019-06-01")
	marko := func(email string) *pb.Participant {
		return professional("Marko", "Marković", email, "PU Kikinda", pb.Sector_SECTOR_POLICE, commonv1.Sex_SEX_MALE)
	}
	first := register(t, c, orgA, a1, marko(""))
	wrong := register(t, c, orgA, a2, marko("marko@exmaple.org"))
	if wrong.GetProfessionalId() != first.GetProfessionalId() {
		t.Fatalf("the registration with an e-mail made record %s, want the record %s taken over", wrong.GetProfessionalId(), first.GetProfessionalId())
	}
	if _, err := c.DeleteParticipant(orgA, &pb.DeleteParticipantRequest{EventId: a2, Id: wrong.GetId()}); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetParticipant(orgA, &pb.GetParticipantRequest{EventId: a1, Id: first.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	if email := got.GetParticipant().GetProfessional().GetEmail(); email != "" {
		t.Errorf("Marko at the first event after the mistaken registration was deleted: e-mail %q, want none", email)
	}
	right := register(t, c, orgA, a3, marko("marko@example.org"))
	if right.GetProfessionalId() != first.GetProfessionalId() {
		t.Errorf("Marko with his right e-mail: record %s, want %s (the record of his first registration)", right.GetProfessionalId(), first.GetProfessionalId())
	}
	register(t, c, orgB, b1, marko(""))
	if n := c.registered(t, orgA, project); n != 1 {
		t.Errorf("Marko registered by A without and with his e-mail, and by B without: %d professionals registered, want 1", n)
	}

	// An e-mail another registration gave too stays with the record.
	ana := func(email string) *pb.Participant {
		return professional("Ana", "Anić", email, "CSR Kikinda", pb.Sector_SECTOR_SOCIAL_WELFARE, commonv1.Sex_SEX_FEMALE)
	}
	register(t, c, orgA, a1, ana("ana@example.org"))
	again := register(t, c, orgA, a2, ana("ana@example.org"))
	if _, err := c.DeleteParticipant(orgA, &pb.DeleteParticipantRequest{EventId: a2, Id: again.GetId()}); err != nil {
		t.Fatal(err)
	}
	later := register(t, c, orgA, a3, ana(""))
	if p, err := c.GetParticipant(orgA, &pb.GetParticipantRequest{EventId: a3, Id: later.GetId()}); err != nil || p.GetParticipant().GetProfessional().GetEmail() != "ana@example.org" {
		t.Errorf("Ana after one of her two registrations with her e-mail was deleted: %v (%v), want her e-mail kept", p.GetParticipant(), err)
	}
}

// TestGaveEmailMigration: registrations made before migrations 00012 and
// 00013 are taken to have given their record's e-mail and sex (which of
// them did, that schema cannot tell), so deleting one of them keeps both,
// as it did.
func TestGaveEmailMigration(t *testing.T) {
	o := startOrganisers(t)
	c, orgA := o.client, o.orgA
	a1, a2 := o.seminarOn(t, orgA, "2019-03-01"), o.seminarOn(t, orgA, "2019-05-01")
	ana := func(email string, sex commonv1.Sex) *pb.Participant {
		return professional("Ana", "Anić", email, "CSR Kikinda", pb.Sector_SECTOR_SOCIAL_WELFARE, sex)
	}
	first := register(t, c, orgA, a1, ana("", commonv1.Sex_SEX_UNSPECIFIED))
	second := register(t, c, orgA, a2, ana("ana@example.org", commonv1.Sex_SEX_FEMALE))
	pgtest.Undo(t, pgtest.Connect(t, c.dbURL), "trainings", migrations.FS, 12)
	c = c.restarted(t)
	if _, err := c.DeleteParticipant(orgA, &pb.DeleteParticipantRequest{EventId: a2, Id: second.GetId()}); err != nil {
		t.Fatal(err)
	}
	p, err := c.GetParticipant(orgA, &pb.GetParticipantRequest{EventId: a1, Id: first.GetId()})
	if err != nil || p.GetParticipant().GetProfessional().GetEmail() != "ana@example.org" || p.GetParticipant().GetProfessional().GetSex() != commonv1.Sex_SEX_FEMALE {
		t.Errorf("Ana registered before the migrations, after one registration was deleted: %v (%v), want her e-mail and sex kept", p.GetParticipant(), err)
	}
}
