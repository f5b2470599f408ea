package keys

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/pagination"
	"github.com/spona/spona/pkg/validate"
)

// Organisation is what key management needs to know of a directory entry.
type Organisation struct {
	ID, Name, Kind, Country string
	Verified                bool
}

// Directory is the organisation directory (the referrals service).
type Directory interface {
	// Organisation returns the organisation with id, or nil when none.
	Organisation(ctx context.Context, id string) (*Organisation, error)
	// Named lists the organisations whose name is name (ignoring case).
	Named(ctx context.Context, name string) ([]Organisation, error)
	// Register adds a new organisation and verifies it, giving reason.
	Register(ctx context.Context, o Organisation, reason string) (string, error)
}

// AdminStore is where keys are managed.
type AdminStore interface {
	// Create stores a new client and its first key, audited.
	Create(ctx context.Context, k *Key, e AuditEntry) error
	Get(ctx context.Context, id string) (*Key, error)
	// ByRequestID returns the key made by the request requestID, or nil.
	ByRequestID(ctx context.Context, requestID string) (*Key, error)
	List(ctx context.Context, f Filter, page pagination.Page) ([]*Key, error)
	// Revoke revokes the live key id, audited, and, when id is its
	// client's current key (no rotation replaced it), every other key of
	// the client still working: those rotations replaced, in their
	// overlap. It returns the key after, and those others.
	Revoke(ctx context.Context, id, reason string, e AuditEntry) (*Key, []*Key, error)
	// Rotate adds next to the client of the live key id and makes id expire
	// at oldExpiry, audited; it returns the old key after.
	Rotate(ctx context.Context, id string, next *Key, oldExpiry time.Time, e AuditEntry) (*Key, error)
}

// AuditEntry is who changes a key and why.
type AuditEntry struct {
	Actor  auth.Principal
	Reason string
	Detail map[string]any
}

// Filter narrows a key listing.
type Filter struct {
	OrganisationID string
	ShowRevoked    bool
}

// Admin is key management: the administrator's REST API and the edge's
// key commands both run it.
type Admin struct {
	store AdminStore
	dir   Directory
	now   func() time.Time
	// changed is told the lookup id of a key this process changed, so its
	// own cache forgets it before the database's notification comes back.
	changed func(lookupID string)
}

// OnChange sets what is told of every key this process changes.
func (a *Admin) OnChange(fn func(lookupID string)) { a.changed = fn }

func (a *Admin) told(k *Key) {
	if a.changed != nil && k != nil {
		a.changed(k.LookupID)
	}
}

// NewAdmin returns key management over store and the directory.
func NewAdmin(store AdminStore, dir Directory) *Admin {
	return &Admin{store: store, dir: dir, now: time.Now}
}

// Limits of rotation.
const (
	DefaultOverlap = 24 * time.Hour
	MaxOverlap     = 30 * 24 * time.Hour
)

// NewKey describes a key to create.
type NewKey struct {
	Name           string
	OrganisationID string // "" to register NewOrganisation (commands only)
	Scopes         []string
	ExpireTime     *time.Time
	// Admin makes a key of the platform administrator (administrator
	// scopes, the platform organisation); partner keys never get those.
	Admin bool
	// NewOrganisation is registered (and verified by the operator giving
	// its details) when OrganisationID is empty; a name already in the
	// directory is refused, listing the organisations that have it.
	NewOrganisation *Organisation
	Reason          string
	// RequestID identifies the request (the Idempotency-Key the edge
	// passes on): its retry is answered with the key it made, without the
	// secret, and makes no other.
	RequestID string
}

func (a *Admin) checkScopes(v *errs.Violations, k *NewKey) {
	org := "" // any partner organisation: all may hold the same scopes
	if k.Admin {
		org = auth.PlatformOrganisationID
	}
	may := auth.CredentialScopes(org)
	if len(k.Scopes) == 0 {
		k.Scopes = auth.DefaultPartnerScopes
		if k.Admin {
			k.Scopes = may
		}
	}
	for i, s := range k.Scopes {
		switch {
		case slices.Contains(may, s):
		case k.Admin:
			v.Add(fmt.Sprintf("api_key.scopes[%d]", i), "an administrator key holds %s only", strings.Join(may, ", "))
		case slices.Contains(auth.AdminScopes, s):
			v.Add(fmt.Sprintf("api_key.scopes[%d]", i), "%s is the platform administrator's and is never granted to a partner's key", s)
		default:
			v.Add(fmt.Sprintf("api_key.scopes[%d]", i), "unknown scope %q; one of %s", s, strings.Join(may, ", "))
		}
	}
	if !k.Admin {
		k.Scopes = slices.Compact(slices.Sorted(slices.Values(k.Scopes)))
	}
}

