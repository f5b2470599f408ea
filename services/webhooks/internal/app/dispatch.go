package app

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/logging"
	"github.com/spona/spona/services/webhooks/internal/domain"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// claimBatch bounds the deliveries claimed by one query.
const claimBatch = 100

// RunDispatcher attempts due deliveries until ctx ends: at most
// Options.Workers at once and Options.TargetConcurrency per target, each
// delivery after the earlier ones of its subscription and referral. It
// looks for work when wake fires (new or requeued deliveries committed), when
// an attempt ends, and every Options.PollInterval (retries falling due,
// leases of a crashed process running out). On shutdown it lets the
// attempts in flight finish and gives back what it had claimed but not
// started.
func (a *App) RunDispatcher(ctx context.Context, wake <-chan struct{}) {
	d := &dispatcher{app: a, targets: map[string]*target{}, ended: make(chan struct{}, 1),
		attemptCtx: context.WithoutCancel(ctx)}
	defer d.wg.Wait()
	defer d.releaseWaiting()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		if full := d.claim(ctx); full {
			continue // a whole batch: there may be more due now
		}
		timer.Reset(a.opts.PollInterval)
		select {
		case <-ctx.Done():
			return
		case <-wake:
		case <-d.ended:
		case <-timer.C:
		}
	}
}

// dispatcher is the state of one RunDispatcher. Per target it keeps up to
// TargetConcurrency attempts in flight and as many claimed deliveries
// waiting, started as soon as an attempt to the target is answered: a busy
// fast receiver needs one claim per TargetConcurrency deliveries, not one
// per delivery.
type dispatcher struct {
	app        *App
	attemptCtx context.Context
	wg         sync.WaitGroup
	mu         sync.Mutex
	// running counts the attempts started and not yet recorded: what
	// takes a worker. A claimed delivery waiting for a slot of its target
	// takes none (it starts in the slot of an attempt that ends, at most
	// TargetConcurrency waiting per target), so targets that hang hold at
	// most TargetConcurrency workers each, not twice that.
	running int
	targets map[string]*target
	ended   chan struct{}
}

type target struct {
	inflight int
	waiting  []Claimed
}

// claim leases what the free workers can take and starts or queues it; it
// reports whether it took a whole batch.
func (d *dispatcher) claim(ctx context.Context) bool {
	a := d.app
	perTarget := 2 * a.opts.TargetConcurrency
	d.mu.Lock()
	free := a.opts.Workers - d.running
	held := make(map[string]int, len(d.targets))
	for name, t := range d.targets {
		held[name] = t.inflight + len(t.waiting)
	}
	d.mu.Unlock()
	if free <= 0 {
		return false
	}
	limit := min(free, claimBatch)
	claims, err := a.repo.Claim(ctx, ClaimRequest{Now: a.now(), Limit: limit, PerTarget: perTarget, InFlight: held, Lease: a.opts.Lease})
	if err != nil {
		if ctx.Err() == nil {
			a.log.WarnContext(ctx, "claiming deliveries", logging.Err(err))
		}
		return false
	}
	// The claim respects the cap; what would exceed it here goes back.
	var over []Claimed
	d.mu.Lock()
	for _, c := range claims {
		name := c.Subscription.Target()
		t := d.targets[name]
		if t == nil {
			t = &target{}
			d.targets[name] = t
		}
		switch {
		case t.inflight+len(t.waiting) >= perTarget:
			over = append(over, c)
			continue
		case t.inflight < a.opts.TargetConcurrency:
			t.inflight++
			d.start(c, name, false)
		default:
			t.waiting = append(t.waiting, c)
		}
	}
	d.mu.Unlock()
	if len(over) > 0 {
		if err := a.repo.Release(ctx, over); err != nil && ctx.Err() == nil {
			a.log.WarnContext(ctx, "releasing deliveries", logging.Err(err))
		}
	}
	return len(claims) == limit && len(over) == 0
}

