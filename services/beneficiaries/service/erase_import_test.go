package service_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	importsv1 "github.com/spona/spona/gen/go/spona/imports/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/translit"
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
		op, err := upload(ctx, imp.imp, &pb.ImportBeneficiariesRequest{File: csvFile(file), OnError: "skip", ValidateOnly: validateOnly})
		if err != nil {
			t.Fatal(err)
		}
		return finished(t, ctx, imp, op)
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
	// Ended imports keep neither cells nor keys: only the problems quote
	// the file.
	before := rows()
	if len(before) != 3 {
		t.Fatalf("%d staged rows, want 3", len(before))
	}
	for k, v := range before {
		if strings.Contains(v, "kovacevic") || strings.Contains(v, "babic") || strings.Contains(v, "1991-05-17") {
			t.Fatalf("ended import row %s keeps staged data: %s", k, v)
		}
	}
	herRow, anasRow := second.GetId()+"/2", second.GetId()+"/3"
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