// Create makes a key and returns it with its secret (shown only now).
func (a *Admin) Create(ctx context.Context, actor auth.Principal, req NewKey) (*Key, string, error) {
	var v errs.Violations
	req.Name = strings.TrimSpace(req.Name)
	validate.Text(&v, "api_key.display_name", req.Name, 200, true)
	validate.Text(&v, "reason", req.Reason, 1000, false)
	a.checkScopes(&v, &req)
	if req.ExpireTime != nil && !req.ExpireTime.After(a.now()) {
		v.Add("api_key.expire_time", "must be in the future")
	}
	switch {
	case req.Admin:
		if req.OrganisationID != "" && ids.Normalize(req.OrganisationID) != auth.PlatformOrganisationID {
			v.Add("api_key.organisation_id", "an administrator key belongs to the platform, not to an organisation")
		}
		req.OrganisationID = auth.PlatformOrganisationID
	case req.OrganisationID == "" && req.NewOrganisation == nil:
		v.Add("api_key.organisation_id", "is required")
	case req.OrganisationID != "":
		if err := ids.Check("api_key.organisation_id", req.OrganisationID); err != nil {
			return nil, "", err
		}
		req.OrganisationID = ids.Normalize(req.OrganisationID)
		if req.OrganisationID == auth.PlatformOrganisationID {
			v.Add("api_key.organisation_id", "is the platform's; partner keys belong to a partner organisation")
		}
	}
	if err := v.Err(); err != nil {
		return nil, "", err
	}
	if made, err := a.made(ctx, req.RequestID); err != nil || made != nil {
		if err == nil && !sameCreate(made, req) {
			err = reused(req.RequestID, "create API key "+made.ID+" with another name, organisation, scopes or expiry")
		}
		return made, "", err
	}
	if !req.Admin {
		var err error
		if req.OrganisationID, err = a.organisation(ctx, req); err != nil {
			return nil, "", err
		}
	}
	secret, lookupID, hash := Generate()
	k := &Key{ID: ids.New(), Name: req.Name, OrganisationID: req.OrganisationID, Scopes: req.Scopes,
		LookupID: lookupID, SecretHash: hash, ExpireTime: req.ExpireTime, RequestID: req.RequestID}
	k.ClientID = k.ID
	if err := a.store.Create(ctx, k, AuditEntry{Actor: actor, Reason: req.Reason,
		Detail: map[string]any{"scopes": k.Scopes, "expire_time": k.ExpireTime, "name": k.Name}}); err != nil {
		return nil, "", err
	}
	return k, secret, nil
}

// made returns the key the request requestID made before (nil when none,
// or when the request has no id): the edge keeps no copy of an answer
// carrying a secret, so a retry comes here again.
func (a *Admin) made(ctx context.Context, requestID string) (*Key, error) {
	if requestID == "" {
		return nil, nil
	}
	return a.store.ByRequestID(ctx, requestID)
}

// sameCreate reports whether k is the first key of a client created as req
// asks (its retry).
func sameCreate(k *Key, req NewKey) bool {
	sameExpiry := (k.ExpireTime == nil) == (req.ExpireTime == nil) &&
		(k.ExpireTime == nil || k.ExpireTime.Equal(req.ExpireTime.Truncate(time.Microsecond)))
	return k.ID == k.ClientID && k.Name == req.Name && k.OrganisationID == req.OrganisationID &&
		slices.Equal(k.Scopes, req.Scopes) && sameExpiry
}

// replaced refuses to rotate a key a rotation replaced already (it works
// on only for its overlap): one rotation, one new key.
func replaced(k *Key) error {
	return errs.FailedPrecondition("KEY_REPLACED", "key %s was replaced by key %s (it works on only for the overlap); rotate %s instead", k.ID, k.ReplacedBy, k.ReplacedBy)
}

