package service_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	refv1 "github.com/spona/spona/gen/go/spona/referrals/v1"
	pb "github.com/spona/spona/gen/go/spona/webhooks/v1"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	beneficiaries "github.com/spona/spona/services/beneficiaries/service"
	referrals "github.com/spona/spona/services/referrals/service"
	reporting "github.com/spona/spona/services/reporting/service"
	trainings "github.com/spona/spona/services/trainings/service"
	"github.com/spona/spona/services/webhooks/internal/adapters"
	"github.com/spona/spona/services/webhooks/internal/app"
	"github.com/spona/spona/services/webhooks/internal/domain"
	"github.com/spona/spona/services/webhooks/service"
	"google.golang.org/grpc"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const secretsKey = "webhooks-test-secrets-key-0123456789"

type stack struct {
	url string
	ben *grpc.ClientConn // the beneficiaries service
	ref *grpc.ClientConn // the referrals service
	// The trainings and reporting services, whose feeds are consumed too:
	// started by trainingsAndReporting, when a test needs them.
	trn, rep *servicetest.Deferred
	wh       pb.WebhookServiceClient
	feed     pb.ChangeFeedServiceClient
	pool     *pgxpool.Pool
	in       *app.App // applies injected events, as the feed consumer does
	cfg      service.Config
}

// start runs the real webhooks service on a fresh database, with fast
// retries, consuming the feeds of the real beneficiaries and referrals
// services; configure adjusts its configuration.
func start(t testing.TB, configure func(*service.Config)) *stack {
	t.Helper()
	url := pgtest.NewDatabase(t)
	// The trainings and reporting services start when a test needs them
	// (trainingsAndReporting): nothing else here is tagged with a project,
	// nor is assistance recorded at a directory service.
	trn, rep := servicetest.Defer(t), servicetest.Defer(t)
	ben := servicetest.Start(t, beneficiaries.New(beneficiaries.Config{Config: servicetest.Platform(t, url), ReportingAddr: rep.Addr,
		ConsentExpiryInterval: 100 * time.Millisecond, ReferralsAddr: "127.0.0.1:1"}))
	ref := servicetest.Start(t, referrals.New(referrals.Config{Config: servicetest.Platform(t, url), BeneficiariesAddr: ben.Target(),
		ReportingAddr: rep.Addr}))
	cfg := service.Config{
		Config: servicetest.Platform(t, url), SecretsKey: secretsKey, AllowPrivateTargets: true,
		BeneficiariesAddr: ben.Target(), ReferralsAddr: ref.Target(), TrainingsAddr: trn.Addr, ReportingAddr: rep.Addr,
		Timeout: 2 * time.Second, RetryBase: 50 * time.Millisecond, RetryMax: time.Second, RetryFor: time.Hour,
		DisableAfter: 5 * time.Hour, Workers: 16, TargetConcurrency: 4, Lease: 5 * time.Second,
		PollInterval: 50 * time.Millisecond, FeedRetention: time.Hour, DeliveryRetention: time.Hour,
	}
	if configure != nil {
		configure(&cfg)
	}
	conn := servicetest.Start(t, service.New(cfg))
	pool, err := db.Open(context.Background(), url, "webhooks", 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	sealer, err := adapters.NewSealer(secretsKey)
	if err != nil {
		t.Fatal(err)
	}
	in, err := app.New(adapters.NewPostgres(pool, sealer), nil, nil, app.Options{}, slog.Default())
	if err != nil {
		t.Fatal(err)
	}
	return &stack{url: url, ben: ben, ref: ref, trn: trn, rep: rep, wh: pb.NewWebhookServiceClient(conn), feed: pb.NewChangeFeedServiceClient(conn), pool: pool, in: in, cfg: cfg}
}

// trainingsAndReporting starts the real trainings and reporting services
// (once), on the addresses whose feeds the webhooks service consumes, and
// returns connections to them.
func (s *stack) trainingsAndReporting(t testing.TB) (trn, rep *grpc.ClientConn) {
	t.Helper()
	trn = s.trn.Start(t, trainings.New(trainings.Config{Config: servicetest.Platform(t, s.url), ReferralsAddr: s.ref.Target(),
		BeneficiariesAddr: s.ben.Target(), ReportingAddr: s.rep.Addr}))
	rep = s.rep.Start(t, reporting.New(reporting.Config{Config: servicetest.Platform(t, s.url), BeneficiariesAddr: s.ben.Target(),
		ReferralsAddr: s.ref.Target(), TrainingsAddr: s.trn.Addr}))
	return trn, rep
}

// inject applies events in one transaction, the way the feed consumer does.
func (s *stack) inject(t testing.TB, evs ...domain.Event) {
	t.Helper()
	ctx := context.Background()
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		for _, e := range evs {
			if err := s.in.Apply(ctx, adapters.NewInbox(tx), e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// referralEvent is an event of the referrals feed.
func referralEvent(typ, referral, from, to, status string) domain.Event {
	return domain.Event{
		ID: ids.New(), Type: typ, AggregateType: "referral", AggregateID: referral, Time: time.Now(),
		OrganisationIDs: []string{from, to},
		Data: map[string]any{"referral_id": referral, "beneficiary_id": "0190a000-0000-7000-8000-0000000000be",
			"from_organisation_id": from, "to_organisation_id": to, "status": status, "urgency": "emergency",
			"due_time": time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)},
		Traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
	}
}

func as(t testing.TB, org string) context.Context {
	return servicetest.As(t, org, auth.ScopeWebhooksRead, auth.ScopeWebhooksWrite)
}

func (s *stack) subscribe(t testing.TB, org, url string, types ...string) *pb.Webhook {
	t.Helper()
	resp, err := s.wh.CreateWebhook(as(t, org), &pb.CreateWebhookRequest{Webhook: &pb.Webhook{Url: url, EventTypes: types}})
	if err != nil {
		t.Fatalf("subscribe %s: %v", url, err)
	}
	return resp.GetWebhook()
}

func (s *stack) deliveries(t testing.TB, org, webhook string) []*pb.Delivery {
	t.Helper()
	resp, err := s.wh.ListWebhookDeliveries(as(t, org), &pb.ListWebhookDeliveriesRequest{WebhookId: webhook, PageSize: 500})
	if err != nil {
		t.Fatal(err)
	}
	return resp.GetDeliveries()
}

// deadLettered waits for the delivery of event to org's webhook to be
// dead-lettered and returns it.
func (s *stack) deadLettered(t testing.TB, org, webhook, event string) *pb.Delivery {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		for _, d := range s.deliveries(t, org, webhook) {
			if d.GetEventId() == event && d.GetStatus() == pb.DeliveryStatus_DELIVERY_STATUS_DEAD_LETTERED {
				return d
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the delivery of event %s was not dead-lettered", event)
		}
	}
}

// settled waits until no delivery attempt is in flight: no delivery is
// under a lease that still runs. An attempt records its outcome (the
// receiver has recorded its request by then) and clears its lease; a
// claim not attempted keeps its lease until it runs out. A delivery given
// up (webhook disabled, type unsubscribed) while an attempt of it was
// claimed is still sent by that attempt, so a test that counts what is
// sent after such a change waits here first.
func (s *stack) settled(t testing.TB) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var leased int
		if err := s.pool.QueryRow(context.Background(), `SELECT count(*) FROM deliveries WHERE lease_until > now()`).Scan(&leased); err != nil {
			t.Fatal(err)
		}
		if leased == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d deliveries still leased: attempts in flight", leased)
		}
	}
}

