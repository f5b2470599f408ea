package adapters_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/events"
	"github.com/spona/spona/pkg/testkit/benchenv"
	"github.com/spona/spona/services/beneficiaries/internal/adapters"
	"github.com/spona/spona/services/beneficiaries/internal/app"
	"github.com/spona/spona/services/beneficiaries/internal/domain"
)

// unrecorded is the repository as CreateAssistance found it before it
// emitted assistance.recorded (r23): its transactions drop that event, so
// nothing reaches the outbox for a record made.
type unrecorded struct{ app.Repository }

func (u unrecorded) InTx(ctx context.Context, fn func(app.Repository) error) error {
	return u.Repository.InTx(ctx, func(r app.Repository) error { return fn(unrecorded{r}) })
}

func (u unrecorded) Emit(ctx context.Context, evs ...events.Event) error {
	return u.Repository.Emit(ctx, slices.DeleteFunc(evs, func(e events.Event) bool { return e.Type == events.AssistanceRecorded })...)
}

// BenchmarkCreateAssistance measures what writing assistance.recorded to
// the outbox adds to recording an assistance (App.CreateAssistance, the
// whole use case: the person read and locked, the record inserted, the
// audit record, the event, one transaction), over 20,000 beneficiaries:
// before, the same use case with the event dropped (unrecorded), each way
// once per iteration, in turn first (benchenv.Interleaved), each call a
// new record for another person. It reports the median times, the round
// trips of each way (rt; the event's INSERT is queued with the COMMIT, so
// it adds none) and the ratio after/before, and logs the WAL each way
// writes per call.
func BenchmarkCreateAssistance(b *testing.B) {
	loaded, orgs := load(b, 20_000)
	ctx := context.Background()
	pool, rt, persons := counted(b, loaded, orgs[1])
	repo := adapters.NewPostgres(pool)
	apps := map[string]*app.App{"before": app.New(unrecorded{repo}, nil, nil), "after": app.New(repo, nil, nil)}
	act := app.Actor{Principal: auth.Principal{OrganisationID: orgs[1], ClientID: "bench"}}
	day := date.Of(time.Date(2024, 3, 4, 0, 0, 0, 0, time.UTC))
	calls := map[string]int{}
	trips := map[string]int{}
	way := func(name string) benchenv.Way {
		return benchenv.Way{Name: name, Run: func() error {
			calls[name]++
			n := calls[name]
			before := rt.count()
			as := &domain.Assistance{Type: "legal_counselling", Date: day, Notes: "asked about the interview"}
			_, err := apps[name].CreateAssistance(ctx, act, persons[n%len(persons)], as, fmt.Sprintf("%s-%d", name, n))
			trips[name] += rt.count() - before
			return err
		}}
	}
	ways := []benchenv.Way{way("before"), way("after")}
	logWAL(b, loaded, ways)
	var recorded int
	if err := loaded.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE type = $1`, events.AssistanceRecorded).Scan(&recorded); err != nil ||
		recorded != calls["after"] {
		b.Fatalf("%d assistance.recorded in the outbox after %d calls with the event: %v", recorded, calls["after"], err)
	}
	for range benchenv.Rounds(b) {
		b.Run("create_assistance", func(b *testing.B) {
			clear(trips)
			med, rounds := benchenv.Interleaved(b, ways)
			for _, w := range ways {
				b.ReportMetric(float64(trips[w.Name])/float64(rounds), w.Name+"-rt")
			}
			b.ReportMetric(float64(med["after"])/float64(med["before"]), "after/before")
		})
	}
}
