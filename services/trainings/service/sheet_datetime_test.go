package service_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	importsv1 "github.com/spona/spona/gen/go/spona/imports/v1"
	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/sheet"
	"github.com/spona/spona/pkg/testkit/importtest"
	"github.com/xuri/excelize/v2"
	"google.golang.org/genproto/googleapis/api/httpbody"
)

// TestTemplateSessionsAsSpreadsheetDateTimes: the template names two
// sessions of one day by date and start time ("2024-05-06 13:00"). A
// spreadsheet program opening the CSV template makes such a header a
// date-time cell (a serial with a date-time format), and the XLSX it saves
// reads as "2024-05-06T12:59:59" or "…T13:00:00": the column still names
// the 13:00 session. Before, it read as the day only, which names no one
// session of a day with two, and the sheet was refused.
func TestTemplateSessionsAsSpreadsheetDateTimes(t *testing.T) {
	d := sheetDays(t)
	c, ctx, conn, imp, e, header := d.c, d.ctx, d.conn, d.imp, d.event, d.header
	morning, afternoon, tuesday := d.morning, d.afternoon, d.tuesday

	// The sheet as a spreadsheet program saves it: what reads as a date
	// or a date and time is one (a serial, formatted).
	f := excelize.NewFile()
	defer f.Close()
	dateTime, err := f.NewStyle(&excelize.Style{NumFmt: 22})
	if err != nil {
		t.Fatal(err)
	}
	date, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		t.Fatal(err)
	}
	cols := map[string]int{}
	for i, h := range header {
		cols[h] = i
		cell, _ := excelize.CoordinatesToCellName(i+1, 1)
		var v any = h
		style := 0
		if at, err := time.Parse("2006-01-02 15:04", h); err == nil {
			v, style = at, dateTime
		} else if at, err := time.Parse("2006-01-02", h); err == nil {
			v, style = at, date
		}
		if err := f.SetCellValue("Sheet1", cell, v); err != nil {
			t.Fatal(err)
		}
		if style != 0 {
			if err := f.SetCellStyle("Sheet1", cell, cell, style); err != nil {
				t.Fatal(err)
			}
		}
	}
	last := len(header) - 3 // the three session columns come last
	for r, p := range []struct {
		given   string
		present []int
	}{{"Ana", []int{1, 2}}, {"Marko", []int{0}}} {
		row := make([]any, len(header))
		row[cols["given_name"]], row[cols["family_name"]], row[cols["sector"]] = p.given, "Ilić", "health"
		for _, s := range p.present {
			row[last+s] = "x"
		}
		cell, _ := excelize.CoordinatesToCellName(1, r+2)
		if err := f.SetSheetRow("Sheet1", cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	op, err := imp.ImportParticipants(ctx, &pb.ImportParticipantsRequest{EventId: e.GetId(),
		File: &httpbody.HttpBody{ContentType: sheet.MediaXLSX, Data: buf.Bytes()}})
	if err != nil {
		t.Fatalf("importing the sheet saved by a spreadsheet program (template header %q): %v", header, err)
	}
	if done := importtest.Done(t, ctx, importsv1.NewImportServiceClient(conn), op); done.GetCounts().GetCreated() != 2 {
		t.Fatalf("import (template header %q): %v", header, done)
	}

	db, err := pgx.Connect(context.Background(), c.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	var got []string
	rows, err := db.Query(context.Background(), `SELECT pr.given_name || ' ' || a.session_id::text FROM trainings.attendance a
		JOIN trainings.participants pa ON pa.id = a.participant_id JOIN trainings.professionals pr ON pr.id = pa.professional_id
		WHERE a.present ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		got = append(got, s)
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	names := strings.NewReplacer(morning, "09:00", afternoon, "13:00", tuesday, "Tuesday")
	if g := names.Replace(strings.Join(got, ", ")); g != "Ana 13:00, Ana Tuesday, Marko 09:00" {
		t.Errorf("present marks: %s, want Ana 13:00, Ana Tuesday, Marko 09:00", g)
	}
}
