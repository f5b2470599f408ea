package service_test

import (
	"context"
	"encoding/csv"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	eventsv1 "github.com/spona/spona/gen/go/spona/events/v1"
	importsv1 "github.com/spona/spona/gen/go/spona/imports/v1"
	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/events"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/importtest"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"google.golang.org/genproto/googleapis/api/httpbody"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// told is an event of the trainings feed as a test compares it: its type,
// aggregate id and the data it carries but completed_count, and the
// organisations it concerns.
type told struct {
	Type, ID string
	Data     string // data as "key=value" pairs, sorted
	Count    int    // completed_count (-1: none)
}

// feed reads the trainings feed after a cursor, checks that every event
// concerns only org and carries only declared ids and codes (none of the
// free texts given), and returns them with the next cursor.
func feed(t *testing.T, conn grpc.ClientConnInterface, after, org string, texts ...string) ([]told, string) {
	t.Helper()
	evs, next := servicetest.Events(t, conn, after)
	out := make([]told, 0, len(evs))
	for _, ev := range evs {
		out = append(out, toldOf(t, ev, org, texts))
	}
	return out, next
}

func toldOf(t *testing.T, ev *eventsv1.Event, org string, texts []string) told {
	t.Helper()
	raw, _ := protojson.Marshal(ev)
	for _, text := range texts {
		if strings.Contains(strings.ToLower(string(raw)), strings.ToLower(text)) {
			t.Errorf("%s carries %q: %s", ev.GetType(), text, raw)
		}
	}
	if !slices.Equal(ev.GetOrganisationIds(), []string{org}) {
		t.Errorf("%s concerns %v, want the organiser only", ev.GetType(), ev.GetOrganisationIds())
	}
	spec, ok := events.Types[ev.GetType()]
	if !ok || spec.Aggregate != ev.GetAggregateType() {
		t.Errorf("%s: undeclared type or aggregate %q", ev.GetType(), ev.GetAggregateType())
	}
	tl := told{Type: ev.GetType(), ID: ev.GetAggregateId(), Count: -1}
	var pairs []string
	for k, v := range ev.GetData().AsMap() {
		if !slices.Contains(spec.Keys, k) {
			t.Errorf("%s carries undeclared %q", ev.GetType(), k)
		}
		if k == "completed_count" {
			tl.Count = int(v.(float64))
			continue
		}
		switch v := v.(type) {
		case string:
			pairs = append(pairs, k+"="+v)
		case []any:
			var l []string
			for _, x := range v {
				l = append(l, x.(string))
			}
			slices.Sort(l)
			pairs = append(pairs, k+"="+strings.Join(l, ","))
		case float64:
			pairs = append(pairs, k+"="+protojson.Format(ev.GetData().GetFields()[k]))
		default:
			t.Errorf("%s %s: a %T", ev.GetType(), k, v)
		}
	}
	slices.Sort(pairs)
	tl.Data = strings.Join(pairs, " ")
	return tl
}

// kv writes data as told.Data does.
func kv(pairs ...string) string {
	var out []string
	for i := 0; i < len(pairs); i += 2 {
		out = append(out, pairs[i]+"="+pairs[i+1])
	}
	slices.Sort(out)
	return strings.Join(out, " ")
}

// TestCompletionEvents: every change of an event's sessions, marks or
// completion threshold is in the trainings feed once, in its transaction,
// with ids and counts only and concerning the organiser only; and each
// participant whose completion (counted as trained) the change flipped,
// either way, gets participant.completed or
// participant.completion_withdrawn, naming the change's type as cause,
// exactly when it flipped: a mark recorded again, a retried session, a
// change that moves nobody over or under the threshold emit no flip
// (and marks recorded again as they were emit nothing). Before, none of
// these changes emitted anything: reporting and partner systems could
// not follow the trained figure, and a correction that un-certified a
// participant went unnoticed downstream.
func TestCompletionEvents(t *testing.T) {
	c := start(t)
	org := ids.New()
	ctx := servicetest.As(t, org)
	conn := servicetest.Dial(t, c.self, "trainings")
	project := c.project(t, ctx)
	ben := c.beneficiary(t, ctx)
	e := event(t, c, ctx, &pb.TrainingEvent{ProjectId: project, Type: pb.EventType_EVENT_TYPE_TRAINING, Title: "Starateljstvo nad djecom",
		StartDate: "2017-03-01", EndDate: "2017-03-03"}) // threshold 80
	ev := e.GetId()
	texts := []string{"Starateljstvo", "Uvod u zaštitu", "Ivana Trener", "Jovanović", "Ilić", "Amina"}
	_, cursor := servicetest.Events(t, conn, "")
	next := func(what string, want ...told) {
		t.Helper()
		var got []told
		got, cursor = feed(t, conn, cursor, org, texts...)
		// Registrations are told as before; they are not what this test is about.
		got = slices.DeleteFunc(got, func(x told) bool { return x.Type == events.ParticipantRegistered })
		if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s: events (-want +got):\n%s", what, diff)
		}
	}
	session := func(day, requestID string) string {
		t.Helper()
		r, err := c.CreateSession(ctx, &pb.CreateSessionRequest{EventId: ev, RequestId: requestID,
			Session: &pb.Session{Date: day, Topic: "Uvod u zaštitu", Trainer: "Ivana Trener"}})
		if err != nil {
			t.Fatal(err)
		}
		return r.GetSession().GetId()
	}
	mark := func(s string, present map[string]bool) {
		t.Helper()
		var marks []*pb.AttendanceMark
		for p, here := range present {
			marks = append(marks, &pb.AttendanceMark{ParticipantId: p, Present: here})
		}
		if _, err := c.RecordAttendance(ctx, &pb.RecordAttendanceRequest{EventId: ev, SessionId: s, Marks: marks}); err != nil {
			t.Fatal(err)
		}
	}
	threshold := func(percent int32) {
		t.Helper()
		g, err := c.GetTrainingEvent(ctx, &pb.GetTrainingEventRequest{Id: ev})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.UpdateTrainingEvent(ctx, &pb.UpdateTrainingEventRequest{
			TrainingEvent: &pb.TrainingEvent{Id: ev, Etag: g.GetTrainingEvent().GetEtag(), CompletionThresholdPercent: percent},
			UpdateMask:    &fieldmaskpb.FieldMask{Paths: []string{"completion_threshold_percent"}}}); err != nil {
			t.Fatal(err)
		}
	}
	sessionEv := func(typ, s string, count int, more ...string) told {
		return told{Type: typ, ID: s, Data: kv(append([]string{"session_id", s, "event_id", ev, "project_id", project}, more...)...), Count: count}
	}
	flip := func(typ, p, cause string, more ...string) told {
		return told{Type: typ, ID: p, Data: kv(append([]string{"participant_id", p, "event_id", ev, "project_id", project, "cause", cause}, more...)...), Count: -1}
	}

	s1 := session("2017-03-01", "")
	s2 := session("2017-03-02", "")
	next("two sessions added", sessionEv(events.SessionCreated, s1, 0, "date", "2017-03-01"), sessionEv(events.SessionCreated, s2, 0, "date", "2017-03-02"))

	ana := register(t, c, ctx, ev, professional("Ana", "Jovanović", "ana@example.org", "CSR Subotica", pb.Sector_SECTOR_SOCIAL_WELFARE, 0))
	marko := register(t, c, ctx, ev, professional("Marko", "Ilić", "", "PU Subotica", pb.Sector_SECTOR_POLICE, 0))
	amina := register(t, c, ctx, ev, beneficiary(ben))
	a, m, b := ana.GetId(), marko.GetId(), amina.GetId()
	anaIs, markoIs, aminaIs := []string{"professional_id", ana.GetProfessionalId()}, []string{"professional_id", marko.GetProfessionalId()},
		[]string{"beneficiary_id", ben}

	mark(s1, map[string]bool{a: true, m: true, b: true})
	next("all present at the first of two sessions (50 %)", sessionEv(events.AttendanceRecorded, s1, 0, "participant_ids", ids3(a, m, b)))

	mark(s2, map[string]bool{a: true, m: false, b: true})
	next("Ana and Amina complete", sessionEv(events.AttendanceRecorded, s2, 2, "participant_ids", ids3(a, m, b)),
		flip(events.ParticipantCompleted, a, events.AttendanceRecorded, anaIs...),
		flip(events.ParticipantCompleted, b, events.AttendanceRecorded, aminaIs...))

	mark(s2, map[string]bool{a: true, m: false, b: true})
	next("the same marks again")

	mark(s2, map[string]bool{a: true, m: true})
	next("Marko's mark corrected: he completes", sessionEv(events.AttendanceRecorded, s2, 3, "participant_ids", m),
		flip(events.ParticipantCompleted, m, events.AttendanceRecorded, markoIs...))

	mark(s2, map[string]bool{m: false})
	next("corrected back", sessionEv(events.AttendanceRecorded, s2, 2, "participant_ids", m),
		flip(events.ParticipantCompletionWithdrawn, m, events.AttendanceRecorded, markoIs...))

	thresholdEv := func(from, to string, count int) told {
		return told{Type: events.TrainingEventThresholdChanged, ID: ev, Count: count, Data: kv("event_id", ev, "project_id", project,
			"completion_threshold_percent", to, "from_completion_threshold_percent", from)}
	}
	threshold(50)
	next("threshold lowered to 50: Marko (1 of 2) completes", thresholdEv("80", "50", 3),
		flip(events.ParticipantCompleted, m, events.TrainingEventThresholdChanged, markoIs...))
	threshold(60)
	next("raised to 60: withdrawn again", thresholdEv("50", "60", 2),
		flip(events.ParticipantCompletionWithdrawn, m, events.TrainingEventThresholdChanged, markoIs...))
	threshold(70)
	next("raised to 70: nobody's completion changes", thresholdEv("60", "70", 2))

	s3 := session("2017-03-03", "third day")
	next("a third session: 2 of 3 is under 70 %", sessionEv(events.SessionCreated, s3, 0, "date", "2017-03-03"),
		flip(events.ParticipantCompletionWithdrawn, a, events.SessionCreated, anaIs...),
		flip(events.ParticipantCompletionWithdrawn, b, events.SessionCreated, aminaIs...))
	if again := session("2017-03-03", "third day"); again != s3 {
		t.Fatalf("retried session: %s, want %s", again, s3)
	}
	next("the session's retry")

	mark(s3, map[string]bool{m: true})
	next("Marko at the third session (2 of 3)", sessionEv(events.AttendanceRecorded, s3, 0, "participant_ids", m))

	if _, err := c.DeleteSession(ctx, &pb.DeleteSessionRequest{EventId: ev, Id: s3}); err != nil {
		t.Fatal(err)
	}
	next("the third session deleted: Ana and Amina complete again", sessionEv(events.SessionDeleted, s3, 2, "participant_ids", m),
		flip(events.ParticipantCompleted, a, events.SessionDeleted, anaIs...),
		flip(events.ParticipantCompleted, b, events.SessionDeleted, aminaIs...))

	// A certified participant taken under the threshold by a correction
	// is told as any other: she no longer counts as trained or certified.
	if r, err := c.IssueCertificates(ctx, &pb.IssueCertificatesRequest{EventId: ev}); err != nil || r.GetIssuedCount() != 2 {
		t.Fatalf("certificates: %v (%v)", r, err)
	}
	_, cursor = servicetest.Events(t, conn, cursor)
	mark(s1, map[string]bool{b: false})
	next("Amina's certificate un-counted by a correction", sessionEv(events.AttendanceRecorded, s1, 1, "participant_ids", b),
		flip(events.ParticipantCompletionWithdrawn, b, events.AttendanceRecorded, aminaIs...))
}

