// Package adapters implements the webhooks repository on PostgreSQL, the
// HTTP sender that makes the delivery attempts, and the check of endpoint
// addresses.
package adapters

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/etag"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/intconv"
	"github.com/spona/spona/pkg/pagination"
	"github.com/spona/spona/services/webhooks/internal/app"
	"github.com/spona/spona/services/webhooks/internal/domain"
)

// NotifyChannel is the PostgreSQL channel that wakes the dispatchers when
// deliveries are queued (heard at commit, by every replica).
const NotifyChannel = "spona_webhooks_deliveries"

// Postgres is the repository.
type Postgres struct {
	pool   *pgxpool.Pool
	sealer *Sealer
}

// NewPostgres returns the repository on pool; sealer encrypts secrets.
func NewPostgres(pool *pgxpool.Pool, sealer *Sealer) *Postgres {
	return &Postgres{pool: pool, sealer: sealer}
}

var _ app.Repository = (*Postgres)(nil)

const subscriptionCols = `id, organisation_id, url, event_types, description, secret, previous_secret,
	previous_secret_expire_time, state, disabled_reason, disable_time, failing_since, create_time, update_time, version,
	coalesce(rotate_request_id, ''), earlier_secrets, disabled_reason_code`

func (p *Postgres) scanSubscription(row pgx.Row) (*domain.Subscription, error) {
	var s domain.Subscription
	var secret, prev, earlier []byte
	var prevExp, disabled, failing *time.Time
	if err := row.Scan(&s.ID, &s.OrganisationID, &s.URL, &s.EventTypes, &s.Description, &secret, &prev,
		&prevExp, &s.State, &s.DisabledReason, &disabled, &failing, &s.CreateTime, &s.UpdateTime, &s.Version,
		&s.RotateRequestID, &earlier, &s.DisabledCode); err != nil {
		return nil, err
	}
	var err error
	if s.Secret, err = p.sealer.Open(secret, s.ID); err != nil {
		return nil, err
	}
	if s.Replaced, err = p.sealer.openReplaced(prev, prevExp, earlier, s.ID); err != nil {
		return nil, err
	}
	s.DisableTime, s.FailingSince = timeOf(disabled), timeOf(failing)
	if s.State != domain.StateDisabled {
		// Enabled by a replica from before migration 00009, which left
		// the code: an active subscription has none (the next update
		// stores that).
		s.DisabledCode = ""
	}
	return &s, nil
}

// CreateSubscription inserts s (idempotent per organisation and request id),
// taking its event types as of now by the database's clock (the clock the
// events' times come from; see queueDeliveries).
func (p *Postgres) CreateSubscription(ctx context.Context, s *domain.Subscription, requestID string) (*domain.Subscription, error) {
	return db.CreateOnce(ctx, p.pool, p.scanSubscription, `
		INSERT INTO subscriptions (id, organisation_id, url, target, event_types, description, secret, state,
			disabled_reason, disable_time, request_id, create_time, update_time, disabled_reason_code, event_types_since)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13,
			(SELECT jsonb_object_agg(t, clock_timestamp()) FROM unnest($5::text[]) AS t))
		ON CONFLICT (organisation_id, request_id) DO NOTHING
		RETURNING `+subscriptionCols,
		[]any{s.ID, s.OrganisationID, s.URL, s.Target(), s.EventTypes, s.Description, p.sealer.Seal(s.Secret, s.ID),
			s.State, s.DisabledReason, nullTime(s.DisableTime), db.Null(requestID), s.CreateTime, s.DisabledCode},
		`SELECT `+subscriptionCols+` FROM subscriptions WHERE organisation_id = $1 AND request_id = $2`,
		s.OrganisationID, requestID)
}

// GetSubscription returns a subscription of the organisation.
func (p *Postgres) GetSubscription(ctx context.Context, organisationID, id string) (*domain.Subscription, error) {
	s, err := p.scanSubscription(p.pool.QueryRow(ctx,
		`SELECT `+subscriptionCols+` FROM subscriptions WHERE id = $1 AND organisation_id = $2`, id, organisationID))
	return one(s, err, "webhook", id)
}