// start attempts c (d.mu held). A claim that waited for its target is
// read again first: while it waited, its subscription may have been
// deleted, disabled or pointed elsewhere.
func (d *dispatcher) start(c Claimed, name string, waited bool) {
	d.wg.Add(1)
	d.running++
	go func() {
		defer d.wg.Done()
		var once sync.Once
		if c, ok := d.current(c, waited); ok {
			d.app.deliver(d.attemptCtx, c, func() { once.Do(func() { d.answered(name) }) })
		}
		once.Do(func() { d.answered(name) })
		d.mu.Lock()
		d.running--
		d.mu.Unlock()
		d.wake()
	}()
}

// current returns c with its subscription as it is now when c waited (and
// its lease renewed: the wait counts against it), and false when it is not
// to be attempted: its subscription is gone or inactive, or it cannot be
// read now (the lease runs out and a later claim tries again).
func (d *dispatcher) current(c Claimed, waited bool) (Claimed, bool) {
	if !waited {
		return c, true
	}
	s, ok, err := d.app.repo.Current(d.attemptCtx, c, d.app.now().Add(d.app.opts.Lease))
	if err != nil {
		if d.attemptCtx.Err() == nil {
			d.app.log.WarnContext(d.attemptCtx, "reading a waiting delivery's webhook", slog.String("delivery_id", c.Delivery.ID), logging.Err(err))
		}
		return c, false
	}
	if !ok {
		return c, false
	}
	c.Subscription = s
	return c, true
}

// answered frees the target's slot the attempt held, for the next waiting
// delivery of the target if there is one.
func (d *dispatcher) answered(name string) {
	d.mu.Lock()
	t := d.targets[name]
	if len(t.waiting) > 0 {
		next := t.waiting[0]
		t.waiting = t.waiting[1:]
		d.start(next, name, true)
	} else if t.inflight--; t.inflight == 0 {
		delete(d.targets, name)
	}
	d.mu.Unlock()
	d.wake()
}

func (d *dispatcher) wake() {
	select {
	case d.ended <- struct{}{}:
	default:
	}
}

// releaseWaiting gives back the claimed deliveries not started yet, so
// another dispatcher need not wait for their leases to run out.
func (d *dispatcher) releaseWaiting() {
	d.mu.Lock()
	var waiting []Claimed
	for _, t := range d.targets {
		waiting = append(waiting, t.waiting...)
		t.waiting = nil
	}
	d.mu.Unlock()
	// One claim's lease id per Release call.
	byLease := map[string][]Claimed{}
	for _, c := range waiting {
		byLease[c.Lease] = append(byLease[c.Lease], c)
	}
	for _, cs := range byLease {
		ctx, cancel := context.WithTimeout(d.attemptCtx, 5*time.Second)
		if err := d.app.repo.Release(ctx, cs); err != nil {
			d.app.log.WarnContext(ctx, "releasing deliveries at shutdown", logging.Err(err))
		}
		cancel()
	}
}

var tracer = otel.Tracer("github.com/spona/spona/services/webhooks")

