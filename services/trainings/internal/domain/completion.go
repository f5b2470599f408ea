package domain

// Completion is whether a participant completes its event (attendance
// reaching the completion threshold: Attendance.Completes), as the event's
// sessions, marks and threshold stand: whether it counts as trained.
type Completion struct {
	ParticipantID, BeneficiaryID, ProfessionalID string
	Completed                                    bool
	// What Completed was read from: the sessions attended, the event's
	// sessions and its threshold.
	Attended, Sessions, Threshold int
}

// Before is c as it stood before a change that moved its sessions
// attended by moved (Mark.Moved), its sessions and threshold as they are.
func (c Completion) Before(moved int) Completion {
	return Undo{Moved: map[string]int{c.ParticipantID: moved}}.Before(c)
}

// Undo is what a change of an event did to what its participants' completion
// is read from, so that what they completed before it is had from one read
// after it (Before): the sessions it added (negative: removed), the
// threshold it replaced (0: kept), and how its marks moved each
// participant's sessions attended (Mark.Moved summed, by participant id).
// A participant the change registered had attended nothing before it: its
// marks are all moved, and it had not completed.
type Undo struct {
	Added, Threshold int
	Moved            map[string]int
}

// Before is c, read after the change, as it stood before it.
func (u Undo) Before(c Completion) Completion {
	c.Attended -= u.Moved[c.ParticipantID]
	c.Sessions -= u.Added
	if u.Threshold != 0 {
		c.Threshold = u.Threshold
	}
	c.Completed = Attendance{Attended: c.Attended, Sessions: c.Sessions}.Completes(c.Threshold)
	return c
}

// Marks adds to u the moves of marks (Mark.Moved).
func (u *Undo) Marks(marks ...Mark) {
	for _, m := range marks {
		u.Move(m.ParticipantID, m.Moved())
	}
}

// Move adds n to the sessions attended the change moved for participant
// id.
func (u *Undo) Move(id string, n int) {
	if n == 0 {
		return
	}
	if u.Moved == nil {
		u.Moved = map[string]int{}
	}
	u.Moved[id] += n
}

// CompletionChanges compares the completions of an event's participants
// before and after a change and returns those the change made complete it
// and those whose completion it withdrew, in the order of after. A
// participant missing from before was registered meanwhile, with no marks:
// it had not completed. One missing from after was deleted meanwhile,
// which its own event tells: it is not named.
func CompletionChanges(before, after []Completion) (completed, withdrawn []Completion) {
	was := make(map[string]bool, len(before))
	for _, c := range before {
		was[c.ParticipantID] = c.Completed
	}
	for _, c := range after {
		switch {
		case c.Completed && !was[c.ParticipantID]:
			completed = append(completed, c)
		case !c.Completed && was[c.ParticipantID]:
			withdrawn = append(withdrawn, c)
		}
	}
	return completed, withdrawn
}

// CompletionsGone returns the completions of before that complete the
// event and are missing from after: participants a change removed (a
// deletion, a merge's duplicate) while they counted as trained.
func CompletionsGone(before, after []Completion) []Completion {
	kept := make(map[string]bool, len(after))
	for _, c := range after {
		kept[c.ParticipantID] = true
	}
	var gone []Completion
	for _, c := range before {
		if c.Completed && !kept[c.ParticipantID] {
			gone = append(gone, c)
		}
	}
	return gone
}

// CountCompleted counts the completions of cs that complete the event.
func CountCompleted(cs []Completion) int {
	n := 0
	for _, c := range cs {
		if c.Completed {
			n++
		}
	}
	return n
}
