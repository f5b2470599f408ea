// Package app holds the webhooks use cases: subscriptions, turning the
// services' events into deliveries and change-feed entries, delivering them
// (signed, retried, in order per referral) and the change feed.
package app

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/spona/spona/pkg/pagination"
	"github.com/spona/spona/services/webhooks/internal/domain"
)

// Repository stores subscriptions, deliveries and the change feed: the
// ports of the use cases together, which one adapter implements. Each use
// case needs only its part, so a test fakes only that.
type Repository interface {
	SubscriptionStore
	DeliveryStore
	Dispatch
	ChangeFeed
}

// SubscriptionStore stores subscriptions. Reads take the organisation and
// return only its own subscriptions.
type SubscriptionStore interface {
	// CreateSubscription stores s; a repeated request id returns the first
	// subscription instead.
	CreateSubscription(ctx context.Context, s *domain.Subscription, requestID string) (*domain.Subscription, error)
	GetSubscription(ctx context.Context, organisationID, id string) (*domain.Subscription, error)
	ListSubscriptions(ctx context.Context, organisationID string, p pagination.Page) ([]*domain.Subscription, error)
	// UpdateSubscription stores s if the stored version is still s.Version
	// (errs.KindAborted otherwise). Disabling dead-letters the pending
	// deliveries. The run of failures is kept as the dispatcher last
	// recorded it (it bumps no version), except that enabling starts a
	// new one.
	UpdateSubscription(ctx context.Context, s *domain.Subscription) (*domain.Subscription, error)
	DeleteSubscription(ctx context.Context, organisationID, id string) error
}

// DeliveryStore lists deliveries and redelivers them.
type DeliveryStore interface {
	ListDeliveries(ctx context.Context, subscriptionID, status string, p pagination.Page) ([]*domain.Delivery, error)
	GetDelivery(ctx context.Context, subscriptionID, id string) (*domain.Delivery, error)
	// Requeue stores d queued again (after domain.Delivery.Redeliver, at
	// d.RetryStart) and wakes the dispatchers, unless a dispatcher holds d
	// under a lease still running then (queued false): its attempt's
	// record would overwrite the new retry window. A lease run out is
	// cleared, so an attempt recording late changes nothing.
	Requeue(ctx context.Context, d *domain.Delivery) (queued bool, err error)
	// RequeueFailed queues again at w.Now, each after
	// domain.Delivery.Redeliver, up to w.Limit failed deliveries
	// (domain.Delivery.Failed) of the subscription created in
	// [w.From, w.To) of one of w.Types, oldest first, leaving out those a
	// dispatcher holds (leased or being claimed), and wakes the
	// dispatchers. It reports how many it queued and whether others remain.
	RequeueFailed(ctx context.Context, w FailedWindow) (queued int, more bool, err error)
}

// FailedWindow selects the failed deliveries a bulk redelivery queues again.
type FailedWindow struct {
	SubscriptionID string
	Types          []string
	From, To, Now  time.Time
	Limit          int
}

// Dispatch is what the dispatchers change: leases and attempts.
type Dispatch interface {
	// Claim leases due deliveries of active subscriptions, each the oldest
	// pending one of its subscription and ordering key.
	Claim(ctx context.Context, c ClaimRequest) ([]Claimed, error)
	// Release gives claimed deliveries back without an attempt.
	Release(ctx context.Context, claims []Claimed) error
	// Current returns the subscription of a claimed delivery as it is now
	// (its URL and secrets), and false when the delivery is no longer
	// pending under the claim's lease or its subscription is no longer
	// active (deleted, disabled). It renews the lease until leaseUntil:
	// the claim waited for its target, and its attempt needs a whole lease.
	Current(ctx context.Context, c Claimed, leaseUntil time.Time) (*domain.Subscription, bool, error)
	// Record stores the outcome of an attempt of a claimed delivery: d as
	// it now is, and the subscription's failing state (disabled when
	// disable is set, see SubscriptionHealth.FailingBy). After a failure,
	// when the subscription is disabled (now, or meanwhile by its
	// organisation), its pending deliveries, d among them, are
	// dead-lettered. It reports whether this attempt disabled the
	// subscription.
	Record(ctx context.Context, c Claimed, d *domain.Delivery, s SubscriptionHealth) (disabled bool, err error)
}

// ChangeFeed is the REST change feed and its retention.
type ChangeFeed interface {
	// ListChanges returns organisationID's changes after position after and
	// up to upto, oldest first.
	ListChanges(ctx context.Context, organisationID string, after, upto int64, types []string, limit int) ([]domain.Change, error)
	// FirstChangeSince returns the least position up to upto among
	// organisationID's changes that happened at or after start, and false
	// when there is none.
	FirstChangeSince(ctx context.Context, organisationID string, start time.Time, upto int64) (int64, bool, error)
	// FeedBounds returns the position through which the feed was pruned
	// and its last position; every change up to that is committed.
	FeedBounds(ctx context.Context) (prunedThrough, last int64, err error)
	// InFeedSnapshot runs read with a context in which FeedBounds and
	// ListChanges see the feed as it was at the first of them, whatever
	// commits meanwhile (a prune, new changes): a page and the bounds it
	// was checked against agree.
	InFeedSnapshot(ctx context.Context, read func(context.Context) error) error
	// Prune deletes changes older than before and deliveries that
	// finished before deliveriesBefore.
	Prune(ctx context.Context, before, deliveriesBefore time.Time) error
}