// ListSubscriptions lists the organisation's subscriptions, newest first.
func (p *Postgres) ListSubscriptions(ctx context.Context, organisationID string, page pagination.Page) ([]*domain.Subscription, error) {
	args := []any{organisationID, page.Limit()}
	cond := ""
	if page.After != "" {
		args = append(args, page.After)
		cond = " AND id < $3"
	}
	rows, err := p.pool.Query(ctx, `SELECT `+subscriptionCols+` FROM subscriptions
		WHERE organisation_id = $1`+cond+` ORDER BY id DESC LIMIT $2`, args...)
	return collect(rows, err, p.scanSubscription)
}

// deadLetter gives up pending deliveries, storing why ({code}) and saying
// it in their last error ({why}; leases are kept: attempts in flight still
// record, and keep them given up; see Record).
const deadLetter = `UPDATE deliveries SET status = 'dead_lettered', next_attempt_time = NULL, dead_letter_reason = {code},
	last_error = CASE WHEN last_error = '' THEN {why} ELSE last_error || '; ' || {why} END
	WHERE status = 'pending'`

// Why a delivery was given up other than by running out of retries, in
// the words its last error ends with (the code is stored beside them).
const (
	whyDisabled     = "webhook disabled"
	whyUnsubscribed = "event type no longer subscribed"
)

// givingUp is deadLetter for the reason code with the words why.
func givingUp(code, why string) string {
	return strings.NewReplacer("{code}", "'"+code+"'", "{why}", "'"+why+"'").Replace(deadLetter)
}

// deadLetterPending gives up the pending deliveries of a disabled
// subscription $1.
var deadLetterPending = givingUp(domain.DeadLetterWebhookDisabled, whyDisabled) + ` AND subscription_id = $1`

// deadLetterUnsubscribed gives up the pending deliveries of subscription
// $1 of event types it no longer has ($2).
var deadLetterUnsubscribed = givingUp(domain.DeadLetterUnsubscribed, whyUnsubscribed) +
	` AND subscription_id = $1 AND NOT (event_type = ANY ($2::text[]))`

// typesSince is when the updated subscription took each of its event types
// ($5): a type it had keeps its time (create_time when none was stored, by
// a replica from before migration 00012), a type it now takes is taken now
// by the database's clock; a type it drops is forgotten, so taking it again
// later starts then. Enabled again ($10 active, the row not), it takes
// every type now: what happened while it was disabled (or before) is not
// sent later, when the process applies it only after the enabling (a
// catch-up); the change feed has it. Now is read once (c.now), the same
// for every type. The column names in it are the row as it was.
const typesSince = `(SELECT jsonb_object_agg(t, CASE WHEN $10 = 'active' AND state <> 'active' THEN c.now
	ELSE coalesce(event_types_since -> t, CASE WHEN t = ANY (event_types) THEN to_jsonb(create_time) END, c.now) END)
	FROM unnest($5::text[]) AS t, (SELECT to_jsonb(clock_timestamp()) AS now) AS c)`

