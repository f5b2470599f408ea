package service_test

import (
	"context"
	"encoding/csv"
	"strings"
	"testing"

	"cloud.google.com/go/longrunning/autogen/longrunningpb"
	commonv1 "github.com/spona/spona/gen/go/spona/common/v1"
	importsv1 "github.com/spona/spona/gen/go/spona/imports/v1"
	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/grpcx"
	"github.com/spona/spona/pkg/testkit/importtest"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"google.golang.org/genproto/googleapis/api/httpbody"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// TestMarksRacingADeletion: a sign-in sheet uploaded before one of its
// sessions, or a registration one of its rows is linked to, was deleted
// fails when it is written, saying so: FAILED_PRECONDITION
// DELETED_SINCE_UPLOAD naming the row, the column (its letter and header)
// and the session, or the registration; nothing of it is written. A mark
// over the API at a session deleted meanwhile is 404 naming the session.
// The test holds the table of what is deleted, so that the write waits
// for it, and deletes the row while it waits. Before, each answered with
// the foreign key the marks broke ("refers to a record that does not
// exist (attendance_session_id_fkey)").
func TestMarksRacingADeletion(t *testing.T) {
	d := sheetDays(t)
	bg := context.Background()
	watch := pgtest.Connect(t, d.c.dbURL)
	ops := importsv1.NewImportServiceClient(d.conn)
	// race runs write while table is held, deletes what del deletes once
	// a statement of the database waits for the table, and lets write go
	// on.
	race := func(table, del string, arg string, write func()) {
		t.Helper()
		hold := pgtest.Locked(t, d.c.dbURL, `LOCK TABLE trainings.`+table+` IN EXCLUSIVE MODE`)
		write()
		pgtest.Until(t, watch, "a write waiting for "+table, `SELECT `+pgtest.WaitingSessions+` >= 1`)
		for _, s := range strings.Split(del, ";") {
			if _, err := hold.Exec(bg, s, arg); err != nil {
				t.Fatal(err)
			}
		}
		if err := hold.Commit(bg); err != nil {
			t.Fatal(err)
		}
	}
	upload := func(onDuplicate string, rows ...[]string) *longrunningpb.Operation {
		t.Helper()
		var sheet strings.Builder
		w := csv.NewWriter(&sheet)
		_ = w.WriteAll(rows)
		op, err := d.imp.ImportParticipants(d.ctx, &pb.ImportParticipantsRequest{EventId: d.event.GetId(), OnDuplicate: onDuplicate,
			File: &httpbody.HttpBody{ContentType: "text/csv", Data: []byte(sheet.String())}})
		if err != nil {
			t.Fatal(err)
		}
		return op
	}
	failed := func(op *longrunningpb.Operation, want ...string) {
		t.Helper()
		done := importtest.Done(t, d.ctx, ops, op)
		err := status.ErrorProto(done.GetError())
		msg := status.Convert(err).Message()
		ok := done.GetState() == importsv1.ImportState_IMPORT_STATE_FAILED && status.Code(err) == codes.FailedPrecondition &&
			grpcx.Reason(err) == "DELETED_SINCE_UPLOAD"
		for _, w := range want {
			ok = ok && strings.Contains(msg, w)
		}
		if !ok {
			t.Fatalf("import: %v, want failed FAILED_PRECONDITION DELETED_SINCE_UPLOAD naming %q", done, want)
		}
	}
	participants := func() int {
		t.Helper()
		l, err := d.c.ListParticipants(d.ctx, &pb.ListParticipantsRequest{EventId: d.event.GetId()})
		if err != nil {
			t.Fatal(err)
		}
		return len(l.GetParticipants())
	}

	// Tuesday's session is deleted after the upload; Ana's row marks it.
	var op *longrunningpb.Operation
	race("sessions", `DELETE FROM trainings.attendance WHERE session_id = $1;DELETE FROM trainings.sessions WHERE id = $1`, d.tuesday, func() {
		op = upload("", []string{"Ime", "Prezime", "Sektor", "2024-05-06 09:00", "2024-05-06 13:00", "2024-05-07"},
			[]string{"Marko", "Ilić", "zdravstvo", "da", "", ""}, []string{"Ana", "Kovač", "zdravstvo", "", "da", "da"})
	})
	failed(op, "row 3", `column F "2024-05-07"`, d.tuesday)
	if n := participants(); n != 0 {
		t.Fatalf("%d participants registered by the failed import, want none", n)
	}

	// Marko, registered, is marked at the afternoon session, which is
	// deleted meanwhile.
	marko := register(t, d.c, d.ctx, d.event.GetId(), professional("Marko", "Ilić", "marko@example.org", "Dom zdravlja", pb.Sector_SECTOR_HEALTH, commonv1.Sex_SEX_MALE))
	marked := make(chan error, 1)
	race("sessions", `DELETE FROM trainings.sessions WHERE id = $1`, d.afternoon, func() {
		go func() {
			_, err := d.c.RecordAttendance(d.ctx, &pb.RecordAttendanceRequest{EventId: d.event.GetId(), SessionId: d.afternoon,
				Marks: []*pb.AttendanceMark{{ParticipantId: marko.GetId(), Present: true}}})
			marked <- err
		}()
	})
	if err := <-marked; status.Code(err) != codes.NotFound || !strings.Contains(status.Convert(err).Message(), d.afternoon) {
		t.Fatalf("a mark at a session deleted meanwhile: %v, want NOT_FOUND naming session %s", err, d.afternoon)
	}

	// Marko's row is linked to his registration, deleted after the upload.
	race("participants", `DELETE FROM trainings.participants WHERE id = $1`, marko.GetId(), func() {
		op = upload("link", []string{"Ime", "Prezime", "E-mail", "Sektor", "2024-05-06 09:00"},
			[]string{"Marko", "Ilić", "marko@example.org", "zdravstvo", "da"})
	})
	failed(op, "row 2", marko.GetId())
	if n := participants(); n != 0 {
		t.Fatalf("%d participants after the failed import, want none", n)
	}
}
