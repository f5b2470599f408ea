package domain

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCompletionChanges(t *testing.T) {
	c := func(id string, done bool) Completion { return Completion{ParticipantID: id, Completed: done} }
	before := []Completion{c("kept", true), c("still-not", false), c("withdrawn", true), c("completes", false), c("deleted", true)}
	after := []Completion{c("kept", true), c("still-not", false), c("withdrawn", false), c("completes", true), c("new", false), c("new-done", true)}
	completed, withdrawn := CompletionChanges(before, after)
	if diff := cmp.Diff([]Completion{c("completes", true), c("new-done", true)}, completed); diff != "" {
		t.Errorf("completed (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]Completion{c("withdrawn", false)}, withdrawn); diff != "" {
		t.Errorf("withdrawn (-want +got):\n%s", diff)
	}
	if got, want := CountCompleted(after), 3; got != want {
		t.Errorf("CountCompleted = %d, want %d", got, want)
	}
	if a, b := CompletionChanges(after, after); a != nil || b != nil {
		t.Errorf("no change: %v, %v", a, b)
	}
}

// TestCompletionBeforeMarks: what a participant completed before marks
// moved their sessions attended (Mark.Moved) is their completion read
// after, less what the marks moved: 4 of 5 sessions at threshold 80 is
// complete, 3 of 5 is not.
func TestCompletionBeforeMarks(t *testing.T) {
	now := func(attended int) Completion {
		return Completion{ParticipantID: "p", Attended: attended, Sessions: 5, Threshold: 80,
			Completed: Attendance{Attended: attended, Sessions: 5}.Completes(80)}
	}
	for _, tc := range []struct {
		mark       Mark
		attended   int
		wasDone    bool
		wantMoved  int
		wantBefore int
	}{
		{Mark{Present: true, WasPresent: false}, 4, false, 1, 3},  // made present: completes
		{Mark{Present: false, WasPresent: true}, 3, true, -1, 4},  // made absent: withdrawn
		{Mark{Present: true, WasPresent: true}, 4, true, 0, 4},    // the same mark
		{Mark{Present: false, WasPresent: false}, 3, false, 0, 3}, // absent anew
		{Mark{Present: true, WasPresent: false}, 5, true, 1, 4},   // was complete already
	} {
		if got := tc.mark.Moved(); got != tc.wantMoved {
			t.Errorf("%+v: Moved = %d, want %d", tc.mark, got, tc.wantMoved)
		}
		b := now(tc.attended).Before(tc.mark.Moved())
		if b.Attended != tc.wantBefore || b.Completed != tc.wasDone {
			t.Errorf("%+v at %d: before %+v, want %d attended, completed %v", tc.mark, tc.attended, b, tc.wantBefore, tc.wasDone)
		}
	}
}