// UpdateSubscription stores s if its version is unchanged. The run of
// failures (failing_since) is the dispatcher's, which records it without a
// new version: it is written only when s is enabled (a new run), never
// written back as read, which would undo a success or failure recorded
// since.
func (p *Postgres) UpdateSubscription(ctx context.Context, s *domain.Subscription) (*domain.Subscription, error) {
	var out *domain.Subscription
	err := db.InTx(ctx, p.pool, func(tx pgx.Tx) error {
		var err error
		prev, prevExp, earlier := p.sealer.sealReplaced(s.Replaced, s.ID)
		out, err = p.scanSubscription(tx.QueryRow(ctx, `
			UPDATE subscriptions SET url = $3, target = $4, event_types = $5, description = $6, secret = $7,
				previous_secret = $8, previous_secret_expire_time = $9, state = $10, disabled_reason = $11,
				disable_time = $12,
				failing_since = CASE WHEN $10 = 'active' AND state <> 'active' THEN $13 ELSE failing_since END, update_time = $14, rotate_request_id = $15, earlier_secrets = $16,
				disabled_reason_code = $17, event_types_since = `+typesSince+`, version = version + 1
			WHERE id = $1 AND version = $2
			RETURNING `+subscriptionCols,
			s.ID, s.Version, s.URL, s.Target(), s.EventTypes, s.Description, p.sealer.Seal(s.Secret, s.ID),
			prev, prevExp, s.State, s.DisabledReason,
			nullTime(s.DisableTime), nullTime(s.FailingSince), s.UpdateTime, db.Null(s.RotateRequestID), earlier, s.DisabledCode))
		if errors.Is(err, pgx.ErrNoRows) {
			return etag.Mismatch()
		}
		if err != nil {
			return db.Error(err)
		}
		if out.State == domain.StateDisabled {
			_, err = tx.Exec(ctx, deadLetterPending, out.ID)
		} else {
			_, err = tx.Exec(ctx, deadLetterUnsubscribed, out.ID, out.EventTypes)
		}
		return db.Error(err)
	})
	return out, err
}

// DeleteSubscription deletes a subscription of the organisation and its deliveries.
func (p *Postgres) DeleteSubscription(ctx context.Context, organisationID, id string) error {
	tag, err := p.pool.Exec(ctx, `DELETE FROM subscriptions WHERE id = $1 AND organisation_id = $2`, id, organisationID)
	if err != nil {
		return db.Error(err)
	}
	if tag.RowsAffected() == 0 {
		return errs.NotFound("webhook", id)
	}
	return nil
}

const deliveryCols = `d.id, d.subscription_id, d.event_id, d.event_type, d.ordering_key, d.body, d.traceparent,
	d.event_time, d.status, d.attempts, d.next_attempt_time, d.retry_start_time, d.last_code, d.last_latency_us,
	d.last_error, d.last_attempt_time, d.deliver_time, d.create_time, d.retry_start_attempts, d.dead_letter_reason`

func scanDelivery(row pgx.Row, extra ...any) (*domain.Delivery, error) {
	var d domain.Delivery
	var next, last, delivered *time.Time
	var latencyUS int64
	dest := []any{&d.ID, &d.SubscriptionID, &d.EventID, &d.EventType, &d.OrderingKey, &d.Body, &d.Traceparent,
		&d.EventTime, &d.Status, &d.Attempts, &next, &d.RetryStart, &d.LastCode, &latencyUS,
		&d.LastError, &last, &delivered, &d.CreateTime, &d.RetryStartAttempts, &d.DeadLetterReason}
	if err := row.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	if d.Status != domain.DeliveryDeadLettered {
		// Redelivered by a replica from before migration 00013, which
		// left the code: only a dead-lettered delivery has one.
		d.DeadLetterReason = ""
	}
	d.NextAttempt, d.LastAttempt, d.DeliverTime = timeOf(next), timeOf(last), timeOf(delivered)
	d.LastLatency = time.Duration(latencyUS) * time.Microsecond
	return &d, nil
}

// ListDeliveries lists a subscription's deliveries, newest first.
func (p *Postgres) ListDeliveries(ctx context.Context, subscriptionID, status string, page pagination.Page) ([]*domain.Delivery, error) {
	args := []any{subscriptionID, page.Limit()}
	cond := ""
	if status != "" {
		args = append(args, status)
		cond += " AND d.status = $" + strconv.Itoa(len(args))
	}
	if page.After != "" {
		args = append(args, page.After)
		cond += " AND d.id < $" + strconv.Itoa(len(args))
	}
	rows, err := p.pool.Query(ctx, `SELECT `+deliveryCols+` FROM deliveries d
		WHERE d.subscription_id = $1`+cond+` ORDER BY d.id DESC LIMIT $2`, args...)
	return collect(rows, err, func(r pgx.Row) (*domain.Delivery, error) { return scanDelivery(r) })
}

