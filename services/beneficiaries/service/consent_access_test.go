package service_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// TestWithdrawalEndsGrantsAtOnce: withdrawing the referral_sharing consent
// ends every grant made under it in the withdrawal's own transaction; a
// grant made under another live consent is untouched.
func TestWithdrawalEndsGrantsAtOnce(t *testing.T) {
	c := startAll(t)
	orgA, orgB, orgC := ids.New(), ids.New(), ids.New()
	ctxA, ctxB, ctxC := servicetest.As(t, orgA), servicetest.As(t, orgB), servicetest.As(t, orgC)
	checkB := servicetest.As(t, orgB, auth.ScopeAccessCheck)
	b := mustCreate(t, c, ctxA, amina())
	first, err := c.CreateConsent(ctxA, &pb.CreateConsentRequest{BeneficiaryId: b.GetId(), Consent: consent(pb.ConsentPurpose_CONSENT_PURPOSE_REFERRAL_SHARING)})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range []*pb.GrantAccessRequest{
		{BeneficiaryId: b.GetId(), GranteeOrganisationId: orgB, SourceId: "ref-1"},
		{BeneficiaryId: b.GetId(), GranteeOrganisationId: orgB, SourceId: "ref-2"},
	} {
		r, err := c.access.GrantAccess(ctxA, g)
		if err != nil || r.GetGrant().GetRevokeTime() != nil {
			t.Fatalf("grant %s: %v %v", g.GetSourceId(), r, err)
		}
	}
	// A second consent, and a grant to C made while both are live: the
	// longest-lasting one (no expiry, newest) is the one used.
	second, err := c.CreateConsent(ctxA, &pb.CreateConsentRequest{BeneficiaryId: b.GetId(), Consent: consent(pb.ConsentPurpose_CONSENT_PURPOSE_REFERRAL_SHARING)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.access.GrantAccess(ctxA, &pb.GrantAccessRequest{BeneficiaryId: b.GetId(), GranteeOrganisationId: orgC, SourceId: "ref-3"}); err != nil {
		t.Fatal(err)
	}
	if r, err := c.internal.CheckAccess(checkB, &pb.CheckAccessRequest{BeneficiaryId: b.GetId(), SourceId: "ref-1"}); err != nil ||
		r.GetAccess() != pb.AccessLevel_ACCESS_LEVEL_GRANTED || r.GetConsentId() != first.GetConsent().GetId() {
		t.Fatalf("B's grant before withdrawal: %v %v", r, err)
	}

	if _, err := c.WithdrawConsent(ctxA, &pb.WithdrawConsentRequest{BeneficiaryId: b.GetId(), Id: first.GetConsent().GetId(), Reason: "asked"}); err != nil {
		t.Fatal(err)
	}
	// Immediately after the call returned: B sees nothing, C still does.
	if _, err := c.GetBeneficiary(ctxB, &pb.GetBeneficiaryRequest{Id: b.GetId()}); statustest.Code(err) != codes.NotFound {
		t.Fatalf("B reads after withdrawal: %v", err)
	}
	if l, err := c.ListBeneficiaries(ctxB, &pb.ListBeneficiariesRequest{}); err != nil || len(l.GetBeneficiaries()) != 0 {
		t.Fatalf("B lists after withdrawal: %v %v", l, err)
	}
	if _, err := c.GetBeneficiary(ctxC, &pb.GetBeneficiaryRequest{Id: b.GetId()}); err != nil {
		t.Fatalf("C's grant under the other consent ended too: %v", err)
	}
	for _, src := range []string{"ref-1", "ref-2"} {
		r, err := c.internal.CheckAccess(checkB, &pb.CheckAccessRequest{BeneficiaryId: b.GetId(), SourceId: src})
		if err != nil || r.GetAccess() != pb.AccessLevel_ACCESS_LEVEL_UNSPECIFIED || r.GetEndedReason() != "CONSENT_WITHDRAWN" {
			t.Fatalf("B's grant %s after withdrawal: %v %v", src, r, err)
		}
	}
	if _, err := c.internal.CheckAccess(checkB, &pb.CheckAccessRequest{BeneficiaryId: b.GetId()}); statustest.Code(err) != codes.NotFound {
		t.Fatalf("B's access without source after withdrawal: %v", err)
	}
	// The owner's log records the withdrawal and the grants it ended.
	log, err := c.ListAuditEvents(ctxA, &pb.ListAuditEventsRequest{BeneficiaryId: b.GetId(), ActorOrganisationId: orgA, PageSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	if e := log.GetAuditEvents(); e[0].GetAction() != "access.revoke" || len(e[0].GetFields()) != 2 || e[1].GetAction() != "consent.withdraw" {
		t.Fatalf("the owner's newest audit events: %v", e)
	}
	// A grant is never made under a withdrawn consent: the live one is used.
	g, err := c.access.GrantAccess(ctxA, &pb.GrantAccessRequest{BeneficiaryId: b.GetId(), GranteeOrganisationId: orgB, SourceId: "ref-1"})
	if err != nil {
		t.Fatal(err)
	}
	if r, err := c.internal.CheckAccess(checkB, &pb.CheckAccessRequest{BeneficiaryId: b.GetId(), SourceId: "ref-1"}); err != nil ||
		r.GetAccess() != pb.AccessLevel_ACCESS_LEVEL_GRANTED || r.GetConsentId() != second.GetConsent().GetId() || g.GetGrant().GetRevokeTime() != nil {
		t.Fatalf("re-granted under the second consent: %v %v", r, err)
	}
}

// TestConsentExpiryEndsAccess: at a consent's expiry time, grants made under
// it stop working on every read, without any job having run.
func TestConsentExpiryEndsAccess(t *testing.T) {
	c := startAll(t)
	orgA, orgB := ids.New(), ids.New()
	ctxA, ctxB := servicetest.As(t, orgA), servicetest.As(t, orgB)
	checkB := servicetest.As(t, orgB, auth.ScopeAccessCheck)
	b := mustCreate(t, c, ctxA, amina())
	// An expiry far enough ahead for the steps before it on any machine;
	// then time passes (below).
	short := consent(pb.ConsentPurpose_CONSENT_PURPOSE_REFERRAL_SHARING)
	short.ExpireTime = timestamppb.New(time.Now().Add(time.Hour))
	if _, err := c.CreateConsent(ctxA, &pb.CreateConsentRequest{BeneficiaryId: b.GetId(), Consent: short}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.access.GrantAccess(ctxA, &pb.GrantAccessRequest{BeneficiaryId: b.GetId(), GranteeOrganisationId: orgB, SourceId: "ref-1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetBeneficiary(ctxB, &pb.GetBeneficiaryRequest{Id: b.GetId()}); err != nil {
		t.Fatalf("B before expiry: %v", err)
	}
	// The consent's expiry comes: a second ago.
	conn, err := pgx.Connect(context.Background(), c.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), `UPDATE beneficiaries.consents
		SET given_time = now() - interval '2 hours', expire_time = now() - interval '1 second'
		WHERE beneficiary_id = $1 AND purpose = 'referral_sharing'`, b.GetId()); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetBeneficiary(ctxB, &pb.GetBeneficiaryRequest{Id: b.GetId()}); statustest.Code(err) != codes.NotFound {
		t.Fatalf("B reads after the consent expired: %v", err)
	}
	r, err := c.internal.CheckAccess(checkB, &pb.CheckAccessRequest{BeneficiaryId: b.GetId(), SourceId: "ref-1"})
	if err != nil || r.GetEndedReason() != "CONSENT_EXPIRED" {
		t.Fatalf("B's grant after expiry: %v %v", r, err)
	}
	// The sweep then revokes the grant and tells the feed, once.
	var expired, revoked int
	servicetest.Eventually(t, "consent.expired in the feed", func() error {
		evs, _ := servicetest.Events(t, c.conn, "")
		expired, revoked = 0, 0
		for _, e := range evs {
			switch e.GetType() {
			case "consent.expired":
				expired++
			case "access.revoked":
				revoked++
			}
		}
		if expired == 0 {
			return errors.New("no consent.expired yet")
		}
		return nil
	})
	time.Sleep(300 * time.Millisecond) // a few more sweeps
	evs, _ := servicetest.Events(t, c.conn, "")
	n := 0
	for _, e := range evs {
		if e.GetType() == "consent.expired" {
			n++
			// It concerns the organisation whose access it ended too.
			if !slices.Contains(e.GetOrganisationIds(), orgB) || !slices.Contains(e.GetOrganisationIds(), orgA) {
				t.Fatalf("consent.expired for %v, want A and B", e.GetOrganisationIds())
			}
		}
	}
	if n != 1 || revoked != 1 {
		t.Fatalf("consent.expired %d times, access.revoked %d, want 1 and 1", n, revoked)
	}
	log, err := c.ListAuditEvents(ctxA, &pb.ListAuditEventsRequest{BeneficiaryId: b.GetId(), PageSize: 1})
	if err != nil || log.GetAuditEvents()[0].GetAction() != "consent.expire" || log.GetAuditEvents()[0].GetFields()[0] != "access:ref-1" {
		t.Fatalf("owner's audit log after expiry: %v %v", log, err)
	}
}

func TestCheckAccess(t *testing.T) {
	c := startAll(t)
	orgA, orgB := ids.New(), ids.New()
	ctxA := servicetest.As(t, orgA)
	checkA, checkB := servicetest.As(t, orgA, auth.ScopeAccessCheck), servicetest.As(t, orgB, auth.ScopeAccessCheck)
	b := mustCreate(t, c, ctxA, amina())
	if r, err := c.internal.CheckAccess(checkA, &pb.CheckAccessRequest{BeneficiaryId: b.GetId(), SourceId: "anything"}); err != nil || r.GetAccess() != pb.AccessLevel_ACCESS_LEVEL_OWNER {
		t.Fatalf("owner: %v %v", r, err)
	}
	if _, err := c.internal.CheckAccess(checkB, &pb.CheckAccessRequest{BeneficiaryId: b.GetId()}); statustest.Code(err) != codes.NotFound {
		t.Fatalf("stranger: %v", err)
	}
	if _, err := c.internal.CheckAccess(checkB, &pb.CheckAccessRequest{BeneficiaryId: b.GetId(), SourceId: "never"}); statustest.Code(err) != codes.NotFound {
		t.Fatalf("stranger with a source: %v", err)
	}
	// Partners never reach it: through the edge, with every partner scope, the call is refused.
	if _, err := c.access.CheckAccess(servicetest.As(t, orgA), &pb.CheckAccessRequest{BeneficiaryId: b.GetId()}); statustest.Code(err) != codes.PermissionDenied {
		t.Fatalf("without the internal scope: %v", err)
	}
	for name, req := range map[string]*pb.CheckAccessRequest{
		"no id":       {},
		"bad id":      {BeneficiaryId: "x"},
		"long source": {BeneficiaryId: b.GetId(), SourceId: string(make([]byte, 101))},
	} {
		if _, err := c.internal.CheckAccess(checkA, req); statustest.Code(err) != codes.InvalidArgument {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestRecordAccess: another service's reads land in the owner's audit log
// with the reader as actor, the resource and the purpose; the owner is the
// registering organisation whatever the caller says.
func TestRecordAccess(t *testing.T) {
	c := startAll(t)
	orgA, orgB := ids.New(), ids.New()
	ctxA := servicetest.As(t, orgA)
	b := mustCreate(t, c, ctxA, amina())
	other := mustCreate(t, c, servicetest.As(t, orgB), &pb.Beneficiary{GivenName: "Bojan"})
	rec := servicetest.As(t, orgB, auth.ScopeAuditWrite)
	req := &pb.RecordAccessRequest{
		Action: "referral.read", Fields: []string{"referral.reason", "referral.notes"}, Purpose: "case follow-up",
		Resources: []*pb.AccessedResource{
			{BeneficiaryId: b.GetId(), Resource: "referrals/r1"},
			{BeneficiaryId: other.GetId(), Resource: "referrals/r2"},
			{BeneficiaryId: ids.New(), Resource: "referrals/r3"},
		},
	}
	r, err := c.internal.RecordAccess(rec, req)
	if err != nil || r.GetRecorded() != 2 {
		t.Fatalf("record: %v %v", r, err)
	}
	log, err := c.ListAuditEvents(ctxA, &pb.ListAuditEventsRequest{BeneficiaryId: "-"})
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, e := range log.GetAuditEvents() {
		if e.GetResource() == "referrals/r2" || e.GetResource() == "referrals/r3" {
			t.Fatalf("A's log shows another owner's record: %v", e)
		}
		if e.GetResource() == "referrals/r1" {
			found = e.GetActorOrganisationId() == orgB && e.GetAction() == "referral.read" && e.GetPurpose() == "case follow-up" &&
				e.GetBeneficiaryId() == b.GetId() && len(e.GetFields()) == 2 && e.GetActorClientId() == "test"
		}
	}
	if !found {
		t.Fatalf("the referral read is not in the owner's log as recorded: %v", log.GetAuditEvents())
	}
	// Only the services may write; partners (through the edge) with every scope may not.
	if _, err := c.access.RecordAccess(servicetest.As(t, orgB), req); statustest.Code(err) != codes.PermissionDenied {
		t.Fatalf("partner principal wrote audit records: %v", err)
	}
	for name, bad := range map[string]*pb.RecordAccessRequest{
		"no action":    {Resources: req.Resources},
		"bad action":   {Action: "Read Everything", Resources: req.Resources},
		"no resources": {Action: "referral.read"},
		"bad id":       {Action: "referral.read", Resources: []*pb.AccessedResource{{BeneficiaryId: "x", Resource: "referrals/r1"}}},
		"no resource":  {Action: "referral.read", Resources: []*pb.AccessedResource{{BeneficiaryId: b.GetId()}}},
		"bad field":    {Action: "referral.read", Fields: []string{"DROP TABLE"}, Resources: req.Resources},
		"long purpose": {Action: "referral.read", Purpose: string(make([]rune, 201)), Resources: req.Resources},
	} {
		if _, err := c.internal.RecordAccess(rec, bad); statustest.Code(err) != codes.InvalidArgument {
			t.Errorf("%s: %v", name, err)
		}
	}
	// A purpose in metadata is not what counts: the request's field is.
	md := metadata.AppendToOutgoingContext(rec, "x-spona-purpose", "ignored")
	if _, err := c.internal.RecordAccess(md, &pb.RecordAccessRequest{Action: "referral.list", Resources: req.Resources[:1]}); err != nil {
		t.Fatal(err)
	}
	log, _ = c.ListAuditEvents(ctxA, &pb.ListAuditEventsRequest{BeneficiaryId: b.GetId(), PageSize: 1})
	if e := log.GetAuditEvents()[0]; e.GetAction() != "referral.list" || e.GetPurpose() != "" {
		t.Fatalf("purpose taken from metadata: %v", e)
	}
}
