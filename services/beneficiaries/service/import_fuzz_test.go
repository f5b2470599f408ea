package service_test

import (
	"context"
	"strings"
	"testing"
	"time"

	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	importsv1 "github.com/spona/spona/gen/go/spona/imports/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/sheet"
	"github.com/spona/spona/pkg/testkit/importtest"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/services/beneficiaries/service"
	"google.golang.org/genproto/googleapis/api/httpbody"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// FuzzImportFile imports whole fuzzed files through the real service and
// PostgreSQL, each for an organisation of its own: first as a dry run,
// then for real with bad rows skipped. A file is refused with a client
// error or imported; nothing is INTERNAL; every problem names its row and
// its column; the dry run writes nothing; the real import writes exactly
// the rows it says it created.
func FuzzImportFile(f *testing.F) {
	dbURL := pgtest.NewDatabase(f)
	conn := servicetest.Start(f, service.New(service.Config{Config: servicetest.Platform(f, dbURL),
		ReportingAddr: servicetest.Defer(f).Addr, ReferralsAddr: noDirectory}))
	c := clientsOf(conn)
	for _, seed := range []string{
		register,
		"ime,prezime,pol,datum rođenja,godina rođenja,procenjen datum rođenja,jezici,telefon,e-mail,napomena,status od\n" +
			"Ana,Petrović,ž,2.3.1990.,1990,da,ar/fa,+381 64 123 4567,ana@udruga-đakovo.hr,\"više\nredova\",\n" +
			"Ana,Petrovic,Ž,02.03.1990,,ne,xx-,064,x@,,1.1.2020\n" +
			"Ана,Петровић,женски,1990-03-02,1991,,sr-Latn,,,,\n",
		"\uFEFFиме;презиме;шифра;смештај;држава\nJovana;;A-1;privatni smeštaj;rs\nJovana;;A-1;hotel;XX\n   ;  ;\n",
		"given_name\tbirth_year\tlegal_status_since\nZ\t1899.0\t1900-01-01\nY\t2200\t\n",
		"ime\n" + strings.Repeat("X\n", 40),
	} {
		f.Add([]byte(seed), uint8(0))
	}
	f.Fuzz(func(t *testing.T, data []byte, dup uint8) {
		// A call that does not return is a failure of its own input, not a
		// stalled fuzzer.
		ctx, cancel := context.WithTimeout(servicetest.As(t, ids.New()), time.Minute)
		defer cancel()
		file := &httpbody.HttpBody{ContentType: sheet.MediaCSV, Data: data}
		onDuplicate := []string{"", "skip", "create", "link"}[dup%4]
		op, err := upload(ctx, c.imp, &pb.ImportBeneficiariesRequest{File: file, ValidateOnly: true, OnDuplicate: onDuplicate})
		if err != nil {
			clientError(t, err)
			return
		}
		dry := finished(t, ctx, c, op)
		importtest.CheckEnded(t, dry, "dry run")
		if n := count(t, c, ctx); n != 0 {
			t.Fatalf("the dry run wrote %d beneficiaries: %v", n, dry)
		}
		if dry.GetState() != importsv1.ImportState_IMPORT_STATE_SUCCEEDED {
			return
		}
		op, err = upload(ctx, c.imp, &pb.ImportBeneficiariesRequest{File: file, OnError: "skip", OnDuplicate: onDuplicate})
		if err != nil {
			clientError(t, err)
			return
		}
		imp := finished(t, ctx, c, op)
		importtest.CheckEnded(t, imp, "import")
		if imp.GetState() == importsv1.ImportState_IMPORT_STATE_SUCCEEDED && count(t, c, ctx) != int(imp.GetCounts().GetCreated()) {
			t.Fatalf("the import says it created %d, %d are there: %v", imp.GetCounts().GetCreated(), count(t, c, ctx), imp)
		}
	})
}

// clientError fails t unless err is a client's error.
func clientError(t *testing.T, err error) {
	t.Helper()
	switch status.Code(err) {
	case codes.InvalidArgument, codes.FailedPrecondition, codes.ResourceExhausted, codes.AlreadyExists:
	default:
		t.Fatalf("upload: %v", err)
	}
}

// count is how many beneficiaries the organisation of ctx has.
func count(t *testing.T, c importClients, ctx context.Context) int {
	t.Helper()
	n := 0
	for token := ""; ; {
		l, err := c.ben.ListBeneficiaries(ctx, &pb.ListBeneficiariesRequest{PageSize: 1000, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		n += len(l.GetBeneficiaries())
		if token = l.GetNextPageToken(); token == "" {
			return n
		}
	}
}
