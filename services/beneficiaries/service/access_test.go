package service_test

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/projecttest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"github.com/spona/spona/services/beneficiaries/service"
	repservice "github.com/spona/spona/services/reporting/service"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"
)

type clients struct {
	pb.BeneficiaryServiceClient
	access pb.BeneficiaryAccessServiceClient
	// internal calls the access service as the referrals process does
	// (CheckAccess, RecordAccess: methods the edge may not call).
	internal pb.BeneficiaryAccessServiceClient
	*reporting
	conn *grpc.ClientConn
}

// reporting is the real reporting service the beneficiaries service asks
// whether an organisation may tag an assistance with a project; it starts
// when a test first creates a project.
type reporting struct {
	svc           *servicetest.Deferred
	dbURL, benURL string
}

// project creates a project implemented by the organisation of ctx, with
// partners as implementing partners, and returns its id.
func (r *reporting) project(t *testing.T, ctx context.Context, partners ...string) string {
	t.Helper()
	conn := r.svc.Start(t, repservice.New(repservice.Config{Config: servicetest.Platform(t, r.dbURL),
		BeneficiariesAddr: r.benURL, ReferralsAddr: r.benURL, TrainingsAddr: r.benURL}))
	return projecttest.Create(t, conn, ctx, partners, nil)
}

func startAll(t *testing.T) clients { return startOn(t, pgtest.NewDatabase(t)) }

// startOn is startAll on the database dbURL.
func startOn(t *testing.T, dbURL string) clients {
	rep := &reporting{svc: servicetest.Defer(t), dbURL: dbURL}
	conn := servicetest.Start(t, service.New(service.Config{Config: servicetest.Platform(t, dbURL), ReportingAddr: rep.svc.Addr,
		ConsentExpiryInterval: 100 * time.Millisecond, ReferralsAddr: noDirectory}))
	rep.benURL = conn.Target()
	internal := pb.NewBeneficiaryAccessServiceClient(servicetest.DialAs(t, conn.Target(), "beneficiaries", "referrals"))
	return clients{pb.NewBeneficiaryServiceClient(conn), pb.NewBeneficiaryAccessServiceClient(conn), internal, rep, conn}
}

func mustCreate(t *testing.T, c pb.BeneficiaryServiceClient, ctx context.Context, b *pb.Beneficiary) *pb.Beneficiary {
	t.Helper()
	r, err := c.CreateBeneficiary(ctx, &pb.CreateBeneficiaryRequest{Beneficiary: b})
	if err != nil {
		t.Fatal(err)
	}
	return r.GetBeneficiary()
}

func consent(purpose pb.ConsentPurpose) *pb.Consent {
	return &pb.Consent{Purpose: purpose, GivenBy: pb.ConsentGivenBy_CONSENT_GIVEN_BY_SELF, Scope: "referral to health services"}
}

