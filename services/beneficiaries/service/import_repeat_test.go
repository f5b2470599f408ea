package service_test

import (
	"context"
	"testing"

	"cloud.google.com/go/longrunning/autogen/longrunningpb"
	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/importtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"google.golang.org/genproto/googleapis/api/httpbody"
)

// sender uploads file with the options asked for.
func sender(ctx context.Context, c importClients, file *httpbody.HttpBody) importtest.Upload {
	return func(o importtest.Options) (*longrunningpb.Operation, error) {
		return upload(ctx, c.imp, &pb.ImportBeneficiariesRequest{File: file, ValidateOnly: o.ValidateOnly, OnError: o.OnError,
			OnDuplicate: o.OnDuplicate, RequestId: o.RequestID})
	}
}

// persons counts the beneficiaries of the organisation of ctx.
func persons(t *testing.T, ctx context.Context, c importClients) func() int {
	return func() int {
		t.Helper()
		l, err := c.ben.ListBeneficiaries(ctx, &pb.ListBeneficiariesRequest{PageSize: 100})
		if err != nil {
			t.Fatal(err)
		}
		return len(l.GetBeneficiaries())
	}
}

// TestImportRepeatedWhileStaging: a file sent again while the first
// upload's rows are still being staged is not imported twice
// (importtest.RepeatedWhileStaging), without a request id or with one.
func TestImportRepeatedWhileStaging(t *testing.T) {
	c := startAll(t)
	imp := clientsOf(c.conn)
	file := csvFile("ime;prezime;datum rođenja\nOsoba0;Ponovljena;1.3.1990.\nOsoba1;Ponovljena;2.3.1990.\nOsoba2;Ponovljena;3.3.1990.\nOsoba3;Ponovljena;4.3.1990.\n")
	for _, requestID := range []string{"", "sheet-7"} {
		t.Run("request id "+requestID, func(t *testing.T) {
			ctx := servicetest.As(t, ids.New())
			importtest.RepeatedWhileStaging(t, ctx, imp.ops, c.dbURL, "beneficiaries.import_rows", sender(ctx, imp, file),
				importtest.Options{RequestID: requestID}, 4, persons(t, ctx, imp))
		})
	}
}

// TestImportRequestIDOfDryRun: a dry run's request id is not the real
// import's (importtest.RequestIDOfDryRun).
func TestImportRequestIDOfDryRun(t *testing.T) {
	c := startImports(t)
	ctx := servicetest.As(t, ids.New())
	file := csvFile("ime;prezime;datum rođenja\nAmina;Haddad;12.4.1990.\nOmar;Khalil;1985-01-31\nLejla;Begić;2.3.2017.\n")
	importtest.RequestIDOfDryRun(t, ctx, c.ops, sender(ctx, c, file), 3, persons(t, ctx, c))
}
