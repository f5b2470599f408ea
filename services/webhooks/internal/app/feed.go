package app

import (
	"context"
	"errors"
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

// ChangesQuery is what a change-feed page is asked for.
type ChangesQuery struct {
	// After is the cursor of the last change the caller has ("" for the
	// oldest retained).
	After string
	// Start, when set instead of After, starts the page at the caller's
	// first change that happened at or after it.
	Start *time.Time
	Size  int32
	Types []string
}

// ListChanges returns the caller's organisation's events after q.After (or
// from q.Start), oldest first, and the cursor to continue from.
func (a *App) ListChanges(ctx context.Context, p auth.Principal, q ChangesQuery) ([]domain.Change, string, error) {
	var v errs.Violations
	after, size, types := q.After, q.Size, q.Types
	org, cursors := p.OrganisationID, a.opts.Cursors
	seq, err := cursors.Open(org, after)
	retired := errors.Is(err, domain.ErrCursorRetired)
	switch {
	case retired:
		v.Add("after", "is a cursor of a kind no longer accepted; "+restartHow)
	case err != nil:
		v.Add("after", "is not a cursor returned by this feed")
	}
	if after != "" && q.Start != nil {
		v.Add("start_time", "only one of after, start_time may be given")
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
		if retired {
			return nil, "", cursorRetired(err)
		}
		return nil, "", err
	}
	var rows []domain.Change
	// next is where the caller continues: sealed afresh on every answer,
	// so that it says nothing, even whether it moved.
	next := seq
	// The bounds and the page are read in one snapshot: a prune committed
	// between them would otherwise let a cursor just inside the retention
	// pass the check and then read past the changes pruned meanwhile.
	err = a.repo.InFeedSnapshot(ctx, func(ctx context.Context) error {
		pruned, last, err := a.repo.FeedBounds(ctx)
		if err != nil {
			return err
		}
		if seq > last {
			v.Add("after", "is beyond the end of this feed (a cursor of another installation?)")
			return v.Err()
		}
		if q.Start != nil {
			if seq, err = a.startOfTime(ctx, org, *q.Start, pruned, last); err != nil {
				return err
			}
			// Where the caller continues when nothing of its is found.
			next = seq
		}
		if after != "" && seq < pruned {
			oldest := cursors.Seal(org, pruned)
			return cursorExpired("after", "the cursor is older than the feed's retention; continue from the oldest cursor "+oldest,
				"is older than the feed's retention; the oldest cursor available is "+oldest, map[string]string{"oldest_cursor": oldest})
		}
		if rows, err = a.repo.ListChanges(ctx, org, seq, last, types, int(size)); err != nil {
			return err
		}
		switch {
		case len(rows) == int(size):
			next = rows[len(rows)-1].Seq
		case last > seq:
			// Everything up to last was read: the cursor moves past other
			// organisations' events too, so an idle one does not age out
			// (sealed, it does not tell how far).
			next = last
		}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	for i := range rows {
		rows[i].Cursor = cursors.Seal(org, rows[i].Seq)
	}
	return rows, cursors.Seal(org, next), nil
}

// ReasonCursorRetired is the ErrorInfo reason of a cursor of the kind the
// change feed gave before its cursors were sealed.
const ReasonCursorRetired = "CURSOR_RETIRED"

// restartHow says where a caller whose cursor is refused starts again.
const restartHow = "start again with start_time set to the timestamp of the last event you processed (deduplicate by id), " +
	"or without after to read from the oldest event kept"

// cursorRetired is the INVALID_ARGUMENT answer (HTTP 400) to such a
// cursor, with the request's field violations (v, the after one among
// them): its position was readable (how many events all organisations
// had between two of the caller's reads), and one made up would tell
// positions again, so none is taken. The caller starts again from a time.
func cursorRetired(v error) error {
	var e *errs.Error
	if !errors.As(v, &e) {
		return v
	}
	out := *e
	out.Reason = ReasonCursorRetired
	out.Message = "this change feed cursor is of a kind no longer accepted (cursors are now sealed); " + restartHow
	return &out
}

// startOfTime returns the position after which the organisation's changes
// that happened at or after start lie: just before the first of them (the
// least position among them: a service's feed applied late puts earlier
// events after later ones), or last when it has none up to last (start is
// after its newest change, or in the future): the changes the feed gets
// next follow. A start before the feed's retention (Options.FeedRetention
// ago) is OUT_OF_RANGE, as an expired cursor: a change pruned by then was
// recorded before that time, and so happened before it (its service
// committed it before this one recorded it), so none is pruned after it.
func (a *App) startOfTime(ctx context.Context, organisationID string, start time.Time, pruned, last int64) (int64, error) {
	if r := a.opts.FeedRetention; r > 0 {
		if kept := a.now().Add(-r); start.Before(kept) {
			// A minute's margin, so that the time named is still within
			// the retention when it comes back.
			oldestTime := kept.Add(time.Minute).Truncate(time.Minute).UTC().Format(time.RFC3339)
			oldest := a.opts.Cursors.Seal(organisationID, pruned)
			return 0, cursorExpired("start_time", "start_time is before the feed's retention ("+r.String()+"); continue from the oldest cursor "+oldest+
				" or a start_time at or after "+oldestTime,
				"is before the feed's retention; the oldest start_time available is "+oldestTime+", the oldest cursor "+oldest,
				map[string]string{"oldest_cursor": oldest, "oldest_start_time": oldestTime})
		}
	}
	first, found, err := a.repo.FirstChangeSince(ctx, organisationID, start, last)
	switch {
	case err != nil:
		return 0, err
	case !found:
		return last, nil
	}
	return max(first-1, pruned), nil
}

// cursorExpired is the OUT_OF_RANGE answer (reason CURSOR_EXPIRED, as the
// services' feeds give) to a cursor or start_time (field) from before the
// change feed's retention: the message (which adds that the events before
// it are gone) and the field's violation say where to continue, the
// metadata tells it a program (oldest_cursor, and oldest_start_time for a
// time).
func cursorExpired(field, message, violation string, metadata map[string]string) error {
	return &errs.Error{Kind: errs.KindOutOfRange, Reason: "CURSOR_EXPIRED", Message: message + " (events before it are gone)",
		Metadata: metadata, Violations: []errs.FieldViolation{{Field: field, Description: violation}}}
}

// Prune deletes change-feed entries older than feedRetention and
// deliveries that finished more than deliveryRetention ago.
func (a *App) Prune(ctx context.Context, feedRetention, deliveryRetention time.Duration) error {
	now := a.now()
	return a.repo.Prune(ctx, now.Add(-feedRetention), now.Add(-deliveryRetention))
}
