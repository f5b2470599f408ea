package domain

import (
	"fmt"
	"testing"
	"time"

	"github.com/spona/spona/pkg/date"
)

// TestSessionHeaders: each session's template header names it
// (SessionColumn), by date, by date and start time on a day with
// several, by place only where nothing else tells it apart; the forms a
// person types still do.
func TestSessionHeaders(t *testing.T) {
	day := func(d int) date.Date { return date.Date{Year: 2024, Month: 5, Day: d} }
	sessions := []*Session{
		{ID: "0190b000-0000-7000-8000-000000000001", Date: day(6), StartTime: "09:00"},
		{ID: "0190b000-0000-7000-8000-000000000002", Date: day(6), StartTime: "13:00"},
		{ID: "0190b000-0000-7000-8000-000000000003", Date: day(7)},
		{ID: "0190b000-0000-7000-8000-000000000004", Date: day(8)},
		{ID: "0190b000-0000-7000-8000-000000000005", Date: day(8)},
	}
	want := []string{"2024-05-06 09:00", "2024-05-06 13:00", "2024-05-07", "session 4", "session 5"}
	for i := range sessions {
		h := SessionHeader(i, sessions)
		if h != want[i] {
			t.Errorf("session %d: header %q, want %q", i, h, want[i])
		}
		if f, ok := SessionColumn(h, sessions); !ok || f != SessionField(sessions[i].ID) {
			t.Errorf("header %q names %q (%v), want session %d", h, f, ok, i)
		}
	}
	for h, i := range map[string]int{"7. 5. 2024.": 2, "07.05.2024": 2, "6.5.2024. 13:00": 1, "2024-05-06 9:00": 0, "sesija 2": 1,
		// As an XLSX date-time cell reads (a fraction of a day, not exact),
		// and midnight with a zone (the day alone).
		"2024-05-06T12:59:59": 1, "2024-05-06T09:00:00": 0, "2024-05-06T08:59:30.5": 0, "2024-05-06T13:00:00": 1, "2024-05-07T00:00:00Z": 2,
		"2024-05-07T00:00:00": 2} {
		if f, ok := SessionColumn(h, sessions); !ok || f != SessionField(sessions[i].ID) {
			t.Errorf("header %q names %q (%v), want session %d", h, f, ok, i)
		}
	}
	for _, h := range []string{"2024-05-06", "2024-05-08", "2024-05-06 10:00", "2024-05-08 09:00", "2024-13-06 09:00", "2024-05-06T00:00:00Z", "2024-05-06T10:00:00Z",
		// A time of day with a zone names no start time (nor its day):
		// 11:00 UTC is 13:00 in Belgrade; an invalid time is no time.
		"2024-05-06T13:00:00Z", "2024-05-06T11:00:00Z", "2024-05-06T09:00:00+02:00", "2024-05-07T25:99:99Z", "2024-05-07T25:99:99"} {
		if f, ok := SessionColumn(h, sessions); ok {
			t.Errorf("header %q names %q, want none (ambiguous or unknown)", h, f)
		}
	}
}

// TestSectorWordsOfTheRegion: a sign-in sheet's sector cell is taken in
// the words organisations of Serbia, Bosnia and Herzegovina and Croatia
// write there, Croatian ones included (udruga, centar za socijalnu skrb,
// policijska postaja). Before, a Croatian sheet's rows with "Udruga" or
// "Centar za socijalnu skrb" were refused as unknown sectors.
func TestSectorWordsOfTheRegion(t *testing.T) {
	for cell, want := range map[string]string{
		"Udruga": "ngo", "udruge": "ngo", "Zaklada": "ngo", "fondacija": "ngo", "NVO": "ngo",
		"Centar za socijalnu skrb": "social_welfare", "Zavod za socijalni rad": "social_welfare", "CSR": "social_welfare",
		"Policijska uprava": "police", "policijska postaja": "police", "Policijska stanica": "police", "MUP": "police",
		"Državno odvjetništvo": "justice", "tužiteljstvo": "justice", "Sud": "justice",
		"Osnovna škola": "education", "srednja škola": "education", "vrtić": "education", "sveučilište": "education", "univerzitet": "education",
		"Klinički centar": "health", "Dom zdravlja": "health",
		"HZZ": "labour", "Zavod za zapošljavanje": "labour", "NSZ": "labour",
		"Gradska uprava": "local_government", "Općina": "local_government", "opštinska uprava": "local_government",
		"Центар за социјални рад": "social_welfare", "Полицијска управа": "police",
	} {
		if got, ok := sectorWords.Code(cell); !ok || got != want {
			t.Errorf("sector cell %q: %q (%v), want %q", cell, got, ok, want)
		}
	}
}

