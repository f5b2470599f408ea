package app

import (
	"context"
	"log/slog"
	"maps"
	"testing"
	"time"

	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/services/referrals/internal/domain"
)

// staleStore fakes the stale age bands of Maintenance; anything else
// panics on the nil embedded interface.
type staleStore struct {
	Repository
	rows  []*domain.Referral
	bands map[string]string // what SetAgeBand stored
}

func (s *staleStore) StaleAgeBands(context.Context, int) ([]*domain.Referral, error) {
	return s.rows, nil
}

func (s *staleStore) SetAgeBand(_ context.Context, id, band string) error {
	s.bands[id] = band
	return nil
}

// birthYears answers View with a birth year, or an error, per person.
type birthYears struct {
	Beneficiaries
	years map[string]int
	errs  map[string]error
}

func (b birthYears) View(_ context.Context, id string) (BeneficiaryView, error) {
	return BeneficiaryView{BirthYear: b.years[id]}, b.errs[id]
}

// TestRestampAgeBands: a referral stored by the exact-age rule takes the
// band of the age reached, from the birth year, in the year of the day it
// was sent (in the report time zone); one whose person the sender can no
// longer read keeps its band; one the beneficiaries service could not
// answer for stays stale, to be retried.
func TestRestampAgeBands(t *testing.T) {
	t.Parallel()
	belgrade, err := time.LoadLocation("Europe/Belgrade")
	if err != nil {
		t.Fatal(err)
	}
	sent := func(id, band string, at time.Time) *domain.Referral {
		return &domain.Referral{ID: id, BeneficiaryID: "ben-" + id, FromOrganisationID: sender, SendTime: at,
			Snapshot: domain.Snapshot{AgeBand: band}}
	}
	store := &staleStore{bands: map[string]string{}, rows: []*domain.Referral{
		// Born 28 December 2008, sent 5 December 2026: 17 by the date,
		// 18 in the year.
		sent("child", "12-17", time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)),
		// Sent at 23:30 UTC on 31 December 2025: 1 January 2026 in
		// Belgrade, a year later than UTC's.
		sent("new-year", "12-17", time.Date(2025, 12, 31, 23, 30, 0, 0, time.UTC)),
		sent("merged", "12-17", time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)),
		sent("down", "12-17", time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)),
		sent("unknown-year", "", time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)),
	}}
	ben := birthYears{
		years: map[string]int{"ben-child": 2008, "ben-new-year": 2008, "ben-merged": 2008, "ben-down": 2008},
		errs: map[string]error{
			"ben-merged": errs.FailedPrecondition("BENEFICIARY_MERGED", "merged"),
			"ben-down":   errs.New(errs.KindUnavailable, "beneficiaries unavailable"),
		},
	}
	a := New(store, ben, nil, nil, actor{}, slog.New(slog.DiscardHandler), WithReportZone(belgrade))
	n, err := a.RestampAgeBands(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"child": "18-59", "new-year": "18-59", "merged": "12-17", "unknown-year": ""}
	if n != len(want) || !maps.Equal(store.bands, want) {
		t.Errorf("taken again %d: %v, want %v", n, store.bands, want)
	}
}
