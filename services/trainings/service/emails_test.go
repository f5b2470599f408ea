package service_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	commonv1 "github.com/spona/spona/gen/go/spona/common/v1"
	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/events"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"github.com/spona/spona/services/trainings/migrations"
	"google.golang.org/grpc/codes"
)

// The one address marko@udruga-đakovo.hr, as people write it: its domain
// in Unicode (composed), in Unicode decomposed (NFD: d with stroke has no
// decomposition, so the accent of "č" in a second label shows it), and in
// ASCII as the directory stores it.
const (
	emailUnicode = "marko@udruga-đakovo.čačak.hr"
	emailNFD     = "Marko@Udruga-Đakovo.c\u030cac\u030cak.HR"
	emailASCII   = "marko@xn--udruga-akovo-ctb.xn--aak-eqab.hr"
)

// marko is Marko Marković of PU Kikinda with email.
func marko(email string) *pb.Participant {
	return professional("Marko", "Marković", email, "PU Kikinda", pb.Sector_SECTOR_POLICE, commonv1.Sex_SEX_MALE)
}

// TestProfessionalEmailForms: one professional registered with one e-mail
// address written in its forms (audit-design finding 2: counted twice) is
// one professional: counted once across organisers, one record of an
// organiser, and the address is given back in ASCII. An address whose part
// before @ is not ASCII is refused with a field violation, as the
// directory refuses it.
func TestProfessionalEmailForms(t *testing.T) {
	o := startOrganisers(t)
	c, orgA, orgB, project := o.client, o.orgA, o.orgB, o.project
	a1, b1, b2 := o.seminarOn(t, orgA, "2019-03-01"), o.seminarOn(t, orgB, "2019-06-01"), o.seminarOn(t, orgB, "2019-07-01")
	pa := register(t, c, orgA, a1, marko(emailUnicode))
	pb1 := register(t, c, orgB, b1, marko(emailASCII))
	pb2 := register(t, c, orgB, b2, marko(emailNFD))
	if n := c.registered(t, orgA, project); n != 1 {
		t.Errorf("one professional (one address in three forms) counted %d times, want 1", n)
	}
	for _, p := range []*pb.Participant{pa, pb1, pb2} {
		if got := p.GetProfessional().GetEmail(); got != emailASCII {
			t.Errorf("e-mail given back as %q, want %q", got, emailASCII)
		}
	}
	if pb1.GetProfessionalId() != pb2.GetProfessionalId() {
		t.Errorf("B's two registrations of Marko are records %s and %s, want one", pb1.GetProfessionalId(), pb2.GetProfessionalId())
	}
	_, err := c.CreateParticipant(orgA, &pb.CreateParticipantRequest{EventId: a1,
		Participant: professional("Đurđa", "Đurić", "đurđa@udruga-đakovo.hr", "", pb.Sector_SECTOR_NGO, 0)})
	if statustest.Code(err) != codes.InvalidArgument || !slices.Contains(statustest.Violations(err), "participant.professional.email") {
		t.Errorf("non-ASCII local part: %v, want INVALID_ARGUMENT with participant.professional.email", err)
	}
}

