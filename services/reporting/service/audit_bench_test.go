package service_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	pb "github.com/spona/spona/gen/go/spona/reporting/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/pgwire"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// BenchmarkListProjectAuditEvents measures GET …/auditEvents over gRPC
// for a project with 10,000 audit records (2,000 project records, 8,000
// indicator and value records of 40 indicators, as SQL bulk-loads them),
// beside another project's 10,000: the first page, a deep page (after
// 9,000 records) and one indicator's first page, 50 records each; a
// funder's call (refused: 403) and a page of the project's indicators
// (GET …/indicators, 20 of 40) beside them. The service connects to
// PostgreSQL through a counting relay (pkg/testkit/pgwire): besides ns/op
// each reports its round trips (trips/op) and statements (stmts/op) per
// call; the relay adds a hop per round trip to ns/op. It logs the plans
// of the first page's two queries (EXPLAIN ANALYZE).
func BenchmarkListProjectAuditEvents(b *testing.B) {
	dbURL := pgtest.NewDatabase(b)
	counter, through := pgwire.Start(b, dbURL)
	tr := startTrailVia(b, dbURL, through)
	org, funder := ids.New(), ids.New()
	who := caller(org, "key-bench")
	p := tr.project(who, "AB-1", funder)
	in := tr.manual(who, p.GetId(), "OP1")
	for i := 2; i <= 40; i++ {
		tr.manual(who, p.GetId(), fmt.Sprintf("OP%d", i))
	}
	pool := pgtest.Connect(b, tr.dbURL)
	ctx := context.Background()
	for _, project := range []string{p.GetId(), ids.New()} {
		if _, err := pool.Exec(ctx, `INSERT INTO reporting.project_audit (time, action, actor_organisation_id, actor_client_id, project_id, fields, before, after)
			SELECT now() - make_interval(secs => 20000 - 10 * n), 'project.update', $2, 'key-bench', $1, '{suppression_threshold}',
				jsonb_build_object('suppression_threshold', n), jsonb_build_object('suppression_threshold', n + 1)
			FROM generate_series(1, 2000) n`, project, org); err != nil {
			b.Fatal(err)
		}
		if _, err := pool.Exec(ctx, `INSERT INTO reporting.indicator_audit (time, action, actor_organisation_id, actor_client_id, project_id,
				indicator_id, period_start, period_end, value_before, value_after)
			SELECT now() - make_interval(secs => 20000 - 2.5 * n), 'value.correct', $2, 'key-bench', $1,
				CASE WHEN n % 40 = 0 THEN $3::uuid ELSE gen_random_uuid() END, '2024-01-01', '2024-03-31', n::text, (n + 1)::text
			FROM generate_series(1, 8000) n`, project, org, in.GetId()); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := pool.Exec(ctx, `ANALYZE reporting.project_audit; ANALYZE reporting.indicator_audit`); err != nil {
		b.Fatal(err)
	}
	deep := &pb.ListProjectAuditEventsRequest{ProjectId: p.GetId(), PageSize: 500}
	for seen := 0; seen < 9000; {
		r, err := tr.c.ListProjectAuditEvents(who, deep)
		if err != nil {
			b.Fatal(err)
		}
		seen += len(r.GetAuditEvents())
		deep.PageToken = r.GetNextPageToken()
	}
	const page = ` AND a.time >= '0001-01-01' AND (NULL::timestamptz IS NULL OR a.time < NULL)`
	for _, plan := range []string{
		`SELECT a.id FROM reporting.project_audit a WHERE (a.project_id, a.id) < ($1, 9223372036854775807) AND (a.project_id, a.id) > ($1, 0)` +
			page + ` ORDER BY a.project_id DESC, a.id DESC LIMIT 51`,
		`SELECT a.id FROM reporting.indicator_audit a WHERE a.project_id = $1 AND (a.project_id, a.id) < ($1, 9223372036854775807)
			AND (a.project_id, a.id) > ($1, 0)` + page + ` ORDER BY a.project_id DESC, a.id DESC LIMIT 51`,
		`SELECT a.id FROM reporting.indicator_audit a WHERE a.project_id = $1 AND (a.indicator_id, a.id) < ($2, 9223372036854775807)
			AND (a.indicator_id, a.id) > ($2, 0)` + page + ` ORDER BY a.indicator_id DESC, a.id DESC LIMIT 51`,
	} {
		args := []any{p.GetId()}
		if strings.Contains(plan, "$2") {
			args = append(args, in.GetId())
		}
		rows, err := pool.Query(ctx, `EXPLAIN (ANALYZE) `+plan, args...)
		if err != nil {
			b.Fatal(err)
		}
		var lines []string
		for rows.Next() {
			var l string
			if err := rows.Scan(&l); err != nil {
				b.Fatal(err)
			}
			lines = append(lines, l)
		}
		b.Logf("%s", strings.Join(lines, "\n"))
	}
	audit := func(who context.Context, req *pb.ListProjectAuditEventsRequest, code codes.Code) func() (int, error) {
		return func() (int, error) {
			r, err := tr.c.ListProjectAuditEvents(who, req)
			if status.Code(err) != code {
				return 0, fmt.Errorf("%v, want %v", err, code)
			}
			return len(r.GetAuditEvents()), nil
		}
	}
	for _, call := range []struct {
		name string
		call func() (int, error)
	}{
		{"first", audit(who, &pb.ListProjectAuditEventsRequest{ProjectId: p.GetId(), PageSize: 50}, codes.OK)},
		{"deep", audit(who, &pb.ListProjectAuditEventsRequest{ProjectId: p.GetId(), PageSize: 50, PageToken: deep.GetPageToken()}, codes.OK)},
		{"indicator", audit(who, &pb.ListProjectAuditEventsRequest{ProjectId: p.GetId(), PageSize: 50, IndicatorId: in.GetId()}, codes.OK)},
		{"funder", audit(caller(funder, "key-funder"), &pb.ListProjectAuditEventsRequest{ProjectId: p.GetId(), PageSize: 50},
			codes.PermissionDenied)},
		{"indicators", func() (int, error) {
			r, err := tr.c.ListIndicators(who, &pb.ListIndicatorsRequest{ProjectId: p.GetId(), PageSize: 20})
			return len(r.GetIndicators()), err
		}},
	} {
		b.Run(call.name, func(b *testing.B) {
			for range 4 { // each connection's statements prepared
				if _, err := call.call(); err != nil {
					b.Fatal(err)
				}
			}
			counter.Reset()
			var n, calls int
			for b.Loop() {
				var err error
				if n, err = call.call(); err != nil {
					b.Fatal(err)
				}
				calls++
			}
			trips, stmts, _ := counter.Counted("")
			b.ReportMetric(float64(n), "rows")
			b.ReportMetric(float64(trips)/float64(calls), "trips/op")
			b.ReportMetric(float64(stmts)/float64(calls), "stmts/op")
		})
	}
}