// GetDelivery returns a delivery of a subscription.
func (p *Postgres) GetDelivery(ctx context.Context, subscriptionID, id string) (*domain.Delivery, error) {
	d, err := scanDelivery(p.pool.QueryRow(ctx, `SELECT `+deliveryCols+` FROM deliveries d
		WHERE d.id = $1 AND d.subscription_id = $2`, id, subscriptionID))
	return one(d, err, "delivery", id)
}

// requeueSQL stores a delivery queued again (domain.Delivery.Redeliver at
// its retry start, $4) unless a dispatcher's lease on it still runs then.
// A lease run out is cleared with it: the attempt holding it, were it to
// record late, would overwrite the new retry window.
const requeueSQL = `UPDATE deliveries SET status = $2, next_attempt_time = $3, retry_start_time = $4, deliver_time = NULL,
		retry_start_attempts = $5, dead_letter_reason = '', lease_id = NULL, lease_until = NULL
		WHERE id = $1 AND (lease_until IS NULL OR lease_until < $4)`

func requeueArgs(d *domain.Delivery) []any {
	return []any{d.ID, d.Status, nullTime(d.NextAttempt), d.RetryStart, d.RetryStartAttempts}
}

// Requeue queues d again and wakes the dispatchers, or reports it is
// under a lease (app.DeliveryStore).
func (p *Postgres) Requeue(ctx context.Context, d *domain.Delivery) (bool, error) {
	tag, err := p.pool.Exec(ctx, `WITH queued AS (`+requeueSQL+` RETURNING 1)
		SELECT pg_notify($6, '') FROM queued`, append(requeueArgs(d), NotifyChannel)...)
	if err != nil {
		return false, db.Error(err)
	}
	return tag.RowsAffected() == 1, nil
}

// RequeueFailed queues again the failed deliveries of w in one
// transaction. The rows are locked as they are read, skipping those a
// claim has locked, and those under a lease are left out: a dispatcher
// recording its attempt would otherwise overwrite the new retry window.
// The failed condition is domain.Delivery.Failed's.
func (p *Postgres) RequeueFailed(ctx context.Context, w app.FailedWindow) (queued int, more bool, err error) {
	err = db.InTx(ctx, p.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+deliveryCols+` FROM deliveries d
			WHERE d.subscription_id = $1 AND d.event_type = ANY($2) AND d.create_time >= $3 AND d.create_time < $4
				AND (d.status = 'dead_lettered' OR d.status = 'pending' AND d.attempts > d.retry_start_attempts)
				AND (d.lease_until IS NULL OR d.lease_until < $5)
			ORDER BY d.seq LIMIT $6
			FOR UPDATE OF d SKIP LOCKED`, w.SubscriptionID, w.Types, w.From, w.To, w.Now, w.Limit+1)
		failed, err := collect(rows, err, func(r pgx.Row) (*domain.Delivery, error) { return scanDelivery(r) })
		if err != nil {
			return err
		}
		if len(failed) > w.Limit {
			failed, more = failed[:w.Limit], true
		}
		b := &pgx.Batch{}
		for _, d := range failed {
			if !d.Failed() {
				continue
			}
			d.Redeliver(w.Now)
			b.Queue(requeueSQL, requeueArgs(d)...)
			queued++
		}
		if queued == 0 {
			return nil
		}
		b.Queue(`SELECT pg_notify($1, '')`, NotifyChannel)
		return db.Error(tx.SendBatch(ctx, b).Close())
	})
	if err != nil {
		return 0, false, err
	}
	return queued, more, nil
}

