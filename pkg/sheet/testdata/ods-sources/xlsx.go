//go:build ignore

// Writes the XLSX workbooks that testdata/*.ods were converted from with
// LibreOffice (soffice --headless --convert-to ods).
package main

import (
	"log"
	"time"

	"github.com/xuri/excelize/v2"
)

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

func main() {
	// register.xlsx: the cases the reader must read as a spreadsheet program shows them.
	f := excelize.NewFile()
	must(f.SetSheetName("Sheet1", "Stari"))
	must(f.SetSheetRow("Stari", "A1", &[]any{"ime", "prezime"}))
	must(f.SetSheetRow("Stari", "A2", &[]any{"Skriveni", "List"}))
	_, err := f.NewSheet("Registar")
	must(err)
	f.SetActiveSheet(1)
	must(f.SetSheetVisible("Stari", false))
	s := "Registar"
	must(f.SetSheetRow(s, "A1", &[]any{"ime", "prezime", "datum rođenja", "dolazak", "iznos", "udeo", "prisutan", "opština", "pomoćna"}))
	date, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	must(err)
	dateTime, err := f.NewStyle(&excelize.Style{NumFmt: 22})
	must(err)
	pct, err := f.NewStyle(&excelize.Style{NumFmt: 9})
	must(err)
	must(f.SetSheetRow(s, "A2", &[]any{"Ana  Marija", "Petrović", time.Date(1990, 4, 12, 0, 0, 0, 0, time.UTC), time.Date(2024, 3, 1, 8, 30, 0, 0, time.UTC), 1234.5, 0.25, true, "Šid", "x"}))
	must(f.SetSheetRow(s, "A3", &[]any{"Marko", "Marković", time.Date(1985, 12, 31, 0, 0, 0, 0, time.UTC), time.Date(2024, 3, 1, 22, 15, 30, 0, time.UTC), 7, 1, false, "", "y"}))
	must(f.SetSheetRow(s, "A4", &[]any{"Lejla", "Hodžić", "1.2.2001.", "", "", "", "", "", "z"}))
	must(f.SetSheetRow(s, "A5", &[]any{"Skriven", "Red", "", "", "", "", "", "", ""}))
	must(f.SetSheetRow(s, "A6", &[]any{"Vesna", "Jovanović", "", "", "", "", "", "", ""}))
	// Rich text: several runs in one cell; a line break.
	must(f.SetCellRichText(s, "B6", []excelize.RichTextRun{{Text: "Jova"}, {Text: "nović", Font: &excelize.Font{Bold: true}}}))
	must(f.SetCellStr(s, "A6", "Vesna\nMila"))
	must(f.SetCellStyle(s, "C2", "C3", date))
	must(f.SetCellStyle(s, "D2", "D3", dateTime))
	must(f.SetCellStyle(s, "F2", "F3", pct))
	// A municipality merged over rows 3-4 (a family), and the header merge.
	must(f.SetCellStr(s, "H3", "Sombor"))
	must(f.MergeCell(s, "H3", "H4"))
	must(f.SetRowVisible(s, 5, false))
	must(f.SetColVisible(s, "I", false))
	must(f.SaveAs("register.xlsx"))

	// wide.xlsx: data up to column AZ (52 columns) in row 2.
	w := excelize.NewFile()
	must(w.SetSheetRow("Sheet1", "A1", &[]any{"ime"}))
	must(w.SetCellStr("Sheet1", "AZ2", "x"))
	must(w.SetCellStr("Sheet1", "A2", "Ana"))
	must(w.SaveAs("wide.xlsx"))
}
