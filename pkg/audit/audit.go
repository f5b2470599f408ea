// Package audit is Spona's one record of who read or changed a person's
// personal data: what (the beneficiary, the action, the fields, and the
// resource through which the data was reached), who (organisation and API
// client), when, and why (the purpose the caller declared in the
// X-Spona-Purpose header, gRPC metadata x-spona-purpose).
//
// The records of every service end in one append-only log, the beneficiaries
// service's audit_events table, so the data owner reads them all through
// /v1/beneficiaries/{id}/auditEvents. The beneficiaries service appends its
// own records in the transaction of the read or change (auditpg); another
// service that returns a person's data (referrals: reason, notes, snapshot;
// trainings: a beneficiary participant's registration) sends its records to the beneficiaries service before it returns the data
// and fails the request if it cannot.
//
// A purpose is free text and may name a person, and one call may read many
// persons (a search, a list, an import). So a purpose is stored once per
// call (Actor.Call), and every record of the call refers to it: erasing any
// person the call read blanks it for all of the call's records, and a call
// that reads a person erased before it, or while it runs, stores it blank
// (auditpg.Insert).
package audit

import (
	"context"
	"time"

	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/validate"
	"google.golang.org/grpc/metadata"
)

// PurposeMetadata is the gRPC metadata key in which a caller declares why it
// reads or changes personal data. Plain metadata carries printable ASCII
// only, so the purpose may also come, as UTF-8, in the binary key
// PurposeBinMetadata, which the edge fills from the X-Spona-Purpose HTTP
// header (a purpose in Serbian, Bosnian or Croatian has letters like č and
// đ, which gRPC would drop from the plain key); that one wins.
const (
	PurposeMetadata    = "x-spona-purpose"
	PurposeBinMetadata = "x-spona-purpose-bin"
)

// MaxPurpose is the longest purpose a caller may declare, in characters.
const MaxPurpose = 200

// Record is one read or change of a beneficiary's personal data.
type Record struct {
	ID                  int64
	Time                time.Time
	ActorOrganisationID string
	ActorClientID       string
	OwnerOrganisationID string
	BeneficiaryID       string
	// Action is a code: "read", "consent.withdraw", "referral.read", ...
	Action string
	// Fields names the personal-data fields read or written.
	Fields []string
	// Purpose is what the caller declared.
	Purpose string
	// Call identifies the call that declared Purpose, stored once for all
	// its records ("" when Purpose is "").
	Call string
	// Resource names what was read when it is not the beneficiary record
	// itself, e.g. "referrals/0190…"; "" for the beneficiary's own data.
	Resource string
}

// Actor is who calls and why: the verified principal and the purpose it
// declared.
type Actor struct {
	auth.Principal
	Purpose string
	// Call is the id of the call (a UUID) that declared Purpose, shared by
	// all the records it makes; it is set with the purpose (WithPurpose,
	// FromIncoming). A job acting later for a call (an import) may use an
	// id of its own, the same every time it records.
	Call string
}

// WithPurpose returns act declaring purpose, in a call of its own when it
// has none yet.
func (act Actor) WithPurpose(purpose string) Actor {
	act.Purpose = purpose
	if act.Call == "" && purpose != "" {
		act.Call = ids.New()
	}
	return act
}

// Records returns one record per subject for act doing action on fields.
func (act Actor) Records(action string, fields []string, resource string, subjects ...Subject) []Record {
	out := make([]Record, 0, len(subjects))
	for _, s := range subjects {
		out = append(out, Record{
			ActorOrganisationID: act.OrganisationID, ActorClientID: act.ClientID,
			OwnerOrganisationID: s.OwnerOrganisationID, BeneficiaryID: s.BeneficiaryID,
			Action: action, Fields: fields, Purpose: act.Purpose, Call: act.PurposeCall(), Resource: resource,
		})
	}
	return out
}

// PurposeCall returns the id under which the call's purpose is stored: ""
// when it declared none.
func (act Actor) PurposeCall() string {
	if act.Purpose == "" {
		return ""
	}
	return act.Call
}

// Subject is a beneficiary whose data is read, with its owner.
type Subject struct {
	BeneficiaryID       string
	OwnerOrganisationID string
}

// CheckPurpose validates a declared purpose: at most MaxPurpose characters
// of valid UTF-8.
func CheckPurpose(purpose string) error {
	var v errs.Violations
	validate.Text(&v, PurposeMetadata, purpose, MaxPurpose, false)
	return v.Err()
}

// FromIncoming returns the actor of an incoming gRPC request: its principal
// and the purpose declared in its metadata (checked).
func FromIncoming(ctx context.Context) (Actor, error) {
	act := Actor{Principal: auth.Caller(ctx)}
	v := metadata.ValueFromIncomingContext(ctx, PurposeBinMetadata)
	if len(v) == 0 {
		v = metadata.ValueFromIncomingContext(ctx, PurposeMetadata)
	}
	if len(v) > 0 {
		if err := CheckPurpose(v[0]); err != nil {
			return act, err
		}
		act = act.WithPurpose(v[0])
	}
	return act, nil
}
