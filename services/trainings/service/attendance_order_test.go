package service_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/servicetest"
)

// TestAttendanceMarksTakenInOneOrder: :recordAttendance takes the marks'
// rows in participant order, whatever order the request lists them in, so
// two writers marking one session (two trainers, a sheet and the API) wait
// for each other instead of deadlocking. Here another transaction holds
// the first participant's mark and then changes the second's while a
// request lists them the other way round. Before, the request took the
// second's row first and waited for the first: a deadlock, one of the two
// aborted (the API answered 409 CONCURRENT_UPDATE).
func TestAttendanceMarksTakenInOneOrder(t *testing.T) {
	c := start(t)
	ctx := servicetest.As(t, ids.New())
	e := event(t, c, ctx, &pb.TrainingEvent{Type: pb.EventType_EVENT_TYPE_WORKSHOP, Title: "W", StartDate: "2024-05-06"})
	s, err := c.CreateSession(ctx, &pb.CreateSessionRequest{EventId: e.GetId(), Session: &pb.Session{Date: "2024-05-06"}})
	if err != nil {
		t.Fatal(err)
	}
	sid := s.GetSession().GetId()
	a := register(t, c, ctx, e.GetId(), professional("Ana", "Ilić", "", "CSR Šid", pb.Sector_SECTOR_SOCIAL_WELFARE, 0)).GetId()
	b := register(t, c, ctx, e.GetId(), professional("Marko", "Ilić", "", "CSR Šid", pb.Sector_SECTOR_SOCIAL_WELFARE, 0)).GetId()
	first, second := min(a, b), max(a, b)
	mark := func(present bool, ids ...string) *pb.RecordAttendanceRequest {
		r := &pb.RecordAttendanceRequest{EventId: e.GetId(), SessionId: sid}
		for _, id := range ids {
			r.Marks = append(r.Marks, &pb.AttendanceMark{ParticipantId: id, Present: present})
		}
		return r
	}
	if _, err := c.RecordAttendance(ctx, mark(false, first, second)); err != nil {
		t.Fatal(err)
	}

	bg := context.Background()
	db, err := pgx.Connect(bg, c.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(bg)
	tx, err := db.Begin(bg)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(bg)
	if _, err := tx.Exec(bg, `SELECT 1 FROM trainings.attendance WHERE session_id = $1 AND participant_id = $2 FOR UPDATE`, sid, first); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := c.RecordAttendance(ctx, mark(true, second, first))
		done <- err
	}()
	// The request waits for the row held here.
	waiting := false
	for deadline := time.Now().Add(30 * time.Second); !waiting && time.Now().Before(deadline); {
		if err := db.QueryRow(bg, `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE NOT granted AND pid <> pg_backend_pid())`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if !waiting {
			select {
			case err := <-done:
				t.Fatalf("the request did not wait for the held mark: %v", err)
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
	if !waiting {
		t.Fatal("the request never waited for the held mark")
	}
	if _, err := tx.Exec(bg, `UPDATE trainings.attendance SET present = present WHERE session_id = $1 AND participant_id = $2`, sid, second); err != nil {
		t.Fatalf("changing the second mark while the request waits for the first: %v", err)
	}
	if err := tx.Commit(bg); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("the request: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the request did not finish")
	}
	var present int
	if err := db.QueryRow(bg, `SELECT count(*) FROM trainings.attendance WHERE session_id = $1 AND present`, sid).Scan(&present); err != nil && !errors.Is(err, pgx.ErrNoRows) {
		t.Fatal(err)
	}
	if present != 2 {
		t.Fatalf("%d marks present after the request, want 2", present)
	}
}
