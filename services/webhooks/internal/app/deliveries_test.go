package app

import (
	"context"
	"errors"
	"log/slog"
	"testing"

	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/pagination"
	"github.com/spona/spona/services/webhooks/internal/domain"
)

// deliveryLog fakes the stores ListDeliveries reads.
type deliveryLog struct {
	subscriptions
	listed []string // the status filters the store was asked for
}

func (l *deliveryLog) ListDeliveries(_ context.Context, _ string, status string, _ pagination.Page) ([]*domain.Delivery, error) {
	l.listed = append(l.listed, status)
	return nil, nil
}

// TestListDeliveriesStatusFilter: the delivery log's status filter takes
// the statuses a delivery has; another value (an enum number the API does
// not define, sent as ?status=7) is a violation on status, not an empty
// log that reads as "nothing failed".
func TestListDeliveriesStatusFilter(t *testing.T) {
	store := &deliveryLog{subscriptions: subscriptions{row: domain.Subscription{ID: hookID, OrganisationID: ownerOrg,
		State: domain.StateActive, Version: 1}}}
	a, err := New(store, nil, &targets{}, Options{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	owner := auth.Principal{OrganisationID: ownerOrg}
	for _, status := range []string{"", domain.DeliveryPending, domain.DeliverySucceeded, domain.DeliveryDeadLettered} {
		if _, _, err := a.ListDeliveries(context.Background(), owner, hookID, status, 10, ""); err != nil {
			t.Errorf("status %q: %v", status, err)
		}
	}
	_, _, err = a.ListDeliveries(context.Background(), owner, hookID, "7", 10, "")
	var e *errs.Error
	if !errors.As(err, &e) || e.Kind != errs.KindInvalidArgument || len(e.Violations) != 1 || e.Violations[0].Field != "status" {
		t.Fatalf("status 7: %v, want a violation on status", err)
	}
	if len(store.listed) != 4 {
		t.Fatalf("the store was asked for %v", store.listed)
	}
}
