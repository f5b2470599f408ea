package adapters

import (
	eventsv1 "github.com/spona/spona/gen/go/spona/events/v1"
	"github.com/spona/spona/services/webhooks/internal/domain"
)

// EventFromProto converts an event of a service's feed.
func EventFromProto(e *eventsv1.Event) domain.Event {
	out := domain.Event{
		ID: e.GetId(), Type: e.GetType(), AggregateType: e.GetAggregateType(), AggregateID: e.GetAggregateId(),
		OrganisationIDs: e.GetOrganisationIds(), Data: e.GetData().AsMap(), Traceparent: e.GetTraceparent(),
	}
	if t := e.GetCreateTime(); t != nil {
		out.Time = t.AsTime()
	}
	return out
}
