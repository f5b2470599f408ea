package service_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/longrunning/autogen/longrunningpb"
	"github.com/jackc/pgx/v5"
	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	commonv1 "github.com/spona/spona/gen/go/spona/common/v1"
	importsv1 "github.com/spona/spona/gen/go/spona/imports/v1"
	"github.com/spona/spona/pkg/audit"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/translit"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"
)

// TestErasureReachesImportRows: a spreadsheet import keeps no staged
// personal data once it ends (cells and duplicate keys dropped; what stays
// for its report are problems, duplicates and outcomes), and erasing a
// person clears the rows that were them: the row that created the record,
// and a row scored as their duplicate whose problem quotes a cell naming
// them. Someone else's row stays as it was.
func TestErasureReachesImportRows(t *testing.T) {
	c := startAll(t)
	imp := clientsOf(c.conn)
	ctx := servicetest.As(t, ids.New())
	run := func(file string, validateOnly bool) *importsv1.Import {
		t.Helper()
		return imported(t, ctx, imp, &pb.ImportBeneficiariesRequest{File: csvFile(file), OnError: "skip", ValidateOnly: validateOnly})
	}
	// She is registered by an import; a second file has her again, with a
	// vulnerability cell that names her (a problem quotes it); Ana's row in
	// it is bad too and is someone else's.
	first := run("ime;prezime;datum rođenja;državljanstvo;opština\nĐurđija;Kovačević-Zlatanović;17.5.1991.;RS;Niš\n", false)
	if first.GetCounts().GetCreated() != 1 {
		t.Fatalf("first import: %v", first)
	}
	list, err := c.ListBeneficiaries(ctx, &pb.ListBeneficiariesRequest{})
	if err != nil || len(list.GetBeneficiaries()) != 1 {
		t.Fatalf("list: %v %v", list, err)
	}
	her := list.GetBeneficiaries()[0].GetId()
	second := run("ime;prezime;datum rođenja;državljanstvo;ranjivosti\n"+
		"Ђурђија;Ковачевић-Златановић;1991-05-17;RS;Đurđija bolesna\n"+
		"Ana;Babić;1980-01-01;HR;Ana bolesna\n", true)
	if d := second.GetDuplicates(); len(d) != 1 || d[0].GetRow() != 2 || d[0].GetMatches()[0].GetId() != her {
		t.Fatalf("second import's duplicates: %v", d)
	}

	conn, err := pgx.Connect(context.Background(), c.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	rows := func() map[string]string {
		t.Helper()
		rs, err := conn.Query(context.Background(), `SELECT import_id::text || '/' || row_no, r::text FROM beneficiaries.import_rows r`)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		var k, v string
		if _, err := pgx.ForEachRow(rs, []any{&k, &v}, func() error { out[k] = translit.Fold(v); return nil }); err != nil {
			t.Fatal(err)
		}
		return out
	}
	// Ended imports keep no cells and no keys but a refused row's name key
	// and birth year: only the problems quote the file.
	before := rows()
	if len(before) != 3 {
		t.Fatalf("%d staged rows, want 3", len(before))
	}
	herRow, anasRow := second.GetId()+"/2", second.GetId()+"/3"
	if k := keptKeys(t, conn); len(k) != 2 || k[herRow] != "durdija kovacevic zlatanovic/1991" || k[anasRow] != "ana babic/1980" {
		t.Fatalf("keys kept by the ended imports' rows: %v", k)
	}
	if !strings.Contains(before[herRow], "durdija bolesna") || !strings.Contains(before[anasRow], "ana bolesna") {
		t.Fatalf("the problems quote no cell: %v", before)
	}

	if _, err := c.EraseBeneficiary(ctx, &pb.EraseBeneficiaryRequest{Id: her}); err != nil {
		t.Fatal(err)
	}
	after := rows()
	for k, v := range after {
		if strings.Contains(v, "durdija") {
			t.Fatalf("row %s still names her after erasure: %s", k, v)
		}
	}
	if after[anasRow] != before[anasRow] {
		t.Fatalf("someone else's row changed:\nbefore %s\nafter  %s", before[anasRow], after[anasRow])
	}
	if k := keptKeys(t, conn); len(k) != 1 || k[anasRow] != "ana babic/1980" {
		t.Fatalf("keys kept after her erasure: %v", k)
	}
	// The reports still count the rows and name the records.
	got, err := imp.ops.GetImport(ctx, &importsv1.GetImportRequest{Id: second.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	if d := got.GetImport().GetDuplicates(); len(d) != 1 || d[0].GetMatches()[0].GetId() != her || got.GetImport().GetCounts().GetRows() != 2 {
		t.Fatalf("second import after erasure: %v", got.GetImport())
	}
	got, err = imp.ops.GetImport(ctx, &importsv1.GetImportRequest{Id: first.GetId()})
	if err != nil || got.GetImport().GetCounts().GetCreated() != 1 {
		t.Fatalf("first import after erasure: %v %v", got, err)
	}
}

// keptKeys returns the name key and birth year ("key/year") each staged
// row keeps, by "import/row", and fails if a row keeps more (cells, a
// birth date, a nationality, an e-mail key) or an ended import's valid
// row keeps anything.
func keptKeys(t *testing.T, conn *pgx.Conn) map[string]string {
	t.Helper()
	rs, err := conn.Query(context.Background(), `SELECT r.import_id::text || '/' || r.row_no, r.name_key, COALESCE(r.birth_year, 0),
			r.valid, r.cells IS NOT NULL OR r.birth_date IS NOT NULL OR r.nationality <> '' OR r.match_key <> ''
		FROM beneficiaries.import_rows r JOIN beneficiaries.imports i ON i.id = r.import_id WHERE i.state <> 'running'`)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	var k, key string
	var year int
	var valid, more bool
	if _, err := pgx.ForEachRow(rs, []any{&k, &key, &year, &valid, &more}, func() error {
		if more || (valid && (key != "" || year != 0)) {
			t.Errorf("ended import row %s keeps staged data (valid %t, name key %q, birth year %d)", k, valid, key, year)
		}
		if key != "" || year != 0 {
			out[k] = fmt.Sprintf("%s/%d", key, year)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// imported uploads req and returns its import once it has ended.
func imported(t *testing.T, ctx context.Context, imp importClients, req *pb.ImportBeneficiariesRequest) *importsv1.Import {
	t.Helper()
	op, err := upload(ctx, imp.imp, req)
	if err != nil {
		t.Fatal(err)
	}
	return finished(t, ctx, imp, op)
}

// importPurposes returns the purpose stored with each import.
func importPurposes(t *testing.T, conn *pgx.Conn) map[string]string {
	t.Helper()
	rs, err := conn.Query(context.Background(), `SELECT id::text, purpose FROM beneficiaries.imports`)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	var id, purpose string
	if _, err := pgx.ForEachRow(rs, []any{&id, &purpose}, func() error { out[id] = purpose; return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

// quoting returns the problems of an import that quote s.
func quoting(imp *importsv1.Import, s string) []string {
	var out []string
	for _, p := range imp.GetProblems() {
		if strings.Contains(p.GetMessage(), s) || strings.Contains(p.GetValue(), s) {
			out = append(out, fmt.Sprintf("%d%s: %q %s", p.GetRow(), p.GetColumn(), p.GetValue(), p.GetMessage()))
		}
	}
	return out
}

// TestErasureReachesInFileDuplicates: the row that repeats a person in the
// same file with a bad birth date was scored against the row that created
// her (she did not exist yet), so it has no match on her record, only a
// link to that row; erasing her clears its problem's text all the same.
// The purpose declared for the import (copied to her audit records, and
// naming her) is blanked too; another import's is not.
func TestErasureReachesInFileDuplicates(t *testing.T) {
	c := startAll(t)
	imp := clientsOf(c.conn)
	org := ids.New()
	ctx := withPurpose(servicetest.As(t, org), "upis Amine Hasic i porodice")
	op, err := upload(ctx, imp.imp, &pb.ImportBeneficiariesRequest{OnError: "skip", File: csvFile("ime;prezime;datum rođenja\n" +
		"Amina;Hasić;2011-03-02\nAmina;Hasić;31.02.2011\nOmar;Khalil;1985-01-31\n")})
	if err != nil {
		t.Fatal(err)
	}
	first := finished(t, ctx, imp, op)
	if c := first.GetCounts(); c.GetCreated() != 2 || c.GetInvalid() != 1 {
		t.Fatalf("import counts: %v", c)
	}
	if d := first.GetDuplicates(); len(d) != 1 || d[0].GetRow() != 3 || !slices.Equal(d[0].GetSameAsRows(), []int32{2}) || len(d[0].GetMatches()) != 0 {
		t.Fatalf("duplicates: %v", d)
	}
	if q := quoting(first, "31.02.2011"); len(q) != 1 {
		t.Fatalf("the problem quotes no cell: %v", problems(first))
	}
	op, err = upload(withPurpose(servicetest.As(t, org), "upis porodice Babic"), imp.imp,
		&pb.ImportBeneficiariesRequest{ValidateOnly: true, File: csvFile("ime;prezime;datum rođenja\nAna;Babić;1980-01-01\n")})
	if err != nil {
		t.Fatal(err)
	}
	other := finished(t, ctx, imp, op)
	list, err := c.ListBeneficiaries(ctx, &pb.ListBeneficiariesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var her string
	for _, b := range list.GetBeneficiaries() {
		if b.GetGivenName() == "Amina" {
			her = b.GetId()
		}
	}
	conn, err := pgx.Connect(context.Background(), c.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if p := importPurposes(t, conn); p[first.GetId()] == "" || p[other.GetId()] == "" {
		t.Fatalf("purposes before erasure: %v", p)
	}

	if _, err := c.EraseBeneficiary(ctx, &pb.EraseBeneficiaryRequest{Id: her}); err != nil {
		t.Fatal(err)
	}
	got, err := imp.ops.GetImport(ctx, &importsv1.GetImportRequest{Id: first.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	after := got.GetImport()
	if q := quoting(after, "31.02.2011"); len(q) > 0 {
		t.Errorf("after erasure the import still quotes her row: %v", q)
	}
	// The report still counts the bad cell, where it was.
	if p := after.GetProblems(); len(p) != 1 || p[0].GetRow() != 3 || p[0].GetColumn() != "C" || after.GetProblemCount() != 1 ||
		!proto.Equal(after.GetCounts(), first.GetCounts()) {
		t.Errorf("the report after erasure: %v", after)
	}
	if p := importPurposes(t, conn); p[first.GetId()] != "" || p[other.GetId()] != "upis porodice Babic" {
		t.Fatalf("purposes after erasure: %v", p)
	}
}

// TestErasureReachesRunningImport: a person is erased while an import
// whose bad row was scored as her duplicate is still writing its rows. The
// bad row's problem loses the cell's text at once, and the import still
// ends as it would have: the row stays invalid (not written), the valid
// row is written with its cells.
func TestErasureReachesRunningImport(t *testing.T) {
	// The import's write phase waits at its first legal status.
	p := startPausedImport(t, "Amina Hasic, nastavak", "beneficiaries.legal_status_history")
	c, imp, ctx, her, conn, op := p.c, p.imp, p.ctx, p.her, p.conn, p.op
	var meta importsv1.ImportMetadata
	if err := op.GetMetadata().UnmarshalTo(&meta); err != nil {
		t.Fatal(err)
	}
	get := func() *importsv1.Import {
		t.Helper()
		got, err := imp.ops.GetImport(ctx, &importsv1.GetImportRequest{Id: meta.GetImportId()})
		if err != nil {
			t.Fatal(err)
		}
		return got.GetImport()
	}
	running := get()
	if running.GetState() != importsv1.ImportState_IMPORT_STATE_RUNNING || len(quoting(running, "31.02.2011")) != 1 ||
		len(running.GetDuplicates()) != 1 || running.GetDuplicates()[0].GetMatches()[0].GetId() != her {
		t.Fatalf("the running import: %v", running)
	}

	if _, err := c.EraseBeneficiary(ctx, &pb.EraseBeneficiaryRequest{Id: her}); err != nil {
		t.Fatal(err)
	}
	running = get()
	if q := quoting(running, "31.02.2011"); running.GetState() != importsv1.ImportState_IMPORT_STATE_RUNNING || len(q) > 0 ||
		len(running.GetProblems()) != 1 || running.GetProblems()[0].GetRow() != 2 {
		t.Fatalf("the running import after erasure: %v", running)
	}
	var herCells, hisCells int
	if err := conn.QueryRow(context.Background(), `SELECT
			count(*) FILTER (WHERE row_no = 2 AND cells IS NOT NULL), count(*) FILTER (WHERE row_no = 3 AND cells IS NOT NULL)
		FROM beneficiaries.import_rows WHERE import_id = $1`, meta.GetImportId()).Scan(&herCells, &hisCells); err != nil {
		t.Fatal(err)
	}
	if herCells != 0 || hisCells != 1 {
		t.Fatalf("staged cells while running: her row %d, his row %d", herCells, hisCells)
	}
	if p := importPurposes(t, conn)[meta.GetImportId()]; p != "" {
		t.Fatalf("the running import's purpose after erasure: %q", p)
	}

	p.resume()
	done := finished(t, ctx, imp, op)
	if c := done.GetCounts(); done.GetState() != importsv1.ImportState_IMPORT_STATE_SUCCEEDED || c.GetCreated() != 1 || c.GetInvalid() != 1 ||
		len(quoting(done, "31.02.2011")) > 0 || len(done.GetProblems()) != 1 {
		t.Fatalf("the import after it ended: %v", done)
	}
	list, err := c.ListBeneficiaries(ctx, &pb.ListBeneficiariesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, b := range list.GetBeneficiaries() {
		names = append(names, b.GetGivenName()+" "+b.GetFamilyName()+" "+b.GetBirthDate())
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"Omar Khalil 1985-01-31"}) {
		t.Fatalf("persons after the import: %q", names)
	}
	// The import's purpose named her: its record of the person it created
	// after her erasure does not keep it.
	log, err := c.ListAuditEvents(ctx, &pb.ListAuditEventsRequest{BeneficiaryId: list.GetBeneficiaries()[0].GetId()})
	if err != nil {
		t.Fatal(err)
	}
	var created []string
	for _, e := range log.GetAuditEvents() {
		if e.GetAction() == "create" {
			created = append(created, e.GetPurpose())
		}
	}
	if !slices.Equal(created, []string{""}) {
		t.Fatalf("purposes of the import's create record of Omar: %q, want it blanked", created)
	}
}

// pausedImport is an import by an organisation that registered Amina
// Hasić: a bad row of hers (scored as her duplicate) and a valid row of
// Omar Khalil's, uploaded with a purpose. Its write phase waits on a SHARE
// lock of a table, held by conn (which the test may also query) until
// resume.
type pausedImport struct {
	c      clients
	imp    importClients
	ctx    context.Context
	her    string
	conn   *pgx.Conn
	op     *longrunningpb.Operation
	resume func()
}

// startPausedImport starts a pausedImport whose write phase waits at
// table, and returns once it waits there.
func startPausedImport(t *testing.T, purpose, table string) pausedImport {
	t.Helper()
	c := startAll(t)
	p := pausedImport{c: c, imp: clientsOf(c.conn), ctx: withPurpose(servicetest.As(t, ids.New()), purpose)}
	p.her = mustCreate(t, c, p.ctx, &pb.Beneficiary{GivenName: "Amina", FamilyName: "Hasić", BirthDate: "2011-03-02",
		Sex: commonv1.Sex_SEX_FEMALE}).GetId()
	conn, err := pgx.Connect(context.Background(), c.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	tx, err := conn.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tx.Rollback(context.Background()) })
	if _, err := tx.Exec(context.Background(), `LOCK TABLE `+table+` IN SHARE MODE`); err != nil {
		t.Fatal(err)
	}
	p.conn = conn
	p.resume = func() {
		t.Helper()
		if err := tx.Rollback(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	p.op, err = upload(p.ctx, p.imp.imp, &pb.ImportBeneficiariesRequest{OnError: "skip", File: csvFile("ime;prezime;datum rođenja;pravni status\n" +
		"Amina;Hasić;31.02.2011;\nOmar;Khalil;1985-01-31;tražilac azila\n")})
	if err != nil {
		t.Fatal(err)
	}
	waitForLock(t, c.dbURL, table)
	return p
}

// waitForLock waits until a session waits for a lock on table.
func waitForLock(t *testing.T, dbURL, table string) {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		var n int
		if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = $1::regclass`,
			table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing waits for a lock on %s", table)
		}
	}
}

// TestErasureDuringImportWrite: a person is erased while an import that
// scored a row as her is writing its rows, their audit records (and the
// import's purpose with them) written but not committed. The erasure
// waits for the import's transaction (which changed the import's row) and
// then blanks the purpose the import stored for all its records.
func TestErasureDuringImportWrite(t *testing.T) {
	// The import waits when it emits its events, its rows and their audit
	// records written.
	p := startPausedImport(t, "Amina Hasic i porodica", "beneficiaries.outbox")
	c, imp, ctx, her, conn, op := p.c, p.imp, p.ctx, p.her, p.conn, p.op
	erased := make(chan error, 1)
	go func() {
		_, err := c.EraseBeneficiary(ctx, &pb.EraseBeneficiaryRequest{Id: her})
		erased <- err
	}()
	// The erasure waits too (on the import, or on the lock when it emits
	// its event). Waiting besides: the outbox's relay, and the import's
	// lease renewal.
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		var waiting int
		if err := conn.QueryRow(context.Background(), `SELECT count(DISTINCT a.pid)
			FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
			WHERE NOT l.granted AND a.query NOT LIKE 'WITH todo AS%' AND a.query NOT LIKE '-- ping%'`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the erasure never waited")
		}
	}
	p.resume()
	if err := <-erased; err != nil {
		t.Fatalf("erasure during the import: %v", err)
	}
	done := finished(t, ctx, imp, op)
	if done.GetState() != importsv1.ImportState_IMPORT_STATE_SUCCEEDED || done.GetCounts().GetCreated() != 1 {
		t.Fatalf("the import after the erasure: %v", done)
	}
	rs, err := conn.Query(context.Background(), `SELECT COALESCE(p.purpose, e.purpose)
		FROM beneficiaries.audit_events e LEFT JOIN beneficiaries.audit_purposes p ON p.id = e.purpose_id
		WHERE e.action = 'create' AND e.beneficiary_id <> $1`, her)
	if err != nil {
		t.Fatal(err)
	}
	if purposes, err := pgx.CollectRows(rs, pgx.RowTo[string]); err != nil || !slices.Equal(purposes, []string{""}) {
		t.Fatalf("purposes of the import's create records: %q %v, want one, blanked", purposes, err)
	}
}

// TestErasureReachesRefusedRows: a file row about a person refused for a
// badly written phone and e-mail (its problems quote both cells) was staged
// before she had a record: no id links it to her. A corrected file then
// registers her; another import had skipped a bad row of hers. Erasing
// her clears both rows' cell texts (found by the name key and birth year a
// refused row keeps): the reports keep where the problems were. Someone
// else's refused rows (a namesake's of another age) keep their texts.
func TestErasureReachesRefusedRows(t *testing.T) {
	c := startAll(t)
	imp := clientsOf(c.conn)
	ctx := servicetest.As(t, ids.New())
	run := func(file, onError string) *importsv1.Import {
		t.Helper()
		return imported(t, ctx, imp, &pb.ImportBeneficiariesRequest{File: csvFile(file), OnError: onError})
	}
	const header = "ime;prezime;pol;datum rođenja;opština;telefon;e-mail\n"
	refused := run(header+"Đurđija;Kovačević-Zlatanović;ženski;17.05.1991.;Niš;+381 64 777 1234 (sestra Milica);djurdjija.kz@example@org\n", "")
	skipped := run(header+"Ђурђија;Ковачевић Златановић;ženski;1991;Niš;064/777-1234 posle 17h;dz@example\n"+
		"Ana;Babić;ženski;1.1.1980.;Niš;zovi Anu;ana@example\n"+
		"Đurđija;Petrović;ženski;3.3.1950.;Niš;zovi baku;baka@example\n", "skip")
	if refused.GetState() != importsv1.ImportState_IMPORT_STATE_FAILED || len(quoting(refused, "sestra Milica")) != 1 ||
		len(quoting(skipped, "posle 17h")) != 1 || len(quoting(skipped, "zovi ")) != 2 {
		t.Fatalf("refused rows: %v\n%v", problems(refused), problems(skipped))
	}
	good := run(header+"Đurđija;Kovačević-Zlatanović;ženski;17.05.1991.;Niš;+381 64 777 1234;djurdjija.kz@example.org\n", "")
	if good.GetCounts().GetCreated() != 1 {
		t.Fatalf("corrected file: %v", good)
	}
	list, err := c.ListBeneficiaries(ctx, &pb.ListBeneficiariesRequest{})
	if err != nil || len(list.GetBeneficiaries()) != 1 {
		t.Fatalf("list: %v %v", list, err)
	}
	her := list.GetBeneficiaries()[0].GetId()
	conn, err := pgx.Connect(context.Background(), c.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	hers, anas, grans := []string{refused.GetId() + "/2", skipped.GetId() + "/2"}, skipped.GetId()+"/3", skipped.GetId()+"/4"
	// Her skipped row's birth date is a year only: refused, it keeps no
	// birth year.
	if k := keptKeys(t, conn); len(k) != 4 || k[hers[0]] != "durdija kovacevic zlatanovic/1991" ||
		k[hers[1]] != "durdija kovacevic zlatanovic/0" || k[anas] != "ana babic/1980" || k[grans] != "durdija petrovic/1950" {
		t.Fatalf("keys the refused rows keep: %v", k)
	}

	if _, err := c.EraseBeneficiary(ctx, &pb.EraseBeneficiaryRequest{Id: her}); err != nil {
		t.Fatal(err)
	}
	// A namesake born 40 years earlier keeps hers.
	if k := keptKeys(t, conn); len(k) != 2 || k[anas] != "ana babic/1980" || k[grans] != "durdija petrovic/1950" {
		t.Errorf("keys kept after her erasure: %v", k)
	}
	for _, i := range []*importsv1.Import{refused, skipped} {
		got, err := imp.ops.GetImport(ctx, &importsv1.GetImportRequest{Id: i.GetId()})
		if err != nil {
			t.Fatal(err)
		}
		after := got.GetImport()
		for _, s := range []string{"777", "Milica", "17h", "djurdjija", "dz@"} {
			if q := quoting(after, s); len(q) > 0 {
				t.Errorf("import %s still quotes %q after her erasure: %v", i.GetId(), s, q)
			}
		}
		// The report still counts the bad cells, where they were.
		if len(after.GetProblems()) != len(i.GetProblems()) || after.GetProblemCount() != i.GetProblemCount() {
			t.Errorf("import %s after erasure: %v, before: %v", i.GetId(), problems(after), problems(i))
		}
		for n, p := range after.GetProblems() {
			if was := i.GetProblems()[n]; p.GetRow() != was.GetRow() || p.GetColumn() != was.GetColumn() || p.GetField() != was.GetField() {
				t.Errorf("problem %d moved: %v, was %v", n, p, was)
			}
		}
	}
	after, err := imp.ops.GetImport(ctx, &importsv1.GetImportRequest{Id: skipped.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	if q := quoting(after.GetImport(), "zovi "); len(q) != 2 {
		t.Errorf("someone else's refused row lost its text: %v", problems(after.GetImport()))
	}
}

// TestErasureBlanksImportPurposeNamingHer: her children are imported from
// a file with a purpose naming her, before she is registered herself: no
// row of it is her, so only its purpose names her. Erasing her blanks that
// purpose where the import keeps it as well as in the audit log; another
// import's purpose, not naming her, stays.
func TestErasureBlanksImportPurposeNamingHer(t *testing.T) {
	c := startAll(t)
	imp := clientsOf(c.conn)
	ctx := servicetest.As(t, ids.New())
	const naming, other = "intake of the children of Đurđija Kovačević-Zlatanović", "monthly intake, Niš"
	children := imported(t, metadata.AppendToOutgoingContext(ctx, audit.PurposeBinMetadata, naming), imp, &pb.ImportBeneficiariesRequest{
		File: csvFile("ime;prezime;godina rođenja\nJovana;Jovanović;2015\nMarko;Jovanović;2017\n")})
	others := imported(t, metadata.AppendToOutgoingContext(ctx, audit.PurposeBinMetadata, other), imp, &pb.ImportBeneficiariesRequest{
		File: csvFile("ime;prezime;godina rođenja\nPetar;Petrović;1980\n")})
	if children.GetCounts().GetCreated() != 2 || others.GetCounts().GetCreated() != 1 {
		t.Fatalf("imports: %v %v", children, others)
	}
	her := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Đurđija", FamilyName: "Kovačević-Zlatanović", BirthYear: 1991}).GetId()
	if _, err := c.EraseBeneficiary(ctx, &pb.EraseBeneficiaryRequest{Id: her}); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(context.Background(), c.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if got := importPurposes(t, conn); got[children.GetId()] != "" || got[others.GetId()] != other {
		t.Errorf("imports' purposes after her erasure: %q", got)
	}
	var stored []string
	rs, err := conn.Query(context.Background(), `SELECT purpose FROM beneficiaries.audit_purposes WHERE id = ANY ($1::uuid[]) ORDER BY purpose`,
		[]string{children.GetId(), others.GetId()})
	if err == nil {
		stored, err = pgx.CollectRows(rs, pgx.RowTo[string])
	}
	if err != nil || !slices.Equal(stored, []string{"", other}) {
		t.Errorf("the imports' purposes in the audit log after her erasure: %q %v", stored, err)
	}
}

// TestImportMatchesInTheLogOfThePersonsMatched: a dry run's answer tells the
// importer which of its persons each row probably is, as :findDuplicates
// does; the persons matched have it in their audit log, under the import's
// purpose, and a person no row matches has nothing. Before, only the
// records an import created were logged: a dry run scored against her left
// no trace in her log.
func TestImportMatchesInTheLogOfThePersonsMatched(t *testing.T) {
	c := startAll(t)
	imp := clientsOf(c.conn)
	ctx := servicetest.As(t, ids.New())
	her := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Đurđija", FamilyName: "Kovačević", BirthDate: "1991-05-17"}).GetId()
	other := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Ana", FamilyName: "Babić", BirthDate: "1980-01-01"}).GetId()
	dry := imported(t, metadata.AppendToOutgoingContext(ctx, audit.PurposeBinMetadata, "March intake list"), imp,
		&pb.ImportBeneficiariesRequest{File: csvFile("ime;prezime;datum rođenja\nЂурђија;Ковачевић;17.5.1991.\nMarko;Marković;1975-02-02\n"),
			OnError: "skip", ValidateOnly: true})
	if d := dry.GetDuplicates(); len(d) != 1 || d[0].GetMatches()[0].GetId() != her {
		t.Fatalf("dry run's duplicates: %v", d)
	}
	if got := purposesOf(t, ctx, c, her, "find_duplicates"); !slices.Equal(got, []string{"March intake list"}) {
		t.Fatalf("her log's find_duplicates purposes: %q, want the import's", got)
	}
	if got := purposesOf(t, ctx, c, other, "find_duplicates"); len(got) != 0 {
		t.Fatalf("a person no row matched has find_duplicates records: %q", got)
	}
}