func reused(requestID, made string) error {
	return &errs.Error{Kind: errs.KindInvalidArgument, Reason: errs.ReasonRequestIDReused,
		Message: fmt.Sprintf("the request id (Idempotency-Key) %q was used to %s; use a new one for another request", requestID, made)}
}

// Reasons of Usable's refusals (google.rpc.ErrorInfo).
const (
	ReasonOrganisationNotFound    = "ORGANISATION_NOT_FOUND"
	ReasonOrganisationNotVerified = "ORGANISATION_NOT_VERIFIED"
)

// Usable returns organisation id from dir if it is there and verified,
// what a credential of it (an API key, an access token) needs; otherwise a
// FAILED_PRECONDITION error, reason ReasonOrganisationNotFound or
// ReasonOrganisationNotVerified.
func Usable(ctx context.Context, dir Directory, id string) (*Organisation, error) {
	o, err := dir.Organisation(ctx, id)
	if err != nil {
		return nil, err
	}
	if o == nil {
		return nil, &errs.Error{Kind: errs.KindFailedPrecondition, Reason: ReasonOrganisationNotFound,
			Message: fmt.Sprintf("organisation %s is not in the directory", id)}
	}
	if !o.Verified {
		return nil, &errs.Error{Kind: errs.KindFailedPrecondition, Reason: ReasonOrganisationNotVerified,
			Message: fmt.Sprintf("organisation %s (%s) is not verified; a platform administrator verifies it first (POST /v1/organisations/%s:verify)", o.ID, o.Name, o.ID)}
	}
	return o, nil
}

// organisation checks the key's organisation is in the directory and
// verified, or registers the new one.
func (a *Admin) organisation(ctx context.Context, req NewKey) (string, error) {
	if req.OrganisationID != "" {
		o, err := Usable(ctx, a.dir, req.OrganisationID)
		var e *errs.Error
		if errors.As(err, &e) && (e.Reason == ReasonOrganisationNotFound || e.Reason == ReasonOrganisationNotVerified) {
			named := *e // the refusal may be remembered for tokens: not changed
			named.Violations = append(slices.Clone(e.Violations), errs.FieldViolation{Field: "api_key.organisation_id", Description: e.Message})
			return "", &named
		}
		if err != nil {
			return "", err
		}
		return o.ID, nil
	}
	n := req.NewOrganisation
	n.Name = strings.TrimSpace(n.Name)
	if n.Name == "" {
		return "", errs.Required("organisation.name")
	}
	same, err := a.dir.Named(ctx, n.Name)
	if err != nil {
		return "", err
	}
	if len(same) > 0 {
		var list []string
		for _, o := range same {
			state := "unverified"
			if o.Verified {
				state = "verified"
			}
			list = append(list, fmt.Sprintf("%s (%s, %s, %s)", o.ID, o.Kind, o.Country, state))
		}
		return "", &errs.Error{Kind: errs.KindAlreadyExists, Reason: "ORGANISATION_NAME_TAKEN",
			Message: fmt.Sprintf("the directory already has %d organisation(s) named %q: %s; name the one meant by its id, or register the new one under a distinct name",
				len(same), n.Name, strings.Join(list, "; "))}
	}
	return a.dir.Register(ctx, *n, req.Reason)
}

// Get returns a key.
func (a *Admin) Get(ctx context.Context, id string) (*Key, error) {
	if err := ids.Check("id", id); err != nil {
		return nil, err
	}
	return a.store.Get(ctx, ids.Normalize(id))
}

// List lists keys, newest first.
func (a *Admin) List(ctx context.Context, org string, f Filter, size int32, token string) ([]*Key, string, error) {
	if f.OrganisationID != "" {
		if err := ids.Check("organisation_id", f.OrganisationID); err != nil {
			return nil, "", err
		}
		f.OrganisationID = ids.Normalize(f.OrganisationID)
	}
	page, err := pagination.Parse(size, token, pagination.UUIDKey, org, pagination.Fingerprint(f.OrganisationID, f.ShowRevoked))
	if err != nil {
		return nil, "", err
	}
	rows, err := a.store.List(ctx, f, page)
	if err != nil {
		return nil, "", err
	}
	rows, next := pagination.Next(page, rows, func(k *Key) string { return k.ID })
	return rows, next, nil
}

