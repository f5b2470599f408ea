package service_test

import (
	"context"
	"testing"
	"time"

	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// TestSessionsStayWithinEventDates: a session added while the event's
// dates are narrowed ends inside the new dates or is refused (or the
// narrowing is); the two writes do not both go through with the session
// outside. The test holds the sessions table so that the session's
// insert waits after its check of the event's dates, and narrows the
// dates meanwhile. Before, the narrowing checked the sessions stored so
// far and went through, the waiting insert followed it, and the event kept
// a session after its last day.
func TestSessionsStayWithinEventDates(t *testing.T) {
	c := start(t)
	ctx := servicetest.As(t, ids.New())
	e := event(t, c, ctx, &pb.TrainingEvent{Type: pb.EventType_EVENT_TYPE_TRAINING, Title: "T", StartDate: "2024-05-06", EndDate: "2024-05-10"})
	bg := context.Background()
	watch := pgtest.Connect(t, c.dbURL)
	hold := pgtest.Locked(t, c.dbURL, `LOCK TABLE trainings.sessions IN EXCLUSIVE MODE`)
	// waiting reports whether n sessions of the test's database wait for a
	// lock.
	waiting := func(n int) bool {
		t.Helper()
		var w bool
		if err := watch.QueryRow(bg, `SELECT `+pgtest.WaitingSessions+` >= $1`, n).Scan(&w); err != nil {
			t.Fatal(err)
		}
		return w
	}
	created, patched := make(chan error, 1), make(chan error, 1)
	go func() {
		_, err := c.CreateSession(ctx, &pb.CreateSessionRequest{EventId: e.GetId(), Session: &pb.Session{Date: "2024-05-09"}})
		created <- err
	}()
	deadline := time.Now().Add(30 * time.Second)
	for !waiting(1) {
		if time.Now().After(deadline) {
			t.Fatal("the session's insert never waited for the sessions table")
		}
		time.Sleep(5 * time.Millisecond)
	}
	go func() {
		_, err := c.UpdateTrainingEvent(ctx, &pb.UpdateTrainingEventRequest{
			TrainingEvent: &pb.TrainingEvent{Id: e.GetId(), Etag: e.GetEtag(), EndDate: "2024-05-07"},
			UpdateMask:    &fieldmaskpb.FieldMask{Paths: []string{"end_date"}}})
		patched <- err
	}()
	// The narrowing goes through at once, or waits for the session's write.
	var patchErr error
	var patchDone bool
	for !patchDone && !waiting(2) {
		if time.Now().After(deadline) {
			t.Fatal("the narrowing neither finished nor waited")
		}
		select {
		case patchErr = <-patched:
			patchDone = true
		case <-time.After(5 * time.Millisecond):
		}
	}
	if err := hold.Commit(bg); err != nil {
		t.Fatal(err)
	}
	createErr := <-created
	if !patchDone {
		patchErr = <-patched
	}
	got, err := c.GetTrainingEvent(ctx, &pb.GetTrainingEventRequest{Id: e.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	l, err := c.ListSessions(ctx, &pb.ListSessionsRequest{EventId: e.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("the session's create: %v; the narrowing: %v", createErr, patchErr)
	end := got.GetTrainingEvent().GetEndDate()
	for _, s := range l.GetSessions() {
		if s.GetDate() > end {
			t.Errorf("the event ends on %s and has a session on %s (the session's create: %v; the narrowing: %v)",
				end, s.GetDate(), createErr, patchErr)
		}
	}
	if createErr != nil && patchErr != nil {
		t.Errorf("both writes refused: %v; %v", createErr, patchErr)
	}
}
