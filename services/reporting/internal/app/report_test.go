package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/spona/spona/pkg/aggregate"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/services/reporting/internal/domain"
)

// reportStore fakes the reads a report makes: the project and its
// indicators.
type reportStore struct {
	projectStore
	indicators []*domain.Indicator
}

func (s *reportStore) ListAllIndicators(context.Context, string) ([]*domain.Indicator, error) {
	return s.indicators, nil
}

// countingSources answers every count with the same small table of
// persons (two values per dimension; a nested pair per child value) and
// records what it was asked.
type countingSources struct {
	mu    sync.Mutex
	asked []string
}

func (c *countingSources) answer(q Query) aggregate.Aggregate {
	c.mu.Lock()
	also := make([]string, len(q.Also))
	for i, set := range q.Also {
		also[i] = strings.Join(set, "+")
	}
	c.asked = append(c.asked, fmt.Sprintf("%s each=%v also=%s", strings.Join(q.GroupBy, "+"), q.Each, strings.Join(also, ",")))
	c.mu.Unlock()
	agg := aggregate.Aggregate{Total: 20}
	sets := [][]string{q.GroupBy}
	if q.Each {
		sets = nil
		for _, g := range q.GroupBy {
			sets = append(sets, []string{g})
		}
	}
	sets = append(sets, q.Also...)
	for _, set := range sets {
		if len(set) == 0 {
			continue
		}
		for i := range 2 {
			labels := map[string]string{}
			for _, g := range set {
				labels[g] = fmt.Sprintf("%s-%d", set[len(set)-1], i) // a child's value names its parent
				labels[g] = g + labels[g]
			}
			agg.Groups = append(agg.Groups, aggregate.Group{Labels: labels, Count: 10})
		}
	}
	return agg
}

func (c *countingSources) CountAssisted(_ context.Context, q Query) (aggregate.Aggregate, error) {
	return c.answer(q), nil
}

func (c *countingSources) CountParticipants(_ context.Context, q Query, _ domain.Participation) (aggregate.Aggregate, error) {
	return c.answer(q), nil
}

func (c *countingSources) CountEvents(_ context.Context, q Query) (aggregate.Aggregate, error) {
	return c.answer(q), nil
}

func (c *countingSources) CountReferrals(_ context.Context, q Query, _ ReferralStage) (aggregate.Aggregate, error) {
	return c.answer(q), nil
}

// TestNestedBreakdownCountedOnce: a breakdown nested under another (places
// under teams, organisations under their kind) is counted by the pair of
// dimensions only. Its count on its own was made too, for every report
// and export, and thrown away (a pass over the project's records per
// nested breakdown). An indicator's total and breakdowns, nested or not,
// are asked for in one call (one snapshot of the source).
func TestNestedBreakdownCountedOnce(t *testing.T) {
	t.Parallel()
	store := &reportStore{projectStore: projectStore{row: project()}, indicators: []*domain.Indicator{
		{ID: "i1", Code: "A", Metric: domain.MetricBeneficiariesAssisted, Disaggregations: []string{"sex", "service", "location"}},
		{ID: "i2", Code: "B", Metric: domain.MetricProfessionalsTrained, Disaggregations: []string{"organisation", "organisation_kind"}},
		{ID: "i3", Code: "C", Metric: domain.MetricTrainingEvents, Disaggregations: []string{"municipality", "country"}},
	}}
	sources := &countingSources{}
	r, err := New(store, sources, nil).GetProjectReport(context.Background(), auth.Principal{OrganisationID: implementer}, projectID, date.Date{}, date.Date{}, false)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(sources.asked)
	want := []string{
		"country each=true also=municipality+country",
		"organisation_kind each=true also=organisation+organisation_kind",
		"sex+service each=true also=location+service",
	}
	if !slices.Equal(sources.asked, want) {
		t.Errorf("asked the sources for\n%v\nwant\n%v", sources.asked, want)
	}
	for _, res := range r.Results {
		if res.Actual.Total.Count != 20 {
			t.Errorf("%s: total %d, want 20", res.Indicator.Code, res.Actual.Total.Count)
		}
		for _, b := range res.Actual.Breakdowns {
			up := domain.ParentDimension(b.Dimension, res.Indicator.Disaggregations)
			if len(b.Cells) != 2 || b.Parent != up {
				t.Errorf("%s by %s: %+v, want two cells nested under %q", res.Indicator.Code, b.Dimension, b, up)
			}
			for _, c := range b.Cells {
				if c.Count != 10 || (up != "") != (c.Parent != "") {
					t.Errorf("%s by %s: cell %+v", res.Indicator.Code, b.Dimension, c)
				}
			}
		}
	}
}

