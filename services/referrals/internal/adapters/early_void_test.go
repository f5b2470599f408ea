package adapters

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/events"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/services/referrals/internal/app"
	"github.com/spona/spona/services/referrals/internal/domain"
	"github.com/spona/spona/services/referrals/migrations"
)

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
	p := NewPostgres(pool)
	from, to := ids.New(), ids.New()
	if _, err := pool.Exec(ctx, `INSERT INTO organisations (id, name, kind, created_by)
		VALUES ($1, 'Sender', 'ngo', $1), ($2, 'Receiver', 'ngo', $2)`, from, to); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	inProgress := func(t *testing.T) *domain.Referral {
		t.Helper()
		id := ids.New()
		if _, err := pool.Exec(ctx, `INSERT INTO referrals (id, beneficiary_id, from_organisation_id, to_organisation_id, category, urgency, status, due_time, send_time, accept_time)
			VALUES ($1, $2, $3, $4, 'legal', 'normal', 'in_progress', now() + interval '1 day', now(), now())`, id, ids.New(), from, to); err != nil {
			t.Fatal(err)
		}
		r, err := p.GetReferral(ctx, to, id)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	// void applies assistance.voided of record as the consumer does, in a
	// transaction it returns (to commit).
	void := func(t *testing.T, r *domain.Referral, record string) (commit func()) {
		t.Helper()
		tx, err := pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.OutcomeAssistanceVoided(db.WithTx(ctx, tx), r.ID, record, "wrong_details", at); err != nil {
			t.Fatal(err)
		}
		return func() {
			if err := tx.Commit(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	var completed []events.Event
	complete := func(t *testing.T, r *domain.Referral, record string) *domain.Referral {
		next := *r
		from, err := next.Apply(domain.Command{Action: domain.Complete, OutcomeCode: "service_provided"}, domain.Receiver, time.Now())
		if err != nil {
			t.Error(err)
			return nil
		}
		next.AssistanceID = record
		out, err := p.Transition(ctx, &next, r.Version, domain.Event{ReferralID: r.ID, FromStatus: from, ToStatus: next.Status,
			ActorOrganisationID: to, ActorClientID: "c"}, app.AccessRevokePending, func(stored *domain.Referral) events.Event {
			e := events.Event{Type: events.ReferralCompleted, AggregateType: events.AggregateReferral, AggregateID: stored.ID,
				Data: map[string]any{"assistance_void_reason_code": stored.AssistanceVoidReason}}
			completed = append(completed, e)
			return e
		})
		if err != nil {
			t.Error(err)
			return nil
		}
		return out
	}
	check := func(t *testing.T, what string, out *domain.Referral, record string) {
		t.Helper()
		if out == nil || out.AssistanceID != record || out.AssistanceVoidReason != "wrong_details" || !out.AssistanceVoidTime.Equal(at) {
			t.Fatalf("%s: completed %+v, want the outcome naming %s voided (wrong_details at %v)", what, out, record, at)
		}
		if e := completed[len(completed)-1]; e.Data["assistance_void_reason_code"] != "wrong_details" {
			t.Fatalf("%s: referral.completed %v, want the void's reason", what, e.Data)
		}
	}

	t.Run("void committed first", func(t *testing.T) {
		r, record := inProgress(t), ids.New()
		void(t, r, record)()
		check(t, "void committed first", complete(t, r, record), record)
	})

	t.Run("void holding the referral while the completion waits", func(t *testing.T) {
		r, record := inProgress(t), ids.New()
		commit := void(t, r, record)
		done := make(chan *domain.Referral, 1)
		go func() { done <- complete(t, r, record) }()
		watch := pgtest.Connect(t, url)
		pgtest.Until(t, watch, "the completion waiting for the void", `SELECT `+pgtest.WaitingSessions+` >= 1`)
		commit()
		check(t, "void holding the referral", <-done, record)
	})

	t.Run("a void of another record", func(t *testing.T) {
		r, record := inProgress(t), ids.New()
		void(t, r, ids.New())()
		if out := complete(t, r, record); out == nil || out.AssistanceVoidReason != "" || !out.AssistanceVoidTime.IsZero() {
			t.Fatalf("completed %+v, want its own record counting", out)
		}
		// Its own void, once completed, is recorded as before.
		tx, err := pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = tx.Rollback(ctx) }()
		out, err := p.OutcomeAssistanceVoided(db.WithTx(ctx, tx), r.ID, record, "duplicate", at)
		if err != nil || out == nil || out.AssistanceVoidReason != "duplicate" {
			t.Fatalf("void after the completion: %+v %v", out, err)
		}
	})
}
