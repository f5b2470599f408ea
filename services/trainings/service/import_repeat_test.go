package service_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/longrunning/autogen/longrunningpb"
	importsv1 "github.com/spona/spona/gen/go/spona/imports/v1"
	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/imports/importsjob"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"google.golang.org/genproto/googleapis/api/httpbody"
	"google.golang.org/grpc/codes"
)

// importClients call a trainings service's participant import and its
// imports.
type importClients struct {
	imp pb.ParticipantImportServiceClient
	ops importsv1.ImportServiceClient
}

func importsOf(t *testing.T, c *client) importClients {
	conn := servicetest.Dial(t, c.self, "trainings")
	return importClients{pb.NewParticipantImportServiceClient(conn), importsv1.NewImportServiceClient(conn)}
}

// signInSheet is a sign-in sheet of n professionals (CSV).
func signInSheet(n int) *httpbody.HttpBody {
	var b strings.Builder
	b.WriteString("given_name,family_name,organisation,sector\n")
	for i := range n {
		fmt.Fprintf(&b, "Učesnik%d,Ponovljeni,CSR Kikinda,social_welfare\n", i)
	}
	return &httpbody.HttpBody{ContentType: "text/csv", Data: []byte(b.String())}
}

// importDone waits for an import's operation to be done and returns the
// import.
func importDone(t *testing.T, ctx context.Context, c importClients, op *longrunningpb.Operation) *importsv1.Import {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Minute); !op.GetDone(); {
		if time.Now().After(deadline) {
			t.Fatalf("operation %s not done", op.GetName())
		}
		time.Sleep(50 * time.Millisecond)
		var err error
		if op, err = c.ops.GetOperation(ctx, &importsv1.GetOperationRequest{Id: op.GetName()}); err != nil {
			t.Fatal(err)
		}
	}
	var meta importsv1.ImportMetadata
	if err := op.GetMetadata().UnmarshalTo(&meta); err != nil {
		t.Fatal(err)
	}
	got, err := c.ops.GetImport(ctx, &importsv1.GetImportRequest{Id: meta.GetImportId()})
	if err != nil {
		t.Fatal(err)
	}
	return got.GetImport()
}

func participantCount(t *testing.T, c *client, ctx context.Context, event string) int {
	t.Helper()
	l, err := c.ListParticipants(ctx, &pb.ListParticipantsRequest{EventId: event, PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	return len(l.GetParticipants())
}

// TestImportRepeatedWhileStaging: a sign-in sheet sent again while the
// first upload's rows are still being staged, without a request id or with
// the same one, is not imported twice: the repeat gets 409 ABORTED
// UPLOAD_IN_PROGRESS (or the first import), its retry the first import,
// and each row is one participant. The first upload is paused in the
// middle of staging its rows (pgtest.Hold).
func TestImportRepeatedWhileStaging(t *testing.T) {
	c := start(t)
	ic := importsOf(t, c)
	for _, requestID := range []string{"", "sheet-7"} {
		t.Run("request id "+requestID, func(t *testing.T) {
			ctx := servicetest.As(t, ids.New())
			e := event(t, c, ctx, seminar("")).GetId()
			type uploaded struct {
				op  *longrunningpb.Operation
				err error
			}
			req := &pb.ImportParticipantsRequest{EventId: e, File: signInSheet(4), RequestId: requestID}
			send := func() uploaded { op, err := ic.imp.ImportParticipants(ctx, req); return uploaded{op, err} }
			var first, second uploaded
			during := pgtest.NewHold(t, pgtest.Connect(t, c.dbURL), "INSERT ON trainings.import_rows").Race(func() { first = send() }, func() { second = send() })
			if first.err != nil {
				t.Fatalf("first upload: %v", first.err)
			}
			t.Logf("the repeat answered %s (while the first was staging: %t): %v", second.op.GetName(), during, second.err)
			switch err := second.err; {
			case err == nil && second.op.GetName() == first.op.GetName():
			case statustest.Code(err) == codes.Aborted && statustest.Reason(err) == importsjob.ReasonUploadInProgress:
			default:
				t.Fatalf("the upload repeated while the first was staging got %s (%v), not 409 %s or the first import %s",
					second.op.GetName(), err, importsjob.ReasonUploadInProgress, first.op.GetName())
			}
			again, err := ic.imp.ImportParticipants(ctx, req)
			if err != nil || again.GetName() != first.op.GetName() {
				t.Fatalf("the retry is %s (%v), not the first import %s", again.GetName(), err, first.op.GetName())
			}
			if got := importDone(t, ctx, ic, first.op); got.GetState() != importsv1.ImportState_IMPORT_STATE_SUCCEEDED || got.GetCounts().GetCreated() != 4 {
				t.Fatalf("the import: %v", got)
			}
			if n := participantCount(t, c, ctx, e); n != 4 {
				t.Fatalf("%d participants for the sheet's 4 rows", n)
			}
		})
	}
}

// TestImportRequestIDOfDryRun: a request id used for a dry run of a
// sign-in sheet cannot be used for its real import (or with other
// options): REQUEST_ID_REUSED naming what differs, never the dry run's
// import as if the sheet had been imported. Without a request id, the
// real import of the sheet just checked runs.
func TestImportRequestIDOfDryRun(t *testing.T) {
	c := start(t)
	ic := importsOf(t, c)
	ctx := servicetest.As(t, ids.New())
	e := event(t, c, ctx, seminar("")).GetId()
	file := signInSheet(3)
	dry, err := ic.imp.ImportParticipants(ctx, &pb.ImportParticipantsRequest{EventId: e, File: file, ValidateOnly: true, RequestId: "sheet-42"})
	if err != nil {
		t.Fatal(err)
	}
	if got := importDone(t, ctx, ic, dry); !got.GetValidateOnly() || got.GetCounts().GetValid() != 3 {
		t.Fatalf("dry run: %v", got)
	}
	for _, tc := range []struct {
		req     *pb.ImportParticipantsRequest
		mention string
	}{
		{&pb.ImportParticipantsRequest{EventId: e, File: file, RequestId: "sheet-42"}, "validate_only=true"},
		{&pb.ImportParticipantsRequest{EventId: e, File: file, ValidateOnly: true, OnError: "skip", RequestId: "sheet-42"}, "on_error=abort"},
		{&pb.ImportParticipantsRequest{EventId: e, File: file, ValidateOnly: true, OnDuplicate: "link", RequestId: "sheet-42"}, "on_duplicate=create"},
	} {
		op, err := ic.imp.ImportParticipants(ctx, tc.req)
		statustest.WantReason(t, err, codes.InvalidArgument, errs.ReasonRequestIDReused, "the dry run's request id with "+tc.mention+" reversed: "+op.GetName())
		if !strings.Contains(err.Error(), tc.mention) {
			t.Fatalf("the error does not say what differs (%s): %v", tc.mention, err)
		}
	}
	if n := participantCount(t, c, ctx, e); n != 0 {
		t.Fatalf("%d participants after the dry run", n)
	}
	imported, err := ic.imp.ImportParticipants(ctx, &pb.ImportParticipantsRequest{EventId: e, File: file})
	if err != nil || imported.GetName() == dry.GetName() {
		t.Fatalf("the real import of the sheet of the dry run: %s %v (dry run %s)", imported.GetName(), err, dry.GetName())
	}
	if got := importDone(t, ctx, ic, imported); got.GetValidateOnly() || got.GetCounts().GetCreated() != 3 {
		t.Fatalf("real import: %v", got)
	}
	if n := participantCount(t, c, ctx, e); n != 3 {
		t.Fatalf("%d participants after the real import, want 3", n)
	}
}