// TestSessionHeadersWithoutYear: an attendance column headed by the day
// and month alone ("6.5.", "7. 5.", "6.5. 13:00"), as sign-in sheets of
// the region head their day columns, names the session of the event on
// that day; a day and month no session has, or sessions of two years
// have, names none. Before, such a header was an unknown column and the
// whole sheet was refused.
func TestSessionHeadersWithoutYear(t *testing.T) {
	day := func(y, m, d int) date.Date { return date.Date{Year: y, Month: time.Month(m), Day: d} }
	sessions := []*Session{
		{ID: "0190b000-0000-7000-8000-000000000001", Date: day(2024, 5, 6), StartTime: "09:00"},
		{ID: "0190b000-0000-7000-8000-000000000002", Date: day(2024, 5, 6), StartTime: "13:00"},
		{ID: "0190b000-0000-7000-8000-000000000003", Date: day(2024, 5, 7)},
		{ID: "0190b000-0000-7000-8000-000000000004", Date: day(2024, 12, 31)},
		{ID: "0190b000-0000-7000-8000-000000000005", Date: day(2025, 1, 2)},
		{ID: "0190b000-0000-7000-8000-000000000006", Date: day(2025, 5, 7)},
	}
	for h, i := range map[string]int{"6.5. 13:00": 1, "6. 5. 9:00": 0, "31.12.": 3, "31. 12.": 3, "2.1.": 4, "02.01.": 4, "2.1": 4} {
		if f, ok := SessionColumn(h, sessions); !ok || f != SessionField(sessions[i].ID) {
			t.Errorf("header %q names %q (%v), want session %d", h, f, ok, i)
		}
	}
	// 6 May has two sessions, 7 May is in 2024 and in 2025, 8 May has none.
	for _, h := range []string{"6.5.", "7.5.", "7. 5.", "8.5.", "6.5. 10:00", "32.1.", "1.13."} {
		if f, ok := SessionColumn(h, sessions); ok {
			t.Errorf("header %q names %q, want none (ambiguous or unknown)", h, f)
		}
	}
}

// TestSessionPlaceIsOneNumber: a header names a session by its place only
// with one number after the word ("Sesija 2", "DAN-2", "Сесија 2"). A
// header whose other digits ran together with the place's named another
// session: "Sesija 1.2" (module 1, session 2) was session 12 of a twelve
// session programme, "Sesija 1 (12.4.)" session 1124 (none, so the sheet
// was refused); now neither names a session by itself (imports.MatchHeader
// takes the note in brackets off and asks again with "Sesija 1").
func TestSessionPlaceIsOneNumber(t *testing.T) {
	var sessions []*Session
	for i := range 12 {
		sessions = append(sessions, &Session{ID: fmt.Sprintf("0190b000-0000-7000-8000-%012d", i+1), Date: date.Date{Year: 2024, Month: 5, Day: i + 1}})
	}
	for h, i := range map[string]int{"Sesija 2": 1, "DAN-2": 1, "Сесија 2": 1, "session12": 11, "Dan 12.": 11} {
		if f, ok := SessionColumn(h, sessions); !ok || f != SessionField(sessions[i].ID) {
			t.Errorf("header %q names %q (%v), want session %d", h, f, ok, i+1)
		}
	}
	for _, h := range []string{"Sesija 1.2", "Sesija 1 (12.4.)", "Dan 1 (2)", "Sesija 13"} {
		if f, ok := SessionColumn(h, sessions); ok {
			t.Errorf("header %q names %q, want none", h, f)
		}
	}
}
