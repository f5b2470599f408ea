package service_test

import (
	"context"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	importsv1 "github.com/spona/spona/gen/go/spona/imports/v1"
	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/importtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"google.golang.org/genproto/googleapis/api/httpbody"
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
	c := start(t)
	ctx := servicetest.As(t, ids.New())
	conn := servicetest.Dial(t, c.self, "trainings")
	imp := pb.NewParticipantImportServiceClient(conn)
	e := event(t, c, ctx, &pb.TrainingEvent{Type: pb.EventType_EVENT_TYPE_TRAINING, Title: "T", StartDate: "2024-05-06", EndDate: "2024-05-07"})
	session := func(day, start string) string {
		t.Helper()
		r, err := c.CreateSession(ctx, &pb.CreateSessionRequest{EventId: e.GetId(), Session: &pb.Session{Date: day, StartTime: start}})
		if err != nil {
			t.Fatal(err)
		}
		return r.GetSession().GetId()
	}
	morning, afternoon, tuesday := session("2024-05-06", "09:00"), session("2024-05-06", "13:00"), session("2024-05-07", "")

	tmpl, err := imp.GetParticipantImportTemplate(ctx, &pb.GetParticipantImportTemplateRequest{EventId: e.GetId(), Format: "csv"})
	if err != nil {
		t.Fatal(err)
	}
	header, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(tmpl.GetData()), "\ufeff"))).Read()
	if err != nil {
		t.Fatal(err)
	}
	// The programme changes after the template was downloaded.
	early := session("2024-05-06", "07:30")

	// Ana came in the afternoon and on Tuesday, Marko in the morning.
	cols := map[string]int{}
	for i, h := range header {
		cols[h] = i
	}
	last := len(header) - 3 // the three session columns come last
	row := func(given, family string, present ...int) []string {
		r := make([]string, len(header))
		r[cols["given_name"]], r[cols["family_name"]], r[cols["sector"]] = given, family, "health"
		for _, p := range present {
			r[last+p] = "x"
		}
		return r
	}
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

	db, err := pgx.Connect(context.Background(), c.dbURL)
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
		got[name+" "+map[string]string{morning: "09:00", afternoon: "13:00", tuesday: "Tuesday", early: "07:30"}[s]] = s
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
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

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