// ids3 lists participant ids as told.Data does.
func ids3(ids ...string) string {
	slices.Sort(ids)
	return strings.Join(ids, ",")
}

// TestImportCompletionEvents: a sign-in sheet's marks are attendance like
// the API's: one attendance.recorded per session whose marks it changed,
// and participant.completed for each participant it made complete the
// event, in the import's transaction; the same marks imported again emit
// nothing. Before, an import's marks emitted nothing.
func TestImportCompletionEvents(t *testing.T) {
	d := sheetDays(t) // three sessions, threshold 80
	ctx, conn, e, header := d.ctx, d.conn, d.event, d.header
	org := d.c.organiser(t, ctx, e.GetId())
	row := d.row
	load := func(rows ...[]string) {
		t.Helper()
		var sheet strings.Builder
		_ = csv.NewWriter(&sheet).WriteAll(append([][]string{header}, rows...))
		op, err := d.imp.ImportParticipants(ctx, &pb.ImportParticipantsRequest{EventId: e.GetId(),
			File: &httpbody.HttpBody{ContentType: "text/csv", Data: []byte(sheet.String())}})
		if err != nil {
			t.Fatal(err)
		}
		if done := importtest.Done(t, ctx, importsv1.NewImportServiceClient(conn), op); done.GetError() != nil {
			t.Fatalf("import: %v", done)
		}
	}
	_, cursor := servicetest.Events(t, conn, "")
	load(row("Ana", "Kovač", 0, 1, 2), row("Marko", "Ilić", 0))
	got, cursor := feed(t, conn, cursor, org, "Kovač", "Ilić")
	participants := map[string]string{}
	l, err := d.c.ListParticipants(ctx, &pb.ListParticipantsRequest{EventId: e.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range l.GetParticipants() {
		participants[p.GetProfessional().GetGivenName()] = p.GetId()
	}
	a, m := participants["Ana"], participants["Marko"]
	ev := e.GetId()
	attendance := func(s string, named ...string) told {
		return told{Type: events.AttendanceRecorded, ID: s, Count: 1, Data: kv("session_id", s, "event_id", ev, "participant_ids", ids3(named...))}
	}
	want := []told{attendance(d.morning, a, m), attendance(d.afternoon, a), attendance(d.tuesday, a)}
	slices.SortFunc(want, func(x, y told) int { return strings.Compare(x.ID, y.ID) })
	var pro string
	for _, p := range l.GetParticipants() {
		if p.GetId() == a {
			pro = p.GetProfessionalId()
		}
	}
	want = append(want, told{Type: events.ParticipantCompleted, ID: a, Count: -1,
		Data: kv("participant_id", a, "event_id", ev, "cause", events.AttendanceRecorded, "professional_id", pro)})
	got = slices.DeleteFunc(got, func(x told) bool { return x.Type == events.ParticipantRegistered })
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("the sheet's events (-want +got):\n%s", diff)
	}

	load(row("Marko", "Ilić", 0), row("Ana", "Kovač", 0, 1, 2)) // the same marks, rows swapped
	if got, _ := feed(t, conn, cursor, org); len(got) != 0 {
		t.Errorf("the same marks imported again: %v, want no event", got)
	}
}

// organiser returns the organisation organising event id, as the event says.
func (c *client) organiser(t *testing.T, ctx context.Context, id string) string {
	t.Helper()
	g, err := c.GetTrainingEvent(ctx, &pb.GetTrainingEventRequest{Id: id})
	if err != nil {
		t.Fatal(err)
	}
	return g.GetTrainingEvent().GetOrganiserOrganisationId()
}

// TestConcurrentMarksCompleteOnce: Ana, at neither of two sessions yet
// (threshold 100), is marked present at both at once, the first call held
// after it read who completes the event but before it committed. She
// completes the event once, and participant.completed says so once.
// Without the lock of the event's completion each call read the other's
// mark as missing (1 of 2: not completed, before and after its own
// change), and no call told of her completion, though she counts as
// trained.
func TestConcurrentMarksCompleteOnce(t *testing.T) {
	c := start(t)
	org := ids.New()
	ctx := servicetest.As(t, org)
	conn := servicetest.Dial(t, c.self, "trainings")
	db := pgtest.Connect(t, c.dbURL)
	e := event(t, c, ctx, &pb.TrainingEvent{Type: pb.EventType_EVENT_TYPE_WORKSHOP, Title: "W", StartDate: "2024-05-06", EndDate: "2024-05-07",
		CompletionThresholdPercent: 100})
	sessions := sessionsOn(t, c, ctx, e.GetId(), "2024-05-06", "2024-05-07")
	ana := register(t, c, ctx, e.GetId(), professional("Ana", "Ilić", "", "CSR Šid", pb.Sector_SECTOR_SOCIAL_WELFARE, 0)).GetId()
	_, cursor := servicetest.Events(t, conn, "")
	mark := func(s string) func() {
		return func() {
			if _, err := c.RecordAttendance(ctx, &pb.RecordAttendanceRequest{EventId: e.GetId(), SessionId: s,
				Marks: []*pb.AttendanceMark{{ParticipantId: ana, Present: true}}}); err != nil {
				t.Error(err)
			}
		}
	}
	hold := pgtest.NewHold(t, db, "INSERT ON trainings.outbox WHEN (NEW.type = 'attendance.recorded' AND NEW.aggregate_id = '"+sessions[0]+"')")
	hold.Race(mark(sessions[0]), mark(sessions[1]))
	got, _ := feed(t, conn, cursor, org)
	completed := 0
	for _, x := range got {
		if x.Type == events.ParticipantCompleted && x.ID == ana {
			completed++
		}
	}
	p, err := c.GetParticipant(ctx, &pb.GetParticipantRequest{EventId: e.GetId(), Id: ana})
	if err != nil {
		t.Fatal(err)
	}
	if completed != 1 || p.GetParticipant().GetAttendancePercent() != 100 {
		t.Errorf("participant.completed %d times for Ana at %d %%, want once at 100 %%: %v", completed, p.GetParticipant().GetAttendancePercent(), got)
	}
}
