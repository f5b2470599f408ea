package domain

import (
	"testing"

	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/imports"
	"github.com/spona/spona/pkg/testkit/importtest"
)

// FuzzSheetRows reads whole files of persons as an import does (the sheet
// reader, the header matched to SheetColumns, every row read by FromRow)
// and checks what the import promises of each row: reading never panics;
// every problem names its row and the column of its cell, in the letter
// the header gave that column; a row without problems is a record the API
// would accept (Validate), so its write cannot fail for its data.
func FuzzSheetRows(f *testing.F) {
	for _, seed := range []string{
		"ime,prezime,pol,datum rođenja,pravni status,status od,ranjivosti,jezici,telefon,e-mail\n" +
			"Ana,Petrović,ž,2.3.1990.,izbeglica,01.02.2020,dete bez pratnje; trudnica,ar/fa,+381 64 123 4567,ana@example.org\n" +
			"Marko,,m,1990-03-02,,,,,,\n",
		"\uFEFFиме;презиме;пол;година рођења;процењен датум рођења;држављанство;смештај;напомена\n" +
			"Јована;Јовановић;женски;1985.0;да;rs;privatni smeštaj;\"више\nредова\"\n\n" +
			"Ali;;M;2090;ne;XX;hotel;x\n",
		"given_name\tfamily_name\tbirth_date\tbirth_year\tlegal_status_since\tcountry\tmunicipality\temail\n" +
			"A\tB\t29/02/2023\t1990\t2020-01-01\tBA\tŠid\tđurđa@example.org\n" +
			"C\t\t31.12.1899.\t1899\t1901-01-01T00:00:00Z\t\t\tx@\n",
		"name,external_id,sex,vulnerabilities,legal_status\n,,,,\nZ,1,LEGAL_STATUS_REFUGEE,roma,SEX_FEMALE\n",
	} {
		f.Add([]byte(seed))
	}
	today := date.Date{Year: 2025, Month: 6, Day: 1}
	f.Fuzz(func(t *testing.T, data []byte) {
		importtest.EachRow(data, SheetColumns, nil, func(m imports.Mapping, header []string, row int, cells []string) {
			b, p := FromRow(m, row, cells, today)
			importtest.CheckProblems(t, m, header, row, p.List)
			if len(p.List) == 0 {
				if err := b.Validate("", today); err != nil {
					t.Fatalf("row %d %q has no problems, but the record it gives is refused: %v", row, cells, err)
				}
			}
		})
	})
}
