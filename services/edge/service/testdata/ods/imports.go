//go:build ignore

// Writes the XLSX files LibreOffice converted to testdata/import-*.ods
// (soffice --headless --convert-to ods import-*.xlsx): a row of the values
// TestDocumentedFileRoutes uploads, under their field names.
package main

import (
	"log"

	"github.com/xuri/excelize/v2"
)

func main() {
	for name, rows := range map[string][][]any{
		"import-beneficiaries": {{"given_name", "family_name", "sex", "birth_year"}, {"Amina", "Hadžić", "female", 1994}},
		"import-participants": {{"given_name", "family_name", "organisation", "sector", "sex"},
			{"Jelena", "Marković", "Centar za socijalni rad Čačak", "social_welfare", "female"}},
	} {
		f := excelize.NewFile()
		for i, r := range rows {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
				log.Fatal(err)
			}
		}
		if err := f.SaveAs(name + ".xlsx"); err != nil {
			log.Fatal(err)
		}
	}
}
