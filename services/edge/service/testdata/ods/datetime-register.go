//go:build ignore

// Writes datetime-register.xlsx as TestImportDateTimeCells builds its
// workbook; testdata/datetime-register.ods is LibreOffice's conversion of it
// (soffice --headless --convert-to ods datetime-register.xlsx).
package main

import (
	"fmt"
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
	rows := [][]any{
		{"Ana", "Petrović", "ženski", time.Date(1990, 4, 12, 22, 30, 0, 0, time.UTC)},
		{"Sara", "Ilić", "ženski", "1990-04-11T22:00:00Z"},
		{"Lejla", "Hodžić", "ženski", "1990-04-11T25:99:99Z"},
		{"Marko", "Marković", "muški", "1990-04-12T00:00:00.000Z"},
	}
	f := excelize.NewFile()
	dateTime, err := f.NewStyle(&excelize.Style{NumFmt: 22})
	must(err)
	must(f.SetSheetRow("Sheet1", "A1", &[]any{"ime", "prezime", "pol", "datum rođenja"}))
	for i, r := range rows {
		must(f.SetSheetRow("Sheet1", fmt.Sprintf("A%d", i+2), &r))
	}
	must(f.SetCellStyle("Sheet1", "D2", "D5", dateTime))
	must(f.SaveAs("datetime-register.xlsx"))
}
