package service_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/spona/spona/pkg/testkit/resttest"
	"github.com/spona/spona/services/edge/edgetest"
)

// TestImportProblemsLocalized: an import's problems come with a
// localized_message in the language Accept-Language asks for, from the
// catalogue the errors' field violations are localized from, in the
// upload's answer and in GET /v1/imports/{id}; the English message stays;
// a failed import's error carries its LocalizedMessage. Before, problems
// were English only while the API's errors were localized.
func TestImportProblemsLocalized(t *testing.T) {
	s := edgetest.Start(t, nil)
	a := resttest.New(s.URL, s.CreateKey(t, "i18n-imports", "I18n Imports NGO").Key)
	csv := "ime;prezime;pol;datum rođenja;godina rođenja;telefon;;\r\n" +
		"Ana;Petrović;ženski;31.2.1990.;;064 123 4567;;\r\n" +
		"Marko;Marković;muški;;19x0;641234567;;napomena\r\n" +
		"Lejla;Hodžić;nešto;12/31/1990;;;;\r\n" + // a date only read month first: read so
		"Sara;Ilić;ženski;4/5/1991;;;;\r\n" // so the file writes dates month first: 4 May or 5 April?
	type problem struct {
		Row              int    `json:"row"`
		Column           string `json:"column"`
		Message          string `json:"message"`
		LocalizedMessage string `json:"localized_message"`
	}
	problemsOf := func(t *testing.T, raw any) []problem {
		t.Helper()
		b, _ := json.Marshal(raw)
		var out []problem
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	want := map[string]string{ // row and column → words of its hr text
		"2 D": "nije dan u kalendaru", "3 E": "nije cijeli broj", "3 F": "početnu 0", "3 H": "Stupac H nema zaglavlje",
		"4 C": "nije poznata vrijednost polja sex", "5 D": "(najprije dan) ili 1991-04-05 (najprije mjesec)",
	}
	check := func(t *testing.T, what string, ps []problem, lang string) {
		t.Helper()
		got := map[string]bool{}
		for _, p := range ps {
			key := strings.TrimSpace(strings.Join([]string{itoa(p.Row), p.Column}, " "))
			got[key] = true
			words, ok := want[key]
			if !ok {
				t.Errorf("%s: unexpected problem %+v", what, p)
				continue
			}
			if lang == "hr" && !strings.Contains(p.LocalizedMessage, words) || lang == "en" && p.LocalizedMessage == "" ||
				p.Message == "" || strings.Contains(p.Message, "nije") {
				t.Errorf("%s (%s): problem %s: message %q, localized %q; want the English message and one saying %q", what, lang, key, p.Message, p.LocalizedMessage, words)
			}
		}
		if len(got) != len(want) {
			t.Errorf("%s: problems at %v, want %v", what, got, want)
		}
	}
	op := a.Do(t, "POST", "/v1/beneficiaries:import?validate_only=true", csv, "Content-Type", "text/csv", "Accept-Language", "hr-HR").Must(t, 200)
	resp, _ := op.Body["response"].(map[string]any)
	if op.Body["done"] != true || resp == nil {
		t.Fatalf("upload: %s", op.Raw)
	}
	check(t, "upload", problemsOf(t, resp["problems"]), "hr")
	id, _ := resp["id"].(string)
	for _, lang := range []string{"hr", "en"} {
		got := a.Do(t, "GET", "/v1/imports/"+id, nil, "Accept-Language", lang).Must(t, 200)
		check(t, "GET /v1/imports/{id}", problemsOf(t, got.Body["problems"]), lang)
	}
	// An all-or-nothing import of the file fails: its error is localized.
	op = a.Do(t, "POST", "/v1/beneficiaries:import", csv, "Content-Type", "text/csv", "Accept-Language", "sr").Must(t, 200)
	if !strings.Contains(string(op.Raw), `"locale":"sr-Cyrl"`) || !strings.Contains(string(op.Raw), "ROWS_INVALID") {
		t.Errorf("failed import: %s, want its error with a LocalizedMessage in sr-Cyrl", op.Raw)
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
