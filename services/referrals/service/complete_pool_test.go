package service_test

import (
	"context"
	"sync"
	"testing"
	"time"

	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	pb "github.com/spona/spona/gen/go/spona/referrals/v1"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/services/referrals/service"
)

// TestCompletionsOutnumberingThePool: more completions with their
// assistance at once than the referrals service has database connections
// all complete. Recording the assistance of a referral to a directory
// service makes the beneficiaries service read that service from the
// referrals directory, so a completion must not keep a connection while
// it waits for the record: with every connection so kept, the directory
// read waited for one, and each completion for its directory read, until
// their deadlines (a minute here).
func TestCompletionsOutnumberingThePool(t *testing.T) {
	s := startReferrals(t, pgtest.NewDatabase(t), func(c *service.Config) { c.DBMaxConns = 2 })
	orgA, orgB := s.org(t, "Sender"), s.org(t, "Receiver")
	ctxA, ctxB := partner(t, orgA), partner(t, orgB)
	team := s.team(t, ctxB, orgB, "Team B", "Šid")
	benID := s.beneficiary(t, ctxA)
	s.consent(t, ctxA, benID, time.Time{})
	var refs []string
	for range 4 {
		id := s.teamReferral(t, ctxA, benID, orgB, team, "")
		s.started(t, ctxA, ctxB, id)
		refs = append(refs, id)
	}
	ctx, cancel := context.WithTimeout(ctxB, time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, len(refs))
	today := reportToday(t).String()
	for i, id := range refs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.ref.CompleteReferral(ctx, &pb.CompleteReferralRequest{Id: id,
				Outcome: &pb.ReferralOutcome{Code: pb.OutcomeCode_OUTCOME_CODE_SERVICE_PROVIDED},
				Assistance: &benv1.Assistance{Type: benv1.AssistanceType_ASSISTANCE_TYPE_PSYCHOSOCIAL_COUNSELLING,
					Date: today}})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("completion %d: %v", i, err)
		}
	}
}
