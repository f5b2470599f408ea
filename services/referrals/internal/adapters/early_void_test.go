package adapters

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/events"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/services/referrals/internal/app"
	"github.com/spona/spona/services/referrals/internal/domain"
	"github.com/spona/spona/services/referrals/migrations"
)

// outcomeStore is a referrals schema of its own with a sender and a
// receiver, for the assistance events that reach a referral while its
// completion is under way.
type outcomeStore struct {
	url      string
	pool     *pgxpool.Pool
	p        *Postgres
	from, to string
	// completed are the referral.completed events written, in order.
	completed []events.Event
}

func newOutcomeStore(t *testing.T) *outcomeStore {
	t.Helper()
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	pool, err := db.Open(ctx, url, "referrals", 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if err := db.Migrate(ctx, pool, "referrals", migrations.FS, slog.Default()); err != nil {
		t.Fatal(err)
	}
	s := &outcomeStore{url: url, pool: pool, p: NewPostgres(pool), from: ids.New(), to: ids.New()}
	if _, err := pool.Exec(ctx, `INSERT INTO organisations (id, name, kind, created_by)
		VALUES ($1, 'Sender', 'ngo', $1), ($2, 'Receiver', 'ngo', $2)`, s.from, s.to); err != nil {
		t.Fatal(err)
	}
	return s
}

// inProgress stores a referral in progress, as its receiver reads it.
func (s *outcomeStore) inProgress(t *testing.T) *domain.Referral {
	t.Helper()
	ctx, id := context.Background(), ids.New()
	if _, err := s.pool.Exec(ctx, `INSERT INTO referrals (id, beneficiary_id, from_organisation_id, to_organisation_id, category, urgency, status, due_time, send_time, accept_time)
		VALUES ($1, $2, $3, $4, 'legal', 'normal', 'in_progress', now() + interval '1 day', now(), now())`, id, ids.New(), s.from, s.to); err != nil {
		t.Fatal(err)
	}
	r, err := s.p.GetReferral(ctx, s.to, id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// consume applies an event of the beneficiaries feed to r as the consumer
// does, in a transaction it returns (to commit), with the referral whose
// outcome it changed (nil for none).
func (s *outcomeStore) consume(t *testing.T, apply func(ctx context.Context) (*domain.Referral, error)) (changed *domain.Referral, commit func()) {
	t.Helper()
	ctx := context.Background()
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Not left open by a test that failed before committing it (the pool
	// would wait for it when closed).
	t.Cleanup(func() { _ = tx.Rollback(ctx) })
	changed, err = apply(db.WithTx(ctx, tx))
	if err != nil {
		t.Fatal(err)
	}
	return changed, func() {
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

// void applies assistance.voided of record (referral r) for reason at at.
func (s *outcomeStore) void(t *testing.T, r *domain.Referral, record, reason string, at time.Time) (*domain.Referral, func()) {
	t.Helper()
	return s.consume(t, func(ctx context.Context) (*domain.Referral, error) {
		return s.p.OutcomeAssistanceVoided(ctx, r.ID, record, reason, at)
	})
}

// correct applies assistance.corrected: record corrects the voided one.
func (s *outcomeStore) correct(t *testing.T, r *domain.Referral, corrects, record string) (*domain.Referral, func()) {
	t.Helper()
	return s.consume(t, func(ctx context.Context) (*domain.Referral, error) {
		return s.p.OutcomeAssistanceCorrected(ctx, r.ID, corrects, record)
	})
}

// complete commits the completion of r (read before the events) that
// recorded record.
func (s *outcomeStore) complete(t *testing.T, r *domain.Referral, record string) *domain.Referral {
	next := *r
	from, err := next.Apply(domain.Command{Action: domain.Complete, OutcomeCode: "service_provided"}, domain.Receiver, time.Now())
	if err != nil {
		t.Error(err)
		return nil
	}
	next.AssistanceID = record
	out, err := s.p.Transition(context.Background(), &next, r.Version, domain.Event{ReferralID: r.ID, FromStatus: from, ToStatus: next.Status,
		ActorOrganisationID: s.to, ActorClientID: "c"}, app.AccessRevokePending, func(stored *domain.Referral) events.Event {
		e := events.Event{Type: events.ReferralCompleted, AggregateType: events.AggregateReferral, AggregateID: stored.ID,
			Data: map[string]any{"assistance_id": stored.AssistanceID, "assistance_void_reason_code": stored.AssistanceVoidReason}}
		s.completed = append(s.completed, e)
		return e
	})
	if err != nil {
		t.Error(err)
		return nil
	}
	return out
}

// whileWaiting commits the completion of r naming record while a
// consumer's transaction holds r, then commits that transaction (hold's
// commit), and returns the completion.
func (s *outcomeStore) whileWaiting(t *testing.T, r *domain.Referral, record string, commit func()) *domain.Referral {
	t.Helper()
	done := make(chan *domain.Referral, 1)
	go func() { done <- s.complete(t, r, record) }()
	watch := pgtest.Connect(t, s.url)
	pgtest.Until(t, watch, "the completion waiting for the consumer", `SELECT `+pgtest.WaitingSessions+` >= 1`)
	commit()
	return <-done
}

// check fails unless out, just completed, names record with the void
// (reason at at; none for "") and its referral.completed event says so.
func (s *outcomeStore) check(t *testing.T, what string, out *domain.Referral, record, reason string, at time.Time) {
	t.Helper()
	if reason == "" {
		at = time.Time{}
	}
	if out == nil || out.AssistanceID != record || out.AssistanceVoidReason != reason || !out.AssistanceVoidTime.Equal(at) {
		t.Fatalf("%s: completed %+v, want the outcome naming %s, void %q at %v", what, out, record, reason, at)
	}
	if e := s.completed[len(s.completed)-1]; e.Data["assistance_id"] != record || e.Data["assistance_void_reason_code"] != reason {
		t.Fatalf("%s: referral.completed %v, want %s with void %q", what, e.Data, record, reason)
	}
}

// TestVoidBeforeCompletionCommits: the void of the assistance a completion
// recorded (assistance.voided, applied by the consumer) that comes before
// the completion commits reaches the completed referral's outcome when it
// commits: the void's time and reason show, on the referral and in the
// referral.completed event. Both orders are forced: the void committed
// before the completion's commit starts, and the void holding the referral
// while the completion's commit waits for it. Before, the void matched no
// outcome (the referral named none yet) and was lost: the outcome named a
// voided record as if it counted. A void of the record once the referral
// is completed is recorded as before.
func TestVoidBeforeCompletionCommits(t *testing.T) {
	s := newOutcomeStore(t)
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

	t.Run("void committed first", func(t *testing.T) {
		r, record := s.inProgress(t), ids.New()
		_, commit := s.void(t, r, record, "wrong_details", at)
		commit()
		s.check(t, "void committed first", s.complete(t, r, record), record, "wrong_details", at)
	})

	t.Run("void holding the referral while the completion waits", func(t *testing.T) {
		r, record := s.inProgress(t), ids.New()
		_, commit := s.void(t, r, record, "wrong_details", at)
		s.check(t, "void holding the referral", s.whileWaiting(t, r, record, commit), record, "wrong_details", at)
	})

	t.Run("a void of another record", func(t *testing.T) {
		r, record := s.inProgress(t), ids.New()
		_, commit := s.void(t, r, ids.New(), "wrong_details", at)
		commit()
		s.check(t, "a void of another record", s.complete(t, r, record), record, "", at)
		// Its own void, once completed, is recorded as before.
		out, commit := s.void(t, r, record, "duplicate", at)
		commit()
		if out == nil || out.AssistanceVoidReason != "duplicate" {
			t.Fatalf("void after the completion: %+v", out)
		}
	})
}

// TestVoidAndCorrectionBeforeCompletionCommits: the receiver voids the
// record its completion made as WRONG_DETAILS and records the correction
// (assistance.voided, then assistance.corrected), both applied before the
// completion commits: the completed referral's outcome names the
// correction, counting (no void), and referral.completed says so; a
// correction voided in turn (as a duplicate) before the commit is named
// voided; a correction of the correction, named. Both orders are forced
// for the correction: committed before the completion, and holding the
// referral while the completion waits. Before, the correction matched no
// outcome (the referral named none yet) and was lost: the completed
// outcome named the first record, voided, though its correction counts.
// A correction once the referral is completed changes its outcome as
// before; a correction of a record whose void was not kept changes nothing.
func TestVoidAndCorrectionBeforeCompletionCommits(t *testing.T) {
	s := newOutcomeStore(t)
	at, later := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC), time.Date(2026, 12, 1, 11, 0, 0, 0, time.UTC)
	voided := func(t *testing.T, r *domain.Referral, record, reason string, at time.Time) {
		t.Helper()
		if out, commit := s.void(t, r, record, reason, at); out != nil {
			t.Fatalf("a void before the completion changed %+v", out)
		} else {
			commit()
		}
	}
	corrected := func(t *testing.T, r *domain.Referral, corrects, record string) {
		t.Helper()
		if out, commit := s.correct(t, r, corrects, record); out != nil {
			t.Fatalf("a correction before the completion changed %+v", out)
		} else {
			commit()
		}
	}

	t.Run("void and correction committed first", func(t *testing.T) {
		r, record, correction := s.inProgress(t), ids.New(), ids.New()
		voided(t, r, record, "wrong_details", at)
		corrected(t, r, record, correction)
		s.check(t, "void and correction first", s.complete(t, r, record), correction, "", at)
		// Its void, once completed, is recorded as before.
		out, commit := s.void(t, r, correction, "not_delivered", later)
		commit()
		if out == nil || out.AssistanceID != correction || out.AssistanceVoidReason != "not_delivered" {
			t.Fatalf("the correction's void after the completion: %+v", out)
		}
	})

	t.Run("the correction holding the referral while the completion waits", func(t *testing.T) {
		r, record, correction := s.inProgress(t), ids.New(), ids.New()
		voided(t, r, record, "wrong_details", at)
		_, commit := s.correct(t, r, record, correction)
		s.check(t, "the correction holding the referral", s.whileWaiting(t, r, record, commit), correction, "", at)
	})

	t.Run("the correction voided too", func(t *testing.T) {
		r, record, correction := s.inProgress(t), ids.New(), ids.New()
		voided(t, r, record, "wrong_details", at)
		corrected(t, r, record, correction)
		voided(t, r, correction, "duplicate", later)
		s.check(t, "the correction voided", s.complete(t, r, record), correction, "duplicate", later)
	})

	t.Run("a correction of the correction", func(t *testing.T) {
		r, record, correction, second := s.inProgress(t), ids.New(), ids.New(), ids.New()
		voided(t, r, record, "wrong_details", at)
		corrected(t, r, record, correction)
		voided(t, r, correction, "wrong_details", later)
		corrected(t, r, correction, second)
		s.check(t, "a correction of the correction", s.complete(t, r, record), second, "", at)
	})

	t.Run("a correction of a record whose void was not kept", func(t *testing.T) {
		r, record := s.inProgress(t), ids.New()
		corrected(t, r, ids.New(), ids.New())
		voided(t, r, ids.New(), "wrong_details", at)
		corrected(t, r, record, ids.New()) // not the record voided
		s.check(t, "a correction of another record", s.complete(t, r, record), record, "", at)
	})

	t.Run("void before, correction after the completion", func(t *testing.T) {
		r, record, correction := s.inProgress(t), ids.New(), ids.New()
		voided(t, r, record, "wrong_details", at)
		s.check(t, "void before", s.complete(t, r, record), record, "wrong_details", at)
		out, commit := s.correct(t, r, record, correction)
		commit()
		if out == nil || out.AssistanceID != correction || out.AssistanceVoidReason != "" || !out.AssistanceVoidTime.IsZero() {
			t.Fatalf("the correction after the completion: %+v", out)
		}
	})
}
