package domain

import (
	"strings"
	"time"

	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/validate"
)

// Consent purposes and who may give a consent.
var (
	ConsentPurposes = []string{"data_processing", "referral_sharing", "photo", "reporting"}
	ConsentGivers   = []string{"self", "guardian"}
)

// PurposeReferralSharing is the consent purpose needed to share a
// beneficiary with another organisation.
const PurposeReferralSharing = "referral_sharing"

// Consent is a consent given by a beneficiary, or a guardian for them, for
// one purpose.
type Consent struct {
	ID             string
	BeneficiaryID  string
	OrganisationID string
	Purpose        string
	Scope          string
	GivenBy        string
	GuardianName   string
	GivenTime      time.Time
	ExpireTime     time.Time // zero: no expiry
	WithdrawTime   time.Time // zero: not withdrawn
	WithdrawReason string
	CreateTime     time.Time
}

// LiveAt reports whether the consent holds at t.
func (c *Consent) LiveAt(t time.Time) bool {
	return !c.GivenTime.After(t) && c.WithdrawTime.IsZero() && (c.ExpireTime.IsZero() || c.ExpireTime.After(t))
}

// ClockSkew is how far ahead of the service's clock a given time may be
// (the client's clock running ahead): such a consent is given now.
const ClockSkew = time.Minute

// Normalize trims free input, defaults the given time to now, records a
// given time ahead of now by at most ClockSkew as now (given, by the
// client's clock running ahead, as it is recorded: live at once, never
// given in the future; further ahead, Validate refuses it) and keeps times
// to the microsecond, as they are stored (so that an expiry is checked
// against the given time as stored).
func (c *Consent) Normalize(now time.Time) {
	c.Scope = strings.TrimSpace(c.Scope)
	c.GuardianName = strings.TrimSpace(c.GuardianName)
	if c.GivenTime.IsZero() || c.GivenTime.After(now) && !c.GivenTime.After(now.Add(ClockSkew)) {
		c.GivenTime = now
	}
	c.GivenTime = c.GivenTime.Truncate(time.Microsecond)
	c.ExpireTime = c.ExpireTime.Truncate(time.Microsecond)
}

// SameRequest reports whether c, the consent recorded under a request id,
// is what the request n (normalized) asks for again: the same person,
// purpose, giver, guardian, scope and expiry, and the given time the
// request named (asked; zero when it named none: a request without one
// takes the server's time at each attempt). A given time that was ahead
// of the clock when c was recorded is the time c was recorded at
// (Normalize).
func (c *Consent) SameRequest(n *Consent, asked time.Time) bool {
	return c.BeneficiaryID == n.BeneficiaryID && c.Purpose == n.Purpose && c.GivenBy == n.GivenBy &&
		c.GuardianName == n.GuardianName && c.Scope == n.Scope && c.ExpireTime.Equal(n.ExpireTime) &&
		(asked.IsZero() || c.GivenTime.Equal(asked.Truncate(time.Microsecond)) || c.recordedAsGiven(asked))
}

// recordedAsGiven reports whether asked, a given time ahead of the
// service's clock when c was recorded, was recorded as the time then: c's
// given time is before asked by at most ClockSkew, and is its creation
// time (within the skew between the service's and the database's clocks).
func (c *Consent) recordedAsGiven(asked time.Time) bool {
	return asked.After(c.GivenTime) && !asked.After(c.GivenTime.Add(ClockSkew)) &&
		c.CreateTime.Sub(c.GivenTime).Abs() <= ClockSkew
}

// Validate checks a new consent; now is the server time.
func (c *Consent) Validate(now time.Time) error {
	var v errs.Violations
	validate.OneOf(&v, "consent.purpose", c.Purpose, ConsentPurposes, true)
	validate.OneOf(&v, "consent.given_by", c.GivenBy, ConsentGivers, true)
	validate.Text(&v, "consent.scope", c.Scope, 1000, false)
	validate.Text(&v, "consent.guardian_name", c.GuardianName, maxText, c.GivenBy == "guardian")
	if c.GivenBy == "self" && c.GuardianName != "" {
		v.Add("consent.guardian_name", "only for a consent given by a guardian")
	}
	switch {
	case c.GivenTime.After(now.Add(ClockSkew)):
		v.Add("consent.given_time", "must not be in the future")
	case c.GivenTime.Year() < 2000:
		v.Add("consent.given_time", "must be after 2000")
	}
	if !c.ExpireTime.IsZero() && !c.ExpireTime.After(c.GivenTime) {
		v.Add("consent.expire_time", "must be after given_time")
	}
	return v.Err()
}

// ValidateWithdrawReason checks the reason given when withdrawing.
func ValidateWithdrawReason(reason string) error {
	var v errs.Violations
	validate.Text(&v, "reason", reason, 1000, false)
	return v.Err()
}

// Grant lets an organisation other than the registering one see a reduced
// view of a beneficiary.
type Grant struct {
	ID                    string
	BeneficiaryID         string
	GranteeOrganisationID string
	GrantedBy             string
	SourceID              string
	ConsentID             string // the referral_sharing consent it was made under
	Reason                string
	CreateTime            time.Time
	ExpireTime            time.Time
	RevokeTime            time.Time
}

// Validate checks a new grant; now is the server time.
func (g *Grant) Validate(now time.Time) error {
	var v errs.Violations
	validate.Text(&v, "source_id", g.SourceID, 100, true)
	validate.Text(&v, "reason", g.Reason, 1000, false)
	if !g.ExpireTime.IsZero() && !g.ExpireTime.After(now) {
		v.Add("expire_time", "must be in the future")
	}
	return v.Err()
}

// Reasons a grant ended (CheckAccess's ended_reason).
const (
	EndedConsentWithdrawn = "CONSENT_WITHDRAWN"
	EndedConsentExpired   = "CONSENT_EXPIRED"
	EndedGrantRevoked     = "GRANT_REVOKED"
	EndedGrantExpired     = "GRANT_EXPIRED"
)

// EndedReason says why the grant, made under consent c (nil when unknown),
// is not live at now; "" while it is. The consent comes first: a withdrawal
// also revokes the grant, and the withdrawal is the reason.
func (g *Grant) EndedReason(c *Consent, now time.Time) string {
	switch {
	case c == nil:
		return EndedGrantRevoked
	case !c.WithdrawTime.IsZero():
		return EndedConsentWithdrawn
	case !c.ExpireTime.IsZero() && !c.ExpireTime.After(now):
		return EndedConsentExpired
	case !g.RevokeTime.IsZero():
		return EndedGrantRevoked
	case !g.ExpireTime.IsZero() && !g.ExpireTime.After(now):
		return EndedGrantExpired
	}
	return ""
}