// Inbox stores what one event leads to. The feed consumer hands one bound
// to the transaction that advances its cursor, so an event is applied
// exactly when its cursor moves.
type Inbox interface {
	// Record takes the next sequence number of the event's aggregate (1
	// for its first event; taken for good when the transaction commits:
	// the consumer applies events in feed order, so per aggregate the
	// numbers follow the order the events happened) and stores the
	// change-feed entry of each notice with it (idempotent per event); it
	// returns the number.
	Record(ctx context.Context, e domain.Event, notices []domain.Notice) (int64, error)
	// Queue queues, for each notice, a delivery of its body to every
	// active subscription of its organisation that took its type at or
	// before the event's time (idempotent per event), then wakes the
	// dispatchers at commit. An event older than the subscription to its
	// type (applied late: the feed's first catch-up, or one after
	// downtime) is in the change feed only.
	Queue(ctx context.Context, e domain.Event, notices []domain.Notice, bodies [][]byte, now time.Time) error
}

// ClaimRequest says what a dispatcher can take.
type ClaimRequest struct {
	Now time.Time
	// Limit is the most deliveries to claim.
	Limit int
	// PerTarget caps the deliveries to one target (host:port) claimed and
	// not finished; InFlight counts those the dispatcher holds by target.
	PerTarget int
	InFlight  map[string]int
	// Lease is how long the claim holds.
	Lease time.Duration
}

// Claimed is a leased delivery with what sending it needs.
type Claimed struct {
	Delivery     *domain.Delivery
	Subscription *domain.Subscription
	// Lease identifies this claim; a record under an expired and retaken
	// lease is ignored.
	Lease string
}

// SubscriptionHealth is what an attempt changes on its subscription.
type SubscriptionHealth struct {
	// FailingSince: zero after a success, else the first failure's time
	// as the attempt read it when claimed (At when none). Stored only as
	// the run the attempt continues; a failure recorded when no run is
	// stored (a success ended it since the claim) begins one at At.
	FailingSince time.Time
	// Disable, DisabledCode and DisabledReason: the attempt disables the
	// subscription, and why (domain.RetryPolicy.ShouldDisable).
	Disable        bool
	DisabledCode   string
	DisabledReason string
	// FailingBy, when set, makes Disable hold only if the stored run of
	// failures began by then: a success recorded since the attempt was
	// claimed (the run it read has ended) keeps the subscription active.
	FailingBy time.Time
	At        time.Time
}

// Message is one signed webhook request.
type Message struct {
	URL       string
	ID        string
	Timestamp int64
	Signature string
	Body      []byte
}

// Sender makes one HTTP attempt of a message (bounded in time, no
// redirects, connecting only to allowed addresses).
type Sender interface {
	Send(ctx context.Context, m Message) domain.Attempt
}

// TargetChecker refuses endpoints Spona must not call (SSRF): hosts that
// resolve to loopback, private, link-local or metadata addresses.
type TargetChecker interface {
	Check(ctx context.Context, rawURL string) error
}

// Options tunes the application.
type Options struct {
	// AllowPrivateTargets accepts http:// and private addresses
	// (development and tests only).
	AllowPrivateTargets bool
	Retry               domain.RetryPolicy
	// Workers is the number of deliveries attempted at once.
	Workers int
	// TargetConcurrency caps the attempts in flight to one host:port.
	TargetConcurrency int
	// Lease is how long a claimed delivery stays with this process before
	// another may attempt it (after a crash). It is at least AttemptTimeout
	// plus AttemptSlack: a lease running out mid-attempt would have the
	// delivery claimed and sent again while the first attempt is in flight,
	// and that attempt's outcome lost.
	Lease time.Duration
	// AttemptTimeout bounds one attempt (the sender's timeout).
	AttemptTimeout time.Duration
	// PollInterval is how often the dispatcher looks for due deliveries
	// when nothing woke it.
	PollInterval time.Duration
	// FeedRetention is how long the change feed keeps changes: a
	// change-feed start_time before it is out of range (none when zero).
	FeedRetention time.Duration
	// Cursors seals the change feed's cursors: keyed with
	// WEBHOOK_SECRETS_KEY, so that every replica opens the others'. When
	// nil, a random key's (valid in this process only: tests).
	Cursors *domain.Cursors
}

// AttemptSlack is what a delivery's lease holds beyond its attempt's
// timeout: signing before it, recording its outcome after it.
const AttemptSlack = 5 * time.Second

// App is the webhooks application.
type App struct {
	repo    Repository
	sender  Sender
	targets TargetChecker
	opts    Options
	log     *slog.Logger
	now     func() time.Time
	jitter  func() float64
	metrics *metrics
}

// New returns the application.
func New(repo Repository, sender Sender, targets TargetChecker, opts Options, log *slog.Logger) (*App, error) {
	if opts.Retry == (domain.RetryPolicy{}) {
		opts.Retry = domain.DefaultRetryPolicy
	}
	opts.Workers = max(opts.Workers, 1)
	opts.TargetConcurrency = max(opts.TargetConcurrency, 1)
	if opts.Lease <= 0 {
		opts.Lease = time.Minute
	}
	if least := opts.AttemptTimeout + AttemptSlack; opts.Lease < least {
		log.Warn("the delivery lease is shorter than an attempt may take; using the attempt's timeout plus its slack",
			slog.Duration("lease", opts.Lease), slog.Duration("attempt_timeout", opts.AttemptTimeout), slog.Duration("lease_used", least))
		opts.Lease = least
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = time.Second
	}
	if opts.Cursors == nil {
		opts.Cursors = domain.NewRandomCursors()
	}
	m, err := newMetrics()
	if err != nil {
		return nil, err
	}
	return &App{repo: repo, sender: sender, targets: targets, opts: opts, log: log,
		now: time.Now, jitter: rand.Float64, metrics: m}, nil
}

// SetClock replaces the clock (tests of multi-day policies).
func (a *App) SetClock(now func() time.Time) { a.now = now }
