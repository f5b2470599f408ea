// Package importtest checks, against a real service, what every
// spreadsheet import (pkg/imports) promises about repeated uploads. A
// service's test gives it an Upload sending one file with the options
// asked for, and a count of the records the file's rows write.
package importtest

import (
	"context"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/longrunning/autogen/longrunningpb"
	importsv1 "github.com/spona/spona/gen/go/spona/imports/v1"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"google.golang.org/grpc/codes"
)

// Options are an upload's options.
type Options struct {
	ValidateOnly         bool
	OnError, OnDuplicate string
	RequestID            string
}

// Upload sends the test's file with options o.
type Upload func(o Options) (*longrunningpb.Operation, error)

// Done waits for an import's operation to be done and returns the import.
func Done(t testing.TB, ctx context.Context, ops importsv1.ImportServiceClient, op *longrunningpb.Operation) *importsv1.Import {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for !op.GetDone() {
		if time.Now().After(deadline) {
			t.Fatalf("operation %s not done", op.GetName())
		}
		time.Sleep(50 * time.Millisecond)
		var err error
		if op, err = ops.GetOperation(ctx, &importsv1.GetOperationRequest{Id: op.GetName()}); err != nil {
			t.Fatal(err)
		}
	}
	var meta importsv1.ImportMetadata
	if err := op.GetMetadata().UnmarshalTo(&meta); err != nil {
		t.Fatal(err)
	}
	got, err := ops.GetImport(ctx, &importsv1.GetImportRequest{Id: meta.GetImportId()})
	if err != nil {
		t.Fatal(err)
	}
	return got.GetImport()
}

// RepeatedWhileStaging checks that a file of rows valid rows sent again
// while the first upload's rows are still being staged (a client or a
// proxy retrying a slow upload), with the request id o names or without,
// is not imported twice: the repeat gets 409 ABORTED UPLOAD_IN_PROGRESS
// (or the first import), its retry the first import, and count is rows
// once it ended. The first upload is held at its first row written to
// table (schema.import_rows of the database of dbURL: pgtest.Hold), so
// the two always overlap.
func RepeatedWhileStaging(t *testing.T, ctx context.Context, ops importsv1.ImportServiceClient, dbURL, table string,
	send Upload, o Options, rows int, count func() int) {
	t.Helper()
	type uploaded struct {
		op  *longrunningpb.Operation
		err error
	}
	var first, second uploaded
	during := pgtest.NewHold(t, pgtest.Connect(t, dbURL), "INSERT ON "+table).Race(
		func() { first.op, first.err = send(o) }, func() { second.op, second.err = send(o) })
	if first.err != nil {
		t.Fatalf("first upload: %v", first.err)
	}
	t.Logf("the repeat answered %s (while the first was staging: %t): %v", second.op.GetName(), during, second.err)
	switch err := second.err; {
	case err == nil && second.op.GetName() == first.op.GetName():
	case statustest.Code(err) == codes.Aborted && statustest.Reason(err) == errs.ReasonUploadInProgress:
	default:
		t.Fatalf("the upload repeated while the first was staging got %s (%v), not 409 %s or the first import %s",
			second.op.GetName(), err, errs.ReasonUploadInProgress, first.op.GetName())
	}
	again, err := send(o)
	if err != nil || again.GetName() != first.op.GetName() {
		t.Fatalf("the retry is %s (%v), not the first import %s", again.GetName(), err, first.op.GetName())
	}
	if got := Done(t, ctx, ops, first.op); got.GetState() != importsv1.ImportState_IMPORT_STATE_SUCCEEDED || got.GetCounts().GetCreated() != int32(rows) {
		t.Fatalf("the import: %v", got)
	}
	if n := count(); n != rows {
		t.Fatalf("%d records for the file's %d rows", n, rows)
	}
}

// RequestIDOfDryRun checks that a request id used for a dry run of a file
// of rows valid rows cannot be used for its real import (or with other
// options): InvalidArgument (422 at the edge) REQUEST_ID_REUSED naming
// what differs, never the dry run's import as if the file had been
// imported. Without a request id, the real import of the file just
// checked runs (the 24-hour repeat compares options too), and count is
// rows after it.
func RequestIDOfDryRun(t *testing.T, ctx context.Context, ops importsv1.ImportServiceClient, send Upload, rows int, count func() int) {
	t.Helper()
	const id = "sheet-42"
	dry, err := send(Options{ValidateOnly: true, RequestID: id})
	if err != nil {
		t.Fatal(err)
	}
	if got := Done(t, ctx, ops, dry); !got.GetValidateOnly() || got.GetCounts().GetValid() != int32(rows) {
		t.Fatalf("dry run: %v", got)
	}
	for _, tc := range []struct {
		o       Options
		mention string
	}{
		{Options{RequestID: id}, "validate_only=true"},
		{Options{ValidateOnly: true, OnError: "skip", RequestID: id}, "on_error=abort"},
		{Options{ValidateOnly: true, OnDuplicate: "link", RequestID: id}, "on_duplicate=create"},
	} {
		op, err := send(tc.o)
		statustest.WantReason(t, err, codes.InvalidArgument, errs.ReasonRequestIDReused, "the dry run's request id with "+tc.mention+" reversed: "+op.GetName())
		if !strings.Contains(err.Error(), tc.mention) || !strings.Contains(err.Error(), id) {
			t.Fatalf("the error does not say what differs (%s): %v", tc.mention, err)
		}
	}
	if again, err := send(Options{ValidateOnly: true, RequestID: id}); err != nil || again.GetName() != dry.GetName() {
		t.Fatalf("the dry run repeated: %s %v, want %s", again.GetName(), err, dry.GetName())
	}
	if n := count(); n != 0 {
		t.Fatalf("%d records after the dry run", n)
	}
	imported, err := send(Options{})
	if err != nil || imported.GetName() == dry.GetName() {
		t.Fatalf("the real import of the file of the dry run: %s %v (dry run %s)", imported.GetName(), err, dry.GetName())
	}
	if got := Done(t, ctx, ops, imported); got.GetValidateOnly() || got.GetCounts().GetCreated() != int32(rows) {
		t.Fatalf("real import: %v", got)
	}
	if n := count(); n != rows {
		t.Fatalf("%d records after the real import, want %d", n, rows)
	}
}
