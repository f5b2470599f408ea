// Package domain holds the webhooks model and its rules: subscriptions and
// their targets, which organisation is told of which event, Standard
// Webhooks signatures, and the retry policy. No transport, no SQL.
package domain

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/etag"
	"github.com/spona/spona/pkg/fieldmask"
	"github.com/spona/spona/pkg/validate"
)

// Subscription states.
const (
	StateActive   = "active"
	StateDisabled = "disabled"
)

// DisabledByOrganisation is the reason of a subscription its organisation
// disabled (created disabled, or PATCH state).
const DisabledByOrganisation = "disabled by the organisation"

// Why a subscription was disabled, as a code (Subscription.DisabledCode)
// beside the reason in words.
const (
	// DisabledFailing: every delivery failed for RetryPolicy.DisableAfter.
	DisabledFailing = "failing"
	// DisabledGone: the endpoint answered 410 Gone.
	DisabledGone = "gone"
	// DisabledByOrganisationCode: its organisation disabled it.
	DisabledByOrganisationCode = "by_organisation"
)

// SecretOverlap is how long a secret still signs after the rotation that
// replaced it.
const SecretOverlap = 24 * time.Hour

// MaxReplacedSecrets is how many replaced secrets at most sign beside the
// current one (rotations within a day): the oldest gives way first.
const MaxReplacedSecrets = 3

// ReplacedSecret is a secret a rotation replaced, still signing until
// Expires.
type ReplacedSecret struct {
	Secret  string
	Expires time.Time
}

// Subscription is an organisation's endpoint subscribed to event types.
type Subscription struct {
	ID             string
	OrganisationID string
	URL            string
	EventTypes     []string
	Description    string
	// Secret signs every delivery, and so does each secret in Replaced,
	// the ones rotations replaced (newest first, at most
	// MaxReplacedSecrets), until its own expiry.
	Secret   string
	Replaced []ReplacedSecret
	// RotateRequestID is the request id of the last rotation: a retry of
	// it returns the secret it made instead of rotating again.
	RotateRequestID string
	State           string
	// DisabledCode (DisabledFailing, ...), DisabledReason (in words) and
	// DisableTime say why and when the subscription was disabled; empty
	// while it is active.
	DisabledCode   string
	DisabledReason string
	DisableTime    time.Time
	FailingSince   time.Time
	CreateTime     time.Time
	UpdateTime     time.Time
	Version        int64
}

// Etag is the subscription's version as an entity tag.
func (s *Subscription) Etag() string { return etag.Of(s.Version) }

// Target is the host:port deliveries go to; the per-target concurrency cap
// counts requests by it.
func (s *Subscription) Target() string { return TargetOf(s.URL) }

// TargetOf returns the lower-cased host:port of a URL.
func TargetOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	port := u.Port()
	if port == "" {
		port = "443"
		if u.Scheme == "http" {
			port = "80"
		}
	}
	host := strings.ToLower(u.Hostname())
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return host + ":" + port
}

// Secrets are the secrets that sign a delivery at now: the current one and
// each one a rotation replaced, within its overlap, newest first.
func (s *Subscription) Secrets(now time.Time) []string {
	out := []string{s.Secret}
	for _, r := range s.Replaced {
		if now.Before(r.Expires) {
			out = append(out, r.Secret)
		}
	}
	return out
}

// PreviousSecretExpires is when the secret the last rotation replaced
// stops signing (possibly past); zero if the secret was never rotated.
func (s *Subscription) PreviousSecretExpires() time.Time {
	if len(s.Replaced) == 0 {
		return time.Time{}
	}
	return s.Replaced[0].Expires
}

// Normalize trims free input and orders the event types, each once. The
// state is not defaulted: a new subscription is active unless asked
// disabled (CreateSubscription), and an update naming the state must give
// one. A
// list naming a type the API does not know is only trimmed: Validate
// refuses it at the index the caller sent it at.
func (s *Subscription) Normalize() {
	s.URL = strings.TrimSpace(s.URL)
	s.Description = strings.TrimSpace(s.Description)
	trimmed := make([]string, len(s.EventTypes))
	types := make([]string, 0, len(s.EventTypes))
	known := true
	for i, t := range s.EventTypes {
		t = strings.TrimSpace(t)
		trimmed[i] = t
		known = known && (t == "" || slices.Contains(EventTypes, t))
		if t != "" && !slices.Contains(types, t) {
			types = append(types, t)
		}
	}
	if !known {
		s.EventTypes = trimmed
		return
	}
	slices.Sort(types)
	s.EventTypes = types
}

// SameRequest reports whether s was asked for with o's url, event types
// and description (both normalised): a create sent again with its request
// id is answered with s only then.
func (s *Subscription) SameRequest(o *Subscription) bool {
	return s.URL == o.URL && slices.Equal(s.EventTypes, o.EventTypes) && s.Description == o.Description
}