// claimSQL leases due deliveries of active subscriptions, each the oldest
// pending one of its subscription and ordering key (so the events of one
// referral go out one after the other, in order), at most $6 minus what is
// in flight ($7/$8) per target. It looks subscription by subscription
// (skipping targets already at the cap, and rows another dispatcher holds:
// SKIP LOCKED), so the backlog of one slow receiver is never scanned for the
// others; the cap is then applied oldest first.
//
// The check for an earlier pending delivery of the same ordering key ends
// in OFFSET 0, which keeps it a subquery run for each candidate (an index
// probe of deliveries_order_idx by subscription, ordering key and seq).
// Without it the planner made an anti-join of it, whose shape followed the
// table's statistics: with none yet or stale ones (a new or busy table) it
// probed by subscription alone and read every pending delivery of the
// subscription for each candidate; then claims slowed as the backlog grew,
// and the backlog grew as claims slowed (make load-webhooks: deliveries
// stalled for tens of seconds). A minimum-seq subquery instead went wrong
// the other way: with statistics it read the whole backlog and sorted it.
// TestClaimCostDoesNotGrowWithTheBacklog checks both cases.
const claimSQL = `WITH cand AS (
	SELECT c.id, s.target, c.next_attempt_time, c.seq
	FROM subscriptions s CROSS JOIN LATERAL (
		SELECT d.id, d.next_attempt_time, d.seq FROM deliveries d
		WHERE d.subscription_id = s.id AND d.status = 'pending' AND d.next_attempt_time <= $1
			AND (d.lease_until IS NULL OR d.lease_until < $1)
			AND NOT EXISTS (SELECT 1 FROM deliveries e
				WHERE e.subscription_id = d.subscription_id AND e.ordering_key = d.ordering_key
					AND e.status = 'pending' AND e.seq < d.seq
				OFFSET 0)
		ORDER BY d.next_attempt_time, d.seq
		LIMIT $6
		FOR UPDATE OF d SKIP LOCKED) c
	WHERE s.state = 'active' AND NOT (s.target = ANY($3::text[]))),
pick AS (
	SELECT c.id FROM (
		SELECT cand.*, row_number() OVER (PARTITION BY cand.target ORDER BY cand.next_attempt_time, cand.seq) AS nth
		FROM cand) c
	LEFT JOIN unnest($7::text[], $8::int[]) AS f(target, used) ON f.target = c.target
	WHERE c.nth <= $6 - COALESCE(f.used, 0)
	ORDER BY c.next_attempt_time, c.seq
	LIMIT $2)
UPDATE deliveries d SET lease_id = $4, lease_until = $5
FROM subscriptions s
WHERE d.id = ANY (ARRAY(SELECT id FROM pick)) AND s.id = d.subscription_id
RETURNING ` + deliveryCols + `, s.url, s.secret, s.previous_secret, s.previous_secret_expire_time, s.failing_since,
	s.earlier_secrets`

// Claim leases due deliveries until c.Now+c.Lease.
func (p *Postgres) Claim(ctx context.Context, c app.ClaimRequest) ([]app.Claimed, error) {
	leaseID := ids.New()
	full := []string{}
	targets, used := make([]string, 0, len(c.InFlight)), make([]int32, 0, len(c.InFlight))
	for t, n := range c.InFlight {
		if n >= c.PerTarget {
			full = append(full, t)
		}
		targets, used = append(targets, t), append(used, intconv.Int32(n))
	}
	rows, err := p.pool.Query(ctx, claimSQL, c.Now, c.Limit, full, leaseID, c.Now.Add(c.Lease), c.PerTarget, targets, used)
	return collect(rows, err, func(r pgx.Row) (app.Claimed, error) {
		var cs claimedSubscription
		d, err := scanDelivery(r, cs.dest()...)
		if err != nil {
			return app.Claimed{}, err
		}
		s, err := cs.open(p.sealer, d.SubscriptionID)
		if err != nil {
			return app.Claimed{}, err
		}
		return app.Claimed{Delivery: d, Subscription: s, Lease: leaseID}, nil
	})
}

