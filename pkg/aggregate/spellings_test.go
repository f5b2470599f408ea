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
		var arg map[string]string
		if err := json.Unmarshal([]byte(got.Arg()), &arg); err != nil || !cmp.Equal(map[string]string(got), arg) {
			t.Errorf("argument %s: %v", got.Arg(), err)
		}
	}
}
