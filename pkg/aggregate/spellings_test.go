package aggregate

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Spellings folding alike share one label: the spelling most records
// give; on a tie the one not in capitals, in Latin, with diacritics, then
// the first in code point order. A text folding to nothing or to
// "unknown" has none (unknown).
func TestFoldSpellings(t *testing.T) {
	for _, c := range []struct {
		spellings []Spelling
		want      Labels
	}{
		{[]Spelling{{"Šid", 2}, {"Sid", 1}, {"ŠID", 1}, {"Шид", 1}, {"-", 4}, {"Kikinda", 1}, {"Unknown", 5}, {" unknown.", 1}},
			Labels{"Šid": "Šid", "Sid": "Šid", "ŠID": "Šid", "Шид": "Šid", "Kikinda": "Kikinda"}},
		{[]Spelling{{"Београд", 2}, {"Beograd", 2}, {"BEOGRAD", 1}},
			Labels{"Београд": "Beograd", "Beograd": "Beograd", "BEOGRAD": "Beograd"}},
		{[]Spelling{{"Novi  Sad", 1}, {"Нови Сад", 3}}, Labels{"Novi  Sad": "Нови Сад", "Нови Сад": "Нови Сад"}},
		{[]Spelling{{"SID", 1}, {"Шид", 1}, {"Sid", 1}, {"ŠID", 1}, {"Šid", 1}},
			Labels{"SID": "Šid", "Шид": "Šid", "Sid": "Šid", "ŠID": "Šid", "Šid": "Šid"}},
		{[]Spelling{{"APATIN", 1}, {"Апатин", 1}}, Labels{"APATIN": "Апатин", "Апатин": "Апатин"}},
		{[]Spelling{{"Ниш", 1}, {"niš", 1}, {"Niš", 1}, {"Nis", 1}},
			Labels{"Ниш": "Niš", "niš": "Niš", "Niš": "Niš", "Nis": "Niš"}},
	} {
		got := FoldSpellings(c.spellings)
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("labels of %v (-want +got):\n%s", c.spellings, diff)
		}
		_, args := got.Bind("SELECT "+labelsParam, nil)
		var arg map[string]string
		if err := json.Unmarshal([]byte(args[0].(string)), &arg); err != nil || !cmp.Equal(map[string]string(got), arg) {
			t.Errorf("argument %s: %v", args[0], err)
		}
	}
}

// A statement reading the labels takes them as the parameter after its
// arguments, each statement as many as it names: one without them keeps
// its arguments, and binding a shorter prefix of a statement's arguments
// leaves the longer one's alone.
func TestBindNumbersTheLabels(t *testing.T) {
	dims := Dimensions{"municipality": "NULLIF(b.municipality, '')", "sex": "b.sex"}
	folded := Folded{Dim: "municipality", Expr: "b.municipality"}
	bySex, none, err := folded.Apply(t.Context(), nil, dims, []string{"sex"})
	if err != nil || !cmp.Equal(bySex, dims) || none != nil {
		t.Fatalf("not by municipality: %v, %v, %v", bySex, none, err)
	}
	labels := Labels{"Šid": "Šid", "Шид": "Šid"}
	all := []any{"p", "from", "to", "orgs", "asOf"}
	_, sel, _ := Dimensions{"municipality": "(" + labelsParam + "::jsonb ->> b.municipality)"}.GroupingSets([][]string{{"municipality"}})
	for _, c := range []struct {
		sql      string
		args     []any
		wantSQL  string
		wantArgs int
	}{
		{"SELECT " + sel + "count(*) FROM b WHERE $4", all[:4], "SELECT ($5::jsonb ->> b.municipality), GROUPING(($5::jsonb ->> b.municipality)), count(*) FROM b WHERE $4", 5},
		{"SELECT " + sel + "count(*) FROM b WHERE $5", all, "SELECT ($6::jsonb ->> b.municipality), GROUPING(($6::jsonb ->> b.municipality)), count(*) FROM b WHERE $5", 6},
		{"SELECT count(*) FROM b WHERE $3", all[:3], "SELECT count(*) FROM b WHERE $3", 3},
	} {
		sql, args := labels.Bind(c.sql, c.args)
		if sql != c.wantSQL || len(args) != c.wantArgs {
			t.Errorf("Bind(%q, %d arguments) = %q, %d arguments; want %q, %d", c.sql, len(c.args), sql, len(args), c.wantSQL, c.wantArgs)
		}
		if len(args) > len(c.args) && args[len(args)-1] != `{"Šid":"Šid","Шид":"Šid"}` {
			t.Errorf("labels bound as %v", args[len(args)-1])
		}
	}
	if all[4] != "asOf" {
		t.Errorf("binding four of five arguments overwrote the fifth: %v", all[4])
	}
}
