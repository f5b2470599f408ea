package domain

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spona/spona/pkg/date"
)

// TestFiguresCoverEveryField: every field an update may write is either
// kept as a figure or declared free text, never both: a field added later
// is audited or refused here.
func TestFiguresCoverEveryField(t *testing.T) {
	for _, tt := range []struct {
		name     string
		figures  Figures
		paths    []string
		freeText []string
	}{
		{"indicator", (&Indicator{}).Figures(), IndicatorPaths, IndicatorFreeText},
		{"project", (&Project{}).Figures(), ProjectPaths, ProjectFreeText},
	} {
		for _, path := range tt.paths {
			_, kept := tt.figures[path]
			if kept == slices.Contains(tt.freeText, path) {
				t.Errorf("%s field %s: kept as a figure %v, declared free text %v", tt.name, path, kept, !kept)
			}
		}
		if len(tt.figures) != len(tt.paths)-len(tt.freeText) {
			t.Errorf("%s figures %v: keys that are no field", tt.name, tt.figures)
		}
	}
}

// TestFiguresChanged: only the fields whose stored form differs are kept,
// before and after; none and an empty list are the same.
func TestFiguresChanged(t *testing.T) {
	in := &Indicator{Code: "OP1", Unit: "persons", Targets: []Target{{Value: "100"}}}
	next := *in
	next.Disaggregations = []string{}
	next.Titles = []Narrative{{Text: "Children placed"}}
	before, after := in.Figures().Changed(next.Figures())
	if len(before) != 0 || len(after) != 0 {
		t.Errorf("nothing changed: before %v, after %v", before, after)
	}
	next.Targets = []Target{{Value: "80"}}
	next.CountsPersons = true
	before, after = in.Figures().Changed(next.Figures())
	target := func(v string) []map[string]string { return []map[string]string{{"start": "", "end": "", "value": v}} }
	if diff := cmp.Diff(Figures{"targets": target("100"), "counts_persons": false}, before); diff != "" {
		t.Errorf("before (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(Figures{"targets": target("80"), "counts_persons": true}, after); diff != "" {
		t.Errorf("after (-want +got):\n%s", diff)
	}
}

// TestRemovedKeepsValues: a deletion keeps the indicator's figures and
// its recorded values (period and number), never a value's comment.
func TestRemovedKeepsValues(t *testing.T) {
	q1, _ := date.Parse("2024-01-01")
	q1end, _ := date.Parse("2024-03-31")
	in := &Indicator{Code: "OP1", Values: []Value{{Start: q1, End: q1end, Value: "12", Comment: "Marija's family counted twice"}}}
	removed := in.Removed()
	want := in.Figures()
	want["values"] = []map[string]string{{"start": "2024-01-01", "end": "2024-03-31", "value": "12"}}
	if diff := cmp.Diff(want, removed); diff != "" {
		t.Errorf("removed (-want +got):\n%s", diff)
	}
	if _, ok := in.Figures()["values"]; ok {
		t.Error("Figures (an update's, a creation's) keeps the values, which are audited one by one")
	}
}
