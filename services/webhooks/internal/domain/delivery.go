package domain

import (
	"fmt"
	"math"
	"time"
)

// Delivery states.
const (
	DeliveryPending      = "pending"
	DeliverySucceeded    = "succeeded"
	DeliveryDeadLettered = "dead_lettered"
)

// DeliveryStatuses lists the delivery states.
var DeliveryStatuses = []string{DeliveryPending, DeliverySucceeded, DeliveryDeadLettered}

// Why a delivery was dead-lettered (Delivery.DeadLetterReason), decided
// where it is given up and stored as it is.
const (
	// DeadLetterRetriesExhausted: retried for RetryPolicy.RetryFor.
	DeadLetterRetriesExhausted = "retries_exhausted"
	// DeadLetterWebhookDisabled: its subscription was disabled (by its
	// organisation, for failing, or 410 Gone).
	DeadLetterWebhookDisabled = "webhook_disabled"
	// DeadLetterUnsubscribed: its event type was removed from its
	// subscription.
	DeadLetterUnsubscribed = "event_type_unsubscribed"
)

// Delivery is one notice sent to one subscription. Its ID is the
// webhook-id of every attempt.
type Delivery struct {
	ID             string
	SubscriptionID string
	EventID        string
	EventType      string
	OrderingKey    string
	Body           []byte
	Traceparent    string
	EventTime      time.Time
	Status         string
	Attempts       int
	LastCode       int
	LastLatency    time.Duration
	LastError      string
	LastAttempt    time.Time
	NextAttempt    time.Time
	// RetryStart is when the current retry window began: creation, or the
	// last redelivery; RetryStartAttempts is how many attempts were made
	// before it (the backoff counts those made since).
	RetryStart         time.Time
	RetryStartAttempts int
	CreateTime         time.Time
	DeliverTime        time.Time
	// DeadLetterReason says why a dead-lettered delivery was given up
	// (DeadLetterRetriesExhausted, ...); "" unless it is dead-lettered.
	// LastError has it in words.
	DeadLetterReason string
}

// Attempt is the outcome of one HTTP attempt.
type Attempt struct {
	Code    int // 0 when no answer arrived
	Latency time.Duration
	// Err says why no answer arrived (timeout, refused address, ...).
	Err string
	// RetryAfter is the answer's Retry-After, if any.
	RetryAfter time.Duration
}

// Succeeded: a 2xx answer.
func (a Attempt) Succeeded() bool { return a.Code >= 200 && a.Code < 300 }

// Gone: the receiver answered 410 and wants no more deliveries.
func (a Attempt) Gone() bool { return a.Code == 410 }

// Problem describes a failed attempt for the delivery log.
func (a Attempt) Problem() string {
	switch {
	case a.Succeeded():
		return ""
	case a.Err != "":
		return a.Err
	case a.Code >= 300 && a.Code < 400:
		return fmt.Sprintf("HTTP %d (redirects are not followed; update the webhook url)", a.Code)
	default:
		return fmt.Sprintf("HTTP %d", a.Code)
	}
}

// RetryPolicy says when a failed delivery is tried again and when it and
// its subscription are given up.
type RetryPolicy struct {
	// Base is the wait after the first failure; it doubles after each.
	Base time.Duration
	// Max caps one wait.
	Max time.Duration
	// RetryFor is how long after its retry window began a delivery is
	// still attempted; then it is dead-lettered.
	RetryFor time.Duration
	// DisableAfter is how long a subscription may fail without a single
	// success before it is disabled.
	DisableAfter time.Duration
}

// DefaultRetryPolicy: 5 s doubling to at most 4 h, for 3 days; disable after
// 5 days of failures.
var DefaultRetryPolicy = RetryPolicy{Base: 5 * time.Second, Max: 4 * time.Hour, RetryFor: 72 * time.Hour, DisableAfter: 120 * time.Hour}

