package service_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/services/trainings/migrations"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// TestEventLanguageCanonicalCase: an event's language is stored in the
// canonical case of its BCP 47 tag, whatever case it was sent in, on
// create, retry and update; migration 00019 writes those stored before as
// sent in that case, with a new etag.
func TestEventLanguageCanonicalCase(t *testing.T) {
	c := start(t)
	ctx := servicetest.As(t, ids.New())
	in := seminar("")
	in.Language = "SR-latn"
	req := &pb.CreateTrainingEventRequest{TrainingEvent: in, RequestId: "event-1"}
	r, err := c.CreateTrainingEvent(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	e := r.GetTrainingEvent()
	if e.GetLanguage() != "sr-Latn" {
		t.Errorf("language SR-latn stored as %q, want sr-Latn", e.GetLanguage())
	}
	in.Language = "sr-latn" // the same tag: a retry of the create
	if again, err := c.CreateTrainingEvent(ctx, req); err != nil || again.GetTrainingEvent().GetId() != e.GetId() {
		t.Errorf("create retried with sr-latn: %v, %v; want event %s", again.GetTrainingEvent(), err, e.GetId())
	}
	u, err := c.UpdateTrainingEvent(ctx, &pb.UpdateTrainingEventRequest{
		TrainingEvent: &pb.TrainingEvent{Id: e.GetId(), Etag: e.GetEtag(), Language: "EN-gb"},
		UpdateMask:    &fieldmaskpb.FieldMask{Paths: []string{"language"}}})
	if err != nil || u.GetTrainingEvent().GetLanguage() != "en-GB" {
		t.Fatalf("language updated to EN-gb: %v, %v; want en-GB", u.GetTrainingEvent(), err)
	}

	// Stored as sent before migration 00019 (a lower-case tag was taken as
	// it came; an upper-case language subtag was refused).
	db, err := pgx.Connect(t.Context(), c.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	if _, err := db.Exec(t.Context(), `UPDATE trainings.training_events SET language = 'en-gb'`); err != nil {
		t.Fatal(err)
	}
	pgtest.Undo(t, db, "trainings", migrations.FS, 19)
	got, err := c.restarted(t).GetTrainingEvent(ctx, &pb.GetTrainingEventRequest{Id: e.GetId()})
	if err != nil || got.GetTrainingEvent().GetLanguage() != "en-GB" || got.GetTrainingEvent().GetEtag() == u.GetTrainingEvent().GetEtag() {
		t.Errorf("after migration 00019: %v, %v; want en-GB with a new etag (was %s)", got.GetTrainingEvent(), err, u.GetTrainingEvent().GetEtag())
	}
}
