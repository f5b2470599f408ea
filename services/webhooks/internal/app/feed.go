package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/services/webhooks/internal/domain"
)

// Change feed page sizes.
const (
	DefaultChangesPage = 100
	MaxChangesPage     = 1000
)

// ListChanges returns the caller's organisation's events after cursor, oldest
// first, and the cursor to continue from.
func (a *App) ListChanges(ctx context.Context, p auth.Principal, after string, size int32, types []string) ([]domain.Change, string, error) {
	var v errs.Violations
	seq, ok := domain.DecodeCursor(after)
	if !ok {
		v.Add("after", "is not a cursor returned by this feed")
	}
	switch {
	case size < 0:
		v.Add("page_size", "must not be negative")
	case size == 0:
		size = DefaultChangesPage
	case size > MaxChangesPage:
		size = MaxChangesPage
	}
	for i, t := range types {
		if !slices.Contains(domain.EventTypes, t) {
			v.Add(fmt.Sprintf("types[%d]", i), "unknown event type %q; one of %s", t, strings.Join(domain.EventTypes, ", "))
		}
	}
	if err := v.Err(); err != nil {
		return nil, "", err
	}
	var rows []domain.Change
	next := after
	// The bounds and the page are read in one snapshot: a prune committed
	// between them would otherwise let a cursor just inside the retention
	// pass the check and then read past the changes pruned meanwhile.
	err := a.repo.InFeedSnapshot(ctx, func(ctx context.Context) error {
		pruned, last, err := a.repo.FeedBounds(ctx)
		if err != nil {
			return err
		}
		if seq > last {
			v.Add("after", "is beyond the end of this feed (a cursor of another installation?)")
			return v.Err()
		}
		if after != "" && seq < pruned {
			oldest := domain.EncodeCursor(pruned)
			return &errs.Error{Kind: errs.KindOutOfRange, Reason: "CURSOR_EXPIRED",
				Message:  "the cursor is older than the feed's retention; continue from the oldest cursor " + oldest + " (events before it are gone)",
				Metadata: map[string]string{"oldest_cursor": oldest},
				Violations: []errs.FieldViolation{{Field: "after",
					Description: "is older than the feed's retention; the oldest cursor available is " + oldest}}}
		}
		if rows, err = a.repo.ListChanges(ctx, p.OrganisationID, seq, last, types, int(size)); err != nil {
			return err
		}
		switch {
		case len(rows) == int(size):
			next = rows[len(rows)-1].Cursor()
		case last > seq:
			// Everything up to last was read: the cursor moves past other
			// organisations' events too, so an idle one does not age out.
			next = domain.EncodeCursor(last)
		}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	return rows, next, nil
}

// Prune deletes change-feed entries older than feedRetention and
// deliveries that finished more than deliveryRetention ago.
func (a *App) Prune(ctx context.Context, feedRetention, deliveryRetention time.Duration) error {
	now := a.now()
	return a.repo.Prune(ctx, now.Add(-feedRetention), now.Add(-deliveryRetention))
}
