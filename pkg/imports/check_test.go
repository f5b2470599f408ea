package imports

import (
	"context"
	"errors"
	"slices"
	"testing"
)

// staged is a service's staged rows in memory.
type staged struct {
	rows     []*StagedRow
	saved    map[int][]Match
	refused  map[int][]Problem
	finished *Counts
}

func (s *staged) ImportRows(_ context.Context, _ string, after, limit int) ([]*StagedRow, error) {
	var out []*StagedRow
	for _, r := range s.rows {
		if r.Row > after && len(out) < limit {
			// As read back: what an earlier attempt recorded.
			c := *r
			c.Matches = s.saved[r.Row]
			if p, ok := s.refused[r.Row]; ok {
				c.Problems = p
			}
			out = append(out, &c)
		}
	}
	return out, nil
}

func (s *staged) SetImportDuplicates(_ context.Context, _ string, rows []*StagedRow) error {
	for _, r := range rows {
		s.saved[r.Row] = r.Matches
		if r.Refused {
			if s.refused == nil {
				s.refused = map[int][]Problem{}
			}
			s.refused[r.Row] = slices.Clone(r.Problems)
		}
	}
	return nil
}

func (s *staged) FinishImport(_ context.Context, _ string, c Counts) error {
	s.finished = &c
	return nil
}

// TestCheck: chunks in sheet order, rows scored afresh (an earlier
// attempt's matches cleared), duplicates counted, progress up to the
// check's share, a dry run finished, an all-or-nothing import with bad rows
// failed, a finder's error returned.
func TestCheck(t *testing.T) {
	newStaged := func(n int, bad ...int) *staged {
		s := &staged{saved: map[int][]Match{}}
		for i := range n {
			r := &StagedRow{Row: i + 2}
			if slices.Contains(bad, r.Row) {
				r.Problems = []Problem{{Row: r.Row, Column: "A", Message: "is required"}}
			}
			s.rows = append(s.rows, r)
			// Left by an earlier attempt: must not survive.
			s.saved[r.Row] = []Match{{ID: "stale"}}
		}
		return s
	}
	n := 2*CheckChunk + 10
	// Every 100th row repeats an existing record.
	find := func(_ context.Context, after int, rows []*StagedRow) error {
		if rows[0].Row <= after {
			t.Fatalf("chunk after %d starts at row %d", after, rows[0].Row)
		}
		for _, r := range rows {
			if len(r.Matches) > 0 || len(r.SameAs) > 0 {
				t.Fatalf("row %d comes with %v", r.Row, r.Matches)
			}
			if r.Row%100 == 0 {
				r.Matches = []Match{{ID: "p"}}
			}
		}
		return nil
	}
	var percents []int
	report := func(phase string, _ Counts, p int) {
		if phase != PhaseCheck {
			t.Fatalf("phase %s", phase)
		}
		percents = append(percents, p)
	}

	s := newStaged(n)
	imp := &Import{ID: "i", Options: Options{ValidateOnly: true}, Counts: Counts{Rows: n, Valid: n, Created: 7}}
	c, err := Check(context.Background(), imp, s, find, report)
	if err != nil || s.finished == nil || *s.finished != c {
		t.Fatalf("dry run: %v, finished %v", err, s.finished)
	}
	if c.Processed != n || c.Duplicates != n/100 || c.Created != 0 || !slices.Equal(percents, []int{49, 99, 100}) {
		t.Fatalf("dry run counts %+v, progress %v", c, percents)
	}
	if len(s.saved[3]) != 0 || len(s.saved[100]) != 1 || s.saved[100][0].ID != "p" {
		t.Fatalf("saved: row 3 %v, row 100 %v", s.saved[3], s.saved[100])
	}

	percents = nil
	s = newStaged(n, 5)
	imp = &Import{ID: "i", Options: Options{OnError: OnErrorAbort}, Counts: Counts{Rows: n, Valid: n - 1, Invalid: 1}}
	if _, err := Check(context.Background(), imp, s, find, report); err == nil || s.finished != nil || percents[len(percents)-1] != 40 {
		t.Fatalf("all or nothing with a bad row: %v, finished %v, progress %v", err, s.finished, percents)
	}
	imp.OnError = OnErrorSkip
	if c, err := Check(context.Background(), imp, s, find, report); err != nil || s.finished != nil || c.Processed != n {
		t.Fatalf("skip: %+v %v", c, err)
	}
	if got := WriteProgress(imp, Counts{Valid: 200}, 100); got != 70 {
		t.Errorf("write progress halfway: %d", got)
	}

	boom := errors.New("boom")
	if _, err := Check(context.Background(), imp, s, func(context.Context, int, []*StagedRow) error { return boom }, report); !errors.Is(err, boom) {
		t.Fatalf("finder error: %v", err)
	}
}

// TestCheckRefuses: a finder may refuse rows (a unique key taken); they
// are stored refused, counted invalid, and fail an all-or-nothing import;
// an attempt that reads them refused (resumed) counts them once.
func TestCheckRefuses(t *testing.T) {
	s := &staged{saved: map[int][]Match{}}
	for i := range 10 {
		s.rows = append(s.rows, &StagedRow{Row: i + 2})
	}
	s.rows[1].Problems = []Problem{{Row: 3, Column: "B", Message: "is required"}}
	find := func(_ context.Context, _ int, rows []*StagedRow) error {
		for _, r := range rows {
			if (r.Row == 3 || r.Row == 7) && !slices.ContainsFunc(r.Problems, func(p Problem) bool { return p.Column == "A" }) {
				r.Problems = append(r.Problems, Problem{Row: r.Row, Column: "A", Message: "taken"})
			}
		}
		return nil
	}
	var reported []Counts
	report := func(_ string, c Counts, _ int) { reported = append(reported, c) }
	counts := Counts{Rows: 10, Valid: 9, Invalid: 1} // as staged
	for attempt := range 2 {
		// A resumed attempt starts from the counts the last one reported.
		imp := &Import{ID: "i", Options: Options{ValidateOnly: true}, Counts: counts}
		c, err := Check(context.Background(), imp, s, find, report)
		if counts = reported[len(reported)-1]; err != nil || c.Valid != 8 || c.Invalid != 2 || counts.Valid != 8 || counts.Invalid != 2 {
			t.Fatalf("attempt %d: counts %+v, reported %+v, %v", attempt, c, reported, err)
		}
		if len(s.refused[3]) != 2 || len(s.refused[7]) != 1 || len(s.refused) != 2 {
			t.Fatalf("attempt %d: stored refused %v", attempt, s.refused)
		}
	}
	imp := &Import{ID: "i", Options: Options{OnError: OnErrorAbort}, Counts: Counts{Rows: 10, Valid: 9, Invalid: 1}}
	if _, err := Check(context.Background(), imp, s, find, report); err == nil {
		t.Fatal("all or nothing with a refused row: no error")
	}
}

func TestLink(t *testing.T) {
	given := map[int]string{2: "a"}
	for _, c := range []struct {
		r    StagedRow
		want string
		dup  bool
	}{
		{StagedRow{}, "", false},
		{StagedRow{Matches: []Match{{ID: "x"}, {ID: "y"}}, SameAs: []int{2}}, "x", true},
		{StagedRow{SameAs: []int{2, 3}}, "a", true},
		{StagedRow{SameAs: []int{3}}, "", true},
	} {
		if got := c.r.Link(given); got != c.want || c.r.Duplicate() != c.dup {
			t.Errorf("%+v: link %q duplicate %v", c.r, got, c.r.Duplicate())
		}
	}
}
