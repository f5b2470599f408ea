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

// BenchmarkDeleteIndicator measures DeleteIndicator over gRPC of a manual
// indicator with eight quarterly targets and four recorded values (written
// by SQL, outside the timer), without an etag and with one; with the WAL
// each deletion writes (wal-bytes/op: pg_current_wal_insert_lsn before and
// after the timed loop, the whole server's). With r22 the deletion's
// audit record keeps the figures and values it removed (before).
func BenchmarkDeleteIndicator(b *testing.B) {
	tr := startTrail(b)
	sql := pgtest.Connect(b, tr.dbURL)
	ctx := caller(ids.New(), "key-bench")
	p := tr.project(ctx, "B-1", ids.New())
	wal := func() int64 {
		var lsn int64
		if err := sql.QueryRow(context.Background(), `SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::bigint`).Scan(&lsn); err != nil {
			b.Fatal(err)
		}
		return lsn
	}
	made := 0
	for _, etag := range []bool{false, true} {
		b.Run(fmt.Sprintf("etag=%t", etag), func(b *testing.B) {
			in := make([]*pb.Indicator, b.N)
			for i := range in {
				made++
				in[i] = tr.manual(ctx, p.GetId(), fmt.Sprintf("OP%d", made))
			}
			if _, err := sql.Exec(context.Background(), `
				UPDATE reporting.indicators i SET targets = (SELECT jsonb_agg(jsonb_build_object('start', q::date,
					'end', (q + interval '3 months' - interval '1 day')::date, 'value', '100'))
					FROM generate_series(date '2024-01-01', date '2025-10-01', interval '3 months') q)
				WHERE i.project_id = $1`, p.GetId()); err != nil {
				b.Fatal(err)
			}
			if _, err := sql.Exec(context.Background(), `INSERT INTO reporting.indicator_values (indicator_id, period_start, period_end, value)
				SELECT i.id, q, q + interval '3 months' - interval '1 day', '12' FROM reporting.indicators i,
					generate_series(date '2024-01-01', date '2024-10-01', interval '3 months') q
				WHERE i.project_id = $1 ON CONFLICT DO NOTHING`, p.GetId()); err != nil {
				b.Fatal(err)
			}
			start := wal()
			b.ResetTimer()
			for i := range b.N {
				req := &pb.DeleteIndicatorRequest{ProjectId: p.GetId(), Id: in[i].GetId()}
				if etag {
					req.Etag = in[i].GetEtag()
				}
				if _, err := tr.c.DeleteIndicator(ctx, req); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(wal()-start)/float64(b.N), "wal-bytes/op")
		})
	}
}
