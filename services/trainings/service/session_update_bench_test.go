package service_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	pb "github.com/spona/spona/gen/go/spona/trainings/v1"
	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/etag"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/pgwire"
	"github.com/spona/spona/services/trainings/internal/adapters"
	"github.com/spona/spona/services/trainings/internal/domain"
)

// BenchmarkStoreUpdateSession times the repository's UpdateSession (the
// statement a PATCH of a session ends with) on a pool of its own
// connected through the counting relay (pkg/testkit/pgwire), reporting the round trips
// to PostgreSQL per call (trips/op) and the statements executed
// (stmts/op): "stored", the version given is the stored one (the
// correction is stored); "stale", it is not (a correction committed since
// the PATCH read the session: etag mismatch); "gone", no such session of
// the event (deleted since: not found). The service (its schema migrated)
// runs beside it on the same database.
func BenchmarkStoreUpdateSession(b *testing.B) {
	url := pgtest.NewDatabase(b)
	counter, through := pgwire.Start(b, url)
	conn, ctx, _, e := taggedBenchEvent(b, url, url, "2019-03-09")
	r, err := pb.NewTrainingServiceClient(conn).CreateSession(ctx, &pb.CreateSessionRequest{EventId: e.GetId(), Session: &pb.Session{Date: "2019-03-02"}})
	if err != nil {
		b.Fatal(err)
	}
	bg := context.Background()
	pool, err := db.Open(bg, through, "trainings", 1)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	repo := adapters.NewPostgres(pool)
	day, _ := date.Parse("2019-03-03")
	version := int64(1)
	calls := []struct {
		name string
		call func() error
	}{
		{"stored", func() error {
			s, err := repo.UpdateSession(bg, &domain.Session{ID: r.GetSession().GetId(), EventID: e.GetId(), Date: day, Topic: "T"}, version)
			if err == nil {
				version = s.Version
			}
			return err
		}},
		{"stale", func() error {
			_, err := repo.UpdateSession(bg, &domain.Session{ID: r.GetSession().GetId(), EventID: e.GetId(), Date: day}, version+7)
			var e *errs.Error
			if !errors.As(err, &e) || e.Reason != etag.ReasonMismatch {
				return fmt.Errorf("a stale version: %v, want %s", err, etag.ReasonMismatch)
			}
			return nil
		}},
		{"gone", func() error {
			_, err := repo.UpdateSession(bg, &domain.Session{ID: ids.New(), EventID: e.GetId(), Date: day}, 1)
			if !errors.Is(err, errs.ErrNotFound) {
				return fmt.Errorf("no such session: %v, want not found", err)
			}
			return nil
		}},
	}
	for _, call := range calls {
		b.Run(call.name, func(b *testing.B) {
			for range 4 { // the statements prepared
				if err := call.call(); err != nil {
					b.Fatal(err)
				}
			}
			counter.Reset()
			i := 0
			for b.Loop() {
				if err := call.call(); err != nil {
					b.Fatal(err)
				}
				i++
			}
			trips, execs, _ := counter.Counted("")
			b.ReportMetric(float64(trips)/float64(i), "trips/op")
			b.ReportMetric(float64(execs)/float64(i), "stmts/op")
		})
	}
}