// claimedSubscription is what a claim reads of an active subscription:
// where to deliver and how to sign.
type claimedSubscription struct {
	url                   string
	secret, prev, earlier []byte
	prevExp, failing      *time.Time
}

func (cs *claimedSubscription) dest() []any {
	return []any{&cs.url, &cs.secret, &cs.prev, &cs.prevExp, &cs.failing, &cs.earlier}
}

func (cs *claimedSubscription) open(sealer *Sealer, id string) (*domain.Subscription, error) {
	s := &domain.Subscription{ID: id, State: domain.StateActive, URL: cs.url}
	var err error
	if s.Secret, err = sealer.Open(cs.secret, id); err != nil {
		return nil, err
	}
	if s.Replaced, err = sealer.openReplaced(cs.prev, cs.prevExp, cs.earlier, id); err != nil {
		return nil, err
	}
	s.FailingSince = timeOf(cs.failing)
	return s, nil
}

// Current implements app.Dispatch: it renews the claim's lease until
// leaseUntil, for the attempt about to start.
func (p *Postgres) Current(ctx context.Context, c app.Claimed, leaseUntil time.Time) (*domain.Subscription, bool, error) {
	var cs claimedSubscription
	err := p.pool.QueryRow(ctx, `UPDATE deliveries d SET lease_until = $3
		FROM subscriptions s
		WHERE d.id = $1 AND d.lease_id = $2 AND d.status = 'pending' AND s.id = d.subscription_id AND s.state = 'active'
		RETURNING s.url, s.secret, s.previous_secret, s.previous_secret_expire_time, s.failing_since, s.earlier_secrets`,
		c.Delivery.ID, c.Lease, leaseUntil).Scan(cs.dest()...)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, db.Error(err)
	}
	s, err := cs.open(p.sealer, c.Delivery.SubscriptionID)
	return s, err == nil, err
}

// Release clears the leases of claimed deliveries.
func (p *Postgres) Release(ctx context.Context, claims []app.Claimed) error {
	idList := make([]string, len(claims))
	for i, c := range claims {
		idList[i] = c.Delivery.ID
	}
	_, err := p.pool.Exec(ctx, `UPDATE deliveries SET lease_id = NULL, lease_until = NULL
		WHERE id = ANY($1::uuid[]) AND lease_id = $2`, idList, claims[0].Lease)
	return db.Error(err)
}

// deadLetterIfDisabled is deadLetterPending when the subscription is
// disabled: after a failed attempt, whose delivery would otherwise stay
// pending under a subscription disabled while the attempt ran.
var deadLetterIfDisabled = deadLetterPending + ` AND EXISTS (SELECT 1 FROM subscriptions WHERE id = $1 AND state = 'disabled')`

// deadLetterIfUnsubscribed gives up delivery $2 of subscription $1 after
// a failed attempt when its event type was unsubscribed while the attempt
// ran.
var deadLetterIfUnsubscribed = givingUp(domain.DeadLetterUnsubscribed, whyUnsubscribed) +
	` AND id = $2 AND NOT EXISTS (SELECT 1 FROM subscriptions WHERE id = $1 AND deliveries.event_type = ANY (event_types))`

// recordAttempt stores an attempt's outcome in delivery $1 leased by $2.
// A delivery given up while its attempt ran (its webhook disabled, or its
// event type unsubscribed, and maybe enabled or subscribed again since)
// stays given up, for the reason stored then, with the attempt's error and
// that reason in words, unless the attempt succeeded: a retry would send
// what the partner was told is not sent. (One given up by a replica from
// before migration 00013 has no code: its last error, which says why in
// words, is kept as it is.)
var recordAttempt = strings.NewReplacer("{held}", `(deliveries.status = 'dead_lettered' AND $3::text = 'pending')`,
	"{why}", `CASE deliveries.dead_letter_reason WHEN '`+domain.DeadLetterUnsubscribed+`' THEN '`+whyUnsubscribed+`'
		WHEN '`+domain.DeadLetterWebhookDisabled+`' THEN '`+whyDisabled+`' END`).
	Replace(`UPDATE deliveries SET status = CASE WHEN {held} THEN 'dead_lettered' ELSE $3 END,
		dead_letter_reason = CASE WHEN {held} THEN deliveries.dead_letter_reason ELSE $11 END,
		attempts = $4, next_attempt_time = CASE WHEN {held} THEN NULL ELSE $5::timestamptz END, last_code = $6,
		last_latency_us = $7, last_error = CASE WHEN NOT {held} THEN $8::text WHEN {why} IS NULL THEN deliveries.last_error
			WHEN $8 = '' THEN {why} ELSE $8 || '; ' || {why} END,
		last_attempt_time = $9, deliver_time = $10, lease_id = NULL, lease_until = NULL
	WHERE id = $1 AND lease_id = $2`)

