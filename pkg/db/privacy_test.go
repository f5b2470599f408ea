package db_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/grpcx"
	"github.com/spona/spona/pkg/logging"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"google.golang.org/grpc/status"
)

// A value PostgreSQL or pgx refuses (a name sent where an id or a date
// goes, a stored name read into a number) is quoted in their errors; it
// must reach neither the query's span (exported to the trace backend), nor
// the log line of an internal error, nor the message a client gets (which
// the edge keeps for Idempotency-Key replay, where an erasure cannot find
// it).
func TestRefusedValuesStayOutOfSpansLogsAndMessages(t *testing.T) {
	ctx := context.Background()
	rec := tracetest.NewSpanRecorder()
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)))
	t.Cleanup(func() { otel.SetTracerProvider(prev) })
	pool, err := db.Open(ctx, pgtest.NewDatabase(t), "app", 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)

	const name = "Jasmina Hodžić"
	var n int
	for _, c := range []struct {
		what string
		run  func() error
	}{
		{"uuid parameter", func() error { _, err := pool.Exec(ctx, `SELECT $1::uuid`, name); return err }},
		{"uuid parameter, not canonical", func() error { _, err := pool.Exec(ctx, `SELECT $1::text::uuid`, name); return err }},
		{"date parameter", func() error { _, err := pool.Exec(ctx, `SELECT $1::text::date`, name); return err }},
		{"number out of range", func() error { _, err := pool.Exec(ctx, `SELECT $1::text::int`, "98765432109876"); return err }},
		{"argument pgx cannot encode", func() error { _, err := pool.Exec(ctx, `SELECT $1::int`, []string{name}); return err }},
		{"scanned column", func() error { return pool.QueryRow(ctx, `SELECT $1::text AS name`, name).Scan(&n) }},
	} {
		t.Run(c.what, func(t *testing.T) {
			rec.Reset()
			err := c.run()
			if err == nil {
				t.Fatal("no error")
			}
			var logs bytes.Buffer
			log := logging.NewWriter(&logs, "test", "info")
			answer := grpcx.ToStatus(ctx, log, db.Error(err))
			// An adapter that returns the driver's error as it is: an
			// internal error, logged.
			_ = grpcx.ToStatus(ctx, log, fmt.Errorf("beneficiaries: get: %w", err))
			if logs.Len() == 0 {
				t.Error("the internal error is not logged")
			}
			seen := map[string]string{"log": logs.String(), "answer": status.Convert(answer).Message()}
			for _, s := range rec.Ended() {
				seen["span status"] += s.Status().Description
				for _, e := range s.Events() {
					seen["span event"] += fmt.Sprint(e.Attributes)
				}
			}
			if seen["span status"] == "" {
				t.Error("the query's span records no error")
			}
			for where, text := range seen {
				for _, v := range []string{"Jasmina", "Hod", "98765432109876"} {
					if strings.Contains(text, v) {
						t.Errorf("%s quotes the value: %s", where, text)
					}
				}
			}
		})
	}
}
