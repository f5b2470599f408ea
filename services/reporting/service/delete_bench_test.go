package service_test

import (
	"context"
	"fmt"
	"testing"

	pb "github.com/spona/spona/gen/go/spona/reporting/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/pgtest"
)

// BenchmarkDeleteProject measures DeleteProject over gRPC of a project
// with a funder and n manual indicators, each with four quarterly values
// (written by SQL), for n = 1, 10 and 100: with r20 the call audits and
// tells the deletion of each indicator (one INSERT … SELECT and one
// outbox INSERT … SELECT for all of them, pipelined with the lock and the
// COMMIT). The projects are made outside the timer. each_then_project
// is the same trail left as a caller had to before r20: DeleteIndicator
// of each indicator, then DeleteProject.
func BenchmarkDeleteProject(b *testing.B) {
	tr := startTrail(b)
	sql := pgtest.Connect(b, tr.dbURL)
	org := ids.New()
	ctx := caller(org, "key-bench")
	for _, c := range []struct {
		n    int
		each bool
	}{{1, false}, {10, false}, {100, false}, {10, true}, {100, true}} {
		name := fmt.Sprintf("indicators=%d", c.n)
		if c.each {
			name += "/each_then_project"
		}
		b.Run(name, func(b *testing.B) {
			n := c.n
			projects := make([]*pb.Project, b.N)
			indicators := make([][]string, b.N)
			for i := range projects {
				projects[i] = tr.project(ctx, fmt.Sprintf("B-%d-%t-%d", n, c.each, i), ids.New())
				for j := range n {
					in := tr.manual(ctx, projects[i].GetId(), fmt.Sprintf("OP%d", j))
					if c.each {
						indicators[i] = append(indicators[i], in.GetId())
					}
				}
				if _, err := sql.Exec(context.Background(), `INSERT INTO reporting.indicator_values (indicator_id, period_start, period_end, value)
					SELECT i.id, q, q + interval '3 months' - interval '1 day', '12' FROM reporting.indicators i,
						generate_series(date '2024-01-01', date '2024-10-01', interval '3 months') q
					WHERE i.project_id = $1`, projects[i].GetId()); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for i := range b.N {
				for _, id := range indicators[i] { // none unless each
					if _, err := tr.c.DeleteIndicator(ctx, &pb.DeleteIndicatorRequest{ProjectId: projects[i].GetId(), Id: id}); err != nil {
						b.Fatal(err)
					}
				}
				if _, err := tr.c.DeleteProject(ctx, &pb.DeleteProjectRequest{Id: projects[i].GetId()}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
