package service_test

import (
	"slices"
	"testing"

	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// TestEventCountryCheckedWhenSet: an event whose stored country is no
// longer accepted (stored before the ISO 3166-1 check, which took any two
// letters) can still be updated in its other fields, its country left as
// it is; an update that names the country must give a code, the stored
// one resent included (a client sending every field is told its copy is
// wrong, rather than YU taken for a code), and one that does corrects it.
func TestEventCountryCheckedWhenSet(t *testing.T) {
	c := start(t)
	ctx := servicetest.As(t, ids.New())
	e := event(t, c, ctx, seminar(""))
	// As stored before the check: two letters, no country.
	if _, err := pgtest.Connect(t, c.dbURL).Exec(t.Context(), `UPDATE trainings.training_events SET country = 'YU' WHERE id = $1`, e.GetId()); err != nil {
		t.Fatal(err)
	}
	update := func(etag string, in *pb.TrainingEvent, paths ...string) (*pb.TrainingEvent, error) {
		in.Id, in.Etag = e.GetId(), etag
		r, err := c.UpdateTrainingEvent(ctx, &pb.UpdateTrainingEventRequest{TrainingEvent: in, UpdateMask: &fieldmaskpb.FieldMask{Paths: paths}})
		return r.GetTrainingEvent(), err
	}
	u, err := update(e.GetEtag(), &pb.TrainingEvent{Title: "Rad sa djecom bez pratnje"}, "title")
	if err != nil || u.GetTitle() != "Rad sa djecom bez pratnje" || u.GetCountry() != "YU" {
		t.Fatalf("title updated with a stored country no longer valid: %v, %v; want the title changed, the country kept", u, err)
	}
	if _, err := update(u.GetEtag(), &pb.TrainingEvent{Country: "XX"}, "country"); statustest.Code(err) != codes.InvalidArgument {
		t.Errorf("country set to XX: %v, want INVALID_ARGUMENT", err)
	}
	for _, paths := range [][]string{{"country"}, {"title", "country"}, {"*"}} {
		resent := &pb.TrainingEvent{Title: u.GetTitle(), Type: u.GetType(), StartDate: u.GetStartDate(), EndDate: u.GetEndDate(),
			CompletionThresholdPercent: u.GetCompletionThresholdPercent(), Country: "YU"}
		_, err := update(u.GetEtag(), resent, paths...)
		if statustest.Code(err) != codes.InvalidArgument || !slices.Equal(statustest.Violations(err), []string{"training_event.country"}) {
			t.Errorf("stored YU resent under %v: %v, want INVALID_ARGUMENT on training_event.country", paths, err)
		}
	}
	if f, err := update(u.GetEtag(), &pb.TrainingEvent{Country: "rs"}, "country"); err != nil || f.GetCountry() != "RS" {
		t.Errorf("country corrected to rs: %v, %v; want RS", f, err)
	}
}