// Revoke ends a key at once. Revoking a client's current key ends its
// client's access: the keys it replaced by rotation, still working for
// their overlap, are revoked with it (returned as with); revoking a
// replaced key ends only its overlap.
func (a *Admin) Revoke(ctx context.Context, actor auth.Principal, id, reason string) (k *Key, with []*Key, err error) {
	var v errs.Violations
	if err := ids.Check("id", id); err != nil {
		return nil, nil, err
	}
	validate.Text(&v, "reason", strings.TrimSpace(reason), 1000, true)
	if err := v.Err(); err != nil {
		return nil, nil, err
	}
	k, with, err = a.store.Revoke(ctx, ids.Normalize(id), strings.TrimSpace(reason), AuditEntry{Actor: actor, Reason: strings.TrimSpace(reason)})
	a.told(k)
	for _, w := range with {
		a.told(w)
	}
	return k, with, err
}

// Rotate gives the key's client a new key; the old one works on for
// overlap (DefaultOverlap when nil), ending no later than the new key's
// expiry (expire, or the old key's when nil). It returns the new key, its secret and
// the old key.
//
// requestID identifies the request (the Idempotency-Key the edge passes
// on): its retry is answered with the key it made, without the secret, and
// the old key, and rotates nothing more.
func (a *Admin) Rotate(ctx context.Context, actor auth.Principal, id string, overlap *time.Duration, expire *time.Time, reason, requestID string) (*Key, string, *Key, error) {
	var v errs.Violations
	if err := ids.Check("id", id); err != nil {
		return nil, "", nil, err
	}
	d := DefaultOverlap
	if overlap != nil {
		d = *overlap
	}
	if d < 0 || d > MaxOverlap {
		v.Add("overlap", "must be between 0s and %s", MaxOverlap)
	}
	now := a.now()
	if expire != nil && !expire.After(now) {
		v.Add("expire_time", "must be in the future")
	}
	validate.Text(&v, "reason", reason, 1000, false)
	if err := v.Err(); err != nil {
		return nil, "", nil, err
	}
	old, err := a.store.Get(ctx, ids.Normalize(id))
	if err != nil {
		return nil, "", nil, err
	}
	if made, err := a.made(ctx, requestID); err != nil || made != nil {
		if err == nil && old.ReplacedBy != made.ID {
			err = reused(requestID, "make API key "+made.ID+", not to rotate key "+old.ID)
		}
		if err != nil {
			return nil, "", nil, err
		}
		return made, "", old, nil // a retry of the rotation that made it
	}
	if !old.Active(now) {
		return nil, "", nil, errs.FailedPrecondition("KEY_INACTIVE", "key %s is revoked or expired; create a new one instead", old.ID)
	}
	if old.ReplacedBy != "" {
		return nil, "", nil, replaced(old)
	}
	secret, lookupID, hash := Generate()
	next := &Key{ID: ids.New(), ClientID: old.ClientID, Name: old.Name, OrganisationID: old.OrganisationID, Scopes: old.Scopes,
		LookupID: lookupID, SecretHash: hash, ExpireTime: old.ExpireTime, RequestID: requestID}
	if expire != nil {
		e := expire.Truncate(time.Microsecond) // as stored, and as a read shows it
		next.ExpireTime = &e
	}
	// The old key works on for the overlap, but never past its own expiry
	// nor past its replacement's: a client is never left with only the key
	// it was told to stop using.
	oldEnd := now.Add(d)
	for _, end := range []*time.Time{old.ExpireTime, next.ExpireTime} {
		if end != nil && end.Before(oldEnd) {
			oldEnd = *end
		}
	}
	prev, err := a.store.Rotate(ctx, old.ID, next, oldEnd, AuditEntry{Actor: actor, Reason: reason,
		Detail: map[string]any{"new_key_id": next.ID, "overlap": d.String(), "old_key_expire_time": oldEnd}})
	if err != nil {
		return nil, "", nil, err
	}
	a.told(prev)
	return next, secret, prev, nil
}