// deliver makes one attempt of a claimed delivery and records its outcome.
// Its span links to the trace of the change that caused the event.
func (a *App) deliver(ctx context.Context, c Claimed, answered func()) {
	d, s := c.Delivery, c.Subscription
	opts := []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindProducer), trace.WithAttributes(
		attribute.String("webhook.id", s.ID), attribute.String("webhook.delivery_id", d.ID),
		attribute.String("webhook.event_type", d.EventType), attribute.Int("webhook.attempt", d.Attempts+1),
	)}
	if link, ok := causeLink(d.Traceparent); ok {
		opts = append(opts, trace.WithLinks(link))
	}
	ctx, span := tracer.Start(ctx, "webhook deliver "+d.EventType, opts...)
	defer span.End()

	start := a.now()
	var att domain.Attempt
	sig, err := domain.Sign(s.Secrets(start), d.ID, start.Unix(), d.Body)
	if err != nil {
		att = domain.Attempt{Err: "cannot sign: " + err.Error()}
	} else {
		att = a.sender.Send(ctx, Message{URL: s.URL, ID: d.ID, Timestamp: start.Unix(), Signature: sig, Body: d.Body})
	}
	answered()
	end := a.now()
	health := SubscriptionHealth{At: end, FailingSince: s.FailingSince}
	outcome := "succeeded"
	if att.Succeeded() {
		d.AfterSuccess(att, end)
		health.FailingSince = time.Time{}
		// Lag is the change's commit to its delivery; a :redeliver of an
		// old delivery is the partner's request, not lag.
		if !d.Redelivered() {
			a.metrics.lag.Record(ctx, end.Sub(d.EventTime).Seconds(), metric.WithAttributes(attribute.String("event_type", d.EventType)))
		}
	} else {
		a.opts.Retry.AfterFailure(d, att, end, a.jitter())
		if health.FailingSince.IsZero() {
			health.FailingSince = end
		}
		health.Disable, health.DisabledCode, health.DisabledReason = a.opts.Retry.ShouldDisable(health.FailingSince, att, end)
		health.FailingBy = a.opts.Retry.FailingBy(att, end)
		outcome = "failed"
		if d.Status == domain.DeliveryDeadLettered {
			outcome = "dead_lettered"
		}
		span.SetStatus(codes.Error, att.Problem())
	}
	span.SetAttributes(attribute.Int("http.response.status_code", att.Code), attribute.String("webhook.outcome", outcome))
	a.metrics.deliveries.Add(ctx, 1, metric.WithAttributes(attribute.String("outcome", outcome)))
	a.metrics.attempt.Record(ctx, att.Latency.Seconds(), metric.WithAttributes(attribute.Bool("success", att.Succeeded())))
	// A record lost (conflict, database down) leaves the delivery leased:
	// it is attempted again when the lease runs out (at least once).
	disabled := false
	for try := 1; ; try++ {
		var err error
		disabled, err = a.repo.Record(ctx, c, d, health)
		if err == nil {
			break
		}
		if try == 3 || errs.KindOf(err) != errs.KindAborted {
			a.log.WarnContext(ctx, "recording a delivery attempt", slog.String("delivery_id", d.ID), logging.Err(err))
			break
		}
	}
	if disabled {
		a.log.WarnContext(ctx, "webhook disabled", slog.String("webhook_id", s.ID), slog.String("reason_code", health.DisabledCode),
			slog.String("reason", health.DisabledReason))
	}
}

// causeLink is a link to the span of the change an event records.
func causeLink(traceparent string) (trace.Link, bool) {
	if traceparent == "" {
		return trace.Link{}, false
	}
	sc := trace.SpanContextFromContext(propagation.TraceContext{}.Extract(context.Background(),
		propagation.MapCarrier{"traceparent": traceparent}))
	if !sc.IsValid() {
		return trace.Link{}, false
	}
	return trace.Link{SpanContext: sc, Attributes: []attribute.KeyValue{attribute.String("link.kind", "cause")}}, true
}

type metrics struct {
	deliveries metric.Int64Counter
	attempt    metric.Float64Histogram
	lag        metric.Float64Histogram
}

func newMetrics() (*metrics, error) {
	m := otel.Meter("github.com/spona/spona/services/webhooks")
	deliveries, err := m.Int64Counter("spona.webhooks.attempts", metric.WithUnit("{attempt}"),
		metric.WithDescription("Delivery attempts by outcome: succeeded, failed (will retry), dead_lettered."))
	if err != nil {
		return nil, err
	}
	buckets := metric.WithExplicitBucketBoundaries(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600)
	attempt, err := m.Float64Histogram("spona.webhooks.attempt.duration", metric.WithUnit("s"), buckets,
		metric.WithDescription("Duration of one HTTP delivery attempt, from connect to the end of the answer."))
	if err != nil {
		return nil, err
	}
	lag, err := m.Float64Histogram("spona.webhooks.delivery.lag", metric.WithUnit("s"), buckets,
		metric.WithDescription("From the commit of the change to its successful delivery."))
	if err != nil {
		return nil, err
	}
	// Every outcome's series is exported from the start, at 0, so that a
	// dashboard or an alert on it (a dead-letter rate) sees 0, not "no
	// data", until the first delivery. The histograms have no series until
	// their first observation: an empty one has no latency to show.
	for _, outcome := range []string{"succeeded", "failed", "dead_lettered"} {
		deliveries.Add(context.Background(), 0, metric.WithAttributes(attribute.String("outcome", outcome)))
	}
	return &metrics{deliveries: deliveries, attempt: attempt, lag: lag}, nil
}
