package service_test

import (
	"testing"

	pb "github.com/spona/spona/gen/go/spona/reporting/v1"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"google.golang.org/grpc/codes"
)

// TestRequestIDReused: a project's and an indicator's create retried with
// its request id (an Idempotency-Key the edge no longer keeps, after its
// 24 h) answers what it made (a budget of 140000 is the 140000.00 stored);
// the same request id sent with another project or indicator is refused
// REQUEST_ID_REUSED. Each answered the first one, as if the new one were
// made, and it never was.
func TestRequestIDReused(t *testing.T) {
	e := start(t)
	ctx := servicetest.As(t, ids.New())
	createProject := func(p *pb.Project) (*pb.Project, error) {
		r, err := e.c.CreateProject(ctx, &pb.CreateProjectRequest{Project: p, RequestId: "pr-1"})
		return r.GetProject(), err
	}
	p, err := createProject(example(""))
	if err != nil {
		t.Fatal(err)
	}
	retried := example("")
	retried.Budgets[0].Value.Amount = "140000"
	if again, err := createProject(retried); err != nil || again.GetId() != p.GetId() {
		t.Fatalf("project retry: %v %v, want %s", again, err, p.GetId())
	}
	changed := func(change func(*pb.Project)) *pb.Project { x := example(""); change(x); return x }
	for name, x := range map[string]*pb.Project{
		"another project": minimal("RS-2024-02"),
		"another budget":  changed(func(x *pb.Project) { x.Budgets[0].Value.Amount = "150000.00" }),
		"another end":     changed(func(x *pb.Project) { x.PlannedEndDate = "2017-12-31" }),
	} {
		got, err := createProject(x)
		statustest.WantReason(t, err, codes.InvalidArgument, errs.ReasonRequestIDReused, "project: "+name)
		if got != nil {
			t.Errorf("project %s: answered %v", name, got)
		}
	}
	if l, err := e.c.ListProjects(ctx, &pb.ListProjectsRequest{}); err != nil || len(l.GetProjects()) != 1 {
		t.Fatalf("projects: %v %v, want the first alone", l, err)
	}

	indicator := func(code string) *pb.Indicator {
		return &pb.Indicator{Code: code, Titles: en("Persons assisted"), Level: pb.IndicatorLevel_INDICATOR_LEVEL_OUTPUT,
			Metric: pb.Metric_METRIC_BENEFICIARIES_ASSISTED, Baseline: &pb.Baseline{Value: "3", Date: "2016-11-01"}}
	}
	createIndicator := func(in *pb.Indicator) (*pb.Indicator, error) {
		r, err := e.c.CreateIndicator(ctx, &pb.CreateIndicatorRequest{ProjectId: p.GetId(), Indicator: in, RequestId: "in-1"})
		return r.GetIndicator(), err
	}
	in, err := createIndicator(indicator("OUT-1"))
	if err != nil {
		t.Fatal(err)
	}
	if again, err := createIndicator(indicator("OUT-1")); err != nil || again.GetId() != in.GetId() {
		t.Fatalf("indicator retry: %v %v, want %s", again, err, in.GetId())
	}
	got, err := createIndicator(indicator("OUT-2"))
	statustest.WantReason(t, err, codes.InvalidArgument, errs.ReasonRequestIDReused, "another indicator")
	if got != nil {
		t.Errorf("another indicator: answered %v", got)
	}
}
