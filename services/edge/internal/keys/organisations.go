package keys

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/errs"
	"golang.org/x/sync/singleflight"
)

// Organisations checks the organisation a credential names but no key
// vouches for (an access token's claim) the way a key's is checked when it
// is made (Usable), remembering the answer: a usable organisation for ttl,
// one missing or unverified for unknownTTL (0: not remembered), so that a
// request does not ask the directory each time. A directory that cannot be
// asked is not remembered.
type Organisations struct {
	dir             Directory
	ttl, unknownTTL time.Duration
	now             func() time.Time
	group           singleflight.Group

	mu      sync.Mutex
	answers map[string]orgAnswer
}

type orgAnswer struct {
	err   error // nil: usable
	until time.Time
}

// maxOrgAnswers bounds the remembered answers (a token signer naming ever
// new organisations cannot grow it); past it, all are forgotten.
const maxOrgAnswers = 10000

// NewOrganisations returns the check over dir.
func NewOrganisations(dir Directory, ttl, unknownTTL time.Duration) *Organisations {
	return &Organisations{dir: dir, ttl: ttl, unknownTTL: unknownTTL, now: time.Now, answers: map[string]orgAnswer{}}
}

// Check returns nil when the directory has organisation id and it is
// verified (the platform organisation, which is not a directory entry,
// always is); PERMISSION_DENIED with Usable's reason and message when not;
// any other error when the directory cannot be asked.
func (o *Organisations) Check(ctx context.Context, id string) error {
	if id == auth.PlatformOrganisationID {
		return nil
	}
	now := o.now()
	o.mu.Lock()
	a, ok := o.answers[id]
	o.mu.Unlock()
	if ok && now.Before(a.until) {
		return a.err
	}
	res, err, _ := o.group.Do(id, func() (any, error) {
		_, err := Usable(context.WithoutCancel(ctx), o.dir, id)
		var e *errs.Error
		switch {
		case err == nil:
			o.remember(id, orgAnswer{until: now.Add(o.ttl)}, o.ttl)
			return nil, nil
		case errors.As(err, &e) && e.Kind == errs.KindFailedPrecondition:
			refused := &errs.Error{Kind: errs.KindPermissionDenied, Reason: e.Reason, Message: "the credential's " + e.Message}
			o.remember(id, orgAnswer{err: refused, until: now.Add(o.unknownTTL)}, o.unknownTTL)
			return refused, nil
		}
		// The directory's own refusal of the edge (or outage) is no
		// answer about the organisation: never the caller's 403.
		return nil, fmt.Errorf("directory: %v", err)
	})
	if err != nil {
		return err
	}
	refused, _ := res.(error)
	return refused
}

func (o *Organisations) remember(id string, a orgAnswer, ttl time.Duration) {
	if ttl <= 0 {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.answers) >= maxOrgAnswers {
		clear(o.answers)
	}
	o.answers[id] = a
}
