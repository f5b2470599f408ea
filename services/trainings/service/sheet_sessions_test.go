package service_test

import (
	"context"
	"encoding/csv"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	importsv1 "github.com/spona/spona/gen/go/spona/imports/v1"
	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/importtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"google.golang.org/genproto/googleapis/api/httpbody"
	"google.golang.org/grpc"
)

// TestTemplateNamesItsSessions: a sign-in sheet filled in on the event's
// template puts each mark at the session its column was made for, also
// when the programme changed after the template was downloaded (a
// session added or deleted). Two sessions on one day are told apart by
// their start times ("2024-05-06 13:00"). Before, they were "session 1"
// and "session 2", places in the programme: an 07:30 session added that
// morning made "session 2" the 09:00 one, and the afternoon's marks were
// recorded at the morning session.
func TestTemplateNamesItsSessions(t *testing.T) {
	d := sheetDays(t)
	ctx, conn, imp, e, header := d.ctx, d.conn, d.imp, d.event, d.header
	// The programme changes after the template was downloaded.
	early := d.session(t, "2024-05-06", "07:30")

	// Ana came in the afternoon and on Tuesday, Marko in the morning.
	row := d.row
	var sheet strings.Builder
	w := csv.NewWriter(&sheet)
	_ = w.WriteAll([][]string{header, row("Ana", "Kovač", 1, 2), row("Marko", "Ilić", 0)})
	op, err := imp.ImportParticipants(ctx, &pb.ImportParticipantsRequest{EventId: e.GetId(),
		File: &httpbody.HttpBody{ContentType: "text/csv", Data: []byte(sheet.String())}})
	if err != nil {
		t.Fatalf("importing the sheet (header %q): %v", header, err)
	}
	if done := importtest.Done(t, ctx, importsv1.NewImportServiceClient(conn), op); done.GetCounts().GetCreated() != 2 {
		t.Fatalf("import (header %q): %v", header, done)
	}

	got := d.present(t, map[string]string{early: "07:30"})
	for _, want := range []string{"Ana 13:00", "Ana Tuesday", "Marko 09:00"} {
		if got[want] == "" {
			t.Errorf("present marks after the sheet (header %q): %v, want Ana at 13:00 and on Tuesday, Marko at 09:00", header, keys(got))
			break
		}
	}
	if len(got) != 3 {
		t.Errorf("present marks after the sheet (header %q): %v, want 3", header, keys(got))
	}
}

// sheetDay is an event of two days, with two sessions on the first
// (09:00 and 13:00) and one on the second, and the header of its CSV
// template as downloaded then.
type sheetDay struct {
	c                           *client
	ctx                         context.Context
	conn                        *grpc.ClientConn
	imp                         pb.ParticipantImportServiceClient
	event                       *pb.TrainingEvent
	morning, afternoon, tuesday string
	header                      []string
}

func sheetDays(t *testing.T) *sheetDay {
	t.Helper()
	d := &sheetDay{c: start(t), ctx: servicetest.As(t, ids.New())}
	d.conn = servicetest.Dial(t, d.c.self, "trainings")
	d.imp = pb.NewParticipantImportServiceClient(d.conn)
	d.event = event(t, d.c, d.ctx, &pb.TrainingEvent{Type: pb.EventType_EVENT_TYPE_TRAINING, Title: "T", StartDate: "2024-05-06", EndDate: "2024-05-07"})
	d.morning, d.afternoon, d.tuesday = d.session(t, "2024-05-06", "09:00"), d.session(t, "2024-05-06", "13:00"), d.session(t, "2024-05-07", "")
	tmpl, err := d.imp.GetParticipantImportTemplate(d.ctx, &pb.GetParticipantImportTemplateRequest{EventId: d.event.GetId(), Format: "csv"})
	if err != nil {
		t.Fatal(err)
	}
	if d.header, err = csv.NewReader(strings.NewReader(strings.TrimPrefix(string(tmpl.GetData()), "\ufeff"))).Read(); err != nil {
		t.Fatal(err)
	}
	return d
}

// row is a row of the template's header: a health professional present
// at the sessions of the template's columns numbered present (0 to 2).
func (d *sheetDay) row(given, family string, present ...int) []string {
	cols := map[string]int{}
	for i, h := range d.header {
		cols[h] = i
	}
	last := len(d.header) - 3 // the three session columns come last
	r := make([]string, len(d.header))
	r[cols["given_name"]], r[cols["family_name"]], r[cols["sector"]] = given, family, "health"
	for _, p := range present {
		r[last+p] = "x"
	}
	return r
}

