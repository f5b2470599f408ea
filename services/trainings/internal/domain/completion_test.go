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
