package service_test

import (
	"context"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	commonv1 "github.com/spona/spona/gen/go/spona/common/v1"
	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"github.com/spona/spona/services/trainings/migrations"
	"github.com/spona/spona/services/trainings/service"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/testing/protocmp"
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

// TestProfessionalNamesFolded: one professional written in Latin and in
// Cyrillic, or with and without diacritics, is one professional, as the
// beneficiaries' search and the directory fold names: one record of an
// organiser, counted once across organisers (registered, trained and
// certified alike, by sex, sector or organisation). Before, names matched
// ignoring case and spacing only: Marko Marković of PU Kikinda registered
// by A in Latin and by B in Cyrillic was two professionals, and A's
// "Marko Markovic" a second record of A's.
func TestProfessionalNamesFolded(t *testing.T) {
	o := startOrganisers(t)
	c, orgA, orgB, project := o.client, o.orgA, o.orgB, o.project
	a1, a2, b1 := o.seminarOn(t, orgA, "2019-03-01"), o.seminarOn(t, orgA, "2019-05-01"), o.seminarOn(t, orgB, "2019-06-01")
	first := register(t, c, orgA, a1, professional("Marko", "Marković", "", "PU Kikinda", pb.Sector_SECTOR_POLICE, commonv1.Sex_SEX_MALE))
	register(t, c, orgB, b1, professional("Марко", "Марковић", "", "ПУ Кикинда", pb.Sector_SECTOR_POLICE, commonv1.Sex_SEX_MALE))
	if n := c.registered(t, orgA, project); n != 1 {
		t.Errorf("Marko in Latin at A and in Cyrillic at B: %d professionals registered, want 1", n)
	}
	again := register(t, c, orgA, a2, professional("MARKO", "Markovic", "", "PU  Kikinda", pb.Sector_SECTOR_POLICE, commonv1.Sex_SEX_MALE))
	if again.GetProfessionalId() != first.GetProfessionalId() {
		t.Errorf("Marko Markovic at A is record %s, want A's record %s of Marko Marković", again.GetProfessionalId(), first.GetProfessionalId())
	}
	// Đorđe Đorđević without diacritics, as Djordje Djordjevic, at B.
	register(t, c, orgA, a1, professional("Đorđe", "Đorđević", "", "CSR Kikinda", pb.Sector_SECTOR_SOCIAL_WELFARE, commonv1.Sex_SEX_MALE))
	register(t, c, orgB, b1, professional("Djordje", "Djordjevic", "", "CSR Kikinda", pb.Sector_SECTOR_SOCIAL_WELFARE, commonv1.Sex_SEX_MALE))
	if n := c.registered(t, orgA, project); n != 2 {
		t.Errorf("with Đorđe Đorđević and Djordje Djordjevic: %d professionals registered, want 2", n)
	}
	// A registration of Marko in Cyrillic at A's first event is the one he has.
	_, err := c.CreateParticipant(orgA, &pb.CreateParticipantRequest{EventId: a1,
		Participant: professional("Марко", "Марковић", "", "ПУ Кикинда", pb.Sector_SECTOR_POLICE, commonv1.Sex_SEX_MALE)})
	if statustest.Code(err) != codes.AlreadyExists {
		t.Errorf("Marko in Cyrillic at the event he is registered at in Latin: %v, want ALREADY_EXISTS", err)
	}
}

// TestFoldNamesMigration: professionals stored before registrations folded
// names (keyed by case and spacing only) are keyed afresh when the service
// migrates (Go migration 00014) and counted once. Where one organiser held
// records of one professional in Latin and in Cyrillic, they become the
// older record, with one participation per event (present where either was
// present) and the e-mail of either.
func TestFoldNamesMigration(t *testing.T) {
	o := startOrganisers(t)
	c, a, orgA, orgB, project := o.client, o.a, o.orgA, o.orgB, o.project
	a1 := o.seminarOn(t, orgA, "2019-03-01")
	s, err := c.CreateSession(orgA, &pb.CreateSessionRequest{EventId: a1, Session: &pb.Session{Date: "2019-03-01"}})
	if err != nil {
		t.Fatal(err)
	}
	a2, b1 := o.seminarOn(t, orgA, "2019-04-01"), o.seminarOn(t, orgB, "2019-06-01")
	attend := func(p *pb.Participant, present bool) {
		if _, err := c.RecordAttendance(orgA, &pb.RecordAttendanceRequest{EventId: a1, SessionId: s.GetSession().GetId(),
			Marks: []*pb.AttendanceMark{{ParticipantId: p.GetId(), Present: present}}}); err != nil {
			t.Fatal(err)
		}
	}
	police := func(given, family, email string) *pb.Participant {
		return professional(given, family, email, "PU Kikinda", pb.Sector_SECTOR_POLICE, commonv1.Sex_SEX_MALE)
	}
	// A: Marko in Latin at a1 (absent), and Jovan with his e-mail.
	marko := register(t, c, orgA, a1, police("Marko", "Marković", ""))
	attend(marko, false)
	jovan := register(t, c, orgA, a1, police("Jovan", "Jović", "jovan@example.org"))
	// Records stored below as before in Cyrillic: Marko at a1 too (present)
	// and at a2; Jovan without his e-mail at a2; Marko at B.
	attend(register(t, c, orgA, a1, police("Placeholder", "Marko", "")), true)
	register(t, c, orgA, a2, police("Placeholder", "Marko", ""))
	register(t, c, orgA, a2, police("Placeholder", "Jovan", ""))
	register(t, c, orgB, b1, police("Placeholder", "Marko", ""))

	conn := pgtest.Connect(t, c.dbURL)
	for _, q := range []string{
		`UPDATE trainings.professionals SET given_name = 'Марко', family_name = 'Марковић', organisation_name = 'ПУ Кикинда'
			WHERE given_name = 'Placeholder' AND family_name = 'Marko'`,
		`UPDATE trainings.professionals SET given_name = 'Јован', family_name = 'Јовић', organisation_name = 'ПУ Кикинда'
			WHERE given_name = 'Placeholder' AND family_name = 'Jovan'`,
		// The keys as registrations wrote them before: lower case, spacing.
		`UPDATE trainings.professionals SET given_key = lower(given_name), family_key = lower(family_name),
			organisation_key = 'name:' || lower(organisation_name)`,
		`UPDATE trainings.professionals SET person_key = CASE WHEN email IS NOT NULL THEN 'e:' || email
			ELSE 'n:' || family_key || E'\t' || given_key || E'\t' || organisation_key END`,
	} {
		if _, err := conn.Exec(t.Context(), q); err != nil {
			t.Fatal(err)
		}
	}
	// A sign-in sheet's rows staged by an import still running, with the
	// keys of the time (its lease held by a replica elsewhere).
	imp := ids.New()
	if _, err := conn.Exec(t.Context(), `INSERT INTO trainings.imports (id, kind, organisation_id, validate_only, on_error,
			on_duplicate, format, file_sha256, state, lease_owner, lease_until)
		VALUES ($1, 'participants', $2, false, 'skip', 'link', 'csv', '', 'running', 'elsewhere', 'infinity')`, imp, a); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(t.Context(), `INSERT INTO trainings.import_rows (import_id, row_no, valid, name_key)
		VALUES ($1, 1, true, E'марковић\tмарко\tname:пу кикинда'), ($1, 2, true, E'jović\tjovan\tid:'||$2)`, imp, a); err != nil {
		t.Fatal(err)
	}
	// Migration 00014 (and those after it) not applied.
	pgtest.Undo(t, conn, "trainings", migrations.FS, 14)
	if n := c.registered(t, orgA, project); n != 4 {
		t.Fatalf("%d registered as stored before, want 4 (Marko and Jovan in two scripts)", n)
	}

	again := c.restarted(t)
	if n := again.registered(t, orgA, project); n != 2 {
		t.Fatalf("after the migration: %d registered, want 2", n)
	}
	for _, e := range []struct {
		id       string
		want     map[string]string // professional id by given name (the older record's)
		attended int32
	}{
		{a1, map[string]string{"Marko": marko.GetProfessionalId(), "Jovan": jovan.GetProfessionalId()}, 1},
		{a2, map[string]string{"Marko": marko.GetProfessionalId(), "Jovan": jovan.GetProfessionalId()}, 0},
	} {
		ps, err := again.ListParticipants(orgA, &pb.ListParticipantsRequest{EventId: e.id})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, p := range ps.GetParticipants() {
			got[p.GetProfessional().GetGivenName()] = p.GetProfessionalId()
			if p.GetProfessional().GetGivenName() == "Marko" && p.GetSessionsAttended() != e.attended {
				t.Errorf("Marko at %s attended %d sessions, want %d (present in either record)", e.id, p.GetSessionsAttended(), e.attended)
			}
			if p.GetProfessionalId() == jovan.GetProfessionalId() && p.GetProfessional().GetEmail() != "jovan@example.org" {
				t.Errorf("Jovan at %s: e-mail %q, want jovan@example.org", e.id, p.GetProfessional().GetEmail())
			}
		}
		if len(got) != len(e.want) {
			t.Errorf("event %s after the migration: %v, want %v", e.id, got, e.want)
		}
		for name, id := range e.want {
			if got[name] != id {
				t.Errorf("event %s after the migration: %s is record %q, want %s", e.id, name, got[name], id)
			}
		}
	}
	var records int
	if err := conn.QueryRow(t.Context(), `SELECT count(*) FROM trainings.professionals WHERE organiser_organisation_id = $1`, a).Scan(&records); err != nil || records != 2 {
		t.Errorf("A's records after the migration: %d (%v), want 2", records, err)
	}
	staged, err := pgx.CollectRows(mustQuery(t, conn, `SELECT name_key FROM trainings.import_rows WHERE import_id = $1 ORDER BY row_no`, imp),
		pgx.RowTo[string])
	if want := []string{"markovic\tmarko\tname:pu kikinda", "jovic\tjovan\tid:" + a}; err != nil || !slices.Equal(staged, want) {
		t.Errorf("staged keys after the migration: %q (%v), want %q", staged, err, want)
	}
	// A later registration in either script is the one record.
	p := register(t, again, orgB, o.seminarOn(t, orgB, "2019-07-01"), police("Marko", "Markovic", ""))
	if n := again.registered(t, orgA, project); n != 2 {
		t.Errorf("Marko registered again at B as %s: %d registered, want 2", p.GetProfessionalId(), n)
	}
}

// TestOrganisationNameCells: professionals of an organisation the directory
// does not have, written by hand in several spellings (case, script,
// diacritics), are one cell of a count by organisation, labelled with the
// spelling most of the project's registrations used. Before, each
// spelling was a cell of its own: the donor read PU Kanjiža 2, ПУ Кањижа 1
// and PU KANJIZA 1 for one police station.
func TestOrganisationNameCells(t *testing.T) {
	o := startOrganisers(t)
	c, orgA, orgB, project := o.client, o.orgA, o.orgB, o.project
	a1, b1 := o.seminarOn(t, orgA, "2019-03-01"), o.seminarOn(t, orgB, "2019-06-01")
	for _, p := range []struct {
		ctx        context.Context
		event      string
		given, org string
		sector     pb.Sector
		sex        commonv1.Sex
	}{
		{orgA, a1, "Ana", "PU Kanjiža", pb.Sector_SECTOR_POLICE, commonv1.Sex_SEX_FEMALE},
		{orgA, a1, "Jovan", "PU Kanjiža", pb.Sector_SECTOR_POLICE, commonv1.Sex_SEX_MALE},
		{orgB, b1, "Mira", "ПУ Кањижа", pb.Sector_SECTOR_POLICE, commonv1.Sex_SEX_FEMALE},
		{orgB, b1, "Petar", "PU KANJIZA", pb.Sector_SECTOR_POLICE, commonv1.Sex_SEX_MALE},
		{orgB, b1, "Vesna", "Dom zdravlja Kanjiža", pb.Sector_SECTOR_HEALTH, commonv1.Sex_SEX_FEMALE},
	} {
		register(t, c, p.ctx, p.event, professional(p.given, "Horvat", "", p.org, p.sector, p.sex))
	}
	r, err := c.CountParticipants(orgA, &pb.CountParticipantsRequest{ProjectId: project,
		Kind: pb.ParticipantKind_PARTICIPANT_KIND_PROFESSIONAL, Stage: pb.ParticipationStage_PARTICIPATION_STAGE_REGISTERED,
		GroupBy: []string{"organisation"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []*commonv1.Group{group(1, "organisation", "Dom zdravlja Kanjiža"), group(4, "organisation", "PU Kanjiža")}
	if diff := cmp.Diff(want, sortedGroups(r.GetAggregate().GetGroups()...), protocmp.Transform()); diff != "" {
		t.Errorf("registered by organisation (-want +got):\n%s", diff)
	}
	if n := r.GetAggregate().GetTotal(); n != 5 {
		t.Errorf("total %d, want 5", n)
	}
}

// TestOrganisationKeysMigration: registrations made before registrations
// kept their organisation name folded (migrations 00015 and 00016) are
// counted in one cell per organisation once the service migrates them.
func TestOrganisationKeysMigration(t *testing.T) {
	o := startOrganisers(t)
	c, orgA, orgB, project := o.client, o.orgA, o.orgB, o.project
	a1, b1 := o.seminarOn(t, orgA, "2019-03-01"), o.seminarOn(t, orgB, "2019-06-01")
	register(t, c, orgA, a1, professional("Ana", "Horvat", "", "PU Kanjiža", pb.Sector_SECTOR_POLICE, 0))
	register(t, c, orgB, b1, professional("Mira", "Horvat", "", "ПУ Кањижа", pb.Sector_SECTOR_POLICE, 0))
	register(t, c, orgB, b1, professional("Petar", "Horvat", "", "PU KANJIZA", pb.Sector_SECTOR_POLICE, 0))
	register(t, c, orgB, b1, professional("Vesna", "Horvat", "", "PU Kanjiža", pb.Sector_SECTOR_POLICE, 0))
	// Migration 00015 (its Down drops the column) and those after it not applied.
	pgtest.Undo(t, pgtest.Connect(t, c.dbURL), "trainings", migrations.FS, 15)

	r, err := c.restarted(t).CountParticipants(orgA, &pb.CountParticipantsRequest{ProjectId: project,
		Kind: pb.ParticipantKind_PARTICIPANT_KIND_PROFESSIONAL, Stage: pb.ParticipationStage_PARTICIPATION_STAGE_REGISTERED,
		GroupBy: []string{"organisation"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []*commonv1.Group{group(4, "organisation", "PU Kanjiža")}
	if diff := cmp.Diff(want, r.GetAggregate().GetGroups(), protocmp.Transform()); diff != "" {
		t.Errorf("after the migrations, registered by organisation (-want +got):\n%s", diff)
	}

	// A replica of the previous release, still serving during a rolling
	// upgrade, registers without the key: that registration is counted by
	// the name it gave, as before, not as unknown.
	register(t, c, orgB, b1, professional("Zoran", "Horvat", "", "Crveni krst Kanjiža", pb.Sector_SECTOR_NGO, 0))
	if _, err := pgtest.Connect(t, c.dbURL).Exec(t.Context(), `UPDATE trainings.participants SET organisation_key = ''
		WHERE organisation_name = 'Crveni krst Kanjiža'`); err != nil {
		t.Fatal(err)
	}
	r, err = c.CountParticipants(orgA, &pb.CountParticipantsRequest{ProjectId: project,
		Kind: pb.ParticipantKind_PARTICIPANT_KIND_PROFESSIONAL, Stage: pb.ParticipationStage_PARTICIPATION_STAGE_REGISTERED,
		GroupBy: []string{"organisation"}})
	if err != nil {
		t.Fatal(err)
	}
	want = []*commonv1.Group{group(1, "organisation", "Crveni krst Kanjiža"), group(4, "organisation", "PU Kanjiža")}
	if diff := cmp.Diff(want, sortedGroups(r.GetAggregate().GetGroups()...), protocmp.Transform()); diff != "" {
		t.Errorf("with a registration by the previous release (-want +got):\n%s", diff)
	}
}

func mustQuery(t *testing.T, conn *pgx.Conn, sql string, args ...any) pgx.Rows {
	t.Helper()
	rows, err := conn.Query(t.Context(), sql, args...)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}
