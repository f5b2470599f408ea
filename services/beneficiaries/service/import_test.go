package service_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"cloud.google.com/go/longrunning/autogen/longrunningpb"
	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	commonv1 "github.com/spona/spona/gen/go/spona/common/v1"
	importsv1 "github.com/spona/spona/gen/go/spona/imports/v1"
	"github.com/spona/spona/pkg/events"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/sheet"
	"github.com/spona/spona/pkg/testkit/importtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"github.com/xuri/excelize/v2"
	"google.golang.org/genproto/googleapis/api/httpbody"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
)

type importClients struct {
	ben pb.BeneficiaryServiceClient
	imp pb.BeneficiaryImportServiceClient
	ops importsv1.ImportServiceClient
}

func startImports(t *testing.T) importClients {
	return clientsOf(startAll(t).conn)
}

func clientsOf(conn grpc.ClientConnInterface) importClients {
	return importClients{pb.NewBeneficiaryServiceClient(conn), pb.NewBeneficiaryImportServiceClient(conn), importsv1.NewImportServiceClient(conn)}
}

// upload sends req over the streaming RPC, its file in pieces of 97
// bytes (rows and characters cut anywhere).
func upload(ctx context.Context, c pb.BeneficiaryImportServiceClient, req *pb.ImportBeneficiariesRequest) (*longrunningpb.Operation, error) {
	return uploadIn(ctx, c, req, 97)
}

// uploadIn sends req with its file in pieces of piece bytes: the first
// message with the options and the content type.
func uploadIn(ctx context.Context, c pb.BeneficiaryImportServiceClient, req *pb.ImportBeneficiariesRequest, piece int) (*longrunningpb.Operation, error) {
	stream, err := c.ImportBeneficiaries(ctx)
	if err != nil {
		return nil, err
	}
	data := req.GetFile().GetData()
	first := &pb.ImportBeneficiariesRequest{ValidateOnly: req.GetValidateOnly(), OnError: req.GetOnError(),
		OnDuplicate: req.GetOnDuplicate(), RequestId: req.GetRequestId()}
	if req.File != nil {
		first.File = &httpbody.HttpBody{ContentType: req.GetFile().GetContentType(), Data: data[:min(len(data), piece)]}
	}
	for m := first; m != nil; {
		if err := stream.Send(m); err != nil {
			break // the answer says why
		}
		m = nil
		if data = data[min(len(data), piece):]; len(data) > 0 {
			m = &pb.ImportBeneficiariesRequest{File: &httpbody.HttpBody{Data: data[:min(len(data), piece)]}}
		}
	}
	return stream.CloseAndRecv()
}

func csvFile(s string) *httpbody.HttpBody {
	return &httpbody.HttpBody{ContentType: "text/csv", Data: []byte(s)}
}

// finished waits for an import's operation to be done and returns the import.
func finished(t testing.TB, ctx context.Context, c importClients, op *longrunningpb.Operation) *importsv1.Import {
	t.Helper()
	return importtest.Done(t, ctx, c.ops, op)
}

func problems(imp *importsv1.Import) []string {
	var out []string
	for _, p := range imp.GetProblems() {
		out = append(out, fmt.Sprintf("%d%s(%s): %s", p.GetRow(), p.GetColumn(), p.GetField(), p.GetMessage()))
	}
	return out
}

const register = `ime;prezime;pol;datum rođenja;pravni status;opština;državljanstvo;ranjivosti
Amina;Haddad;ženski;12.4.1990.;azilant;Beograd;SY;samohrani roditelj
Omar;Khalil;M;1985-01-31;tražilac azila;Subotica;AF;
;Nameless;Ž;2.3.2017;izbeglica;Niš;IQ;
Jovana;Jovanović;ženski;31.02.2001;povratnik;Šabac;RS;trudnica, marsovac
`

