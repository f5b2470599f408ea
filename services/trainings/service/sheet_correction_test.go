package service_test

import (
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/longrunning/autogen/longrunningpb"
	"github.com/google/go-cmp/cmp"
	importsv1 "github.com/spona/spona/gen/go/spona/imports/v1"
	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/aggregate"
	"github.com/spona/spona/pkg/grpcx"
	"github.com/spona/spona/pkg/testkit/importtest"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"google.golang.org/genproto/googleapis/api/httpbody"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// TestSheetColumnsAfterASessionCorrection: a sign-in sheet's attendance
// columns are matched to the event's sessions when the file is uploaded
// (a day, a day and time, a place in the programme), and the import
// writes the marks later. A session corrected in between (PATCH
// .../sessions/{id}) so that a column no longer names the session it
// named is not given that column's marks: the import fails
// (FAILED_PRECONDITION CHANGED_SINCE_UPLOAD naming the row, the column
// and the session, and what the column names now), with nothing of it
// written; sent again, the file's columns are matched to the sessions as
// they are, and each mark goes to the session of the day its column
// says. A present mark under a column whose session was moved to a day
// not held yet is refused too (SESSION_NOT_HELD). The test holds the
// import at the end of its check (pgtest.Interleave, at its report of the
// check's progress, outside any transaction) while the corrections are
// made. Before,
// the import wrote the marks to the sessions the upload had found: Ana's
// mark under "2024-05-07" went to the session then moved to 6 May, and
// a present mark went to a session dated after today.
func TestSheetColumnsAfterASessionCorrection(t *testing.T) {
	d := sheetDays(t)
	watch := pgtest.Connect(t, d.c.dbURL)
	ops := importsv1.NewImportServiceClient(d.conn)
	sessions := map[string]*pb.Session{}
	l, err := d.c.ListSessions(d.ctx, &pb.ListSessionsRequest{EventId: d.event.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range l.GetSessions() {
		sessions[s.GetId()] = s
	}
	correct := func(s *pb.Session, paths ...string) error {
		s.EventId, s.Etag = d.event.GetId(), sessions[s.GetId()].GetEtag()
		r, err := d.c.UpdateSession(d.ctx, &pb.UpdateSessionRequest{Session: s, UpdateMask: &fieldmaskpb.FieldMask{Paths: paths}})
		if err == nil {
			sessions[s.GetId()] = r.GetSession()
		}
		return err
	}
	send := func(eventID string, rows ...[]string) *longrunningpb.Operation {
		t.Helper()
		var sheet strings.Builder
		_ = csv.NewWriter(&sheet).WriteAll(rows)
		op, err := d.imp.ImportParticipants(d.ctx, &pb.ImportParticipantsRequest{EventId: eventID,
			File: &httpbody.HttpBody{ContentType: "text/csv", Data: []byte(sheet.String())}})
		if err != nil {
			t.Fatal(err)
		}
		return op
	}
	// during sends the sheet, makes the corrections while its import is
	// held at its check, and returns the import as it ended.
	during := func(eventID string, rows [][]string, corrections func() error) *importsv1.Import {
		t.Helper()
		var done *importsv1.Import
		_, corrected, _ := pgtest.Interleave(t, watch, "UPDATE ON trainings.imports WHEN (NEW.phase = 'check' AND NEW.progress > 0)", func() error {
			done = importtest.Done(t, d.ctx, ops, send(eventID, rows...))
			return nil
		}, corrections)
		if corrected != nil {
			t.Fatalf("the corrections: %v", corrected)
		}
		return done
	}
	failed := func(done *importsv1.Import, reason string, want ...string) {
		t.Helper()
		err := status.ErrorProto(done.GetError())
		msg := status.Convert(err).Message()
		ok := done.GetState() == importsv1.ImportState_IMPORT_STATE_FAILED && status.Code(err) == codes.FailedPrecondition && grpcx.Reason(err) == reason
		for _, w := range want {
			ok = ok && strings.Contains(msg, w)
		}
		if !ok {
			t.Fatalf("import: %v, want failed FAILED_PRECONDITION %s naming %q", done, reason, want)
		}
	}
	header := []string{"Ime", "Prezime", "Sektor", "2024-05-06 09:00", "2024-05-06 13:00", "2024-05-07"}
	rows := [][]string{header, {"Ana", "Kovač", "zdravstvo", "", "da", "da"}, {"Marko", "Ilić", "zdravstvo", "da", "", ""}}

	// The morning session was held on Tuesday and Tuesday's on Monday
	// morning: both days are corrected while the sheet waits. Its column F
	// ("2024-05-07", Tuesday's session at the upload) now names the
	// morning session; Ana's mark there would have gone to Monday.
	done := during(d.event.GetId(), rows, func() error {
		if err := correct(&pb.Session{Id: d.morning, Date: "2024-05-07"}, "date"); err != nil {
			return err
		}
		return correct(&pb.Session{Id: d.tuesday, Date: "2024-05-06", StartTime: "09:00"}, "date", "start_time")
	})
	failed(done, "CHANGED_SINCE_UPLOAD", "row 2", `column F "2024-05-07"`, d.tuesday, "now of 2024-05-06", d.morning+" of 2024-05-07")
	if got := d.present(t, nil); len(got) != 0 {
		t.Fatalf("present marks after the failed import: %v", got)
	}

	// Sent again, the columns name the sessions as they are now.
	if done := importtest.Done(t, d.ctx, ops, send(d.event.GetId(), rows...)); done.GetState() != importsv1.ImportState_IMPORT_STATE_SUCCEEDED {
		t.Fatalf("the sheet sent again: %v", done)
	}
	want := map[string]string{"Ana 13:00": d.afternoon, "Ana 09:00": d.morning, "Marko Tuesday": d.tuesday}
	if diff := cmp.Diff(want, d.present(t, nil)); diff != "" {
		t.Errorf("present marks (-want +got; 09:00 is the session now on 7 May, Tuesday the one now on 6 May at 09:00):\n%s", diff)
	}

	// A correction that leaves each column naming its session (the
	// afternoon's trainer) changes nothing of the sheet: Ana's absence
	// from the afternoon is recorded.
	done = during(d.event.GetId(), [][]string{header[:5], {"Ana", "Kovač", "zdravstvo", "", "ne"}}, func() error {
		return correct(&pb.Session{Id: d.afternoon, Trainer: "Jelena Trener"}, "trainer")
	})
	if done.GetState() != importsv1.ImportState_IMPORT_STATE_SUCCEEDED {
		t.Fatalf("the sheet sent while a trainer was corrected: %v", done)
	}
	delete(want, "Ana 13:00")
	if diff := cmp.Diff(want, d.present(t, nil)); diff != "" {
		t.Errorf("present marks (-want +got):\n%s", diff)
	}

	// A session moved to a day not held yet after the upload: a present
	// mark under its column (its place in the programme, which names it
	// still) is refused.
	zone, err := aggregate.LoadZone("")
	if err != nil {
		t.Fatal(err)
	}
	today := aggregate.Today(zone, time.Now())
	e := event(t, d.c, d.ctx, &pb.TrainingEvent{Type: pb.EventType_EVENT_TYPE_TRAINING, Title: "Sada",
		StartDate: today.AddDays(-5).String(), EndDate: today.AddDays(5).String()})
	r, err := d.c.CreateSession(d.ctx, &pb.CreateSessionRequest{EventId: e.GetId(), Session: &pb.Session{Date: today.AddDays(-2).String()}})
	if err != nil {
		t.Fatal(err)
	}
	s := r.GetSession()
	done = during(e.GetId(), [][]string{{"Ime", "Prezime", "Sektor", "Sesija 1"}, {"Vesna", "Đurić", "zdravstvo", "da"}}, func() error {
		_, err := d.c.UpdateSession(d.ctx, &pb.UpdateSessionRequest{Session: &pb.Session{EventId: e.GetId(), Id: s.GetId(), Etag: s.GetEtag(),
			Date: today.AddDays(2).String()}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"date"}}})
		return err
	})
	failed(done, "SESSION_NOT_HELD", "row 2", `column D "Sesija 1"`)
	if diff := cmp.Diff(want, d.present(t, nil)); diff != "" {
		t.Errorf("present marks after the refused import (-want +got):\n%s", diff)
	}
}
