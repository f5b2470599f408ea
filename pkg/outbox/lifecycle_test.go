package outbox_test

import (
	"context"
	"slices"
	"testing"

	eventsv1 "github.com/spona/spona/gen/go/spona/events/v1"
	"github.com/spona/spona/pkg/events"
	"github.com/spona/spona/pkg/outbox"
	"google.golang.org/protobuf/types/known/structpb"
)

// copies records what PersonEvents asks of a service keeping copies of
// persons, households and consents (the edge).
type copies struct{ persons, households, consents []string }

func (c *copies) ForgetBeneficiary(_ context.Context, ids []string) error {
	c.persons = append(c.persons, ids...)
	return nil
}
func (c *copies) MoveBeneficiary(context.Context, string, string) error { return nil }
func (c *copies) ForgetHouseholds(_ context.Context, ids []string) error {
	c.households = append(c.households, ids...)
	return nil
}
func (c *copies) ForgetConsents(_ context.Context, ids []string) error {
	c.consents = append(c.consents, ids...)
	return nil
}

// TestPersonEventsForgetsEveryCopy: beneficiary.erased makes the copies of
// the person, of the records merged into her, of her households and of
// the consents whose guardian's name named her go (r18 guardian: the
// consents' were kept).
func TestPersonEventsForgetsEveryCopy(t *testing.T) {
	data, err := structpb.NewStruct(map[string]any{"beneficiary_id": "b1", "merged_ids": []any{"b0"},
		"household_ids": []any{"h1"}, "consent_ids": []any{"c1", "c2"}})
	if err != nil {
		t.Fatal(err)
	}
	var c copies
	ev := &eventsv1.Event{Type: events.BeneficiaryErased, AggregateType: events.AggregateBeneficiary, AggregateId: "b1", Data: data}
	if err := outbox.PersonEvents(&c)(context.Background(), nil, ev); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.persons, []string{"b1", "b0"}) || !slices.Equal(c.households, []string{"h1"}) ||
		!slices.Equal(c.consents, []string{"c1", "c2"}) {
		t.Errorf("forgot persons %v, households %v, consents %v", c.persons, c.households, c.consents)
	}
}
