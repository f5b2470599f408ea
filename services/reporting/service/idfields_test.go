package service_test

import (
	"strings"
	"testing"

	commonv1 "github.com/spona/spona/gen/go/spona/common/v1"
	pb "github.com/spona/spona/gen/go/spona/reporting/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"google.golang.org/grpc/codes"
)

// TestMalformedIDsNamed: a malformed id is a violation of the request's
// own field. GET /v1/projects/x/report (and its export, the indicators
// list, an indicator) named "id", a field those requests do not have, and
// an update or a recorded value named "project_id"/"id" for
// indicator.project_id/indicator.id and indicator_id: a client mapping
// violations to its form found nothing to point at.
func TestMalformedIDsNamed(t *testing.T) {
	e := start(t)
	org := ids.New()
	ctx := servicetest.As(t, org)
	p := create(t, e.c, ctx, example(ids.New()))
	in := addIndicator(t, e.c, ctx, p.GetId(), &pb.Indicator{Code: "M1", Titles: en("Manual"), Unit: "persons",
		Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTPUT, Metric: pb.Metric_METRIC_MANUAL})
	value := &pb.IndicatorValue{Period: &commonv1.DateRange{StartDate: "2017-01-01", EndDate: "2017-03-31"}, Value: "5"}
	for field, call := range map[string]func() error{
		"project_id (report)": func() error {
			_, err := e.c.GetProjectReport(ctx, &pb.GetProjectReportRequest{ProjectId: "x"})
			return err
		},
		"project_id (export)": func() error {
			_, err := e.c.ExportProjectReport(ctx, &pb.ExportProjectReportRequest{ProjectId: "x", Format: "csv"})
			return err
		},
		"project_id (list)": func() error {
			_, err := e.c.ListIndicators(ctx, &pb.ListIndicatorsRequest{ProjectId: "x"})
			return err
		},
		"project_id (get)": func() error {
			_, err := e.c.GetIndicator(ctx, &pb.GetIndicatorRequest{ProjectId: "x", Id: in.GetId()})
			return err
		},
		"id (get)": func() error {
			_, err := e.c.GetIndicator(ctx, &pb.GetIndicatorRequest{ProjectId: p.GetId(), Id: "x"})
			return err
		},
		"indicator.project_id (update)": func() error {
			_, err := e.c.UpdateIndicator(ctx, &pb.UpdateIndicatorRequest{Indicator: &pb.Indicator{ProjectId: "x", Id: in.GetId(), Unit: "cases"}})
			return err
		},
		"indicator.id (update)": func() error {
			_, err := e.c.UpdateIndicator(ctx, &pb.UpdateIndicatorRequest{Indicator: &pb.Indicator{ProjectId: p.GetId(), Id: "x", Unit: "cases"}})
			return err
		},
		"indicator_id (record)": func() error {
			_, err := e.c.RecordIndicatorValue(ctx, &pb.RecordIndicatorValueRequest{ProjectId: p.GetId(), IndicatorId: "x", Value: value})
			return err
		},
		"project_id (record)": func() error {
			_, err := e.c.RecordIndicatorValue(ctx, &pb.RecordIndicatorValueRequest{ProjectId: "x", IndicatorId: in.GetId(), Value: value})
			return err
		},
		"id (delete)": func() error {
			_, err := e.c.DeleteIndicator(ctx, &pb.DeleteIndicatorRequest{ProjectId: p.GetId(), Id: "x"})
			return err
		},
	} {
		want := strings.SplitN(field, " (", 2)[0]
		err := call()
		if statustest.Code(err) != codes.InvalidArgument || !has(statustest.Descriptions(err), want) {
			t.Errorf("%s: got %v (violations %v), want InvalidArgument naming %s", field, err, statustest.Violations(err), want)
		}
	}
}

func has[V any](m map[string]V, k string) bool { _, ok := m[k]; return ok }
