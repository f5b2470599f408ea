package service_test

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	commonv1 "github.com/spona/spona/gen/go/spona/common/v1"
	pb "github.com/spona/spona/gen/go/spona/referrals/v1"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/loopback"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/projecttest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	beneficiaries "github.com/spona/spona/services/beneficiaries/service"
	"github.com/spona/spona/services/referrals/migrations"
	"github.com/spona/spona/services/referrals/service"
	reporting "github.com/spona/spona/services/reporting/service"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

type stack struct {
	url       string
	conn      *grpc.ClientConn // referrals
	dir       pb.DirectoryServiceClient
	ref       pb.ReferralServiceClient
	ben       benv1.BeneficiaryServiceClient
	benConn   *grpc.ClientConn // beneficiaries
	proxy     *proxy           // between referrals and beneficiaries
	reporting *servicetest.Deferred
}

// start runs the real beneficiaries and referrals services on one database;
// referrals reaches beneficiaries through a TCP proxy the test can cut. The
// reporting service (asked whether a sender may tag a referral with a
// project) starts when a test first creates a project.
// Options of the beneficiaries service (its consent expiry sweep) may be
// changed by opts.
func start(t testing.TB, opts ...func(*beneficiaries.Config)) *stack {
	t.Helper()
	return startOn(t, pgtest.NewDatabase(t), opts...)
}

// startOn is start on the database at url.
func startOn(t testing.TB, url string, opts ...func(*beneficiaries.Config)) *stack {
	t.Helper()
	return startReferrals(t, url, func(*service.Config) {}, opts...)
}

// startReferrals is startOn with the referrals service's config changed
// by ref.
func startReferrals(t testing.TB, url string, ref func(*service.Config), opts ...func(*beneficiaries.Config)) *stack {
	t.Helper()
	// Each calls the other (beneficiaries reads the directory, referrals
	// the beneficiaries), and both ask reporting about project tags: the
	// addresses of referrals and reporting are reserved first.
	rep, refs := servicetest.Defer(t), servicetest.Defer(t)
	benCfg := beneficiaries.Config{Config: servicetest.Platform(t, url),
		ReportingAddr: rep.Addr, ReferralsAddr: refs.Addr, ConsentExpiryInterval: 100 * time.Millisecond}
	for _, o := range opts {
		o(&benCfg)
	}
	benConn := servicetest.Start(t, beneficiaries.New(benCfg))
	px := newProxy(t, benConn.Target())
	refCfg := service.Config{Config: servicetest.Platform(t, url),
		BeneficiariesAddr: px.addr, ReportingAddr: rep.Addr, RevokeRetryInterval: 100 * time.Millisecond}
	ref(&refCfg)
	conn := refs.Start(t, service.New(refCfg))
	return &stack{
		url:       url,
		conn:      conn,
		dir:       pb.NewDirectoryServiceClient(conn),
		ref:       pb.NewReferralServiceClient(conn),
		ben:       benv1.NewBeneficiaryServiceClient(benConn),
		benConn:   benConn,
		proxy:     px,
		reporting: rep,
	}
}

// project creates a project implemented by the organisation of ctx, with
// partners (implementing) and funders, and returns its id.
func (s *stack) project(t testing.TB, ctx context.Context, partners, funders []string) string {
	t.Helper()
	conn := s.reporting.Start(t, reporting.New(reporting.Config{Config: servicetest.Platform(t, s.url),
		BeneficiariesAddr: s.proxy.target, ReferralsAddr: s.conn.Target(), TrainingsAddr: s.conn.Target()}))
	return projecttest.Create(t, conn, ctx, partners, funders)
}

