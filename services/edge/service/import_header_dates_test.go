package service_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/spona/spona/pkg/testkit/resttest"
	"github.com/spona/spona/services/edge/edgetest"
)

// TestSignInSheetDateReadTwoWays: a sign-in sheet whose attendance header
// is a date read two ways (4/5/2024: 4 May day first, 5 April month
// first) where the event has a session on either day is read, not
// refused: the header is a problem of its cell D1 naming both days, each
// mark under it a problem of its own cell, and the rest of the sheet is
// checked as any other (a bad sector in C3), in the dry run's report in
// the language asked for (en, hr, sr, bs). An all-or-nothing import of it
// writes nothing; on_error=skip writes the rows without a mark under it;
// the header rewritten as the day meant (2024-05-04) puts the mark at the
// 4 May session. Before, the upload was 400 BAD_HEADER and no row was
// checked (r19; "two-way sign-in header date refuses the whole sheet").
func TestSignInSheetDateReadTwoWays(t *testing.T) {
	s := edgetest.Start(t, nil)
	a := resttest.New(s.URL, s.CreateKey(t, "header-dates", "Header Dates NGO").Key)
	event := a.Do(t, "POST", "/v1/trainingEvents", map[string]any{"type": "EVENT_TYPE_TRAINING", "title": "T",
		"start_date": "2024-04-05", "end_date": "2024-05-04"}).Must(t, 200)
	base := "/v1/trainingEvents/" + event.Str("id")
	may := a.Do(t, "POST", base+"/sessions", map[string]any{"date": "2024-05-04"}).Must(t, 200)
	a.Do(t, "POST", base+"/sessions", map[string]any{"date": "2024-04-05"}).Must(t, 200)
	sheet := func(header, sector string) string {
		return "Ime;Prezime;Sektor;" + header + "\r\nAna;Kovač;zdravstvo;x\r\nMarko;Ilić;" + sector + ";\r\nSara;Perić;zdravstvo;\r\n"
	}
	// upload answers the import (the operation's response; of a failed
	// one, the import as read, with the operation's error).
	upload := func(query, csv string, lang string) map[string]any {
		t.Helper()
		op := a.Do(t, "POST", base+"/participants:import?"+query, csv, "Content-Type", "text/csv", "Accept-Language", lang).Must(t, 200)
		imp, _ := op.Body["response"].(map[string]any)
		if e, failed := op.Body["error"].(map[string]any); failed {
			meta, _ := op.Body["metadata"].(map[string]any)
			imp = a.Do(t, "GET", "/v1/imports/"+url.PathEscape(fmt.Sprint(meta["import_id"])), nil).Must(t, 200).Body
			imp["error"] = e
		}
		if op.Body["done"] != true || imp == nil {
			t.Fatalf("upload %s: %s", query, op.Raw)
		}
		return imp
	}
	type problem struct {
		Row              int    `json:"row"`
		Column           string `json:"column"`
		Field            string `json:"field"`
		Value            string `json:"value"`
		Message          string `json:"message"`
		LocalizedMessage string `json:"localized_message"`
	}
	problems := func(t *testing.T, imp map[string]any) map[string]problem {
		t.Helper()
		b, _ := json.Marshal(imp["problems"])
		var list []problem
		if err := json.Unmarshal(b, &list); err != nil {
			t.Fatal(err)
		}
		out := map[string]problem{}
		for _, p := range list {
			out[fmt.Sprintf("%s%d", p.Column, p.Row)] = p
		}
		return out
	}
	// Words of each cell's problem in each language: D1 and D2 name both
	// days.
	want := map[string]map[string]string{
		"D1": {"en": "may be 2024-05-04 (day first) or 2024-04-05 (month first)", "hr": "može biti 2024-05-04 (najprije dan) ili 2024-04-05 (najprije mjesec)",
			"sr-Latn": "može biti 2024-05-04 (prvo dan) ili 2024-04-05 (prvo mesec)", "bs": "može biti 2024-05-04 (prvo dan) ili 2024-04-05 (prvo mjesec)"},
		"D2": {"en": "may be 2024-05-04 (day first) or 2024-04-05 (month first), so this cell is put at neither", "hr": "Zaglavlje stupca D",
			"sr-Latn": "Zaglavlje kolone D", "bs": "može biti 2024-05-04 (prvo dan) ili 2024-04-05 (prvo mjesec)"},
		"C3": {"en": "is not a known sector", "hr": "nije poznata vrijednost polja sector", "sr-Latn": "nije poznata vrednost polja sector",
			"bs": "nije poznata vrijednost polja sector"},
	}
	check := func(t *testing.T, what string, got map[string]problem, lang string) {
		t.Helper()
		if len(got) != len(want) {
			t.Errorf("%s: problems at %v, want %v", what, got, want)
		}
		for cell, words := range want {
			p, ok := got[cell]
			if !ok || !strings.Contains(p.LocalizedMessage, words[lang]) || !strings.Contains(p.Message, words["en"]) {
				t.Errorf("%s (%s): problem %s %+v, want one saying %q", what, lang, cell, p, words[lang])
			}
		}
		if p := got["D1"]; p.Value != "4/5/2024" || p.Field != "" {
			t.Errorf("%s: D1 %+v, want the header cell's value and no field", what, p)
		}
	}
	dry := upload("validate_only=true", sheet("4/5/2024", "nešto"), "hr")
	if counts, _ := dry["counts"].(map[string]any); counts["rows"] != 3.0 || counts["invalid"] != 2.0 || dry["problem_count"] != 3.0 {
		t.Errorf("dry run: counts %v, problem_count %v, want 3 rows, 2 invalid, 3 problems", counts, dry["problem_count"])
	}
	check(t, "dry run", problems(t, dry), "hr")
	for _, lang := range []string{"en", "sr-Latn", "bs"} {
		got := a.Do(t, "GET", "/v1/imports/"+url.PathEscape(dry["id"].(string)), nil, "Accept-Language", lang).Must(t, 200)
		check(t, "GET /v1/imports/{id}", problems(t, got.Body), lang)
	}
	participants := func() []any {
		l := a.Do(t, "GET", base+"/participants", nil).Must(t, 200)
		list, _ := l.Body["participants"].([]any)
		return list
	}
	// All or nothing: nothing is written.
	failed := upload("", sheet("4/5/2024", "nešto"), "sr")
	// The header row and two rows have problems: its text names both.
	if e, _ := failed["error"].(map[string]any); failed["state"] != "IMPORT_STATE_FAILED" || !strings.Contains(fmt.Sprint(e), "ROWS_INVALID") ||
		!strings.Contains(fmt.Sprint(e), "sr-Cyrl") || !strings.Contains(fmt.Sprint(e), "Ред заглавља (први ред) и неки редови имају грешке") ||
		len(participants()) != 0 {
		t.Fatalf("all-or-nothing import: %v, participants %v; want failed ROWS_INVALID (localized, naming the header row and rows), none written", failed, participants())
	}
	// No mark under the header, no other problem: the header's problem
	// still stops an all-or-nothing import, and its error (the
	// operation's, and the import's read again in Croatian) names the
	// header row, not "some rows" (before r22: "Some rows have problems",
	// and "the header row (row 1) and 0 of 1 rows have problems").
	only := upload("", "Ime;Prezime;Sektor;4/5/2024\r\nSara;Perić;zdravstvo;\r\n", "en")
	if e, _ := only["error"].(map[string]any); only["state"] != "IMPORT_STATE_FAILED" ||
		!strings.Contains(fmt.Sprint(e["message"]), "the header row (row 1) has problems (1 of its cells) and none of the 1 rows under it has any") ||
		!strings.Contains(fmt.Sprint(e), "The header row (row 1) has problems, so nothing was imported") || strings.Contains(fmt.Sprint(e), "Some rows") ||
		only["problem_count"] != 1.0 || len(participants()) != 0 {
		t.Fatalf("all-or-nothing import of a sheet with the header problem alone: %v, participants %v", only, participants())
	}
	again := a.Do(t, "GET", "/v1/imports/"+url.PathEscape(only["id"].(string)), nil, "Accept-Language", "hr").Must(t, 200)
	if e := fmt.Sprint(again.Body["error"]); !strings.Contains(e, "Redak zaglavlja (prvi redak) ima pogreške") || !strings.Contains(e, "ROWS_INVALID") {
		t.Errorf("GET /v1/imports/{id} (hr) of the import failed for its header alone: error %s", e)
	}
	// on_error=skip: Sara only (Ana's mark is of one of two sessions).
	if skip := upload("on_error=skip", sheet("4/5/2024", "nešto"), "en"); skip["state"] != "IMPORT_STATE_SUCCEEDED" || len(participants()) != 1 {
		t.Fatalf("on_error=skip: %v, participants %v, want Sara alone", skip, participants())
	}
	// Resolved: the header rewritten as the day meant.
	fixed := upload("on_duplicate=skip", sheet("2024-05-04", "zdravstvo"), "en")
	cols, _ := fixed["columns"].([]any)
	if fixed["state"] != "IMPORT_STATE_SUCCEEDED" || len(cols) != 4 || !strings.Contains(fmt.Sprint(cols[3]), "session:"+may.Str("id")) {
		t.Fatalf("the sheet with its header rewritten: %v", fixed)
	}
	marked := 0
	for _, p := range participants() {
		pm, _ := p.(map[string]any)
		if pm["sessions_attended"] == 1.0 {
			marked++
		}
	}
	if n := len(participants()); n != 3 || marked != 1 {
		t.Errorf("after the corrected sheet: %d participants, %d marked at a session; want Ana, Marko and Sara, Ana marked", n, marked)
	}
}
