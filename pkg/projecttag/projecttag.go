// Package projecttag is the one check every service makes before it tags a
// record (an assistance, a training event, a referral) with a project: it
// asks the reporting service whether the organisation that tags takes part
// in the project in a role that may add to its counts (the implementing
// organisation or an implementing partner; not a funder), so nobody outside
// a project can change its report or defeat its small-cell suppression.
//
// Answers are cached briefly per organisation and project. When the
// reporting service cannot answer (and no answer is cached), the tag is
// refused as UNAVAILABLE: a record is never tagged unchecked.
package projecttag

import (
	"context"
	"sync"
	"time"

	reportingv1 "github.com/spona/spona/gen/go/spona/reporting/v1"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/grpcx"
	"google.golang.org/grpc"
)

// DefaultTTL is how long an answer is reused: a participant removed from a
// project can tag for at most this long afterwards.
const DefaultTTL = 30 * time.Second

// maxEntries bounds the cache; past it, expired entries are dropped and, if
// still full, everything.
const maxEntries = 10000

// Checker asks the reporting service's ProjectParticipationService.
type Checker struct {
	client reportingv1.ProjectParticipationServiceClient
	ttl    time.Duration
	now    func() time.Time

	mu    sync.Mutex
	cache map[key]answer
}

type key struct{ org, project string }

type answer struct {
	mayTag  bool
	reason  string
	expires time.Time
}

// New returns a checker over a connection to the reporting service (one
// from platform.Base.Dial: it asks for the calling organisation, with the
// projects.check its process issues, see auth.Delegated). A ttl of 0 is
// DefaultTTL.
func New(conn grpc.ClientConnInterface, ttl time.Duration) *Checker {
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	return &Checker{client: reportingv1.NewProjectParticipationServiceClient(conn), ttl: ttl,
		now: time.Now, cache: map[key]answer{}}
}

// CheckTag returns nil when the organisation calling (the principal of ctx)
// may tag records with projectID (a valid UUID), PERMISSION_DENIED with the
// reason (NOT_A_PROJECT_PARTICIPANT, PROJECT_ROLE_CANNOT_TAG) when it may
// not, and UNAVAILABLE when the reporting service cannot say.
func (c *Checker) CheckTag(ctx context.Context, projectID string) error {
	caller := auth.Caller(ctx)
	k := key{caller.OrganisationID, projectID}
	a, ok := c.cached(k)
	if !ok {
		var err error
		if a, err = c.ask(ctx, caller, projectID); err != nil {
			return err
		}
		c.store(k, a)
	}
	if a.mayTag {
		return nil
	}
	return denied(projectID, a.reason)
}

func (c *Checker) ask(ctx context.Context, caller auth.Principal, projectID string) (answer, error) {
	cctx := auth.Delegate(ctx, caller.OrganisationID, caller.ClientID)
	resp, err := c.client.CheckProjectParticipation(cctx, &reportingv1.CheckProjectParticipationRequest{ProjectId: projectID})
	if err != nil {
		err = grpcx.FromDownstream(err, "project", projectID)
		if errs.KindOf(err) == errs.KindUnavailable {
			return answer{}, errs.Wrap(errs.KindUnavailable, err,
				"the reporting service cannot confirm that your organisation takes part in project "+projectID+
					"; nothing was recorded; retry later")
		}
		return answer{}, err
	}
	return answer{mayTag: resp.GetMayTag(), reason: resp.GetReason(), expires: c.now().Add(c.ttl)}, nil
}

func (c *Checker) cached(k key) (answer, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, ok := c.cache[k]
	if !ok || !c.now().Before(a.expires) {
		return answer{}, false
	}
	return a, true
}

func (c *Checker) store(k key, a answer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.cache) >= maxEntries {
		now := c.now()
		for k, v := range c.cache {
			if !now.Before(v.expires) {
				delete(c.cache, k)
			}
		}
		if len(c.cache) >= maxEntries {
			clear(c.cache)
		}
	}
	c.cache[k] = a
}

// denied is the refusal of a tag, with a message saying who may tag.
func denied(projectID, reason string) error {
	msg := "only organisations taking part in project " + projectID +
		" (its implementing organisation or an implementing partner) may tag records with it"
	switch reason {
	case "PROJECT_ROLE_CANNOT_TAG":
		msg = "your organisation takes part in project " + projectID +
			" only as a funder (funding, accountable or extending role) and may read its reports but not tag records with it;" +
			" only its implementing organisation and implementing partners may"
	case "":
		reason = "NOT_A_PROJECT_PARTICIPANT"
	}
	return &errs.Error{Kind: errs.KindPermissionDenied, Reason: reason, Message: msg}
}