// Validate checks a subscription's own fields; whether its host may be
// reached is the TargetPolicy's to say.
func (s *Subscription) Validate(allowHTTP bool) error {
	var v errs.Violations
	checkURL(&v, "webhook.url", s.URL, allowHTTP)
	if !slices.ContainsFunc(s.EventTypes, func(t string) bool { return t != "" }) {
		v.Add("webhook.event_types", "is required; one or more of %s", strings.Join(EventTypes, ", "))
	}
	for i, t := range s.EventTypes {
		if t != "" && !slices.Contains(EventTypes, t) {
			v.Add(fmt.Sprintf("webhook.event_types[%d]", i), "unknown event type %q; one of %s", t, strings.Join(EventTypes, ", "))
		}
	}
	validate.Text(&v, "webhook.description", s.Description, 500, false)
	validate.OneOf(&v, "webhook.state", s.State, []string{StateActive, StateDisabled}, true)
	return v.Err()
}

func checkURL(v *errs.Violations, field, raw string, allowHTTP bool) {
	if raw == "" {
		v.Add(field, "is required")
		return
	}
	if len(raw) > 2000 {
		v.Add(field, "must be at most 2000 characters")
		return
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "":
		v.Add(field, "must be an absolute URL such as https://example.org/hooks/spona")
	case u.Scheme != "https" && !(allowHTTP && u.Scheme == "http"):
		v.Add(field, "must use https")
	case u.User != nil:
		v.Add(field, "must not carry credentials")
	case u.Fragment != "":
		v.Add(field, "must not have a fragment")
	case u.Hostname() == "":
		v.Add(field, "must name a host")
	case u.Port() != "" && !tcpPort(u.Port()):
		v.Add(field, "must have a port between 1 and 65535")
	}
}

// tcpPort reports whether s (digits, as url.Parse leaves a port) is a TCP
// port a delivery can connect to.
func tcpPort(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n >= 1 && n <= 65535
}

// Apply copies the fields named in paths (pkg/fieldmask) from p into s;
// a change of state enables or disables s at now.
func (s *Subscription) Apply(p *Subscription, paths []string, now time.Time) ([]string, error) {
	return fieldmask.Apply(paths,
		fieldmask.Field{Path: "url", Set: func() { s.URL = p.URL }},
		fieldmask.Field{Path: "event_types", Set: func() { s.EventTypes = p.EventTypes }},
		fieldmask.Field{Path: "description", Set: func() { s.Description = p.Description }},
		fieldmask.Field{Path: "state", Set: func() {
			switch {
			case p.State == StateActive:
				if s.State != StateActive {
					s.Enable()
				}
			case p.State == StateDisabled:
				if s.State != StateDisabled {
					s.Disable(DisabledByOrganisationCode, DisabledByOrganisation, now)
				}
			default: // none, or one the API does not know: Validate refuses it
				s.State = p.State
			}
		}},
	)
}

// Enable makes a disabled subscription deliver again, forgetting why it
// was disabled.
func (s *Subscription) Enable() {
	s.State, s.DisabledCode, s.DisabledReason, s.DisableTime, s.FailingSince = StateActive, "", "", time.Time{}, time.Time{}
}

// Disable stops deliveries to the subscription and says why: code
// (DisabledFailing, ...) and reason in words.
func (s *Subscription) Disable(code, reason string, now time.Time) {
	s.State, s.DisabledCode, s.DisabledReason, s.DisableTime = StateDisabled, code, reason, now
}

// Rotate makes secret the current one, for the rotation asked with
// requestID ("" for none); the current one keeps signing for SecretOverlap.
// A secret an earlier rotation replaced keeps signing to the end of its
// own overlap (up to MaxReplacedSecrets in all): a rotation made again
// within the day (retried without its Idempotency-Key after a lost
// answer, or by a second administrator) must not cut short the overlap
// a receiver still on the first secret relies on. Spona signing with a
// secret longer does not weaken anything: the receiver decides which
// secrets it accepts.
func (s *Subscription) Rotate(secret, requestID string, now time.Time) {
	replaced := []ReplacedSecret{{Secret: s.Secret, Expires: now.Add(SecretOverlap)}}
	for _, r := range s.Replaced {
		if now.Before(r.Expires) && len(replaced) < MaxReplacedSecrets {
			replaced = append(replaced, r)
		}
	}
	s.Replaced = replaced
	s.Secret, s.RotateRequestID = secret, requestID
}

// RotatedFor reports whether the current secret was made by the rotation
// asked with requestID, during its overlap (at now, the secret before it
// still signs): a retry of it, to be answered with that secret (rotating
// again would stop the secret before it from signing at once). After the
// overlap, as long as the edge keeps an Idempotency-Key (both 24 h), the
// same request id asks for a new rotation, as any write with an expired
// key: never rotating again would keep a secret its owner means to end.
func (s *Subscription) RotatedFor(requestID string, now time.Time) bool {
	return requestID != "" && s.RotateRequestID == requestID && now.Before(s.PreviousSecretExpires())
}
