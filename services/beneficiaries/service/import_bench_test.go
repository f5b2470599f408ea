package service_test

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/ids"
	registerkit "github.com/spona/spona/pkg/testkit/register"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/services/beneficiaries/service"
)

// peakRSS is the process's peak resident set (VmHWM) in MiB.
func peakRSS() float64 {
	raw, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(raw), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.Atoi(f[1])
			return float64(kb) / 1024
		}
	}
	return 0
}

// BenchmarkImport50k imports SPONA_IMPORT_ROWS (default 50,000) rows as a
// dry run and for real through gRPC (the service runs in this process, so
// the peak RSS reported includes the client and the generated file), and
// creates 2,000 of the same rows one call at a time for the ratio. The rows
// are a register (pkg/testkit/register): realistic names, 2% repeated in
// another spelling.
func BenchmarkImport50k(b *testing.B) {
	n := 50000
	if v, err := strconv.Atoi(os.Getenv("SPONA_IMPORT_ROWS")); err == nil {
		n = v
	}
	// Reporting is never called: no row tags a project; nor the directory.
	conn := servicetest.Start(b, service.New(service.Config{Config: servicetest.Platform(b, os.Getenv("SPONA_IMPORT_DB")),
		ReportingAddr: servicetest.Defer(b).Addr, ReferralsAddr: noDirectory}))
	cl := clientsOf(conn)
	data := registerkit.CSV(1, 0, n)
	b.Logf("file: %d rows, %.1f MiB; RSS before: %.0f MiB", n, float64(len(data))/(1<<20), peakRSS())
	for _, dry := range []bool{true, false} {
		org := ids.New()
		ctx := servicetest.As(b, org)
		start := time.Now()
		op, err := uploadIn(ctx, cl.imp, &pb.ImportBeneficiariesRequest{File: csvFile(string(data)), ValidateOnly: dry}, 512<<10)
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("upload answered in %s", time.Since(start).Round(time.Millisecond))
		ctx = servicetest.As(b, org)
		imp := finished(b, ctx, cl, op)
		el := time.Since(start)
		b.Logf("dry run %v: %s in %s, %.0f rows/s, created %d, peak RSS %.0f MiB", dry, imp.GetState(), el.Round(time.Millisecond),
			float64(n)/el.Seconds(), imp.GetCounts().GetCreated(), peakRSS())
	}
	ctx := servicetest.As(b, ids.New())
	m := 2000
	start := time.Now()
	for r := range m {
		p := registerkit.Row(1, r)
		if _, err := cl.ben.CreateBeneficiary(ctx, &pb.CreateBeneficiaryRequest{Beneficiary: &pb.Beneficiary{GivenName: p.Given, FamilyName: p.Family,
			BirthDate: p.ISODate(), Nationality: p.Nationality, Municipality: p.Municipality,
			LegalStatus: pb.LegalStatus(pb.LegalStatus_value["LEGAL_STATUS_"+strings.ToUpper(p.LegalStatus)])}}); err != nil {
			b.Fatal(err)
		}
	}
	el := time.Since(start)
	b.Logf("one call at a time (gRPC): %d rows in %s, %.0f rows/s", m, el.Round(time.Millisecond), float64(m)/el.Seconds())
}
