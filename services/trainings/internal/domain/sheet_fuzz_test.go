package domain

import (
	"strings"
	"testing"

	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/imports"
	"github.com/spona/spona/pkg/testkit/importtest"
)

// FuzzSignInSheet reads whole sign-in sheets as an import does (the sheet
// reader, the header matched to ParticipantColumns and the event's
// sessions, every row read by ParticipantFromRow) and checks what the
// import promises of each row: reading never panics; every problem names
// its row and the column of its cell; a row without problems is a
// participant CreateParticipant would accept, with marks only for the
// event's sessions.
func FuzzSignInSheet(f *testing.F) {
	sessions := []*Session{
		{ID: "0190a000-0000-7000-8000-00000000c001", Date: date.Date{Year: 2025, Month: 3, Day: 4}},
		{ID: "0190a000-0000-7000-8000-00000000c002", Date: date.Date{Year: 2025, Month: 3, Day: 5}},
		{ID: "0190a000-0000-7000-8000-00000000c003", Date: date.Date{Year: 2025, Month: 3, Day: 5}},
	}
	for _, seed := range []string{
		"ime,prezime,organizacija,sektor,pol,e-mail,pozicija,4.3.2025.,sesija 2,dan 3\n" +
			"Ana,Petrović,Centar za socijalni rad Šid,csr,ž,ana@example.org,socijalna radnica,x,1,ne\n" +
			"Marko,Marković,0190A000-0000-7000-8000-0000000000AA,policija,m,,,prisutan,,0\n",
		"\uFEFFиме;презиме;сектор;пол;2025-03-04;0190a000-0000-7000-8000-00000000c003\n" +
			"Јована;Јовановић;здравство;женски;да;не\n;;;;;\nA;B;nvo;;д;maybe\n",
		"given_name\tfamily_name\tsector\tsession 1\tsession 9\n A \t B \tSECTOR_HEALTH\ttrue\tx\n",
		"ime,prezime,sektor,5.3.2025.\nA,B,ostalo,x\n",
	} {
		f.Add([]byte(seed))
	}
	dynamic := func(h string) (string, bool) { return SessionColumn(h, sessions) }
	f.Fuzz(func(t *testing.T, data []byte) {
		importtest.EachRow(data, ParticipantColumns, dynamic, func(m imports.Mapping, header []string, row int, cells []string) {
			sr, p := ParticipantFromRow(m, row, cells)
			importtest.CheckProblems(t, m, header, row, p.List)
			for id := range sr.Marks {
				if m.Index(SessionField(id)) < 0 {
					t.Fatalf("row %d: a mark for session %s, which no column names", row, id)
				}
			}
			if len(p.List) == 0 {
				if err := sr.Participant.Validate(); err != nil {
					t.Fatalf("row %d %q has no problems, but the participant it gives is refused: %v", row, cells, err)
				}
				if strings.TrimSpace(sr.Participant.Professional.GivenName) == "" {
					t.Fatalf("row %d: a participant without a name", row)
				}
			}
		})
	})
}
