// Package otlptest is an in-process OTLP/gRPC trace receiver for tests: the
// processes under test export to it exactly as they would to a collector,
// and the test reads back the spans.
package otlptest

import (
	"context"
	"encoding/hex"
	"net"
	"sync"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/encoding/protojson"
)

// Span is a received span with the service that sent it.
type Span struct {
	Service      string
	Name         string
	TraceID      string
	SpanID       string
	ParentSpanID string
	Kind         tracepb.Span_SpanKind
	Attributes   map[string]string
	// Links are the spans this one links to (other traces, e.g. the change
	// that caused a webhook delivery).
	Links []Link
	// Status is the span's status message (set on errors).
	Status string
	// Events are the span's events (an error recorded on it, a batch's
	// statements).
	Events []Event
	// Text is the whole span as OTLP JSON, with its resource's and
	// scope's attributes: every field and attribute of any type (numbers,
	// arrays, maps), for a test that looks for a value anywhere in what a
	// trace store would keep.
	Text string
}

// Event is a span event.
type Event struct {
	Name       string
	Attributes map[string]string
}

// Link is a span link.
type Link struct {
	TraceID, SpanID string
}

// Receiver collects spans.
type Receiver struct {
	coltracepb.UnimplementedTraceServiceServer
	Addr  string
	mu    sync.Mutex
	spans []Span
}

// Start runs a receiver on loopback until the test ends.
func Start(t testing.TB) *Receiver {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &Receiver{Addr: lis.Addr().String()}
	srv := grpc.NewServer()
	coltracepb.RegisterTraceServiceServer(srv, r)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return r
}

// Endpoint is the value for OTEL_EXPORTER_OTLP_ENDPOINT.
func (r *Receiver) Endpoint() string { return "http://" + r.Addr }

// Env is the environment that makes a process export here promptly.
func (r *Receiver) Env() []string {
	return []string{
		"OTEL_EXPORTER_OTLP_ENDPOINT=" + r.Endpoint(),
		"OTEL_EXPORTER_OTLP_INSECURE=true",
		"OTEL_BSP_SCHEDULE_DELAY=100",
	}
}

// Export implements the OTLP trace service.
func (r *Receiver) Export(_ context.Context, req *coltracepb.ExportTraceServiceRequest) (*coltracepb.ExportTraceServiceResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, rs := range req.GetResourceSpans() {
		resource := protojson.Format(rs.GetResource())
		service := ""
		for _, a := range rs.GetResource().GetAttributes() {
			if a.GetKey() == "service.name" {
				service = a.GetValue().GetStringValue()
			}
		}
		for _, ss := range rs.GetScopeSpans() {
			scope := protojson.Format(ss.GetScope())
			for _, s := range ss.GetSpans() {
				attrs := map[string]string{}
				for _, a := range s.GetAttributes() {
					attrs[a.GetKey()] = a.GetValue().GetStringValue()
				}
				var links []Link
				for _, l := range s.GetLinks() {
					links = append(links, Link{TraceID: hex.EncodeToString(l.GetTraceId()), SpanID: hex.EncodeToString(l.GetSpanId())})
				}
				var events []Event
				for _, e := range s.GetEvents() {
					ea := map[string]string{}
					for _, a := range e.GetAttributes() {
						ea[a.GetKey()] = a.GetValue().GetStringValue()
					}
					events = append(events, Event{Name: e.GetName(), Attributes: ea})
				}
				r.spans = append(r.spans, Span{
					Service: service, Name: s.GetName(), Kind: s.GetKind(), Attributes: attrs,
					TraceID: hex.EncodeToString(s.GetTraceId()), SpanID: hex.EncodeToString(s.GetSpanId()),
					ParentSpanID: hex.EncodeToString(s.GetParentSpanId()), Links: links,
					Status: s.GetStatus().GetMessage(), Events: events,
					Text: resource + "\n" + scope + "\n" + protojson.Format(s),
				})
			}
		}
	}
	return &coltracepb.ExportTraceServiceResponse{}, nil
}

// LinkedTo returns the spans received so far that link to traceID.
func (r *Receiver) LinkedTo(traceID string) []Span {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Span
	for _, s := range r.spans {
		for _, l := range s.Links {
			if l.TraceID == traceID {
				out = append(out, s)
				break
			}
		}
	}
	return out
}

// All returns every span received so far.
func (r *Receiver) All() []Span {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Span(nil), r.spans...)
}

// Trace returns the spans of traceID received so far.
func (r *Receiver) Trace(traceID string) []Span {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Span
	for _, s := range r.spans {
		if s.TraceID == traceID {
			out = append(out, s)
		}
	}
	return out
}

// WaitFor polls until done(spans of traceID) is true or timeout passes, and
// returns the spans seen last.
func (r *Receiver) WaitFor(traceID string, timeout time.Duration, done func([]Span) bool) []Span {
	deadline := time.Now().Add(timeout)
	for {
		spans := r.Trace(traceID)
		if done(spans) || time.Now().After(deadline) {
			return spans
		}
		time.Sleep(100 * time.Millisecond)
	}
}
