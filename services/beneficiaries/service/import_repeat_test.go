package service_test

import (
	"fmt"
	"strings"
	"testing"

	"cloud.google.com/go/longrunning/autogen/longrunningpb"
	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	importsv1 "github.com/spona/spona/gen/go/spona/imports/v1"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/imports/importsjob"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"google.golang.org/grpc/codes"
)

// uploaded is an upload's answer.
type uploaded struct {
	op  *longrunningpb.Operation
	err error
}

// TestImportRepeatedWhileStaging: a file sent again while the first
// upload's rows are still being staged (a client or a proxy retrying a
// slow upload), without a request id or with the same one, is not imported
// twice: the repeat gets 409 ABORTED UPLOAD_IN_PROGRESS (or the first
// import), its retry gets the first import, and each row is one person.
// The first upload is paused in the middle of staging its rows
// (pgtest.Hold), so the two always overlap.
func TestImportRepeatedWhileStaging(t *testing.T) {
	c := startAll(t)
	imp := clientsOf(c.conn)
	for _, requestID := range []string{"", "sheet-7"} {
		t.Run("request id "+requestID, func(t *testing.T) {
			ctx := servicetest.As(t, ids.New())
			var file strings.Builder
			file.WriteString("ime;prezime;datum rođenja\n")
			for i := range 4 {
				fmt.Fprintf(&file, "Osoba%d;Ponovljena;%d.3.1990.\n", i, i+1)
			}
			req := &pb.ImportBeneficiariesRequest{File: csvFile(file.String()), RequestId: requestID}
			send := func() uploaded { op, err := upload(ctx, imp.imp, req); return uploaded{op, err} }
			var first, second uploaded
			during := pgtest.NewHold(t, pgtest.Connect(t, c.dbURL), "INSERT ON beneficiaries.import_rows").Race(func() { first = send() }, func() { second = send() })
			if first.err != nil {
				t.Fatalf("first upload: %v", first.err)
			}
			t.Logf("the repeat answered %s (while the first was staging: %t): %v", second.op.GetName(), during, second.err)
			repeated(t, first.op, second.op, second.err)
			again, err := upload(ctx, imp.imp, req)
			if err != nil || again.GetName() != first.op.GetName() {
				t.Fatalf("the retry is %s (%v), not the first import %s", again.GetName(), err, first.op.GetName())
			}
			if got := finished(t, ctx, imp, first.op); got.GetState() != importsv1.ImportState_IMPORT_STATE_SUCCEEDED || got.GetCounts().GetCreated() != 4 {
				t.Fatalf("the import: %v", got)
			}
			l, err := imp.ben.ListBeneficiaries(ctx, &pb.ListBeneficiariesRequest{PageSize: 100})
			if err != nil {
				t.Fatal(err)
			}
			if n := len(l.GetBeneficiaries()); n != 4 {
				t.Fatalf("%d persons for the file's 4 rows", n)
			}
		})
	}
}

// repeated fails the test unless the answer to an upload repeating first
// (sent while first's rows were staged) is first, or 409 ABORTED
// UPLOAD_IN_PROGRESS.
func repeated(t *testing.T, first, op *longrunningpb.Operation, err error) {
	t.Helper()
	switch {
	case err == nil && op.GetName() == first.GetName():
	case statustest.Code(err) == codes.Aborted && statustest.Reason(err) == importsjob.ReasonUploadInProgress:
	default:
		t.Fatalf("the upload repeated while the first was staging got %s (%v), not 409 %s or the first import %s",
			op.GetName(), err, importsjob.ReasonUploadInProgress, first.GetName())
	}
}

// TestImportRequestIDOfDryRun: a request id used for a dry run cannot be
// used for the real import (or with other options): 400 (422 at the edge)
// REQUEST_ID_REUSED naming what differs, never the dry run's import as if
// the file had been imported. Without a request id, the real import of
// the file just checked runs (the 24-hour repeat compares options too).
func TestImportRequestIDOfDryRun(t *testing.T) {
	c := startImports(t)
	ctx := servicetest.As(t, ids.New())
	file := csvFile("ime;prezime;datum rođenja\nAmina;Haddad;12.4.1990.\nOmar;Khalil;1985-01-31\nLejla;Begić;2.3.2017.\n")
	dry, err := upload(ctx, c.imp, &pb.ImportBeneficiariesRequest{File: file, ValidateOnly: true, RequestId: "sheet-42"})
	if err != nil {
		t.Fatal(err)
	}
	if got := finished(t, ctx, c, dry); !got.GetValidateOnly() || got.GetCounts().GetValid() != 3 {
		t.Fatalf("dry run: %v", got)
	}
	for _, tc := range []struct {
		req     *pb.ImportBeneficiariesRequest
		mention string
	}{
		{&pb.ImportBeneficiariesRequest{File: file, RequestId: "sheet-42"}, "validate_only=true"},
		{&pb.ImportBeneficiariesRequest{File: file, ValidateOnly: true, OnError: "skip", RequestId: "sheet-42"}, "on_error=abort"},
		{&pb.ImportBeneficiariesRequest{File: file, ValidateOnly: true, OnDuplicate: "link", RequestId: "sheet-42"}, "on_duplicate=create"},
	} {
		op, err := upload(ctx, c.imp, tc.req)
		statustest.WantReason(t, err, codes.InvalidArgument, errs.ReasonRequestIDReused, "the dry run's request id with "+tc.mention+" reversed: "+op.GetName())
		if !strings.Contains(err.Error(), tc.mention) || !strings.Contains(err.Error(), "sheet-42") {
			t.Fatalf("the error does not say what differs (%s): %v", tc.mention, err)
		}
	}
	if again, err := upload(ctx, c.imp, &pb.ImportBeneficiariesRequest{File: file, ValidateOnly: true, RequestId: "sheet-42"}); err != nil || again.GetName() != dry.GetName() {
		t.Fatalf("the dry run repeated: %s %v, want %s", again.GetName(), err, dry.GetName())
	}
	if l, _ := c.ben.ListBeneficiaries(ctx, &pb.ListBeneficiariesRequest{}); len(l.GetBeneficiaries()) != 0 {
		t.Fatalf("%d persons after the dry run", len(l.GetBeneficiaries()))
	}

	imported, err := upload(ctx, c.imp, &pb.ImportBeneficiariesRequest{File: file})
	if err != nil || imported.GetName() == dry.GetName() {
		t.Fatalf("the real import of the file of the dry run: %s %v (dry run %s)", imported.GetName(), err, dry.GetName())
	}
	if got := finished(t, ctx, c, imported); got.GetValidateOnly() || got.GetCounts().GetCreated() != 3 {
		t.Fatalf("real import: %v", got)
	}
	if l, _ := c.ben.ListBeneficiaries(ctx, &pb.ListBeneficiariesRequest{}); len(l.GetBeneficiaries()) != 3 {
		t.Fatalf("%d persons after the real import, want 3", len(l.GetBeneficiaries()))
	}
}
