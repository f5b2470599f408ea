package tlsconfig_test

import (
	"context"
	"net"
	"testing"

	"github.com/spona/spona/pkg/tlsconfig"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// BenchmarkGRPC compares mTLS with plaintext on loopback, in the same run:
// a call on an open connection (Call), and a new connection with its first
// call (Connect: the handshake's cost, paid once per connection, which
// gRPC keeps open).
func BenchmarkGRPC(b *testing.B) {
	dir := b.TempDir()
	if err := tlsconfig.WriteDevPKI(dir, "beneficiaries", "edge"); err != nil {
		b.Fatal(err)
	}
	srvSrc, err := tlsconfig.Load(tlsconfig.DevFiles(dir, "beneficiaries"), nil)
	if err != nil {
		b.Fatal(err)
	}
	cliSrc, err := tlsconfig.Load(tlsconfig.DevFiles(dir, "edge"), nil)
	if err != nil {
		b.Fatal(err)
	}
	modes := []struct {
		name   string
		server credentials.TransportCredentials
		client credentials.TransportCredentials
	}{
		{"plaintext", insecure.NewCredentials(), insecure.NewCredentials()},
		{"mTLS", srvSrc.Server(), cliSrc.Client("beneficiaries")},
	}
	for _, m := range modes {
		srv := grpc.NewServer(grpc.Creds(m.server))
		healthpb.RegisterHealthServer(srv, health.NewServer())
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		go func() { _ = srv.Serve(lis) }()
		addr := lis.Addr().String()
		call := func(conn *grpc.ClientConn) {
			if _, err := healthpb.NewHealthClient(conn).Check(context.Background(), &healthpb.HealthCheckRequest{}); err != nil {
				b.Fatal(err)
			}
		}
		b.Run("Call/"+m.name, func(b *testing.B) {
			conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(m.client))
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Close()
			call(conn)
			b.ResetTimer()
			for b.Loop() {
				call(conn)
			}
		})
		b.Run("Connect/"+m.name, func(b *testing.B) {
			for b.Loop() {
				conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(m.client))
				if err != nil {
					b.Fatal(err)
				}
				call(conn)
				conn.Close()
			}
		})
		srv.Stop()
	}
}
