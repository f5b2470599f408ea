package service_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	importsv1 "github.com/spona/spona/gen/go/spona/imports/v1"
	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/aggregate"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/importtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"google.golang.org/genproto/googleapis/api/httpbody"
	"google.golang.org/grpc/codes"
)

// TestPresentOnlyAtHeldSessions: nobody is present at a session not held
// yet. A present mark for a session dated after today (in the report time
// zone) is FAILED_PRECONDITION (SESSION_NOT_HELD) over the API and a
// problem of its cell in a sign-in sheet, so that a participant marked in
// advance is not counted as trained, nor certified, before the event took
// place. Absent marks, and present marks today or before, are recorded.
func TestPresentOnlyAtHeldSessions(t *testing.T) {
	c := start(t)
	ctx := servicetest.As(t, ids.New())
	zone, err := aggregate.LoadZone("")
	if err != nil {
		t.Fatal(err)
	}
	today := aggregate.Today(zone, time.Now())
	e := event(t, c, ctx, &pb.TrainingEvent{Type: pb.EventType_EVENT_TYPE_TRAINING, Title: "Three days",
		StartDate: today.AddDays(-1).String(), EndDate: today.AddDays(1).String(), CompletionThresholdPercent: 100})
	var sessions []string
	for _, d := range []int{-1, 0, 1} {
		r, err := c.CreateSession(ctx, &pb.CreateSessionRequest{EventId: e.GetId(), Session: &pb.Session{Date: today.AddDays(d).String()}})
		if err != nil {
			t.Fatal(err)
		}
		sessions = append(sessions, r.GetSession().GetId())
	}
	p, err := c.CreateParticipant(ctx, &pb.CreateParticipantRequest{EventId: e.GetId(),
		Participant: professional("Jelena", "Marić", "jelena@example.org", "CSR Kikinda", pb.Sector_SECTOR_SOCIAL_WELFARE, 0)})
	if err != nil {
		t.Fatal(err)
	}
	mark := func(session int, present bool) error {
		_, err := c.RecordAttendance(ctx, &pb.RecordAttendanceRequest{EventId: e.GetId(), SessionId: sessions[session],
			Marks: []*pb.AttendanceMark{{ParticipantId: p.GetParticipant().GetId(), Present: present}}})
		return err
	}
	for i, present := range map[int]bool{0: true, 1: true, 2: false} {
		if err := mark(i, present); err != nil {
			t.Fatalf("session %d (day %+d) present=%v: %v", i, i-1, present, err)
		}
	}
	statustest.WantReason(t, mark(2, true), codes.FailedPrecondition, "SESSION_NOT_HELD", "present tomorrow")
	if c, err := c.IssueCertificates(ctx, &pb.IssueCertificatesRequest{EventId: e.GetId()}); err != nil || c.GetIssuedCount() != 0 {
		t.Errorf("certificates before the last session was held: %v %v", c, err)
	}

	// The sign-in sheet: a present mark under tomorrow's date is a
	// problem of that cell.
	conn := servicetest.Dial(t, c.self, "trainings")
	imp := pb.NewParticipantImportServiceClient(conn)
	var sheet strings.Builder
	fmt.Fprintf(&sheet, "given_name,family_name,organisation,sector,%s,%s,%s\n", today.AddDays(-1), today, today.AddDays(1))
	sheet.WriteString("Milan,Ilić,CSR Kikinda,social_welfare,x,x,\nMira,Ilić,CSR Kikinda,social_welfare,x,x,x\n")
	op, err := imp.ImportParticipants(ctx, &pb.ImportParticipantsRequest{EventId: e.GetId(), ValidateOnly: true,
		File: &httpbody.HttpBody{ContentType: "text/csv", Data: []byte(sheet.String())}})
	if err != nil {
		t.Fatal(err)
	}
	done := importtest.Done(t, ctx, importsv1.NewImportServiceClient(conn), op)
	if done.GetCounts().GetInvalid() != 1 || len(done.GetProblems()) != 1 || done.GetProblems()[0].GetRow() != 3 || done.GetProblems()[0].GetColumn() != "G" {
		t.Errorf("sign-in sheet with a mark tomorrow: counts %v, problems %v", done.GetCounts(), done.GetProblems())
	}
}