// directoryOrg creates an organisation named name in the real referrals
// service's directory (one a referral can be sent to) and returns its id.
func (s *stack) directoryOrg(t testing.TB, name string) string {
	t.Helper()
	r, err := refv1.NewDirectoryServiceClient(s.ref).CreateOrganisation(servicetest.As(t, ids.New(), auth.ScopeDirectoryAdmin),
		&refv1.CreateOrganisationRequest{Organisation: &refv1.Organisation{Name: name, Kind: refv1.OrganisationKind_ORGANISATION_KIND_NGO,
			Country: "RS", Municipality: "Šid"}})
	if err != nil {
		t.Fatal(err)
	}
	return r.GetOrganisation().GetId()
}

// referred registers Amina Haddad as sender (with a referral_sharing
// consent) and sends a referral of her, in category, for reason, to
// receiver; it returns her id and the referral's.
func (s *stack) referred(t testing.TB, sender, receiver string, category refv1.ReferralCategory, reason string) (person, referral string) {
	t.Helper()
	ctx := servicetest.As(t, sender, auth.DefaultPartnerScopes...)
	benc, refc := benv1.NewBeneficiaryServiceClient(s.ben), refv1.NewReferralServiceClient(s.ref)
	b, err := benc.CreateBeneficiary(ctx, &benv1.CreateBeneficiaryRequest{Beneficiary: &benv1.Beneficiary{
		GivenName: "Amina", FamilyName: "Haddad", LegalStatus: benv1.LegalStatus_LEGAL_STATUS_ASYLUM_SEEKER}})
	if err != nil {
		t.Fatal(err)
	}
	person = b.GetBeneficiary().GetId()
	if _, err := benc.CreateConsent(ctx, &benv1.CreateConsentRequest{BeneficiaryId: person, Consent: &benv1.Consent{
		Purpose: benv1.ConsentPurpose_CONSENT_PURPOSE_REFERRAL_SHARING, GivenBy: benv1.ConsentGivenBy_CONSENT_GIVEN_BY_SELF}}); err != nil {
		t.Fatal(err)
	}
	d, err := refc.CreateReferral(ctx, &refv1.CreateReferralRequest{Referral: &refv1.Referral{BeneficiaryId: person, ToOrganisationId: receiver,
		Category: category, Reason: reason}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := refc.SendReferral(ctx, &refv1.SendReferralRequest{Id: d.GetReferral().GetId()}); err != nil {
		t.Fatal(err)
	}
	return person, d.GetReferral().GetId()
}