// session adds a session to the event (start "" for none).
func (d *sheetDay) session(t *testing.T, day, start string) string {
	t.Helper()
	r, err := d.c.CreateSession(d.ctx, &pb.CreateSessionRequest{EventId: d.event.GetId(), Session: &pb.Session{Date: day, StartTime: start}})
	if err != nil {
		t.Fatal(err)
	}
	return r.GetSession().GetId()
}

// present returns the present marks recorded, keyed by the professional's
// given name and the session's start ("09:00", "13:00"), "Tuesday" or
// the name more gives its id.
func (d *sheetDay) present(t *testing.T, more map[string]string) map[string]string {
	t.Helper()
	names := map[string]string{d.morning: "09:00", d.afternoon: "13:00", d.tuesday: "Tuesday"}
	for id, name := range more {
		names[id] = name
	}
	db, err := pgx.Connect(context.Background(), d.c.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	rows, err := db.Query(context.Background(), `SELECT pr.given_name, a.session_id::text FROM trainings.attendance a
		JOIN trainings.participants pa ON pa.id = a.participant_id JOIN trainings.professionals pr ON pr.id = pa.professional_id
		WHERE a.present`)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for rows.Next() {
		var name, s string
		if err := rows.Scan(&name, &s); err != nil {
			t.Fatal(err)
		}
		got[name+" "+names[s]] = s
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	return got
}

// TestSessionHeadersWithAHint: an attendance column whose header carries a
// note in brackets, as sign-in sheets of the region write them ("Sesija 1
// (6.5. jutro)", "2024-05-06 13:00 (poslijepodne)", "7.5. (utorak)"), names
// the session the text before the note names, as a note after any other
// column's header is taken off. Before, each such column was unknown and
// the whole sheet refused (BAD_HEADER): its digits ran together with the
// place's ("Sesija 1 (12.4.)" read as session 1124), and the note was
// taken off only for the fixed columns.
func TestSessionHeadersWithAHint(t *testing.T) {
	d := sheetDays(t)
	var sheet strings.Builder
	w := csv.NewWriter(&sheet)
	_ = w.WriteAll([][]string{
		{"Ime", "Prezime", "Sektor", "Sesija 1 (6.5. jutro)", "2024-05-06 13:00 (poslijepodne)", "7.5. (utorak)"},
		{"Ana", "Kovač", "zdravstvo", "", "da", "da"},
		{"Marko", "Ilić", "zdravstvo", "da", "ne", ""},
	})
	op, err := d.imp.ImportParticipants(d.ctx, &pb.ImportParticipantsRequest{EventId: d.event.GetId(),
		File: &httpbody.HttpBody{ContentType: "text/csv", Data: []byte(sheet.String())}})
	if err != nil {
		t.Fatalf("importing the sheet: %v", err)
	}
	if done := importtest.Done(t, d.ctx, importsv1.NewImportServiceClient(d.conn), op); done.GetCounts().GetCreated() != 2 {
		t.Fatalf("import: %v", done)
	}
	got := d.present(t, nil)
	if len(got) != 3 || got["Ana 13:00"] == "" || got["Ana Tuesday"] == "" || got["Marko 09:00"] == "" {
		t.Errorf("present marks after the sheet: %v, want Ana at 13:00 and on Tuesday, Marko at 09:00", keys(got))
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestMonthFirstSessionHeaders: a sign-in sheet saved by a spreadsheet in
// English (United States) heads its day columns month first (5/6/2024 for
// 6 May). Such a header is not read day first when it would name another
// of the event's sessions read month first: it is a problem of its cell,
// D1, naming both days, each mark under it one of its own cell, and
// nothing is marked (r19: before, the whole sheet was refused, BAD_HEADER,
// and its other rows went unchecked). A header only read month first
// (5/13/2024) is that day (r18 item 2: before, it was refused with the
// date to write, so a template saved so was refused whole). Before r18,
// 5/6/2024 named the 5 June session, and the marks of 6 May were recorded
// there without a word.
func TestMonthFirstSessionHeaders(t *testing.T) {
	d := sheetDays(t)
	e := event(t, d.c, d.ctx, &pb.TrainingEvent{Type: pb.EventType_EVENT_TYPE_TRAINING, Title: "T", StartDate: "2024-05-06", EndDate: "2024-06-05"})
	sessions := map[string]string{}
	for _, day := range []string{"2024-05-06", "2024-05-13", "2024-06-05"} {
		s, err := d.c.CreateSession(d.ctx, &pb.CreateSessionRequest{EventId: e.GetId(), Session: &pb.Session{Date: day}})
		if err != nil {
			t.Fatal(err)
		}
		sessions[day] = s.GetSession().GetId()
	}
	ops := importsv1.NewImportServiceClient(d.conn)
	// problems imports a one-row sheet of event with header as its column
	// D and returns its problems by cell ("D1"), checking it wrote nothing.
	problems := func(t *testing.T, event *pb.TrainingEvent, header string) map[string]string {
		t.Helper()
		var sheet strings.Builder
		_ = csv.NewWriter(&sheet).WriteAll([][]string{{"Ime", "Prezime", "Sektor", header}, {"Ana", "Kovač", "zdravstvo", "da"}})
		op, err := d.imp.ImportParticipants(d.ctx, &pb.ImportParticipantsRequest{EventId: event.GetId(),
			File: &httpbody.HttpBody{ContentType: "text/csv", Data: []byte(sheet.String())}})
		if err != nil {
			t.Fatalf("a sheet headed %q: %v %v, want it read", header, err, statustest.Descriptions(err))
		}
		imp := importtest.Done(t, d.ctx, ops, op)
		if imp.GetState() != importsv1.ImportState_IMPORT_STATE_FAILED || imp.GetError().GetMessage() == "" || imp.GetCounts().GetCreated() != 0 {
			t.Errorf("a sheet headed %q: %v, want failed, nothing created", header, imp)
		}
		got := map[string]string{}
		for _, p := range imp.GetProblems() {
			got[p.GetColumn()+itoa(int(p.GetRow()))] = p.GetMessage()
		}
		return got
	}
	want := `column D "5/6/2024" may be 2024-06-05 (day first) or 2024-05-06 (month first), and the import has a column for either`
	if got := problems(t, e, "5/6/2024"); len(got) != 2 || !strings.Contains(got["D1"], want) ||
		!strings.HasPrefix(got["D2"], `the header of column D, "5/6/2024", may be 2024-06-05 (day first) or 2024-05-06 (month first)`) {
		t.Errorf("a sheet headed 5/6/2024: problems %q, want D1: %s, and D2 naming both days", got, want)
	}
	l, err := d.c.ListParticipants(d.ctx, &pb.ListParticipantsRequest{EventId: e.GetId()})
	if err != nil || len(l.GetParticipants()) != 0 {
		t.Fatalf("participants after refused sheets: %v %v", l, err)
	}
	// 5/13/2024 is only 13 May: Ana is marked at its session.
	var us strings.Builder
	_ = csv.NewWriter(&us).WriteAll([][]string{{"Ime", "Prezime", "Sektor", "5/13/2024"}, {"Ana", "Kovač", "zdravstvo", "da"}})
	op, err := d.imp.ImportParticipants(d.ctx, &pb.ImportParticipantsRequest{EventId: e.GetId(),
		File: &httpbody.HttpBody{ContentType: "text/csv", Data: []byte(us.String())}})
	if err != nil {
		t.Fatalf("a sheet headed 5/13/2024: %v %v", err, statustest.Descriptions(err))
	}
	if imp := importtest.Done(t, d.ctx, ops, op); imp.GetCounts().GetCreated() != 1 ||
		len(imp.GetColumns()) != 4 || imp.GetColumns()[3].GetField() != "session:"+sessions["2024-05-13"] {
		t.Fatalf("a sheet headed 5/13/2024: %v, columns %v", imp.GetCounts(), imp.GetColumns())
	}
	// The template of an event of 6 and 7 May, saved so: 5/7/2024 is 5 July
	// day first, no session; the problem says it would be 7 May month first.
	want = `column D "5/7/2024" is read day first as 2024-07-05, which is no column; read month first, as a spreadsheet in English (United States) writes dates, it would be 2024-05-07`
	if got := problems(t, d.event, "5/7/2024"); len(got) != 2 || !strings.Contains(got["D1"], want) || got["D2"] == "" {
		t.Errorf("a sheet headed 5/7/2024: problems %q, want D1: %s, and D2", got, want)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