func (s *stack) org(t testing.TB, name string) string {
	t.Helper()
	admin := servicetest.As(t, ids.New(), auth.ScopeDirectoryAdmin)
	r, err := s.dir.CreateOrganisation(admin, &pb.CreateOrganisationRequest{Organisation: &pb.Organisation{
		Name: name, Kind: pb.OrganisationKind_ORGANISATION_KIND_NGO, Country: "RS", Municipality: "Beograd",
		LocalizedNames: map[string]string{"sr-Cyrl": "Центар", "sr-Latn": "Centar"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return r.GetOrganisation().GetId()
}

// beneficiary registers a person for the organisation of ctx.
func (s *stack) beneficiary(t testing.TB, ctx context.Context) string {
	t.Helper()
	r, err := s.ben.CreateBeneficiary(ctx, &benv1.CreateBeneficiaryRequest{Beneficiary: &benv1.Beneficiary{
		GivenName: "Amir", FamilyName: "Hadžić", Sex: commonv1.Sex_SEX_MALE, BirthYear: int32(time.Now().Year() - 30),
		LegalStatus: benv1.LegalStatus_LEGAL_STATUS_ASYLUM_SEEKER, Municipality: "Obrenovac", Country: "RS"}})
	if err != nil {
		t.Fatal(err)
	}
	return r.GetBeneficiary().GetId()
}

// consent records a referral_sharing consent; a non-zero expiry in the past
// records one that has lapsed.
func (s *stack) consent(t testing.TB, ctx context.Context, benID string, expire time.Time) string {
	t.Helper()
	c := &benv1.Consent{Purpose: benv1.ConsentPurpose_CONSENT_PURPOSE_REFERRAL_SHARING, GivenBy: benv1.ConsentGivenBy_CONSENT_GIVEN_BY_SELF,
		Scope: "referral to partner services"}
	if !expire.IsZero() {
		c.ExpireTime = timestamppb.New(expire)
		if expire.Before(time.Now()) {
			c.GivenTime = timestamppb.New(expire.Add(-48 * time.Hour))
		}
	}
	r, err := s.ben.CreateConsent(ctx, &benv1.CreateConsentRequest{BeneficiaryId: benID, Consent: c})
	if err != nil {
		t.Fatal(err)
	}
	return r.GetConsent().GetId()
}

// expired makes time pass until the person's referral_sharing consents
// expired a second ago: in the beneficiaries service and in what referral
// ref was sent under (its copy of the expiry). A real expiry a moment
// ahead would also need the steps before it to finish within that moment,
// which a loaded machine does not promise.
func expired(t testing.TB, s *stack, benID, ref string) {
	t.Helper()
	s.sql(t, `UPDATE beneficiaries.consents SET given_time = now() - interval '2 hours', expire_time = now() - interval '1 second'
		WHERE beneficiary_id = $1 AND purpose = 'referral_sharing' AND expire_time IS NOT NULL`, benID)
	s.sql(t, `UPDATE referrals.referrals SET consent_expire_time = now() - interval '1 second' WHERE id = $1`, ref)
}

func (s *stack) draft(t testing.TB, ctx context.Context, benID, to string, urgency pb.Urgency) *pb.Referral {
	t.Helper()
	r, err := s.ref.CreateReferral(ctx, &pb.CreateReferralRequest{Referral: &pb.Referral{
		BeneficiaryId: benID, ToOrganisationId: to, Category: pb.ReferralCategory_REFERRAL_CATEGORY_LEGAL,
		Urgency: urgency, Reason: "asylum interview next week", Notes: "speaks Arabic; needs an interpreter"}})
	if err != nil {
		t.Fatal(err)
	}
	return r.GetReferral()
}

// teamReferral drafts a psychosocial referral of person (registered by
// the organisation of ctxA) to team, a service of organisation to, with
// reason (may be empty), and returns its id.
func (s *stack) teamReferral(t testing.TB, ctxA context.Context, person, to string, team *pb.Service, reason string) string {
	t.Helper()
	d, err := s.ref.CreateReferral(ctxA, &pb.CreateReferralRequest{Referral: &pb.Referral{BeneficiaryId: person, ToOrganisationId: to,
		ToServiceId: team.GetId(), Category: pb.ReferralCategory_REFERRAL_CATEGORY_PSYCHOSOCIAL, Reason: reason}})
	if err != nil {
		t.Fatal(err)
	}
	return d.GetReferral().GetId()
}

// started takes draft id, of the organisation of ctxA to that of ctxB,
// through send (ctxA), accept and start (ctxB): a referral in progress,
// which the receiver may complete. It returns the referral as started.
func (s *stack) started(t testing.TB, ctxA, ctxB context.Context, id string) *pb.Referral {
	t.Helper()
	s.must(t, ctxA, "send", id)
	s.must(t, ctxB, "accept", id)
	return s.must(t, ctxB, "start", id)
}

// do takes an action on a referral as ctx.
func (s *stack) do(ctx context.Context, action, id string) (*pb.Referral, error) {
	switch action {
	case "send":
		r, err := s.ref.SendReferral(ctx, &pb.SendReferralRequest{Id: id})
		return r.GetReferral(), err
	case "accept":
		r, err := s.ref.AcceptReferral(ctx, &pb.AcceptReferralRequest{Id: id, Note: "we will see them Monday"})
		return r.GetReferral(), err
	case "decline":
		r, err := s.ref.DeclineReferral(ctx, &pb.DeclineReferralRequest{Id: id, Reason: "no capacity this month"})
		return r.GetReferral(), err
	case "start":
		r, err := s.ref.StartReferral(ctx, &pb.StartReferralRequest{Id: id})
		return r.GetReferral(), err
	case "complete":
		r, err := s.ref.CompleteReferral(ctx, &pb.CompleteReferralRequest{Id: id, Outcome: &pb.ReferralOutcome{
			Code: pb.OutcomeCode_OUTCOME_CODE_SERVICE_PROVIDED, Note: "represented at the interview"}})
		return r.GetReferral(), err
	case "cancel":
		r, err := s.ref.CancelReferral(ctx, &pb.CancelReferralRequest{Id: id, Reason: "moved to Croatia"})
		return r.GetReferral(), err
	}
	panic("unknown action " + action)
}

func (s *stack) must(t testing.TB, ctx context.Context, action, id string) *pb.Referral {
	t.Helper()
	r, err := s.do(ctx, action, id)
	if err != nil {
		t.Fatalf("%s: %v", action, err)
	}
	return r
}

// sql runs a statement on the referrals schema (to move due times into the past).
func (s *stack) sql(t testing.TB, stmt string, args ...any) {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), s.url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), stmt, args...); err != nil {
		t.Fatal(err)
	}
}

// upgraded takes the referrals schema back to before migration version
// (pgtest.Undo) and starts another referrals service on the database,
// which migrates it again: what the upgrade does to the rows there.
func (s *stack) upgraded(t testing.TB, version int) *grpc.ClientConn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), s.url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	pgtest.Undo(t, conn, "referrals", migrations.FS, version)
	return servicetest.Start(t, service.New(service.Config{Config: servicetest.Platform(t, s.url),
		BeneficiariesAddr: s.proxy.addr, ReportingAddr: s.reporting.Addr}))
}

