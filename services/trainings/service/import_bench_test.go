package service_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	importsv1 "github.com/spona/spona/gen/go/spona/imports/v1"
	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/importtest"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/services/trainings/service"
	"google.golang.org/genproto/googleapis/api/httpbody"
)

// BenchmarkImportLinkedRows imports a sign-in sheet of 2,000 professionals
// already registered at the event (each row linked to its registration,
// which the write keeps from being deleted until it commits), over the
// streaming RPC, from upload to the import's end; it reports rows/s.
func BenchmarkImportLinkedRows(b *testing.B) {
	const n = 2000
	_, imp, ops, ctx, e := benchEvent(b, "2019-03-01", "")
	var sheet strings.Builder
	sheet.WriteString("given_name,family_name,email,sector\n")
	for i := range n {
		fmt.Fprintf(&sheet, "Učesnik%d,Petrović,p%d@example.org,social_welfare\n", i, i)
	}
	run := func(i int) *importsv1.Import {
		// Blank lines at the end make each file another (not a replay).
		data := []byte(sheet.String() + strings.Repeat("\n", i))
		op, err := imp.ImportParticipants(ctx, &pb.ImportParticipantsRequest{EventId: e, OnDuplicate: "link",
			File: &httpbody.HttpBody{ContentType: "text/csv", Data: data}})
		if err != nil {
			b.Fatal(err)
		}
		return importtest.Done(b, ctx, ops, op)
	}
	if got := run(0); got.GetCounts().GetCreated() != n {
		b.Fatalf("first import: %v", got.GetCounts())
	}
	b.ResetTimer()
	i := 0
	var spent time.Duration
	for b.Loop() {
		i++
		start := time.Now()
		got := run(i)
		spent += time.Since(start)
		if got.GetCounts().GetLinked() != n || got.GetState() != importsv1.ImportState_IMPORT_STATE_SUCCEEDED {
			b.Fatalf("import %d: %v %v", i, got.GetState(), got.GetCounts())
		}
	}
	b.ReportMetric(float64(n*i)/spent.Seconds(), "rows/s")
}

// BenchmarkImportSignIn10k checks (validate_only) an XLSX sign-in sheet
// of 10,000 professionals, its session columns headed by date-time cells,
// over the RPC, from upload to the import's end; it reports rows/s.
func BenchmarkImportSignIn10k(b *testing.B) {
	const n = 10000
	c, imp, ops, ctx, e := benchEvent(b, "2024-05-06", "2024-05-07")
	for _, s := range []*pb.Session{{Date: "2024-05-06", StartTime: "08:30"}, {Date: "2024-05-06", StartTime: "13:00"}, {Date: "2024-05-07"}} {
		if _, err := c.CreateSession(ctx, &pb.CreateSessionRequest{EventId: e, Session: s}); err != nil {
			b.Fatal(err)
		}
	}
	rows := [][]any{{"Ime", "Prezime", "E-pošta", "Sektor", time.Date(2024, 5, 6, 8, 30, 0, 0, time.UTC),
		time.Date(2024, 5, 6, 13, 0, 0, 0, time.UTC), "7.5."}}
	for i := range n {
		rows = append(rows, []any{fmt.Sprintf("Učesnik%d", i), "Petrović", fmt.Sprintf("p%d@example.org", i), "zdravstvo", "da", "", "x"})
	}
	data := signInXLSX(b, 22, rows...)
	i := 0
	var spent time.Duration
	for b.Loop() {
		i++
		start := time.Now()
		op, err := imp.ImportParticipants(ctx, &pb.ImportParticipantsRequest{EventId: e, ValidateOnly: true, RequestId: fmt.Sprintf("bench-%d", i),
			File: &httpbody.HttpBody{ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Data: data}})
		if err != nil {
			b.Fatal(err)
		}
		got := importtest.Done(b, ctx, ops, op)
		spent += time.Since(start)
		if got.GetCounts().GetValid() != n || got.GetState() != importsv1.ImportState_IMPORT_STATE_SUCCEEDED {
			b.Fatalf("import %d: %v %v", i, got.GetState(), got.GetCounts())
		}
	}
	b.ReportMetric(float64(n*i)/spent.Seconds(), "rows/s")
}

// benchEvent starts the service on a database of its own and creates a
// seminar from start to end ("" for none) as a caller of an organisation
// of its own, returning the clients, the caller's context and the event.
func benchEvent(b *testing.B, start, end string) (pb.TrainingServiceClient, pb.ParticipantImportServiceClient, importsv1.ImportServiceClient, context.Context, string) {
	url := pgtest.NewDatabase(b)
	conn := servicetest.Start(b, service.New(service.Config{Config: servicetest.Platform(b, url),
		ReferralsAddr: "127.0.0.1:1", BeneficiariesAddr: "127.0.0.1:1", ReportingAddr: "127.0.0.1:1"}))
	c := pb.NewTrainingServiceClient(conn)
	ctx := servicetest.As(b, ids.New())
	r, err := c.CreateTrainingEvent(ctx, &pb.CreateTrainingEventRequest{TrainingEvent: &pb.TrainingEvent{
		Type: pb.EventType_EVENT_TYPE_SEMINAR, Title: "S", StartDate: start, EndDate: end}})
	if err != nil {
		b.Fatal(err)
	}
	return c, pb.NewParticipantImportServiceClient(conn), importsv1.NewImportServiceClient(conn), ctx, r.GetTrainingEvent().GetId()
}