// fixedSources answers every count with the same aggregate.
type fixedSources struct{ agg aggregate.Aggregate }

func (f fixedSources) CountAssisted(context.Context, Query) (aggregate.Aggregate, error) {
	return f.agg, nil
}

func (f fixedSources) CountParticipants(context.Context, Query, domain.Participation) (aggregate.Aggregate, error) {
	return f.agg, nil
}

func (f fixedSources) CountEvents(context.Context, Query) (aggregate.Aggregate, error) {
	return f.agg, nil
}

func (f fixedSources) CountReferrals(context.Context, Query, ReferralStage) (aggregate.Aggregate, error) {
	return f.agg, nil
}

// TestAgeBandsInAgeOrder: a breakdown by age band lists the bands youngest
// first, then unknown (as a donor's template does), in the report and so
// in every export made from it; other breakdowns stay in label order.
// Which cells are hidden does not change: the one small band takes the
// next in label order with it (0-4 with 12-17), as before, so a report
// read before and after the change gives no hidden band back. Before,
// the bands were listed in text order (0-4, 12-17, 18-59, 5-11, 60+).
func TestAgeBandsInAgeOrder(t *testing.T) {
	t.Parallel()
	agg := byOne(51, []oneCell{
		{"age_band", "unknown", 10}, {"age_band", "60+", 10}, {"age_band", "5-11", 10}, {"age_band", "18-59", 10},
		{"age_band", "12-17", 10}, {"age_band", "0-4", 1},
		{"legal_status", "unknown", 11}, {"legal_status", "refugee", 20}, {"legal_status", "asylum_seeker", 20},
	})
	checkListed(t, agg, &domain.Indicator{ID: "i1", Code: "A", Metric: domain.MetricBeneficiariesAssisted, Disaggregations: []string{"age_band", "legal_status"}},
		map[string]string{
			"age_band":     "0-4=* 5-11=10 12-17=* 18-59=10 60+=10 unknown=10",
			"legal_status": "asylum_seeker=20 refugee=20 unknown=11",
		})
}

// oneCell is a group of an aggregate labelled with one dimension.
type oneCell struct {
	dim, label string
	n          int64
}

// byOne is an aggregate of total with groups each labelled by one dimension.
func byOne(total int64, cells []oneCell) aggregate.Aggregate {
	agg := aggregate.Aggregate{Total: total}
	for _, g := range cells {
		agg.Groups = append(agg.Groups, aggregate.Group{Labels: map[string]string{g.dim: g.label}, Count: g.n})
	}
	return agg
}

// checkListed checks the cells of ind's breakdowns, as the implementing
// organisation and a donor read them (label=count, * when hidden), in the
// order listed, ind's counts being agg.
func checkListed(t *testing.T, agg aggregate.Aggregate, ind *domain.Indicator, want map[string]string) {
	t.Helper()
	store := &reportStore{projectStore: projectStore{row: project()}, indicators: []*domain.Indicator{ind}}
	for _, by := range []string{implementer, donor} {
		r, err := New(store, fixedSources{agg}, nil).GetProjectReport(context.Background(), auth.Principal{OrganisationID: by}, projectID, date.Date{}, date.Date{}, false)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range r.Results[0].Actual.Breakdowns {
			var got []string
			for _, c := range b.Cells {
				v := fmt.Sprint(c.Count)
				if c.Suppressed {
					v = "*"
				}
				got = append(got, c.Label+"="+v)
			}
			if g := strings.Join(got, " "); g != want[b.Dimension] {
				t.Errorf("%s: by %s: %s, want %s", by, b.Dimension, g, want[b.Dimension])
			}
		}
	}
}

// TestUnknownListedLast: "unknown" (no value recorded) is listed last in
// every breakdown, after "workshop" and "Šid", which text order put after
// it; which cells are hidden does not change (a small unknown is hidden
// with Šid, the next in text order, as before).
func TestUnknownListedLast(t *testing.T) {
	t.Parallel()
	agg := byOne(52, []oneCell{
		{"municipality", "Šid", 20}, {"municipality", "unknown", 2}, {"municipality", "Beograd", 20}, {"municipality", "Вршац", 10},
		{"event_type", "workshop", 20}, {"event_type", "unknown", 12}, {"event_type", "seminar", 20},
	})
	checkListed(t, agg, &domain.Indicator{ID: "i1", Code: "A", Metric: domain.MetricBeneficiaryParticipantsRegistered,
		Disaggregations: []string{"municipality", "event_type"}}, map[string]string{
		"municipality": "Beograd=20 Šid=* Вршац=10 unknown=*",
		"event_type":   "seminar=20 workshop=20 unknown=12",
	})
}
