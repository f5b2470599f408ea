package grpcx

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/testkit/benchenv"
	"go.opentelemetry.io/otel"
	otelcodes "go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"
)

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

// refusing refuses GetBeneficiary as a service refuses a caller's mistake,
// with a message quoting what the caller sent, or fails with an internal
// error; the id says which.
type refusing struct {
	benv1.UnimplementedBeneficiaryServiceServer
}

func (refusing) GetBeneficiary(ctx context.Context, r *benv1.GetBeneficiaryRequest) (*benv1.GetBeneficiaryResponse, error) {
	var err error
	switch r.GetId() {
	case "internal":
		err = errors.New("boom")
	case "stale":
		err = &errs.Error{Kind: errs.KindAborted, Reason: "ETAG_MISMATCH", Message: "etag " + r.GetId() + " Zorislava is stale"}
	default:
		err = errs.NotFound("taxonomy", r.GetId())
	}
	return nil, ToStatus(ctx, discard, err)
}

// A refusal's status message is made for the caller from what it sent (a
// name where an id goes); the spans of the call, the client's and the
// server's, tell it by its code and ErrorInfo reason, never by that
// message, for every tuning. The server's own failure keeps its message,
// and the caller still gets the whole status.
func TestSpansTellRefusalsWithoutTheirMessage(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec), sdktrace.WithSampler(sdktrace.AlwaysSample())))
	t.Cleanup(func() { otel.SetTracerProvider(prev) })
	for _, tn := range []struct {
		name string
		t    tuning
	}{{"baseline", tuning{}}, {"chosen", defaultTuning}} {
		t.Run(tn.name, func(t *testing.T) {
			rec.Reset()
			srv := grpc.NewServer(grpc.StatsHandler(tn.t.statsHandler(false)), grpc.WaitForHandlers(true))
			benv1.RegisterBeneficiaryServiceServer(srv, refusing{})
			lis, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			go func() { _ = srv.Serve(lis) }()
			conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()), grpc.WithStatsHandler(tn.t.statsHandler(true)))
			if err != nil {
				t.Fatal(err)
			}
			c := benv1.NewBeneficiaryServiceClient(conn)
			want := map[string]string{} // client span status by id
			for id, c2 := range map[string]struct {
				code   codes.Code
				status string
			}{
				"Zorislava Kvrgićeva": {codes.NotFound, ""},
				"stale":               {codes.Aborted, "ETAG_MISMATCH"},
				"internal":            {codes.Internal, "internal error"},
			} {
				_, err := c.GetBeneficiary(t.Context(), &benv1.GetBeneficiaryRequest{Id: id})
				if status.Code(err) != c2.code {
					t.Fatalf("%s answered %v", id, err)
				}
				if c2.code == codes.NotFound && !strings.Contains(status.Convert(err).Message(), id) {
					t.Errorf("the caller's message lost its id: %v", err)
				}
				want[c2.status] = id
			}
			_ = conn.Close()
			srv.GracefulStop()
			spans := rec.Ended()
			if len(spans) != 6 {
				t.Fatalf("%d spans, want 6", len(spans))
			}
			got := map[string]bool{}
			for _, s := range spans {
				d := s.Status().Description
				if strings.Contains(d, "Zorislava") {
					t.Errorf("%v span %s has status %q", s.SpanKind(), s.Name(), d)
				}
				if s.SpanKind().String() == "client" {
					if s.Status().Code != otelcodes.Error {
						t.Errorf("client span status %v, want Error", s.Status())
					}
					got[d] = true
				}
			}
			for d := range want {
				if !got[d] {
					t.Errorf("no client span with status %q; got %v", d, got)
				}
			}
		})
	}
}

// BenchmarkRefusedCallSpan is the handlers' work for one recorded call
// refused with NOT_FOUND and an ErrorInfo reason (begin, end), with the
// refusal's message dropped from the span (untold) and as otelgrpc alone
// records it, in the same run.
func BenchmarkRefusedCallSpan(b *testing.B) {
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()))
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(tp)
	b.Cleanup(func() { otel.SetTracerProvider(prev) })
	refusal := ToStatus(context.Background(), discard, &errs.Error{Kind: errs.KindNotFound, Reason: "NOT_FOUND_REASON", Message: `taxonomy "Zorislava" not found`})
	untold := defaultTuning.statsHandler(true)
	handlers := []struct {
		name string
		h    stats.Handler
	}{{"otelgrpc", untold.(untoldRefusals).Handler}, {"untold", untold}}
	info := &stats.RPCTagInfo{FullMethodName: "/spona.beneficiaries.v1.BeneficiaryService/GetBeneficiary"}
	for range benchenv.Rounds(b) {
		for _, h := range handlers {
			b.Run("handler="+h.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					ctx := h.h.TagRPC(context.Background(), info)
					now := time.Now()
					h.h.HandleRPC(ctx, &stats.Begin{Client: true, BeginTime: now})
					h.h.HandleRPC(ctx, &stats.End{Client: true, BeginTime: now, EndTime: now, Error: refusal})
				}
			})
		}
	}
}
