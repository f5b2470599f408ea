package db

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/spona/spona/pkg/logging"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// Tracer records one client span per query and per batch. It records the SQL
// text but never the arguments: they hold personal data (nor the values a
// failed query's error quotes: logging.ErrorText).
type Tracer struct {
	database string
	tracer   trace.Tracer
}

// NewTracer returns a tracer for queries against database.
func NewTracer(database string) *Tracer {
	return &Tracer{database: database, tracer: otel.Tracer("github.com/spona/spona/pkg/db")}
}

var (
	_ pgx.QueryTracer = (*Tracer)(nil)
	_ pgx.BatchTracer = (*Tracer)(nil)
)

func operation(sql string) string {
	sql = strings.TrimSpace(sql)
	for strings.HasPrefix(sql, "--") {
		_, rest, _ := strings.Cut(sql, "\n")
		sql = strings.TrimSpace(rest)
	}
	op, _, _ := strings.Cut(sql, " ")
	op = strings.ToUpper(strings.TrimSpace(op))
	if op == "" || len(op) > 16 {
		return "QUERY"
	}
	return op
}

// start starts a span, unless the caller's span was sampled out: with the
// parent-based sampler no child of it is recorded, so the tracer skips the
// span (and its attributes) altogether.
func (t *Tracer) start(ctx context.Context, name, sql string) context.Context {
	if parent := trace.SpanFromContext(ctx); parent.SpanContext().IsValid() && !parent.SpanContext().IsSampled() && !parent.IsRecording() {
		return ctx
	}
	ctx, _ = t.tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
		attribute.String("db.system.name", "postgresql"),
		attribute.String("db.namespace", t.database),
		attribute.String("db.query.text", sql),
	))
	return ctx
}

func end(ctx context.Context, err error, rows int64) {
	span := trace.SpanFromContext(ctx)
	if !span.IsRecording() {
		return // skipped by start: the span is the caller's, not recorded
	}
	if err != nil && err != pgx.ErrNoRows {
		// Without the values the driver and PostgreSQL quote (a refused
		// argument, a row's value).
		text := logging.ErrorText(err)
		span.RecordError(errors.New(text), trace.WithAttributes(attribute.String("exception.type", fmt.Sprintf("%T", err))))
		span.SetStatus(codes.Error, text)
	}
	if rows >= 0 {
		span.SetAttributes(attribute.Int64("db.response.returned_rows", rows))
	}
	span.End()
}

// TraceQueryStart implements pgx.QueryTracer.
func (t *Tracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	return t.start(ctx, operation(data.SQL), data.SQL)
}

// TraceQueryEnd implements pgx.QueryTracer.
func (t *Tracer) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryEndData) {
	end(ctx, data.Err, data.CommandTag.RowsAffected())
}

// TraceBatchStart implements pgx.BatchTracer.
func (t *Tracer) TraceBatchStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceBatchStartData) context.Context {
	return t.start(ctx, "BATCH", "")
}

// TraceBatchQuery implements pgx.BatchTracer.
func (t *Tracer) TraceBatchQuery(ctx context.Context, _ *pgx.Conn, data pgx.TraceBatchQueryData) {
	span := trace.SpanFromContext(ctx)
	if !span.IsRecording() {
		return
	}
	span.AddEvent("query", trace.WithAttributes(attribute.String("db.query.text", data.SQL)))
}

// TraceBatchEnd implements pgx.BatchTracer.
func (t *Tracer) TraceBatchEnd(ctx context.Context, _ *pgx.Conn, data pgx.TraceBatchEndData) {
	end(ctx, data.Err, -1)
}