// proxy forwards TCP connections to a target until cut; it can be restored
// on the same address.
type proxy struct {
	t      testing.TB
	addr   string
	target string
	mu     sync.Mutex
	lis    net.Listener
	conns  []net.Conn
}

func newProxy(t testing.TB, target string) *proxy {
	p := &proxy{t: t, target: target}
	// Outside the ephemeral range: no outgoing connection takes the port
	// between a cut and a restore.
	lis, err := loopback.Listen()
	if err != nil {
		t.Fatal(err)
	}
	p.addr = lis.Addr().String()
	p.serve(lis)
	t.Cleanup(p.cut)
	return p
}

func (p *proxy) serve(lis net.Listener) {
	p.mu.Lock()
	p.lis = lis
	p.mu.Unlock()
	go func() {
		for {
			c, err := lis.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				_ = c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(up, c); _ = up.Close() }()
			go func() { _, _ = io.Copy(c, up); _ = c.Close() }()
		}
	}()
}

// cut closes the listener and every forwarded connection.
func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.lis != nil {
		p.lis.Close()
		p.lis = nil
	}
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.conns = nil
}

// restore listens again on the same address.
func (p *proxy) restore() {
	var lis net.Listener
	var err error
	for i := 0; i < 50; i++ {
		if lis, err = net.Listen("tcp", p.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		p.t.Fatal(err)
	}
	p.serve(lis)
}

// eventually retries f until it returns nil.
var eventually = servicetest.Eventually

var errStill = errors.New("not yet")

var zeroTime time.Time

// partner returns a context calling as organisation org with a partner's
// default scopes (no directory.admin).
func partner(t testing.TB, org string) context.Context {
	return servicetest.As(t, org, auth.DefaultPartnerScopes...)
}
