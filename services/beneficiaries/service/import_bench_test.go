package service_test

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/ids"
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
// creates 2,000 of the same rows one call at a time for the ratio.
func BenchmarkImport50k(b *testing.B) {
	n := 50000
	if v, err := strconv.Atoi(os.Getenv("SPONA_IMPORT_ROWS")); err == nil {
		n = v
	}
	conn := servicetest.Start(b, service.New(service.Config{Config: servicetest.Platform(b, "")}))
	cl := clientsOf(conn)
	var sb strings.Builder
	sb.WriteString("given_name,family_name,sex,birth_date,legal_status,municipality,nationality\n")
	for r := range n {
		g, f := benchName(r)
		fmt.Fprintf(&sb, "%s,%s,%s,%d.%d.%d.,refugee,Beograd,SY\n", g, f, []string{"ženski", "muški"}[r%2], 1+r%28, 1+r%12, 1950+r%60)
	}
	data := []byte(sb.String())
	b.Logf("file: %d rows, %.1f MiB; RSS before: %.0f MiB", n, float64(len(data))/(1<<20), peakRSS())
	for _, dry := range []bool{true, false} {
		org := ids.New()
		ctx := servicetest.As(b, org)
		start := time.Now()
		op, err := cl.imp.ImportBeneficiaries(ctx, &pb.ImportBeneficiariesRequest{File: csvFile(string(data)), ValidateOnly: dry})
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
		g, f := benchName(r)
		if _, err := cl.ben.CreateBeneficiary(ctx, &pb.CreateBeneficiaryRequest{Beneficiary: &pb.Beneficiary{GivenName: g, FamilyName: f,
			BirthDate: fmt.Sprintf("%d-%02d-%02d", 1950+r%60, 1+r%12, 1+r%28), Nationality: "SY", Municipality: "Beograd",
			LegalStatus: pb.LegalStatus_LEGAL_STATUS_REFUGEE}}); err != nil {
			b.Fatal(err)
		}
	}
	el := time.Since(start)
	b.Logf("one call at a time (gRPC): %d rows in %s, %.0f rows/s", m, el.Round(time.Millisecond), float64(m)/el.Seconds())
}

func benchName(i int) (string, string) {
	syll := []string{"ka", "lo", "mi", "ra", "ne", "vu", "ši", "đo", "če", "za", "po", "tu", "bi", "le", "sa", "ko", "dra", "gan", "vel", "jov", "bor", "ste", "mar", "nik"}
	given := []string{"Ana", "Marko", "Jelena", "Ahmad", "Fatima", "Omar", "Dragan", "Milica", "Yusuf", "Amira", "Nikola", "Sara"}
	h := uint64(i)*0x9E3779B97F4A7C15 + 12345
	next := func(n int) int { h ^= h >> 29; h *= 0xBF58476D1CE4E5B9; h ^= h >> 32; return int(h % uint64(n)) }
	family := ""
	for range 3 + next(2) {
		family += syll[next(len(syll))]
	}
	f := []rune(family)
	return given[next(len(given))] + syll[next(len(syll))], strings.ToUpper(string(f[:1])) + string(f[1:]) + []string{"ić", "ović", "ski", "i"}[next(4)]
}
