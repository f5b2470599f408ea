package service_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	commonv1 "github.com/spona/spona/gen/go/spona/common/v1"
	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/aggregate"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"google.golang.org/protobuf/testing/protocmp"
)

// TestEventsHeldOnlyOnceStarted: METRIC_TRAINING_EVENTS counts the events
// held, so an event planned for after today (in the report time zone) is
// not among them, whatever the period asked for. A funder's report covers
// the project's whole planned span, which runs into the future: a seminar
// planned for next month is not one held.
func TestEventsHeldOnlyOnceStarted(t *testing.T) {
	c := start(t)
	ctx := servicetest.As(t, ids.New())
	project := c.project(t, ctx)
	zone, err := aggregate.LoadZone("")
	if err != nil {
		t.Fatal(err)
	}
	today := aggregate.Today(zone, time.Now())
	for _, e := range []struct {
		typ  pb.EventType
		days int
	}{
		{pb.EventType_EVENT_TYPE_SEMINAR, -30},
		{pb.EventType_EVENT_TYPE_WORKSHOP, -1},
		{pb.EventType_EVENT_TYPE_WORKSHOP, 0},      // starts today: held (at least begun)
		{pb.EventType_EVENT_TYPE_WORKSHOP, 1},      // tomorrow: not yet
		{pb.EventType_EVENT_TYPE_SEMINAR, 40},      // planned
		{pb.EventType_EVENT_TYPE_STUDY_VISIT, 200}, // planned
	} {
		start := today.AddDays(e.days)
		event(t, c, ctx, &pb.TrainingEvent{ProjectId: project, Type: e.typ, Title: "E", StartDate: start.String(),
			EndDate: start.AddDays(2).String()})
	}
	count := func(period *commonv1.DateRange, groupBy ...string) *commonv1.Aggregate {
		t.Helper()
		r, err := c.CountTrainingEvents(ctx, &pb.CountTrainingEventsRequest{ProjectId: project, Period: period, GroupBy: groupBy})
		if err != nil {
			t.Fatal(err)
		}
		return r.GetAggregate()
	}
	span := &commonv1.DateRange{StartDate: today.AddDays(-365).String(), EndDate: today.AddDays(365).String()}
	for _, tc := range []struct {
		name    string
		period  *commonv1.DateRange
		groupBy []string
		want    *commonv1.Aggregate
	}{
		{"open period", nil, nil, &commonv1.Aggregate{Total: 3}},
		{"a planned span into the future", span, nil, &commonv1.Aggregate{Total: 3}},
		{"by event type", span, []string{"event_type"}, &commonv1.Aggregate{Total: 3, Groups: []*commonv1.Group{
			group(1, "event_type", "seminar"), group(2, "event_type", "workshop")}}},
		{"a past period", &commonv1.DateRange{StartDate: today.AddDays(-60).String(), EndDate: today.AddDays(-2).String()}, nil,
			&commonv1.Aggregate{Total: 1}},
		{"a future period", &commonv1.DateRange{StartDate: today.AddDays(1).String(), EndDate: today.AddDays(300).String()}, nil,
			&commonv1.Aggregate{Total: 0}},
	} {
		got := count(tc.period, tc.groupBy...)
		if diff := cmp.Diff(tc.want, got, protocmp.Transform()); diff != "" {
			t.Errorf("events held, %s (-want +got):\n%s", tc.name, diff)
		}
	}
}
