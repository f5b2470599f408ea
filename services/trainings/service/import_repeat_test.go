package service_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"cloud.google.com/go/longrunning/autogen/longrunningpb"
	"github.com/jackc/pgx/v5"
	importsv1 "github.com/spona/spona/gen/go/spona/imports/v1"
	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/importtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"google.golang.org/genproto/googleapis/api/httpbody"
)

// signInSheet is a sign-in sheet of n professionals (CSV).
func signInSheet(n int) *httpbody.HttpBody {
	var b strings.Builder
	b.WriteString("given_name,family_name,organisation,sector\n")
	for i := range n {
		fmt.Fprintf(&b, "Učesnik%d,Ponovljeni,CSR Kikinda,social_welfare\n", i)
	}
	return &httpbody.HttpBody{ContentType: "text/csv", Data: []byte(b.String())}
}

// sheetImport is an event's sign-in sheet import in a test: the upload of
// file and the count of the event's participants.
type sheetImport struct {
	ops   importsv1.ImportServiceClient
	send  importtest.Upload
	count func() int
}

// newSheetImport creates an event of the organisation of ctx and returns
// the import of file into it.
func newSheetImport(t *testing.T, c *client, ctx context.Context, file *httpbody.HttpBody) sheetImport {
	conn := servicetest.Dial(t, c.self, "trainings")
	imp := pb.NewParticipantImportServiceClient(conn)
	e := event(t, c, ctx, seminar("")).GetId()
	return sheetImport{
		ops: importsv1.NewImportServiceClient(conn),
		send: func(o importtest.Options) (*longrunningpb.Operation, error) {
			return imp.ImportParticipants(ctx, &pb.ImportParticipantsRequest{EventId: e, File: file, ValidateOnly: o.ValidateOnly,
				OnError: o.OnError, OnDuplicate: o.OnDuplicate, RequestId: o.RequestID})
		},
		count: func() int {
			t.Helper()
			l, err := c.ListParticipants(ctx, &pb.ListParticipantsRequest{EventId: e, PageSize: 100})
			if err != nil {
				t.Fatal(err)
			}
			return len(l.GetParticipants())
		},
	}
}

// TestImportRepeatedWhileStaging: a sign-in sheet sent again while the
// first upload's rows are still being staged is not imported twice
// (importtest.RepeatedWhileStaging), without a request id or with one.
func TestImportRepeatedWhileStaging(t *testing.T) {
	c := start(t)
	for _, requestID := range []string{"", "sheet-7"} {
		t.Run("request id "+requestID, func(t *testing.T) {
			ctx := servicetest.As(t, ids.New())
			s := newSheetImport(t, c, ctx, signInSheet(4))
			importtest.RepeatedWhileStaging(t, ctx, s.ops, c.dbURL, "trainings.import_rows", s.send, importtest.Options{RequestID: requestID}, 4, s.count)
		})
	}
}

// TestImportRequestIDOfDryRun: a dry run's request id is not the real
// import's (importtest.RequestIDOfDryRun).
func TestImportRequestIDOfDryRun(t *testing.T) {
	c := start(t)
	ctx := servicetest.As(t, ids.New())
	s := newSheetImport(t, c, ctx, signInSheet(3))
	importtest.RequestIDOfDryRun(t, ctx, s.ops, s.send, 3, s.count)
}

// TestImportRefusedRowsKeepNothing: once a sign-in sheet's import ends, its
// rows keep no staged data, refused ones included (a beneficiaries
// import's refused rows keep a name key for erasure to find them by; no
// erasure looks for a training's professionals).
func TestImportRefusedRowsKeepNothing(t *testing.T) {
	c := start(t)
	ctx := servicetest.As(t, ids.New())
	s := newSheetImport(t, c, ctx, &httpbody.HttpBody{ContentType: "text/csv", Data: []byte("given_name,family_name,organisation,sector,email\n" +
		"Jelena,Marić,CSR Kikinda,social_welfare,jelena@example.org\nMilan,Ilić,CSR Kikinda,astronaut,milan@example@org\n")})
	op, err := s.send(importtest.Options{OnError: "skip"})
	if err != nil {
		t.Fatal(err)
	}
	if done := importtest.Done(t, ctx, s.ops, op); done.GetCounts().GetInvalid() != 1 || done.GetCounts().GetCreated() != 1 {
		t.Fatalf("import: %v", done)
	}
	conn, err := pgx.Connect(context.Background(), c.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var rows, keeping int
	if err := conn.QueryRow(context.Background(), `SELECT count(*), count(*) FILTER (WHERE cells IS NOT NULL OR name_key <> ''
			OR match_key <> '' OR birth_year IS NOT NULL OR birth_date IS NOT NULL OR nationality <> '') FROM trainings.import_rows`).
		Scan(&rows, &keeping); err != nil || rows != 2 || keeping != 0 {
		t.Fatalf("%d staged rows, %d keeping staged data (%v)", rows, keeping, err)
	}
}