// Record stores an attempt's outcome and the subscription's health in one
// round trip (one implicit transaction). The subscription row is locked
// before the delivery rows, as everywhere, so two attempts disabling the
// same subscription cannot deadlock. A failure with no run of failures
// stored begins one at its own time (h.At), never at the start of the run
// it read when claimed: a success recorded since ended that run.
func (p *Postgres) Record(ctx context.Context, c app.Claimed, d *domain.Delivery, h app.SubscriptionHealth) (disabled bool, err error) {
	b := &pgx.Batch{}
	switch {
	case h.FailingSince.IsZero():
		b.Queue(`UPDATE subscriptions SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL`, d.SubscriptionID)
	case h.Disable:
		// Disabled only if the stored run of failures (the row as it is
		// once locked) is the long one, FailingBy; otherwise this failure
		// is recorded like any other.
		b.Queue(strings.ReplaceAll(`UPDATE subscriptions SET
				state = CASE WHEN {long} THEN 'disabled' ELSE state END,
				disabled_reason = CASE WHEN {long} THEN $2 ELSE disabled_reason END,
				disabled_reason_code = CASE WHEN {long} THEN $6 ELSE disabled_reason_code END,
				disable_time = CASE WHEN {long} THEN $3 ELSE disable_time END,
				update_time = CASE WHEN {long} THEN $3 ELSE update_time END,
				version = CASE WHEN {long} THEN version + 1 ELSE version END,
				failing_since = COALESCE(failing_since, $4)
			WHERE id = $1 AND state = 'active'
			RETURNING state = 'disabled'`, "{long}", "($5::timestamptz IS NULL OR failing_since <= $5)"),
			d.SubscriptionID, h.DisabledReason, h.At, h.At, nullTime(h.FailingBy), h.DisabledCode)
	default:
		b.Queue(`UPDATE subscriptions SET failing_since = $2 WHERE id = $1 AND failing_since IS NULL`, d.SubscriptionID, h.At)
	}
	b.Queue(recordAttempt,
		d.ID, c.Lease, d.Status, d.Attempts, nullTime(d.NextAttempt), d.LastCode, d.LastLatency.Microseconds(),
		d.LastError, nullTime(d.LastAttempt), nullTime(d.DeliverTime), d.DeadLetterReason)
	if !h.FailingSince.IsZero() {
		b.Queue(deadLetterIfDisabled, d.SubscriptionID)
		b.Queue(deadLetterIfUnsubscribed, d.SubscriptionID, d.ID)
	}
	br := p.pool.SendBatch(ctx, b)
	defer func() {
		if cerr := br.Close(); err == nil {
			err = db.Error(cerr)
		}
	}()
	for i := range b.Len() {
		if i == 0 && h.Disable && !h.FailingSince.IsZero() {
			if err := br.QueryRow().Scan(&disabled); err != nil && !errors.Is(err, pgx.ErrNoRows) {
				return false, db.Error(err)
			}
			continue
		}
		if _, err := br.Exec(); err != nil {
			return false, db.Error(err)
		}
	}
	return disabled, nil
}