// TestNormalEmailsMigration: professionals stored before registrations
// wrote e-mail domains in ASCII (the address as given, lower-cased) are
// rewritten when the service migrates (Go migration 00010) and counted
// once; where one organiser held a record under each spelling, they
// become one record with one participation per event (attendance present
// where either was present). The participation that goes is told by
// participant.deleted (naming the one it went into), and the completion
// it moved by participant.completed and participant.completion_withdrawn
// (cause participant.deleted), as a beneficiary merge tells them. Before,
// the migration wrote no event: feed consumers kept the participation
// that went, registered and completed, and the edge its registration's
// stored responses (the professional's name and e-mail).
func TestNormalEmailsMigration(t *testing.T) {
	o := startOrganisers(t)
	c, a, b, orgA, orgB, project := o.client, o.a, o.b, o.orgA, o.orgB, o.project
	mk := func(ctx context.Context, day string) (string, string) {
		e := o.seminarOn(t, ctx, day)
		s, err := c.CreateSession(ctx, &pb.CreateSessionRequest{EventId: e, Session: &pb.Session{Date: day}})
		if err != nil {
			t.Fatal(err)
		}
		return e, s.GetSession().GetId()
	}
	a1, a1s := mk(orgA, "2019-03-01")
	a2, a2s := mk(orgA, "2019-04-01")
	b1, _ := mk(orgB, "2019-06-01")
	attend := func(eventID, session string, p *pb.Participant, present bool) {
		if _, err := c.RecordAttendance(orgA, &pb.RecordAttendanceRequest{EventId: eventID, SessionId: session,
			Marks: []*pb.AttendanceMark{{ParticipantId: p.GetId(), Present: present}}}); err != nil {
			t.Fatal(err)
		}
	}
	// A's first record (ASCII), at a1, absent.
	first := register(t, c, orgA, a1, marko(emailASCII))
	attend(a1, a1s, first, false)
	// A's second record, stored below as before with the Unicode spelling:
	// at a1 too (present) and at a2.
	second := register(t, c, orgA, a1, marko("placeholder@example.org"))
	attend(a1, a1s, second, true)
	attend(a2, a2s, register(t, c, orgA, a2, marko("placeholder@example.org")), true)
	// B's record, stored with the decomposed spelling.
	register(t, c, orgB, b1, marko("placeholder@example.org"))

	conn, err := pgx.Connect(t.Context(), c.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	old := map[string]string{a: emailUnicode, b: "marko@udruga-đakovo.c\u030cac\u030cak.hr"}
	for org, email := range old {
		// The address and key as registrations stored them before.
		if _, err := conn.Exec(t.Context(), `UPDATE trainings.professionals SET email = $2, person_key = 'e:' || $2
			WHERE organiser_organisation_id = $1 AND email = 'placeholder@example.org'`, org, email); err != nil {
			t.Fatal(err)
		}
	}
	var last int64
	if err := conn.QueryRow(t.Context(), `SELECT COALESCE(max(id), 0) FROM trainings.outbox`).Scan(&last); err != nil {
		t.Fatal(err)
	}
	// Migration 00010 (and those after it) not applied.
	pgtest.Undo(t, conn, "trainings", migrations.FS, 10)
	if n := c.registered(t, orgA, project); n != 3 {
		t.Fatalf("%d registered as stored before, want 3 (one address in three spellings)", n)
	}

	again := c.restarted(t)
	if n := again.registered(t, orgA, project); n != 1 {
		t.Fatalf("after the migration: %d registered, want 1", n)
	}
	for _, e := range []struct {
		ctx      context.Context
		id       string
		attended int32
	}{{orgA, a1, 1}, {orgA, a2, 1}, {orgB, b1, 0}} {
		ps, err := again.ListParticipants(e.ctx, &pb.ListParticipantsRequest{EventId: e.id})
		if err != nil {
			t.Fatal(err)
		}
		p := ps.GetParticipants()
		if len(p) != 1 || p[0].GetProfessional().GetEmail() != emailASCII || p[0].GetSessionsAttended() != e.attended ||
			(e.ctx == orgA && p[0].GetProfessionalId() != first.GetProfessionalId()) {
			t.Errorf("event %s after the migration: %v, want one participation of %s (%s) attending %d", e.id, p, first.GetProfessionalId(), emailASCII, e.attended)
		}
	}
	var records int
	if err := conn.QueryRow(t.Context(), `SELECT count(*) FROM trainings.professionals WHERE organiser_organisation_id = $1`, a).Scan(&records); err != nil || records != 1 {
		t.Errorf("A's records after the migration: %d (%v), want 1", records, err)
	}

	// At a1 the second record's participation (present, completed) went
	// into the first's (absent), which completes with its mark; at a2 it
	// moved alone. The migration tells what went and what completed as a
	// merge does, to the organiser, with ids only.
	rows, err := conn.Query(t.Context(), `SELECT type, aggregate_id, data, organisation_ids FROM trainings.outbox WHERE id > $1 ORDER BY id`, last)
	if err != nil {
		t.Fatal(err)
	}
	var got []told
	for rows.Next() {
		var x told
		var data map[string]any
		var orgs []string
		if err := rows.Scan(&x.Type, &x.ID, &data, &orgs); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(orgs, []string{a}) {
			t.Errorf("%s concerns %v, want the organiser only", x.Type, orgs)
		}
		var pairs []string
		for k, v := range data {
			pairs = append(pairs, k, fmt.Sprint(v))
		}
		x.Data, x.Count = kv(pairs...), -1
		got = append(got, x)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	ids := func(p *pb.Participant, more ...string) string {
		return kv(append([]string{"participant_id", p.GetId(), "event_id", a1, "professional_id", p.GetProfessionalId()}, more...)...)
	}
	want := []told{
		{Type: events.ParticipantDeleted, ID: second.GetId(), Count: -1, Data: ids(second, "project_id", project, "survivor_participant_id", first.GetId())},
		{Type: events.ParticipantCompleted, ID: first.GetId(), Count: -1, Data: ids(first, "project_id", project, "cause", events.ParticipantDeleted)},
		{Type: events.ParticipantCompletionWithdrawn, ID: second.GetId(), Count: -1, Data: ids(second, "project_id", project, "cause", events.ParticipantDeleted)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("the migration's events (-want +got):\n%s", diff)
	}
}
