package service_test

import (
	"context"
	"strings"
	"testing"
	"time"

	importsv1 "github.com/spona/spona/gen/go/spona/imports/v1"
	refv1 "github.com/spona/spona/gen/go/spona/referrals/v1"
	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/sheet"
	"github.com/spona/spona/pkg/testkit/importtest"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	referrals "github.com/spona/spona/services/referrals/service"
	"github.com/spona/spona/services/trainings/service"
	"google.golang.org/genproto/googleapis/api/httpbody"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// FuzzImportSignInSheet imports whole fuzzed sign-in sheets through the
// real trainings service (with the real directory) and PostgreSQL, each
// into an event of its own with three past sessions (two on one day) and
// one tomorrow: first as a dry run, then for real with bad rows skipped.
// A sheet is refused with a client error or imported; nothing is
// INTERNAL; every problem names its row and its column; the dry run
// registers nobody; the real import registers exactly the rows it says it
// created.
func FuzzImportSignInSheet(f *testing.F) {
	url := pgtest.NewDatabase(f)
	rep, ben := servicetest.Defer(f), servicetest.Defer(f)
	refConn := servicetest.Start(f, referrals.New(referrals.Config{Config: servicetest.Platform(f, url), BeneficiariesAddr: ben.Addr, ReportingAddr: rep.Addr}))
	conn := servicetest.Start(f, service.New(service.Config{Config: servicetest.Platform(f, url), ReferralsAddr: refConn.Target(),
		BeneficiariesAddr: ben.Addr, ReportingAddr: rep.Addr}))
	c, imp, ops := pb.NewTrainingServiceClient(conn), pb.NewParticipantImportServiceClient(conn), importsv1.NewImportServiceClient(conn)
	dir := refv1.NewDirectoryServiceClient(refConn)
	// One organisation by its name, and a name two organisations have.
	var known string
	for _, name := range []string{"Centar za socijalni rad Šid", "Dom zdravlja", "Dom zdravlja"} {
		r, err := dir.CreateOrganisation(servicetest.As(f, ids.New()), &refv1.CreateOrganisationRequest{
			Organisation: &refv1.Organisation{Name: name, Kind: refv1.OrganisationKind_ORGANISATION_KIND_HEALTH, Country: "RS"}})
		if err != nil {
			f.Fatal(err)
		}
		if known == "" {
			known = r.GetOrganisation().GetId()
		}
	}
	for _, seed := range []string{
		"ime,prezime,organizacija,sektor,pol,e-mail,pozicija,4.3.2024.,sesija 2,dan 3,2999-01-01\n" +
			"Ana,Petrović,centar za socijalni rad sid,csr,ž,ana@udruga-đakovo.hr,socijalna radnica,x,1,ne,\n" +
			"Marko,Marković," + strings.ToUpper(known) + ",policija,m,,,prisutan,,0,x\n" +
			"Mira,Ilić,Dom zdravlja,zdravstvo,,mira@example.org,,да,,,\n",
		"\uFEFFиме;презиме;сектор;пол;2024-03-04;5.3.2024.\nЈована;Јовановић;здравство;женски;да;не\n;;;;;\nA;B;nvo;;д;maybe\n",
		"given_name\tfamily_name\tsector\tsession 1\tsession 9\n A \t B \tSECTOR_HEALTH\ttrue\tx\n",
		"ime,prezime,sektor\n" + strings.Repeat("Ana,Petrović,ostalo\n", 5),
	} {
		f.Add([]byte(seed), uint8(0))
	}
	f.Fuzz(func(t *testing.T, data []byte, dup uint8) {
		// A call that does not return is a failure of its own input, not a
		// stalled fuzzer.
		ctx, cancel := context.WithTimeout(servicetest.As(t, ids.New()), time.Minute)
		defer cancel()
		ev, err := c.CreateTrainingEvent(ctx, &pb.CreateTrainingEventRequest{TrainingEvent: &pb.TrainingEvent{Type: pb.EventType_EVENT_TYPE_TRAINING,
			Title: "Obuka", StartDate: "2024-03-04", EndDate: "2999-01-01"}})
		if err != nil {
			t.Fatal(err)
		}
		event := ev.GetTrainingEvent().GetId()
		for _, day := range []string{"2024-03-04", "2024-03-05", "2024-03-05", "2999-01-01"} {
			if _, err := c.CreateSession(ctx, &pb.CreateSessionRequest{EventId: event, Session: &pb.Session{Date: day}}); err != nil {
				t.Fatal(err)
			}
		}
		registered := func() int {
			l, err := c.ListParticipants(ctx, &pb.ListParticipantsRequest{EventId: event, PageSize: 1000})
			if err != nil {
				t.Fatal(err)
			}
			return len(l.GetParticipants())
		}
		file := &httpbody.HttpBody{ContentType: sheet.MediaCSV, Data: data}
		onDuplicate := []string{"", "skip", "create", "link"}[dup%4]
		run := func(req *pb.ImportParticipantsRequest, what string) *importsv1.Import {
			t.Helper()
			op, err := imp.ImportParticipants(ctx, req)
			if err != nil {
				switch status.Code(err) {
				case codes.InvalidArgument, codes.FailedPrecondition, codes.ResourceExhausted:
					return nil
				}
				t.Fatalf("%s: %v", what, err)
			}
			done := importtest.Done(t, ctx, ops, op)
			importtest.CheckEnded(t, done, what)
			return done
		}
		dry := run(&pb.ImportParticipantsRequest{EventId: event, File: file, ValidateOnly: true, OnDuplicate: onDuplicate}, "dry run")
		if n := registered(); n != 0 {
			t.Fatalf("the dry run registered %d: %v", n, dry)
		}
		if dry == nil || dry.GetState() != importsv1.ImportState_IMPORT_STATE_SUCCEEDED {
			return
		}
		done := run(&pb.ImportParticipantsRequest{EventId: event, File: file, OnError: "skip", OnDuplicate: onDuplicate}, "import")
		if done != nil && done.GetState() == importsv1.ImportState_IMPORT_STATE_SUCCEEDED && registered() != int(done.GetCounts().GetCreated()) {
			t.Fatalf("the import says it registered %d, %d are there: %v", done.GetCounts().GetCreated(), registered(), done)
		}
	})
}