// ListChanges returns the organisation's changes in (after, upto].
func (p *Postgres) ListChanges(ctx context.Context, organisationID string, after, upto int64, types []string, limit int) ([]domain.Change, error) {
	args := []any{organisationID, after, upto, limit}
	cond := ""
	if len(types) > 0 {
		args = append(args, types)
		cond = " AND type = ANY($5)"
	}
	rows, err := db.Conn(ctx, p.pool).Query(ctx, `SELECT seq, event_id, type, event_time, data FROM changes
		WHERE organisation_id = $1 AND seq > $2 AND seq <= $3`+cond+` ORDER BY seq LIMIT $4`, args...)
	return collect(rows, err, func(r pgx.Row) (domain.Change, error) {
		var c domain.Change
		err := r.Scan(&c.Seq, &c.EventID, &c.Type, &c.Time, &c.Data)
		return c, err
	})
}

// FirstChangeSince returns the least position up to upto among the
// organisation's changes that happened at or after start. min(seq + 0)
// keeps the planner from walking the primary key in seq order for the
// first row that matches (it takes the organisation's rows for spread over
// the feed, while its recent ones lie at the end): it reads the range of
// changes_organisation_time_idx alone.
func (p *Postgres) FirstChangeSince(ctx context.Context, organisationID string, start time.Time, upto int64) (int64, bool, error) {
	var first *int64
	err := db.Conn(ctx, p.pool).QueryRow(ctx, `SELECT min(seq + 0) FROM changes
		WHERE organisation_id = $1 AND event_time >= $2 AND seq <= $3`, organisationID, start, upto).Scan(&first)
	if err != nil || first == nil {
		return 0, false, db.Error(err)
	}
	return *first, true, nil
}

// FeedBounds returns how far the feed was pruned and its last position.
func (p *Postgres) FeedBounds(ctx context.Context) (pruned, last int64, err error) {
	err = db.Conn(ctx, p.pool).QueryRow(ctx, `SELECT pruned_through,
		GREATEST(pruned_through, COALESCE((SELECT max(seq) FROM changes), 0)) FROM changes_retention`).Scan(&pruned, &last)
	return pruned, last, db.Error(err)
}

// InFeedSnapshot runs read in one REPEATABLE READ READ ONLY transaction
// (db.InSnapshot), carried by the context it hands read.
func (p *Postgres) InFeedSnapshot(ctx context.Context, read func(context.Context) error) error {
	return db.InSnapshot(ctx, p.pool, func(tx *db.Pipe) error { return read(db.WithTx(ctx, tx)) })
}

// Prune deletes changes recorded before before (a prefix of the feed) and
// deliveries that finished before deliveriesBefore (their last attempt;
// their creation when given up unattempted).
func (p *Postgres) Prune(ctx context.Context, before, deliveriesBefore time.Time) error {
	b := &pgx.Batch{}
	b.Queue(`WITH upto AS (SELECT max(seq) AS seq FROM changes WHERE create_time < $1),
		del AS (DELETE FROM changes WHERE seq <= (SELECT seq FROM upto) RETURNING seq)
		UPDATE changes_retention SET pruned_through = GREATEST(pruned_through, (SELECT max(seq) FROM del))
		WHERE EXISTS (SELECT 1 FROM del)`, before)
	b.Queue(`DELETE FROM deliveries WHERE status <> 'pending' AND coalesce(last_attempt_time, create_time) < $1`, deliveriesBefore)
	return db.Error(p.pool.SendBatch(ctx, b).Close())
}

func collect[T any](rows pgx.Rows, err error, scan func(pgx.Row) (T, error)) ([]T, error) {
	if err != nil {
		return nil, db.Error(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (T, error) { return scan(r) })
	return out, db.Error(err)
}

func one[T any](v T, err error, resource, id string) (T, error) {
	if errors.Is(err, pgx.ErrNoRows) {
		var zero T
		return zero, errs.NotFound(resource, id)
	}
	return v, db.Error(err)
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func timeOf(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}
