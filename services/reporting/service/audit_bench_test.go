package service_test

import (
	"context"
	"strings"
	"testing"

	pb "github.com/spona/spona/gen/go/spona/reporting/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/pgtest"
)

// BenchmarkListProjectAuditEvents measures GET …/auditEvents over gRPC
// for a project with 10,000 audit records (2,000 project records, 8,000
// indicator and value records of 40 indicators, as SQL bulk-loads them),
// beside another project's 10,000: the first page, a deep page (after
// 9,000 records) and one indicator's first page, 50 records each. It logs
// the plans of the first page's two queries (EXPLAIN ANALYZE).
func BenchmarkListProjectAuditEvents(b *testing.B) {
	tr := startTrail(b)
	org := ids.New()
	who := caller(org, "key-bench")
	p := tr.project(who, "AB-1")
	in := tr.manual(who, p.GetId(), "OP1")
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
	for name, req := range map[string]*pb.ListProjectAuditEventsRequest{
		"first":     {ProjectId: p.GetId(), PageSize: 50},
		"deep":      {ProjectId: p.GetId(), PageSize: 50, PageToken: deep.GetPageToken()},
		"indicator": {ProjectId: p.GetId(), PageSize: 50, IndicatorId: in.GetId()},
	} {
		b.Run(name, func(b *testing.B) {
			var n int
			for b.Loop() {
				r, err := tr.c.ListProjectAuditEvents(who, req)
				if err != nil {
					b.Fatal(err)
				}
				n = len(r.GetAuditEvents())
			}
			b.ReportMetric(float64(n), "events")
		})
	}
}
