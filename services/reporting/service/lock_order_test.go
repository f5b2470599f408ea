package service_test

import (
	"fmt"
	"testing"

	pb "github.com/spona/spona/gen/go/spona/reporting/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// TestIndicatorChangesRacingProjectDeletion: a project deleted while one
// of its indicators is deleted, updated or has a value recorded, each
// held between its locks while the other runs, in both orders. The
// project's deletion locks the project, then (by cascade) its
// indicators; every indicator change that locks the project too
// (DeleteIndicator, which marks it) locks it first, so one waits for the
// other instead of each waiting for the other (a deadlock PostgreSQL ends
// with 40P01): the project's deletion succeeds, and each indicator's
// deletion is audited and told once. A change made first succeeds (the
// deletion waits for it, and audits the indicator as it left it); one made
// while the deletion holds the indicators' locks (it locks them before it
// reads what it audits, r22) waits for it and finds the indicator gone: a
// deletion or a value NOT_FOUND (the project is gone), an update ABORTED
// (its etag's version is gone), as with an indicator deleted on its own.
// Before r22 such an update or value went through while the deletion was
// held, and the deletion then deleted a version other than the one it
// had audited. Before c7d3b73, DeleteIndicator locked the indicator, then
// the project: a deletion of the project between the two deadlocked with
// it and one of them ended ABORTED.
func TestIndicatorChangesRacingProjectDeletion(t *testing.T) {
	tr := startTrail(t)
	conn := pgtest.Connect(t, tr.dbURL)
	org := ids.New()
	clerk, manager := caller(org, "key-clerk"), caller(org, "key-manager")

	type change struct {
		name string
		// hold is where the change waits, its indicator locked (%s: its id).
		hold string
		call func(in *pb.Indicator) error
	}
	changes := []change{
		{"indicator deleted", "DELETE ON reporting.indicators WHEN (OLD.id = '%s')", func(in *pb.Indicator) error {
			_, err := tr.c.DeleteIndicator(clerk, &pb.DeleteIndicatorRequest{ProjectId: in.GetProjectId(), Id: in.GetId(), Etag: in.GetEtag()})
			return err
		}},
		{"value recorded", "INSERT ON reporting.indicator_values WHEN (NEW.indicator_id = '%s')", func(in *pb.Indicator) error {
			_, err := tr.c.RecordIndicatorValue(clerk, &pb.RecordIndicatorValueRequest{ProjectId: in.GetProjectId(), IndicatorId: in.GetId(),
				Value: &pb.IndicatorValue{Period: period("2024-04-01", "2024-06-30"), Value: "7"}})
			return err
		}},
		{"indicator updated", "INSERT ON reporting.indicator_audit WHEN (NEW.indicator_id = '%s' AND NEW.action = 'indicator.update')", func(in *pb.Indicator) error {
			_, err := tr.c.UpdateIndicator(clerk, &pb.UpdateIndicatorRequest{Indicator: &pb.Indicator{Id: in.GetId(), ProjectId: in.GetProjectId(),
				Etag: in.GetEtag(), Unit: "sessions"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"unit"}}})
			return err
		}},
	}
	for i, ch := range changes {
		for _, changeFirst := range []bool{true, false} {
			order := map[bool]string{true: "change first", false: "project deletion first"}[changeFirst]
			t.Run(ch.name+", "+order, func(t *testing.T) {
				p := tr.project(clerk, fmt.Sprintf("LK-%d-%v", i, changeFirst))
				a, b := tr.manual(clerk, p.GetId(), "OP1"), tr.manual(clerk, p.GetId(), "OP2")
				a = tr.record(clerk, a, &pb.IndicatorValue{Period: period("2024-01-01", "2024-03-31"), Value: "12"})
				_, cursor := tr.events("")
				deleteProject := func() error {
					_, err := tr.c.DeleteProject(manager, &pb.DeleteProjectRequest{Id: p.GetId(), Etag: p.GetEtag()})
					return err
				}
				changeA := func() error { return ch.call(a) }
				first, second, hold := changeA, deleteProject, fmt.Sprintf(ch.hold, a.GetId())
				if !changeFirst {
					// Held with the project locked, its indicators
					// audited and told, before the cascade.
					first, second, hold = deleteProject, changeA, fmt.Sprintf("DELETE ON reporting.projects WHEN (OLD.id = '%s')", p.GetId())
				}
				firstErr, secondErr, returned := pgtest.Interleave(t, conn, hold, first, second)
				changeErr, deleteErr := firstErr, secondErr
				if !changeFirst {
					changeErr, deleteErr = secondErr, firstErr
				}
				t.Logf("second returned while the first was held: %v; change: %v; project deletion: %v",
					returned, status.Convert(changeErr), status.Convert(deleteErr))
				if deleteErr != nil {
					t.Errorf("the project's deletion: %v (%s)", deleteErr, statustest.Reason(deleteErr))
				}
				// A change made first succeeds; one that waited for the
				// project's deletion finds the indicator gone.
				wantChange := codes.OK
				if !changeFirst {
					wantChange = map[string]codes.Code{"indicator deleted": codes.NotFound, "value recorded": codes.NotFound,
						"indicator updated": codes.Aborted}[ch.name]
				}
				if got := statustest.Code(changeErr); got != wantChange {
					t.Errorf("the %s: %v (%s), want %v", ch.name, changeErr, statustest.Reason(changeErr), wantChange)
				}
				if _, err := tr.c.GetProject(manager, &pb.GetProjectRequest{Id: p.GetId()}); statustest.Code(err) != codes.NotFound {
					t.Errorf("the project after its deletion: %v", err)
				}
				// Each indicator's deletion audited and told once.
				deletes := map[string]int{}
				for _, r := range tr.audit(p.GetId()) {
					if r.Action == "indicator.delete" {
						deletes[r.Indicator]++
					}
				}
				evs, _ := tr.events(cursor)
				told := map[string]int{}
				for _, ev := range evs {
					if ev.Type == "indicator.deleted" {
						told[ev.ID]++
					}
				}
				for _, in := range []*pb.Indicator{a, b} {
					if deletes[in.GetId()] != 1 || told[in.GetId()] != 1 {
						t.Errorf("indicator %s: %d indicator.delete audit records, %d indicator.deleted events, want 1 and 1",
							in.GetCode(), deletes[in.GetId()], told[in.GetId()])
					}
				}
			})
		}
	}
}
