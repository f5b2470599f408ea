package service_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/servicetest"
)

// TestCertificateNumbersPastAMillion: certificate numbers stay unique
// (and certificates keep being issued) past the millionth: "TR-2024-1000000"
// and "TR-2024-1000001". Before, the number was padded to six digits by a
// function that also cuts longer ones, so both were "TR-2024-100000": the
// second was refused as a duplicate and no certificate of the event was
// issued.
func TestCertificateNumbersPastAMillion(t *testing.T) {
	c := start(t)
	ctx := servicetest.As(t, ids.New())
	db, err := pgx.Connect(context.Background(), c.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	if _, err := db.Exec(context.Background(), `SELECT setval('trainings.certificate_number_seq', 999998)`); err != nil {
		t.Fatal(err)
	}
	e := event(t, c, ctx, &pb.TrainingEvent{Type: pb.EventType_EVENT_TYPE_WORKSHOP, Title: "W", StartDate: "2024-05-06"})
	s, err := c.CreateSession(ctx, &pb.CreateSessionRequest{EventId: e.GetId(), Session: &pb.Session{Date: "2024-05-06"}})
	if err != nil {
		t.Fatal(err)
	}
	var marks []*pb.AttendanceMark
	for _, name := range []string{"Ana", "Marko", "Mira"} {
		p := register(t, c, ctx, e.GetId(), professional(name, "Ilić", "", "CSR Šid", pb.Sector_SECTOR_SOCIAL_WELFARE, 0))
		marks = append(marks, &pb.AttendanceMark{ParticipantId: p.GetId(), Present: true})
	}
	if _, err := c.RecordAttendance(ctx, &pb.RecordAttendanceRequest{EventId: e.GetId(), SessionId: s.GetSession().GetId(), Marks: marks}); err != nil {
		t.Fatal(err)
	}
	r, err := c.IssueCertificates(ctx, &pb.IssueCertificatesRequest{EventId: e.GetId()})
	if err != nil {
		t.Fatalf("issuing the millionth certificates: %v", err)
	}
	var numbers []string
	for _, p := range r.GetParticipants() {
		numbers = append(numbers, p.GetCertificateNumber())
	}
	// Listed in the order issued: by number, not as text.
	if want := "TR-2024-999999 TR-2024-1000000 TR-2024-1000001"; r.GetIssuedCount() != 3 || strings.Join(numbers, " ") != want {
		t.Errorf("certificates issued: %d, numbered %v, want 3: %s", r.GetIssuedCount(), numbers, want)
	}
}
