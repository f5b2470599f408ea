package service_test

import (
	"context"
	"testing"

	pb "github.com/spona/spona/gen/go/spona/reporting/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// BenchmarkUpdateAudited measures, over gRPC, an indicator update
// changing one of its eight quarterly targets (the update mask names
// targets), and a project update changing its suppression threshold; with
// the WAL each writes (wal-bytes/op, pg_current_wal_insert_lsn before and after
// the timed loop, the whole server's). With r21 each update's audit record
// keeps the figures it changed before and after, and a project's update
// has an audit record (project_audit) at all.
func BenchmarkUpdateAudited(b *testing.B) {
	tr := startTrail(b)
	sql := pgtest.Connect(b, tr.dbURL)
	ctx := caller(ids.New(), "key-bench")
	p := tr.project(ctx, "B-1", ids.New())
	in := tr.manual(ctx, p.GetId(), "OP1")
	quarters := []*pb.Target{}
	for y := range 2 {
		for _, q := range [][2]string{{"01-01", "03-31"}, {"04-01", "06-30"}, {"07-01", "09-30"}, {"10-01", "12-31"}} {
			year := []string{"2024-", "2025-"}[y]
			quarters = append(quarters, &pb.Target{Period: period(year+q[0], year+q[1]), Value: "100"})
		}
	}
	wal := func() int64 {
		var lsn int64
		if err := sql.QueryRow(context.Background(), `SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::bigint`).Scan(&lsn); err != nil {
			b.Fatal(err)
		}
		return lsn
	}
	// The etags outside the runs: a benchmark runs again with a larger N.
	etag, projectEtag := in.GetEtag(), p.GetEtag()
	b.Run("indicator_target", func(b *testing.B) {
		start := wal()
		b.ResetTimer()
		for i := range b.N {
			quarters[0].Value = []string{"80", "90"}[i%2]
			r, err := tr.c.UpdateIndicator(ctx, &pb.UpdateIndicatorRequest{Indicator: &pb.Indicator{Id: in.GetId(), ProjectId: p.GetId(),
				Etag: etag, Targets: quarters}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"targets"}}})
			if err != nil {
				b.Fatal(err)
			}
			etag = r.GetIndicator().GetEtag()
		}
		b.StopTimer()
		b.ReportMetric(float64(wal()-start)/float64(b.N), "wal-bytes/op")
	})
	b.Run("project_threshold", func(b *testing.B) {
		start := wal()
		b.ResetTimer()
		for i := range b.N {
			r, err := tr.c.UpdateProject(ctx, &pb.UpdateProjectRequest{Project: &pb.Project{Id: p.GetId(), Etag: projectEtag,
				SuppressionThreshold: []int32{10, 11}[i%2]}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"suppression_threshold"}}})
			if err != nil {
				b.Fatal(err)
			}
			projectEtag = r.GetProject().GetEtag()
		}
		b.StopTimer()
		b.ReportMetric(float64(wal()-start)/float64(b.N), "wal-bytes/op")
	})
}
