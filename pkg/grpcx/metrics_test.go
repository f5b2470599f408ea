package grpcx

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"
)

// answering answers GetBeneficiary with the status its id names, and
// leaves the other methods unimplemented.
type answering struct {
	benv1.UnimplementedBeneficiaryServiceServer
}

func (answering) GetBeneficiary(_ context.Context, r *benv1.GetBeneficiaryRequest) (*benv1.GetBeneficiaryResponse, error) {
	for c := range codes.Code(17) {
		if r.GetId() == c.String() {
			if c == codes.OK {
				return &benv1.GetBeneficiaryResponse{Beneficiary: &benv1.Beneficiary{Id: r.GetId()}}, nil
			}
			return nil, status.Error(c, "as asked")
		}
	}
	return nil, status.Error(codes.Code(42), "a code of no name")
}

// The duration histograms recorded by the handlers of NewServer and
// NewClient are otelgrpc's: the same calls (every status code, an
// unimplemented method, several calls of one kind) give the same metrics,
// scope, attributes, bucket boundaries and counts as otelgrpc's own
// handlers.
func TestMetricsAsOtelgrpc(t *testing.T) {
	t.Parallel()
	ours := record(t, func(mp *sdkmetric.MeterProvider) (stats.Handler, stats.Handler) {
		return newMeteredHandler(false, mp), newMeteredHandler(true, mp)
	})
	theirs := record(t, func(mp *sdkmetric.MeterProvider) (stats.Handler, stats.Handler) {
		return otelgrpc.NewServerHandler(otelgrpc.WithMeterProvider(mp)), otelgrpc.NewClientHandler(otelgrpc.WithMeterProvider(mp))
	})
	if len(theirs) == 0 {
		t.Fatal("otelgrpc recorded nothing")
	}
	if d := cmp.Diff(theirs, ours); d != "" {
		t.Errorf("metrics differ from otelgrpc's (-otelgrpc +ours):\n%s", d)
	}
}

// record makes the calls through a server and client using the handlers
// made for a fresh meter provider, and returns what was recorded: one line
// per data point (scope, metric, unit, sorted attributes with the server's
// port as PORT, count, bucket counts and boundaries).
func record(t *testing.T, handlers func(*sdkmetric.MeterProvider) (server, client stats.Handler)) []string {
	t.Helper()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	sh, ch := handlers(mp)
	srv := grpc.NewServer(grpc.StatsHandler(sh), grpc.WaitForHandlers(true))
	benv1.RegisterBeneficiaryServiceServer(srv, answering{})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(lis) }()
	defer srv.Stop()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()), grpc.WithStatsHandler(ch))
	if err != nil {
		t.Fatal(err)
	}
	c := benv1.NewBeneficiaryServiceClient(conn)
	ctx := t.Context()
	for code := range codes.Code(17) {
		for range 1 + int(code)%3 {
			if _, err := c.GetBeneficiary(ctx, &benv1.GetBeneficiaryRequest{Id: code.String()}); status.Code(err) != code {
				t.Fatalf("%v answered %v", code, err)
			}
		}
	}
	if _, err := c.GetBeneficiary(ctx, &benv1.GetBeneficiaryRequest{Id: "?"}); status.Code(err) != codes.Code(42) {
		t.Fatalf("code 42 answered %v", err)
	}
	if _, err := c.EraseBeneficiary(ctx, &benv1.EraseBeneficiaryRequest{}); status.Code(err) != codes.Unimplemented {
		t.Fatalf("an unimplemented method answered %v", err)
	}
	// A server records a call after its answer has left: collect once
	// every handler has returned.
	_ = conn.Close()
	srv.GracefulStop()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(lis.Addr().String())
	var out []string
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			h, ok := m.Data.(metricdata.Histogram[float64])
			if !ok {
				out = append(out, fmt.Sprintf("%s %s: %T", sm.Scope.Name, m.Name, m.Data))
				continue
			}
			for _, dp := range h.DataPoints {
				var attrs []string
				for _, kv := range dp.Attributes.ToSlice() {
					v := kv.Value.String()
					if kv.Key == "server.port" && v == port {
						v = "PORT"
					}
					attrs = append(attrs, string(kv.Key)+"="+v+" ("+kv.Value.Type().String()+")")
				}
				slices.Sort(attrs)
				out = append(out, fmt.Sprintf("%s %s %s %s %s [%s] count=%d buckets=%v bounds=%v", sm.Scope.Name, sm.Scope.Version,
					sm.Scope.SchemaURL, m.Name, m.Unit, strings.Join(attrs, ", "), dp.Count, dp.BucketCounts != nil, dp.Bounds))
			}
			out = append(out, fmt.Sprintf("%s %s description %q temporality %v", sm.Scope.Name, m.Name, m.Description, h.Temporality))
		}
	}
	slices.Sort(out)
	return out
}
