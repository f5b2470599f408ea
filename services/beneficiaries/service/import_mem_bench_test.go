package service_test

import (
	"os"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/benchenv"
	registerkit "github.com/spona/spona/pkg/testkit/register"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/services/beneficiaries/service"
	"google.golang.org/genproto/googleapis/api/httpbody"
)

// BenchmarkImportNotesFile dry-runs the largest file an import accepts
// (SPONA_IMPORT_MIB, default 20 MiB: 43,145 rows with a notes column) and
// reports the peak of the live heap and of the heap goal while it ran
// (sampled every millisecond), in MiB. The service runs in this process:
// the figures include the client's copy of the file (20 MiB).
func BenchmarkImportNotesFile(b *testing.B) {
	mib := benchenv.Int(b, "SPONA_IMPORT_MIB", 20)
	conn := servicetest.Start(b, service.New(service.Config{Config: servicetest.Platform(b, os.Getenv("SPONA_IMPORT_DB")),
		ReportingAddr: servicetest.Defer(b).Addr, ReferralsAddr: noDirectory}))
	cl := clientsOf(conn)
	data, n := registerkit.NotesCSV(float64(mib))
	var live, goal float64
	for range b.N {
		org := ids.New()
		ctx := servicetest.As(b, org)
		peak, stop := heapPeaks()
		start := time.Now()
		op, err := uploadIn(ctx, cl.imp, &pb.ImportBeneficiariesRequest{File: &httpbody.HttpBody{ContentType: "text/csv", Data: data}, ValidateOnly: true}, 512<<10)
		if err != nil {
			b.Fatal(err)
		}
		imp := finished(b, ctx, cl, op)
		el := time.Since(start)
		stop()
		if imp.GetCounts().GetRows() != int32(n) {
			b.Fatalf("rows %d, want %d", imp.GetCounts().GetRows(), n)
		}
		b.Logf("%d rows, %.1f MiB: %s, %.0f rows/s; peak live heap %.0f MiB, heap goal %.0f MiB", n, float64(len(data))/(1<<20),
			el.Round(time.Millisecond), float64(n)/el.Seconds(), peak[0], peak[1])
		live, goal = max(live, peak[0]), max(goal, peak[1])
	}
	b.ReportMetric(live, "live-MiB")
	b.ReportMetric(goal, "goal-MiB")
}

// heapPeaks samples the live heap and the heap goal until stop.
func heapPeaks() (*[2]float64, func()) {
	var peak [2]float64
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/goal:bytes"}}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			for i := range s {
				peak[i] = max(peak[i], float64(s[i].Value.Uint64())/(1<<20))
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	return &peak, func() { close(done); wg.Wait() }
}