// Backoff is the wait after the attempts-th failed attempt: exponential,
// with equal jitter (half fixed, half random; jitter in [0,1)), at least the
// receiver's Retry-After (bounded by Max).
func (p RetryPolicy) Backoff(attempts int, retryAfter time.Duration, jitter float64) time.Duration {
	exp := float64(p.Base) * math.Pow(2, float64(max(attempts-1, 0)))
	d := time.Duration(min(exp, float64(p.Max)))
	d = d/2 + time.Duration(jitter*float64(d/2))
	if retryAfter > d {
		d = min(retryAfter, p.Max)
	}
	return d
}

// AfterFailure applies a failed attempt made at now to d: it schedules the
// next attempt, backing off by the attempts of its retry window (a
// redelivery starts again from Base), or dead-letters d when that would
// fall outside the window.
func (p RetryPolicy) AfterFailure(d *Delivery, a Attempt, now time.Time, jitter float64) {
	d.record(a, now)
	next := now.Add(p.Backoff(d.Attempts-d.RetryStartAttempts, a.RetryAfter, jitter))
	if next.Sub(d.RetryStart) > p.RetryFor {
		d.Status, d.DeadLetterReason = DeliveryDeadLettered, DeadLetterRetriesExhausted
		d.NextAttempt = time.Time{}
		return
	}
	d.Status, d.DeadLetterReason = DeliveryPending, ""
	d.NextAttempt = next
}

// AfterSuccess records a 2xx answer.
func (d *Delivery) AfterSuccess(a Attempt, now time.Time) {
	d.record(a, now)
	d.Status, d.DeliverTime, d.NextAttempt, d.DeadLetterReason = DeliverySucceeded, now, time.Time{}, ""
}

func (d *Delivery) record(a Attempt, now time.Time) {
	d.Attempts++
	d.LastCode, d.LastLatency, d.LastError, d.LastAttempt = a.Code, a.Latency, a.Problem(), now
}

// Redelivered reports whether d was queued again by :redeliver (its retry
// window began after it was created).
func (d *Delivery) Redelivered() bool { return d.RetryStart.After(d.CreateTime) }

// Failed reports whether d failed: dead-lettered (given up, attempted or
// not), or pending after a failed attempt of its current retry window.
// These are what a bulk redelivery queues again.
func (d *Delivery) Failed() bool {
	return d.Status == DeliveryDeadLettered || d.Status == DeliveryPending && d.Attempts > d.RetryStartAttempts
}

// Redeliver queues d again now, with a new retry window.
func (d *Delivery) Redeliver(now time.Time) {
	d.Status, d.NextAttempt, d.RetryStart, d.DeliverTime, d.DeadLetterReason = DeliveryPending, now, now, time.Time{}, ""
	d.RetryStartAttempts = d.Attempts
}

// FailingBy is when a run of failures must have begun for attempt a at
// now to disable its subscription (ShouldDisable), read against the
// subscription's stored run when the attempt is recorded: a success
// recorded meanwhile ended the run the attempt was claimed with. Zero for
// 410 Gone, which disables whatever came before.
func (p RetryPolicy) FailingBy(a Attempt, now time.Time) time.Time {
	if a.Gone() {
		return time.Time{}
	}
	return now.Add(-p.DisableAfter)
}

// ShouldDisable says whether a subscription failing since failingSince is
// to be disabled at now after attempt a, and why: a code (DisabledGone,
// DisabledFailing) and the reason in words.
func (p RetryPolicy) ShouldDisable(failingSince time.Time, a Attempt, now time.Time) (disable bool, code, reason string) {
	if a.Gone() {
		return true, DisabledGone, "the endpoint answered 410 Gone"
	}
	if !failingSince.IsZero() && now.Sub(failingSince) >= p.DisableAfter {
		return true, DisabledFailing, fmt.Sprintf("every delivery failed since %s (%s); last: %s",
			failingSince.UTC().Format(time.RFC3339), p.DisableAfter, a.Problem())
	}
	return false, "", ""
}