func TestImportBeneficiaries(t *testing.T) {
	s := startAll(t)
	c := clientsOf(s.conn)
	org := ids.New()
	ctx := servicetest.As(t, org)

	// Dry run: every problem with its row and column; nothing written.
	op, err := upload(ctx, c.imp, &pb.ImportBeneficiariesRequest{File: csvFile(register), ValidateOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	imp := finished(t, ctx, c, op)
	want := []string{
		"4A(given_name): is required",
		"5D(birth_date): \"31.02.2001\" is not a day of the calendar",
		"5H(vulnerabilities): \"marsovac\" is not a known vulnerability; use one of " + strings.Join(strings.Split("child_at_risk, child_street_situation, disability, elderly, gbv_survivor, pregnant, roma, separated_child, serious_medical_condition, single_parent, survivor_of_violence, trafficking_survivor, unaccompanied_child", ", "), ", "),
	}
	if got := problems(imp); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if imp.GetState() != importsv1.ImportState_IMPORT_STATE_SUCCEEDED || imp.GetCounts().GetRows() != 4 || imp.GetCounts().GetInvalid() != 2 || imp.GetEncoding() != "utf-8" {
		t.Fatalf("dry run: %v", imp)
	}
	if l, _ := c.ben.ListBeneficiaries(ctx, &pb.ListBeneficiariesRequest{}); len(l.GetBeneficiaries()) != 0 {
		t.Fatalf("dry run wrote %d", len(l.GetBeneficiaries()))
	}

	// All or nothing: the bad rows fail the import, nothing is written.
	op, err = upload(ctx, c.imp, &pb.ImportBeneficiariesRequest{File: csvFile(register)})
	if err != nil {
		t.Fatal(err)
	}
	imp = finished(t, ctx, c, op)
	if imp.GetState() != importsv1.ImportState_IMPORT_STATE_FAILED || imp.GetError().GetCode() != int32(codes.InvalidArgument) || !strings.Contains(imp.GetError().GetMessage(), "2 of 4 rows") {
		t.Fatalf("all or nothing: %v", imp)
	}
	if l, _ := c.ben.ListBeneficiaries(ctx, &pb.ListBeneficiariesRequest{}); len(l.GetBeneficiaries()) != 0 {
		t.Fatalf("failed import wrote %d", len(l.GetBeneficiaries()))
	}

	// on_error=skip: the good rows are written, each audited as a create.
	op, err = upload(ctx, c.imp, &pb.ImportBeneficiariesRequest{File: csvFile(register), OnError: "skip", RequestId: "reg-1"})
	if err != nil {
		t.Fatal(err)
	}
	imp = finished(t, ctx, c, op)
	if imp.GetState() != importsv1.ImportState_IMPORT_STATE_SUCCEEDED || imp.GetCounts().GetCreated() != 2 {
		t.Fatalf("skip: %v", imp)
	}
	l, err := c.ben.ListBeneficiaries(ctx, &pb.ListBeneficiariesRequest{})
	if err != nil || len(l.GetBeneficiaries()) != 2 {
		t.Fatalf("list: %v %v", l, err)
	}
	for _, b := range l.GetBeneficiaries() {
		if b.GetGivenName() == "Amina" && (b.GetSex() != commonv1.Sex_SEX_FEMALE || b.GetBirthDate() != "1990-04-12" ||
			b.GetLegalStatus() != pb.LegalStatus_LEGAL_STATUS_INTERNATIONAL_PROTECTION || b.GetMunicipality() != "Beograd" ||
			len(b.GetVulnerabilities()) != 1) {
			t.Fatalf("amina: %v", b)
		}
	}
	audit, err := c.ben.ListAuditEvents(ctx, &pb.ListAuditEventsRequest{BeneficiaryId: "-", PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	creates := 0
	for _, e := range audit.GetAuditEvents() {
		if e.GetAction() == "create" && e.GetActorClientId() == "test" {
			creates++
		}
	}
	if creates != 2 {
		t.Fatalf("%d create audit events, want 2", creates)
	}
	// One beneficiary.created per record written, and no other event (nothing from the dry run or the failed import).
	var created []string
	evs, _ := servicetest.Events(t, s.conn, "")
	for _, e := range evs {
		if !slices.Contains(e.GetOrganisationIds(), org) {
			continue
		}
		if e.GetType() != events.BeneficiaryCreated || str(e, "beneficiary_id") != e.GetAggregateId() {
			t.Fatalf("event %v", e)
		}
		created = append(created, e.GetAggregateId())
	}
	if len(created) != 2 {
		t.Fatalf("beneficiary.created for %v, want the 2 rows written", created)
	}
	for _, b := range l.GetBeneficiaries() {
		if !slices.Contains(created, b.GetId()) {
			t.Fatalf("no beneficiary.created for %s (events for %v)", b.GetId(), created)
		}
	}

	// The same request id, or the same file again: nothing imported twice.
	again, err := upload(ctx, c.imp, &pb.ImportBeneficiariesRequest{File: csvFile(register), OnError: "skip", RequestId: "reg-1"})
	if err != nil || again.GetName() != op.GetName() {
		t.Fatalf("retry by request id: %v %v (first %s)", again.GetName(), err, op.GetName())
	}
	again, err = upload(ctx, c.imp, &pb.ImportBeneficiariesRequest{File: csvFile(register), OnError: "skip"})
	if err != nil || again.GetName() != op.GetName() {
		t.Fatalf("retry by file hash: %v %v (first %s)", again.GetName(), err, op.GetName())
	}
	if _, err := upload(ctx, c.imp, &pb.ImportBeneficiariesRequest{File: csvFile(register + "Ana;B;;;;;;\n"), RequestId: "reg-1"}); statustest.Code(err) != codes.InvalidArgument {
		t.Fatalf("request id reused for another file: %v", err)
	}

	// Listed for the organisation, invisible to others.
	list, err := c.ops.ListImports(ctx, &importsv1.ListImportsRequest{})
	if err != nil || len(list.GetImports()) != 3 {
		t.Fatalf("list imports: %d %v", len(list.GetImports()), err)
	}
	other := servicetest.As(t, ids.New())
	if _, err := c.ops.GetImport(other, &importsv1.GetImportRequest{Id: imp.GetId()}); statustest.Code(err) != codes.NotFound {
		t.Fatalf("other organisation: %v", err)
	}
	if _, err := c.ops.GetOperation(other, &importsv1.GetOperationRequest{Id: op.GetName()}); statustest.Code(err) != codes.NotFound {
		t.Fatalf("other organisation's operation: %v", err)
	}
}

func TestImportDuplicatesAcrossScripts(t *testing.T) {
	c := startImports(t)
	file := "име,презиме,датум рођења,држављанство\n" +
		"Ђорђе,Петровић,1.5.1985.,RS\n" +
		"Марија,Марковић,3.3.1993.,RS\n" +
		"Marija,Markovic,1993-03-03,RS\n"
	for _, policy := range []string{"", "skip", "link", "create"} {
		ctx := servicetest.As(t, ids.New())
		existing, err := c.ben.CreateBeneficiary(ctx, &pb.CreateBeneficiaryRequest{Beneficiary: &pb.Beneficiary{
			GivenName: "Đorđe", FamilyName: "Petrović", BirthDate: "1985-05-01", Nationality: "RS"}})
		if err != nil {
			t.Fatal(err)
		}
		op, err := upload(ctx, c.imp, &pb.ImportBeneficiariesRequest{File: csvFile(file), ValidateOnly: policy == "", OnDuplicate: policy})
		if err != nil {
			t.Fatal(err)
		}
		imp := finished(t, ctx, c, op)
		dups := imp.GetDuplicates()
		if len(dups) != 2 || dups[0].GetRow() != 2 || len(dups[0].GetMatches()) != 1 || dups[0].GetMatches()[0].GetId() != existing.GetBeneficiary().GetId() ||
			dups[0].GetMatches()[0].GetScore() < 0.9 || dups[1].GetRow() != 4 || fmt.Sprint(dups[1].GetSameAsRows()) != "[3]" {
			t.Fatalf("%q: duplicates %v", policy, dups)
		}
		switch policy {
		case "skip":
			if imp.GetCounts().GetCreated() != 1 || imp.GetCounts().GetSkipped() != 2 || dups[0].GetOutcome() != "skipped" {
				t.Fatalf("skip: %v", imp)
			}
		case "link":
			if imp.GetCounts().GetCreated() != 1 || imp.GetCounts().GetLinked() != 2 || dups[0].GetResourceId() != existing.GetBeneficiary().GetId() ||
				dups[1].GetOutcome() != "linked" || dups[1].GetResourceId() == "" {
				t.Fatalf("link: %v", imp)
			}
		case "create":
			if imp.GetCounts().GetCreated() != 3 || dups[0].GetOutcome() != "created" {
				t.Fatalf("create: %v", imp)
			}
		}
	}
}

func TestImportBadFiles(t *testing.T) {
	c := startImports(t)
	ctx := servicetest.As(t, ids.New())
	for _, tc := range []struct {
		name, ct, data, mention string
	}{
		{"unknown and duplicate headers", "text/csv", "ime,adresa,prezime,Ime\nA,B,C,D\n", "column B \"adresa\" is not a known column"},
		{"duplicate header", "text/csv", "ime,prezime,Ime\nA,B,C\n", "column C \"Ime\" repeats column A"},
		{"no data", "text/csv", "ime,prezime\n" + strings.Repeat(",\n", 1000), "no data rows"},
		{"pdf", "application/pdf", "%PDF-1.7", "neither CSV"},
		{"utf-16", "text/csv", "\xff\xfei\x00m\x00e\x00", "UTF-16"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := upload(ctx, c.imp, &pb.ImportBeneficiariesRequest{File: &httpbody.HttpBody{ContentType: tc.ct, Data: []byte(tc.data)}})
			if statustest.Code(err) != codes.InvalidArgument || !strings.Contains(fmt.Sprint(err)+violationTexts(err), tc.mention) {
				t.Fatalf("got %v, want InvalidArgument mentioning %q", err, tc.mention)
			}
		})
	}
	// The upload itself: no file, an empty one, options after the first
	// message, more than IMPORT_MAX_BYTES (refused as it passes them).
	uploads := map[string]func() (*pb.ImportBeneficiariesRequest, []*pb.ImportBeneficiariesRequest){
		"no message": func() (*pb.ImportBeneficiariesRequest, []*pb.ImportBeneficiariesRequest) { return nil, nil },
		"empty file": func() (*pb.ImportBeneficiariesRequest, []*pb.ImportBeneficiariesRequest) {
			return &pb.ImportBeneficiariesRequest{File: &httpbody.HttpBody{ContentType: "text/csv"}, ValidateOnly: true}, nil
		},
		"options later": func() (*pb.ImportBeneficiariesRequest, []*pb.ImportBeneficiariesRequest) {
			return &pb.ImportBeneficiariesRequest{File: csvFile("ime,prezime\n")},
				[]*pb.ImportBeneficiariesRequest{{File: &httpbody.HttpBody{Data: []byte("A,B\n")}, ValidateOnly: true}}
		},
		"content type later": func() (*pb.ImportBeneficiariesRequest, []*pb.ImportBeneficiariesRequest) {
			return &pb.ImportBeneficiariesRequest{File: csvFile("ime,prezime\n")},
				[]*pb.ImportBeneficiariesRequest{{File: &httpbody.HttpBody{ContentType: "text/csv", Data: []byte("A,B\n")}}}
		},
		"too large": func() (*pb.ImportBeneficiariesRequest, []*pb.ImportBeneficiariesRequest) {
			var rest []*pb.ImportBeneficiariesRequest
			for range 21 {
				rest = append(rest, &pb.ImportBeneficiariesRequest{File: &httpbody.HttpBody{Data: bytes.Repeat([]byte("A,B\n"), 1<<18)}})
			}
			return &pb.ImportBeneficiariesRequest{File: csvFile("ime,prezime\n")}, rest
		},
	}
	for name, mention := range map[string]string{"no message": "file: is required", "empty file": "file: is required",
		"options later": "only the first message", "content type later": "only the first message", "too large": "IMPORT_MAX_BYTES"} {
		t.Run(name, func(t *testing.T) {
			first, rest := uploads[name]()
			stream, err := c.imp.ImportBeneficiaries(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range append([]*pb.ImportBeneficiariesRequest{first}, rest...) {
				if m != nil && stream.Send(m) != nil {
					break
				}
			}
			_, err = stream.CloseAndRecv()
			if statustest.Code(err) != codes.InvalidArgument || !strings.Contains(fmt.Sprint(err)+violationTexts(err), mention) {
				t.Fatalf("got %v, want InvalidArgument mentioning %q", err, mention)
			}
		})
	}
	list, _ := c.ops.ListImports(ctx, &importsv1.ListImportsRequest{})
	if len(list.GetImports()) != 0 {
		t.Fatalf("refused files left imports: %v", list)
	}
	_ = sheet.MediaXLSX
}

func violationTexts(err error) string {
	var out []string
	for _, v := range statustest.FieldViolations(err) {
		out = append(out, v.GetField()+": "+v.GetDescription())
	}
	return strings.Join(out, "\n")
}

// TestImportXLSXBadSharedString uploads a workbook whose cell refers to
// shared string -1, which made the XLSX library panic in a goroutine of
// its own and end the process (the service runs in this test's process,
// so the test binary would die): it is refused, and the service goes on
// answering.
func TestImportXLSXBadSharedString(t *testing.T) {
	c := startImports(t)
	ctx := servicetest.As(t, ids.New())
	f := excelize.NewFile()
	defer f.Close()
	// Shared strings are numbered in the order they are set: Amina is 2.
	for i, row := range [][]any{{"ime", "prezime"}, {"Amina", "Haddad"}} {
		if err := f.SetSheetRow("Sheet1", fmt.Sprintf("A%d", i+1), &row); err != nil {
			t.Fatal(err)
		}
	}
	var good bytes.Buffer
	if err := f.Write(&good); err != nil {
		t.Fatal(err)
	}
	bad := rewriteZip(t, good.Bytes(), "xl/worksheets/sheet1.xml", `<c r="A2" t="s"><v>2</v></c>`, `<c r="A2" t="s"><v>-1</v></c>`)

	xlsx := func(data []byte) *pb.ImportBeneficiariesRequest {
		return &pb.ImportBeneficiariesRequest{ValidateOnly: true, File: &httpbody.HttpBody{ContentType: sheet.MediaXLSX, Data: data}}
	}
	_, err := upload(ctx, c.imp, xlsx(bad))
	if statustest.Code(err) != codes.InvalidArgument || !strings.Contains(fmt.Sprint(err), `cell "A2" (row 2) refers to shared string "-1"`) {
		t.Fatalf("got %v, want InvalidArgument naming cell A2", err)
	}
	op, err := upload(ctx, c.imp, xlsx(good.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if imp := finished(t, ctx, c, op); imp.GetState() != importsv1.ImportState_IMPORT_STATE_SUCCEEDED || imp.GetCounts().GetRows() != 1 || imp.GetFormat() != "xlsx" {
		t.Fatalf("the same workbook with a valid index: %v", imp)
	}
}

// rewriteZip returns the archive data with from replaced by to, once, in
// the named part.
func rewriteZip(t *testing.T, data []byte, name, from, to string) []byte {
	t.Helper()
	return importtest.EditZip(t, data, name, func(b []byte) []byte {
		if bytes.Count(b, []byte(from)) != 1 {
			t.Fatalf("%s does not hold %s once:\n%s", name, from, b)
		}
		return bytes.Replace(b, []byte(from), []byte(to), 1)
	})
}
