package grpcx

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/telemetry"
	"github.com/spona/spona/pkg/testkit/benchenv"
	"github.com/spona/spona/pkg/testkit/cputime"
	"github.com/spona/spona/pkg/tlsconfig"
)

// served is a beneficiaries server answering as the real one does in size
// (a beneficiary of a dozen fields) after a pause standing for its SQL, so
// calls overlap as they do under load.
type served struct {
	benv1.UnimplementedBeneficiaryServiceServer
	pause *atomic.Int64 // nanoseconds
}

func (s served) GetBeneficiary(_ context.Context, r *benv1.GetBeneficiaryRequest) (*benv1.GetBeneficiaryResponse, error) {
	if p := s.pause.Load(); p > 0 {
		time.Sleep(time.Duration(p))
	}
	return &benv1.GetBeneficiaryResponse{Beneficiary: &benv1.Beneficiary{
		Id: r.GetId(), OrganisationId: "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", GivenName: "Load 1234",
		LegalStatus: benv1.LegalStatus_LEGAL_STATUS_ASYLUM_SEEKER, Languages: []string{}, Etag: "W/\"1\"",
	}}, nil
}

// BenchmarkCall is one unary call between two processes as Spona makes
// it: mTLS on loopback, a principal issued by the caller and verified by
// the server, OpenTelemetry stats handlers with the processes' providers
// (spans sampled out, metrics on), the server's interceptors. One caller,
// the server answering at once (the fixed cost of a call) or after 0.5 ms
// (standing for a search's SQL), and 32 callers at once, each answer after
// 0.2 ms. It compares the tunings of the server and client (tuning=baseline
// is gRPC's defaults) in the same rounds, and reports per call the CPU the
// process (client and server) spent and its read and write system calls.
func BenchmarkCall(b *testing.B) {
	shutdown, err := telemetry.Setup(b.Context(), "bench", "0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = shutdown(context.Background()) })
	dir := b.TempDir()
	if err := tlsconfig.WriteDevPKI(dir, "beneficiaries", auth.Edge); err != nil {
		b.Fatal(err)
	}
	srvTLS, err := tlsconfig.Load(tlsconfig.DevFiles(dir, "beneficiaries"), nil)
	if err != nil {
		b.Fatal(err)
	}
	cliTLS, err := tlsconfig.Load(tlsconfig.DevFiles(dir, auth.Edge), nil)
	if err != nil {
		b.Fatal(err)
	}
	keys, iss := edgeKeys(b)
	type setup struct {
		name string
		c    benv1.BeneficiaryServiceClient
	}
	var setups []setup
	var pause atomic.Int64
	for _, tn := range []struct {
		name string
		t    tuning
	}{{"baseline", tuning{}}, {"chosen", defaultTuning}} {
		srv := newServer(ServerOptions{
			Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Verifier: keys.Verifier("beneficiaries", auth.MaxTTL),
			Credentials: srvTLS.Server(), MaxCallTime: time.Minute,
		}, tn.t)
		benv1.RegisterBeneficiaryServiceServer(srv, served{pause: &pause})
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		go func() { _ = srv.Server.Serve(lis) }()
		b.Cleanup(srv.Stop)
		conn, err := newClient(lis.Addr().String(), Peer{Audience: "beneficiaries", Issuer: iss, Credentials: cliTLS.Client("beneficiaries")}, tn.t)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = conn.Close() })
		setups = append(setups, setup{tn.name, benv1.NewBeneficiaryServiceClient(conn)})
	}
	ctx := auth.WithPrincipal(b.Context(), auth.Principal{OrganisationID: "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", ClientID: "bench", Scopes: auth.AllScopes})
	for range benchenv.Rounds(b) {
		for _, s := range setups {
			call := func() {
				if _, err := s.c.GetBeneficiary(ctx, &benv1.GetBeneficiaryRequest{Id: "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c"}); err != nil {
					b.Fatal(err)
				}
			}
			call()
			for _, p := range []time.Duration{0, 500 * time.Microsecond} {
				b.Run(fmt.Sprintf("callers=1/answer=%v/tuning=%s", p, s.name), func(b *testing.B) {
					pause.Store(int64(p))
					b.ReportAllocs()
					cpu := cputime.Start(b, nil)
					for b.Loop() {
						call()
					}
					cpu.Report()
				})
			}
			b.Run("callers=32/answer=200µs/tuning="+s.name, func(b *testing.B) {
				pause.Store(int64(200 * time.Microsecond))
				b.SetParallelism(max(1, 32/runtime.GOMAXPROCS(0)))
				b.ReportAllocs()
				cpu := cputime.Start(b, nil)
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						call()
					}
				})
				b.StopTimer()
				cpu.Report()
			})
		}
	}
}

// edgeKeys are the keys of the edge and the beneficiaries service, and the
// edge's issuer of principals.
func edgeKeys(tb testing.TB) (*auth.Keyring, *auth.Issuer) {
	tb.Helper()
	keys, err := auth.GenerateKeyring(auth.Edge, "beneficiaries")
	if err != nil {
		tb.Fatal(err)
	}
	iss, err := keys.Issuer(auth.Edge, auth.MaxTTL)
	if err != nil {
		tb.Fatal(err)
	}
	return keys, iss
}