func TestConsentLifecycle(t *testing.T) {
	c := startAll(t)
	ctx := servicetest.As(t, ids.New())
	b := mustCreate(t, c, ctx, amina())

	check := func() *pb.CheckConsentResponse {
		t.Helper()
		r, err := c.access.CheckConsent(ctx, &pb.CheckConsentRequest{BeneficiaryId: b.GetId(), Purpose: pb.ConsentPurpose_CONSENT_PURPOSE_REFERRAL_SHARING})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := check(); r.GetLive() || r.GetConsentId() != "" {
		t.Fatalf("live consent before any was given: %v", r)
	}
	// A data-processing consent does not count for referral sharing.
	if _, err := c.CreateConsent(ctx, &pb.CreateConsentRequest{BeneficiaryId: b.GetId(), Consent: consent(pb.ConsentPurpose_CONSENT_PURPOSE_DATA_PROCESSING)}); err != nil {
		t.Fatal(err)
	}
	if check().GetLive() {
		t.Fatal("data_processing consent counted as referral_sharing")
	}
	// An expired one does not count either.
	expired := consent(pb.ConsentPurpose_CONSENT_PURPOSE_REFERRAL_SHARING)
	expired.GivenTime = timestamppb.New(time.Now().Add(-48 * time.Hour))
	expired.ExpireTime = timestamppb.New(time.Now().Add(-time.Hour))
	if _, err := c.CreateConsent(ctx, &pb.CreateConsentRequest{BeneficiaryId: b.GetId(), Consent: expired}); err != nil {
		t.Fatal(err)
	}
	if check().GetLive() {
		t.Fatal("expired consent counted as live")
	}
	exp := time.Now().Add(30 * 24 * time.Hour).Truncate(time.Microsecond)
	live := consent(pb.ConsentPurpose_CONSENT_PURPOSE_REFERRAL_SHARING)
	live.ExpireTime = timestamppb.New(exp)
	created, err := c.CreateConsent(ctx, &pb.CreateConsentRequest{BeneficiaryId: b.GetId(), Consent: live, RequestId: "consent-1"})
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.CreateConsent(ctx, &pb.CreateConsentRequest{BeneficiaryId: b.GetId(), Consent: live, RequestId: "consent-1"})
	if err != nil || again.GetConsent().GetId() != created.GetConsent().GetId() {
		t.Fatalf("retried create: %v, %v", again, err)
	}
	if !created.GetConsent().GetLive() {
		t.Fatalf("new consent not live: %v", created)
	}
	r := check()
	if !r.GetLive() || r.GetConsentId() != created.GetConsent().GetId() || !r.GetExpireTime().AsTime().Equal(exp) {
		t.Fatalf("check = %v, want live %s expiring %v", r, created.GetConsent().GetId(), exp)
	}
	list, err := c.ListConsents(ctx, &pb.ListConsentsRequest{BeneficiaryId: b.GetId()})
	if err != nil || len(list.GetConsents()) != 3 {
		t.Fatalf("list: %d consents, %v", len(list.GetConsents()), err)
	}
	w, err := c.WithdrawConsent(ctx, &pb.WithdrawConsentRequest{BeneficiaryId: b.GetId(), Id: created.GetConsent().GetId(), Reason: "changed mind"})
	if err != nil {
		t.Fatal(err)
	}
	if w.GetConsent().GetLive() || w.GetConsent().GetWithdrawTime() == nil || w.GetConsent().GetWithdrawReason() != "changed mind" {
		t.Fatalf("withdrawn consent: %v", w.GetConsent())
	}
	if check().GetLive() {
		t.Fatal("withdrawn consent still live")
	}
	_, err = c.WithdrawConsent(ctx, &pb.WithdrawConsentRequest{BeneficiaryId: b.GetId(), Id: created.GetConsent().GetId()})
	if statustest.Code(err) != codes.FailedPrecondition {
		t.Fatalf("second withdrawal: %v", err)
	}

	bad := map[string]*pb.Consent{
		"no purpose":          {GivenBy: pb.ConsentGivenBy_CONSENT_GIVEN_BY_SELF},
		"no giver":            {Purpose: pb.ConsentPurpose_CONSENT_PURPOSE_PHOTO},
		"guardian no name":    {Purpose: pb.ConsentPurpose_CONSENT_PURPOSE_PHOTO, GivenBy: pb.ConsentGivenBy_CONSENT_GIVEN_BY_GUARDIAN},
		"future":              {Purpose: pb.ConsentPurpose_CONSENT_PURPOSE_PHOTO, GivenBy: pb.ConsentGivenBy_CONSENT_GIVEN_BY_SELF, GivenTime: timestamppb.New(time.Now().Add(time.Hour))},
		"expiry before given": {Purpose: pb.ConsentPurpose_CONSENT_PURPOSE_PHOTO, GivenBy: pb.ConsentGivenBy_CONSENT_GIVEN_BY_SELF, ExpireTime: timestamppb.New(time.Now().Add(-time.Hour))},
		"bad timestamp":       {Purpose: pb.ConsentPurpose_CONSENT_PURPOSE_PHOTO, GivenBy: pb.ConsentGivenBy_CONSENT_GIVEN_BY_SELF, GivenTime: &timestamppb.Timestamp{Seconds: 1 << 62}},
	}
	for name, in := range bad {
		if _, err := c.CreateConsent(ctx, &pb.CreateConsentRequest{BeneficiaryId: b.GetId(), Consent: in}); statustest.Code(err) != codes.InvalidArgument {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestSearchFindsGranted: a grantee's search finds the persons it holds live
// grants for (once however many grants, in the reduced view), beside its
// own, until the grants end; their owner's search is unchanged.
func TestSearchFindsGranted(t *testing.T) {
	c := startAll(t)
	orgA, orgB := ids.New(), ids.New()
	ctxA, ctxB := servicetest.As(t, orgA), servicetest.As(t, orgB)
	theirs := mustCreate(t, c, ctxA, amina())
	mustCreate(t, c, ctxA, &pb.Beneficiary{GivenName: "Amina", FamilyName: "Hadžić"})
	own := mustCreate(t, c, ctxB, &pb.Beneficiary{GivenName: "Amina", FamilyName: "Haddad"})
	if _, err := c.CreateConsent(ctxA, &pb.CreateConsentRequest{BeneficiaryId: theirs.GetId(), Consent: consent(pb.ConsentPurpose_CONSENT_PURPOSE_REFERRAL_SHARING)}); err != nil {
		t.Fatal(err)
	}
	search := func(ctx context.Context) map[string]pb.AccessLevel {
		t.Helper()
		r, err := c.SearchBeneficiaries(ctx, &pb.SearchBeneficiariesRequest{Query: "Haddad"})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]pb.AccessLevel{}
		for _, x := range r.GetResults() {
			if _, twice := got[x.GetBeneficiary().GetId()]; twice {
				t.Fatalf("%s found twice", x.GetBeneficiary().GetId())
			}
			if x.GetBeneficiary().GetAccess() == pb.AccessLevel_ACCESS_LEVEL_GRANTED && x.GetBeneficiary().GetBirthDate() != "" {
				t.Fatalf("granted result not reduced: %v", x.GetBeneficiary())
			}
			got[x.GetBeneficiary().GetId()] = x.GetBeneficiary().GetAccess()
		}
		return got
	}
	ownOnly := map[string]pb.AccessLevel{own.GetId(): pb.AccessLevel_ACCESS_LEVEL_OWNER}
	if got := search(ctxB); !maps.Equal(got, ownOnly) {
		t.Fatalf("before the grants B finds %v", got)
	}
	for _, source := range []string{"referral-1", "referral-2"} {
		if _, err := c.access.GrantAccess(ctxA, &pb.GrantAccessRequest{BeneficiaryId: theirs.GetId(), GranteeOrganisationId: orgB, SourceId: source}); err != nil {
			t.Fatal(err)
		}
	}
	both := map[string]pb.AccessLevel{own.GetId(): pb.AccessLevel_ACCESS_LEVEL_OWNER, theirs.GetId(): pb.AccessLevel_ACCESS_LEVEL_GRANTED}
	if got := search(ctxB); !maps.Equal(got, both) {
		t.Fatalf("with two grants B finds %v, want %v", got, both)
	}
	if got := search(ctxA); !maps.Equal(got, map[string]pb.AccessLevel{theirs.GetId(): pb.AccessLevel_ACCESS_LEVEL_OWNER}) {
		t.Fatalf("A finds %v", got)
	}
	// Each result shown is audited for its owner, as B's view or A's own;
	// a row only looked ahead at (page_size 1: A's is second) is not.
	searches := func(ctx context.Context, id string) (byB, byA [][]string) {
		t.Helper()
		r, err := c.ListAuditEvents(ctx, &pb.ListAuditEventsRequest{BeneficiaryId: id})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range r.GetAuditEvents() {
			if e.GetAction() != "search" {
				continue
			}
			if e.GetActorOrganisationId() == orgB {
				byB = append(byB, e.GetFields())
			} else {
				byA = append(byA, e.GetFields())
			}
		}
		return byB, byA
	}
	if byB, byA := searches(ctxA, theirs.GetId()); len(byB) != 1 || len(byA) != 1 || slices.Contains(byB[0], "birth_date") || !slices.Contains(byA[0], "birth_date") {
		t.Fatalf("A's person: searches audited by B %v, by A %v", byB, byA)
	}
	r, err := c.SearchBeneficiaries(ctxB, &pb.SearchBeneficiariesRequest{Query: "Haddad", PageSize: 1})
	if err != nil || len(r.GetResults()) != 1 || r.GetResults()[0].GetBeneficiary().GetId() != own.GetId() || r.GetNextPageToken() == "" {
		t.Fatalf("B's first page of 1: %v %v", r, err)
	}
	if byB, _ := searches(ctxA, theirs.GetId()); len(byB) != 1 {
		t.Fatalf("a row not shown was audited: %v", byB)
	}
	if byB, _ := searches(ctxB, own.GetId()); len(byB) != 3 || !slices.Contains(byB[0], "birth_date") {
		t.Fatalf("B's person: searches audited %v", byB)
	}
	for _, source := range []string{"referral-1", "referral-2"} {
		if _, err := c.access.RevokeAccess(ctxA, &pb.RevokeAccessRequest{BeneficiaryId: theirs.GetId(), SourceId: source}); err != nil {
			t.Fatal(err)
		}
		if source == "referral-1" {
			if got := search(ctxB); !maps.Equal(got, both) {
				t.Fatalf("with one grant left B finds %v, want %v", got, both)
			}
		}
	}
	if got := search(ctxB); !maps.Equal(got, ownOnly) {
		t.Fatalf("after the grants B finds %v", got)
	}
}

func TestGrantAndRevokeAccess(t *testing.T) {
	c := startAll(t)
	orgA, orgB, orgC := ids.New(), ids.New(), ids.New()
	ctxA, ctxB, ctxC := servicetest.As(t, orgA), servicetest.As(t, orgB), servicetest.As(t, orgC)
	b := mustCreate(t, c, ctxA, amina())
	grant := &pb.GrantAccessRequest{BeneficiaryId: b.GetId(), GranteeOrganisationId: orgB, SourceId: "referral-1", Reason: "referral"}

	// No consent yet: refused.
	if _, err := c.access.GrantAccess(ctxA, grant); statustest.Code(err) != codes.FailedPrecondition {
		t.Fatalf("grant without consent: %v", err)
	}
	if _, err := c.CreateConsent(ctxA, &pb.CreateConsentRequest{BeneficiaryId: b.GetId(), Consent: consent(pb.ConsentPurpose_CONSENT_PURPOSE_REFERRAL_SHARING)}); err != nil {
		t.Fatal(err)
	}
	// Only the registering organisation may grant.
	if _, err := c.access.GrantAccess(ctxC, &pb.GrantAccessRequest{BeneficiaryId: b.GetId(), GranteeOrganisationId: orgB, SourceId: "x"}); statustest.Code(err) != codes.NotFound {
		t.Fatalf("stranger granted itself access: %v", err)
	}
	if _, err := c.access.CheckConsent(ctxC, &pb.CheckConsentRequest{BeneficiaryId: b.GetId(), Purpose: pb.ConsentPurpose_CONSENT_PURPOSE_REFERRAL_SHARING}); statustest.Code(err) != codes.NotFound {
		t.Fatalf("stranger checked consent: %v", err)
	}
	// A past end is a violation of the request's own field.
	past := &pb.GrantAccessRequest{BeneficiaryId: b.GetId(), GranteeOrganisationId: orgB, SourceId: "referral-0",
		ExpireTime: timestamppb.New(time.Now().Add(-time.Hour))}
	if _, err := c.access.GrantAccess(ctxA, past); statustest.Code(err) != codes.InvalidArgument ||
		!slices.Equal(statustest.Violations(err), []string{"expire_time"}) {
		t.Fatalf("grant ending in the past: %v %v, want a violation of expire_time", err, statustest.Violations(err))
	}
	g1, err := c.access.GrantAccess(ctxA, grant)
	if err != nil {
		t.Fatal(err)
	}
	g2, err := c.access.GrantAccess(ctxA, grant)
	if err != nil || g2.GetGrant().GetId() != g1.GetGrant().GetId() {
		t.Fatalf("repeated grant: %v %v", g2, err)
	}

	// B now sees a reduced view, and lists it.
	got, err := c.GetBeneficiary(ctxB, &pb.GetBeneficiaryRequest{Id: b.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	rb := got.GetBeneficiary()
	if rb.GetAccess() != pb.AccessLevel_ACCESS_LEVEL_GRANTED || rb.GetGivenName() != "Amina" || rb.GetBirthYear() != 1990 ||
		rb.GetBirthDate() != "" || rb.GetExternalId() != "" || rb.GetNationality() != "" || rb.GetAccommodation() != pb.Accommodation_ACCOMMODATION_UNSPECIFIED {
		t.Fatalf("grantee view not reduced: %v", rb)
	}
	if own, _ := c.GetBeneficiary(ctxA, &pb.GetBeneficiaryRequest{Id: b.GetId()}); own.GetBeneficiary().GetAccess() != pb.AccessLevel_ACCESS_LEVEL_OWNER || own.GetBeneficiary().GetBirthDate() == "" {
		t.Fatalf("owner view: %v", own)
	}
	list, err := c.ListBeneficiaries(ctxB, &pb.ListBeneficiariesRequest{})
	if err != nil || len(list.GetBeneficiaries()) != 1 {
		t.Fatalf("grantee list: %v %v", list, err)
	}
	// A grantee may check consent but not grant onwards, nor read consents.
	if r, err := c.access.CheckConsent(ctxB, &pb.CheckConsentRequest{BeneficiaryId: b.GetId(), Purpose: pb.ConsentPurpose_CONSENT_PURPOSE_REFERRAL_SHARING}); err != nil || !r.GetLive() {
		t.Fatalf("grantee check consent: %v %v", r, err)
	}
	if _, err := c.access.GrantAccess(ctxB, &pb.GrantAccessRequest{BeneficiaryId: b.GetId(), GranteeOrganisationId: orgC, SourceId: "x"}); statustest.Code(err) != codes.PermissionDenied {
		t.Fatalf("grantee granted onwards: %v", err)
	}
	if _, err := c.ListConsents(ctxB, &pb.ListConsentsRequest{BeneficiaryId: b.GetId()}); statustest.Code(err) != codes.PermissionDenied {
		t.Fatalf("grantee listed consents: %v", err)
	}
	// C cannot revoke B's grant.
	if _, err := c.access.RevokeAccess(ctxC, &pb.RevokeAccessRequest{BeneficiaryId: b.GetId(), SourceId: "referral-1"}); statustest.Code(err) != codes.NotFound {
		t.Fatalf("stranger revoked: %v", err)
	}
	// The grantee revokes (e.g. declines the referral); a retry is a no-op.
	r, err := c.access.RevokeAccess(ctxB, &pb.RevokeAccessRequest{BeneficiaryId: b.GetId(), SourceId: "referral-1"})
	if err != nil || r.GetRevoked() != 1 {
		t.Fatalf("revoke: %v %v", r, err)
	}
	r, err = c.access.RevokeAccess(ctxB, &pb.RevokeAccessRequest{BeneficiaryId: b.GetId(), SourceId: "referral-1"})
	if err != nil || r.GetRevoked() != 0 {
		t.Fatalf("repeated revoke: %v %v", r, err)
	}
	if _, err := c.GetBeneficiary(ctxB, &pb.GetBeneficiaryRequest{Id: b.GetId()}); statustest.Code(err) != codes.NotFound {
		t.Fatalf("revoked grantee still reads: %v", err)
	}
	// Granting again for the same source revives the grant; the owner revokes it.
	if g3, err := c.access.GrantAccess(ctxA, grant); err != nil || g3.GetGrant().GetId() != g1.GetGrant().GetId() || g3.GetGrant().GetRevokeTime() != nil {
		t.Fatalf("re-grant: %v %v", g3, err)
	}
	if r, err := c.access.RevokeAccess(ctxA, &pb.RevokeAccessRequest{BeneficiaryId: b.GetId(), SourceId: "referral-1"}); err != nil || r.GetRevoked() != 1 {
		t.Fatalf("owner revoke: %v %v", r, err)
	}
	if r, err := c.access.RevokeAccess(ctxA, &pb.RevokeAccessRequest{BeneficiaryId: b.GetId(), SourceId: "never-granted"}); err != nil || r.GetRevoked() != 0 {
		t.Fatalf("owner revoke of unknown source: %v %v", r, err)
	}
	// An expiring grant: past expiry is refused up front.
	grant.ExpireTime = timestamppb.New(time.Now().Add(-time.Minute))
	if _, err := c.access.GrantAccess(ctxA, grant); statustest.Code(err) != codes.InvalidArgument {
		t.Fatalf("grant expiring in the past: %v", err)
	}
	for name, req := range map[string]*pb.GrantAccessRequest{
		"self":      {BeneficiaryId: b.GetId(), GranteeOrganisationId: orgA, SourceId: "s"},
		"no source": {BeneficiaryId: b.GetId(), GranteeOrganisationId: orgB},
		"bad org":   {BeneficiaryId: b.GetId(), GranteeOrganisationId: "nope", SourceId: "s"},
		"bad id":    {BeneficiaryId: "nope", GranteeOrganisationId: orgB, SourceId: "s"},
	} {
		if _, err := c.access.GrantAccess(ctxA, req); statustest.Code(err) != codes.InvalidArgument {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Without the write scope the internal grant is refused.
	if _, err := c.access.GrantAccess(servicetest.As(t, orgA, auth.ScopeBeneficiariesRead), grant); statustest.Code(err) != codes.PermissionDenied {
		t.Fatalf("grant with read scope: %v", err)
	}
}

// TestGranteeFiltersOnlyWhatItSees: a list filter on a field the grantee's
// view leaves out (nationality) matches only the grantee's own records,
// so filtering cannot reveal the field of a record it was shared; a
// filter on a field it sees matches the granted record as before. Every
// filter of ListBeneficiariesRequest is tried with the shared record's
// own value, and the expectation comes from the view the grantee is
// served.
func TestGranteeFiltersOnlyWhatItSees(t *testing.T) {
	c := startAll(t)
	orgA, orgB := ids.New(), ids.New()
	ctxA, ctxB := servicetest.As(t, orgA), servicetest.As(t, orgB)
	shared := mustCreate(t, c, ctxA, amina())
	own := mustCreate(t, c, ctxB, amina())
	if _, err := c.CreateConsent(ctxA, &pb.CreateConsentRequest{BeneficiaryId: shared.GetId(), Consent: consent(pb.ConsentPurpose_CONSENT_PURPOSE_REFERRAL_SHARING)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.access.GrantAccess(ctxA, &pb.GrantAccessRequest{BeneficiaryId: shared.GetId(), GranteeOrganisationId: orgB, SourceId: "referral-1"}); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetBeneficiary(ctxB, &pb.GetBeneficiaryRequest{Id: shared.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	view := got.GetBeneficiary().ProtoReflect()
	record := shared.ProtoReflect()
	listed := func(ctx context.Context, req *pb.ListBeneficiariesRequest) map[string]bool {
		t.Helper()
		r, err := c.ListBeneficiaries(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, b := range r.GetBeneficiaries() {
			out[b.GetId()] = true
		}
		return out
	}
	hidden := []string{}
	fields := (&pb.ListBeneficiariesRequest{}).ProtoReflect().Descriptor().Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		if fd.Name() == "page_size" || fd.Name() == "page_token" {
			continue
		}
		// The filter's field of the record: the same name, or the list it
		// matches one of.
		name := fd.Name()
		if name == "vulnerability" {
			name = "vulnerabilities"
		}
		bf := record.Descriptor().Fields().ByName(name)
		if bf == nil {
			t.Fatalf("filter %s names no field of Beneficiary", fd.Name())
		}
		v := record.Get(bf)
		if bf.IsList() {
			v = v.List().Get(0)
		}
		req := &pb.ListBeneficiariesRequest{}
		req.ProtoReflect().Set(fd, v)
		sees := view.Has(bf)
		if !sees {
			hidden = append(hidden, string(fd.Name()))
		}
		if l := listed(ctxB, req); l[shared.GetId()] != sees || !l[own.GetId()] {
			t.Errorf("grantee filters on %s (sees it: %v): shared record listed %v, own listed %v", fd.Name(), sees, l[shared.GetId()], l[own.GetId()])
		}
		if l := listed(ctxA, req); !l[shared.GetId()] {
			t.Errorf("owner filters on %s: its record not listed", fd.Name())
		}
	}
	if !slices.Contains(hidden, "nationality") {
		t.Fatalf("the grantee's view shows nationality (hidden filters: %v): the test proves nothing", hidden)
	}
}

// TestRevokeAccessOfMergedRecord: a grant made on a record that was then
// merged moved to the survivor. Revoking it by the merged record's id (what
// the referrals service does for a referral closed before it applied the
// merge) ends it: the grantee no longer reads the survivor. The grantee
// revoking its own grant by that id ends it too.
func TestRevokeAccessOfMergedRecord(t *testing.T) {
	c := startAll(t)
	orgA, orgB := ids.New(), ids.New()
	ctxA, ctxB := servicetest.As(t, orgA), servicetest.As(t, orgB)
	for _, revoker := range []struct {
		name string
		ctx  context.Context
	}{{"owner", ctxA}, {"grantee", ctxB}} {
		dup := mustCreate(t, c, ctxA, &pb.Beneficiary{GivenName: "Amina", FamilyName: "Hadad", BirthYear: 1990})
		survivor := mustCreate(t, c, ctxA, &pb.Beneficiary{GivenName: "Amina", FamilyName: "Haddad", BirthYear: 1990})
		if _, err := c.CreateConsent(ctxA, &pb.CreateConsentRequest{BeneficiaryId: dup.GetId(), Consent: consent(pb.ConsentPurpose_CONSENT_PURPOSE_REFERRAL_SHARING)}); err != nil {
			t.Fatal(err)
		}
		source := "referral-" + revoker.name
		if _, err := c.access.GrantAccess(ctxA, &pb.GrantAccessRequest{BeneficiaryId: dup.GetId(), GranteeOrganisationId: orgB, SourceId: source}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.MergeBeneficiaries(ctxA, &pb.MergeBeneficiariesRequest{Id: survivor.GetId(), DuplicateId: dup.GetId()}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.GetBeneficiary(ctxB, &pb.GetBeneficiaryRequest{Id: survivor.GetId()}); err != nil {
			t.Fatalf("%s: the grant did not follow the survivor: %v", revoker.name, err)
		}
		r, err := c.access.RevokeAccess(revoker.ctx, &pb.RevokeAccessRequest{BeneficiaryId: dup.GetId(), SourceId: source})
		if err != nil || r.GetRevoked() != 1 {
			t.Errorf("%s revoking by the merged record's id: %v %v, want 1 revoked", revoker.name, r, err)
		}
		if _, err := c.GetBeneficiary(ctxB, &pb.GetBeneficiaryRequest{Id: survivor.GetId()}); statustest.Code(err) != codes.NotFound {
			t.Errorf("%s: after the revocation the grantee still reads the survivor: %v", revoker.name, err)
		}
	}
}

// TestGranteeReadsMergedRecordAsMerged: the receiver of a referral reads
// the person by the id the referral was sent with. Once the sender merged
// that record into another record of the same person (the grant moved to
// the survivor), the receiver's read of the old id is 400
// BENEFICIARY_MERGED naming the survivor, as the owner's is, so that its
// system follows the person; it was 404, as if its access had ended. An
// organisation without a live grant on the survivor still gets 404, and
// nothing of the merged record is returned to anyone.
func TestGranteeReadsMergedRecordAsMerged(t *testing.T) {
	c := startAll(t)
	orgA, orgB, orgC := ids.New(), ids.New(), ids.New()
	ctxA, ctxB, ctxC := servicetest.As(t, orgA), servicetest.As(t, orgB), servicetest.As(t, orgC)
	dup := mustCreate(t, c, ctxA, &pb.Beneficiary{GivenName: "Amina", FamilyName: "Hadad", BirthYear: 1990})
	survivor := mustCreate(t, c, ctxA, &pb.Beneficiary{GivenName: "Amina", FamilyName: "Haddad", BirthYear: 1990})
	if _, err := c.CreateConsent(ctxA, &pb.CreateConsentRequest{BeneficiaryId: dup.GetId(), Consent: consent(pb.ConsentPurpose_CONSENT_PURPOSE_REFERRAL_SHARING)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.access.GrantAccess(ctxA, &pb.GrantAccessRequest{BeneficiaryId: dup.GetId(), GranteeOrganisationId: orgB, SourceId: "referral-1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.MergeBeneficiaries(ctxA, &pb.MergeBeneficiariesRequest{Id: survivor.GetId(), DuplicateId: dup.GetId()}); err != nil {
		t.Fatal(err)
	}
	for _, who := range []struct {
		name string
		ctx  context.Context
	}{{"owner", ctxA}, {"grantee", ctxB}} {
		r, err := c.GetBeneficiary(who.ctx, &pb.GetBeneficiaryRequest{Id: dup.GetId()})
		statustest.WantReason(t, err, codes.FailedPrecondition, "BENEFICIARY_MERGED", who.name+" reading the merged record")
		if r != nil || !strings.Contains(status.Convert(err).Message(), survivor.GetId()) {
			t.Errorf("%s: %v %v, want the survivor %s named and nothing else", who.name, r, err, survivor.GetId())
		}
	}
	if _, err := c.GetBeneficiary(ctxC, &pb.GetBeneficiaryRequest{Id: dup.GetId()}); statustest.Code(err) != codes.NotFound {
		t.Fatalf("an organisation without a grant reading the merged record: %v", err)
	}
	if _, err := c.access.RevokeAccess(ctxA, &pb.RevokeAccessRequest{BeneficiaryId: dup.GetId(), SourceId: "referral-1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetBeneficiary(ctxB, &pb.GetBeneficiaryRequest{Id: dup.GetId()}); statustest.Code(err) != codes.NotFound {
		t.Fatalf("the grantee reading the merged record after its grant ended: %v", err)
	}
}
