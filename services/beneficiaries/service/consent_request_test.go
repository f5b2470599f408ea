package service_test

import (
	"slices"
	"testing"
	"time"

	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// TestConsentRequestIDReused: a consent's create retried with its request
// id (an Idempotency-Key the edge no longer keeps, after its 24 h) answers
// the consent it recorded; the same request id sent with another consent
// (another person's, another purpose, giver, scope or expiry) is refused
// REQUEST_ID_REUSED, as every request id reused for another request,
// instead of answering the first consent as if the new one were recorded.
func TestConsentRequestIDReused(t *testing.T) {
	c := startAll(t)
	ctx := servicetest.As(t, ids.New())
	amina := mustCreate(t, c, ctx, amina())
	lejla := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Lejla", ExternalId: "CASE-002"})
	given := timestamppb.New(time.Now().Add(-24 * time.Hour).Truncate(time.Second))
	expire := timestamppb.New(time.Now().Add(90 * 24 * time.Hour).Truncate(time.Second))
	asked := func() *pb.Consent {
		return &pb.Consent{Purpose: pb.ConsentPurpose_CONSENT_PURPOSE_REFERRAL_SHARING, GivenBy: pb.ConsentGivenBy_CONSENT_GIVEN_BY_GUARDIAN,
			GuardianName: "Fatima", Scope: "health referrals", GivenTime: given, ExpireTime: expire}
	}
	create := func(id string, in *pb.Consent) (*pb.Consent, error) {
		r, err := c.CreateConsent(ctx, &pb.CreateConsentRequest{BeneficiaryId: id, Consent: in, RequestId: "form-17"})
		return r.GetConsent(), err
	}
	first, err := create(amina.GetId(), asked())
	if err != nil {
		t.Fatal(err)
	}
	// The retry, exactly as sent, and without a given time (the server's
	// time on both attempts, which differ): the consent recorded.
	again, err := create(amina.GetId(), asked())
	if err != nil || again.GetId() != first.GetId() {
		t.Fatalf("retry: %v %v, want consent %s", again, err, first.GetId())
	}
	untimed := func() *pb.Consent { x := asked(); x.GivenTime = nil; return x }
	r, err := c.CreateConsent(ctx, &pb.CreateConsentRequest{BeneficiaryId: amina.GetId(), Consent: untimed(), RequestId: "form-18"})
	if err != nil {
		t.Fatal(err)
	}
	if again, err := c.CreateConsent(ctx, &pb.CreateConsentRequest{BeneficiaryId: amina.GetId(), Consent: untimed(), RequestId: "form-18"}); err != nil ||
		again.GetConsent().GetId() != r.GetConsent().GetId() {
		t.Fatalf("retry without a given time: %v %v, want consent %s", again, err, r.GetConsent().GetId())
	}

	for name, tc := range map[string]struct {
		beneficiary string
		change      func(*pb.Consent)
	}{
		"another person":  {lejla.GetId(), func(*pb.Consent) {}},
		"another purpose": {amina.GetId(), func(x *pb.Consent) { x.Purpose = pb.ConsentPurpose_CONSENT_PURPOSE_PHOTO }},
		"another giver": {amina.GetId(), func(x *pb.Consent) {
			x.GivenBy, x.GuardianName = pb.ConsentGivenBy_CONSENT_GIVEN_BY_SELF, ""
		}},
		"another guardian":   {amina.GetId(), func(x *pb.Consent) { x.GuardianName = "Mariam" }},
		"another scope":      {amina.GetId(), func(x *pb.Consent) { x.Scope = "photos" }},
		"another given time": {amina.GetId(), func(x *pb.Consent) { x.GivenTime = timestamppb.New(given.AsTime().Add(time.Hour)) }},
		"another expiry":     {amina.GetId(), func(x *pb.Consent) { x.ExpireTime = nil }},
	} {
		in := asked()
		tc.change(in)
		got, err := create(tc.beneficiary, in)
		statustest.WantReason(t, err, codes.InvalidArgument, errs.ReasonRequestIDReused, name)
		if got != nil {
			t.Errorf("%s: answered %v", name, got)
		}
	}
	// Nothing was recorded for Lejla.
	if l, err := c.ListConsents(ctx, &pb.ListConsentsRequest{BeneficiaryId: lejla.GetId()}); err != nil || len(l.GetConsents()) != 0 {
		t.Fatalf("Lejla's consents: %v %v", l, err)
	}
}

// TestConsentTimesWithinAMicrosecond: consent times are kept to the
// microsecond, so an expiry less than a microsecond after the given time
// is the given time itself: refused as an expiry not after it, a field
// violation of consent.expire_time (it was the database's check
// constraint, named in a 400 without the field).
func TestConsentTimesWithinAMicrosecond(t *testing.T) {
	c := startAll(t)
	ctx := servicetest.As(t, ids.New())
	b := mustCreate(t, c, ctx, amina())
	given := time.Now().Add(-time.Hour).Truncate(time.Microsecond)
	_, err := c.CreateConsent(ctx, &pb.CreateConsentRequest{BeneficiaryId: b.GetId(), Consent: &pb.Consent{
		Purpose: pb.ConsentPurpose_CONSENT_PURPOSE_PHOTO, GivenBy: pb.ConsentGivenBy_CONSENT_GIVEN_BY_SELF,
		GivenTime: timestamppb.New(given.Add(100 * time.Nanosecond)), ExpireTime: timestamppb.New(given.Add(900 * time.Nanosecond)),
	}})
	statustest.Want(t, err, codes.InvalidArgument, "an expiry 800 ns after the given time")
	if v := statustest.Violations(err); !slices.Equal(v, []string{"consent.expire_time"}) {
		t.Fatalf("violations %v of %v, want consent.expire_time", v, err)
	}
}

// TestConsentZeroTimesRefused: a given_time or expire_time sent as
// 0001-01-01T00:00:00Z (what a client writes for a date it never set) is
// refused with a field violation, as any date before 2000 is; it was read
// as unset, so the consent was recorded as given now, or without expiry.
func TestConsentZeroTimesRefused(t *testing.T) {
	c := startAll(t)
	ctx := servicetest.As(t, ids.New())
	b := mustCreate(t, c, ctx, amina())
	zero := &timestamppb.Timestamp{Seconds: -62135596800} // 0001-01-01T00:00:00Z
	for field, in := range map[string]*pb.Consent{
		"consent.given_time":  {GivenTime: zero},
		"consent.expire_time": {ExpireTime: zero},
	} {
		in.Purpose, in.GivenBy = pb.ConsentPurpose_CONSENT_PURPOSE_REFERRAL_SHARING, pb.ConsentGivenBy_CONSENT_GIVEN_BY_SELF
		r, err := c.CreateConsent(ctx, &pb.CreateConsentRequest{BeneficiaryId: b.GetId(), Consent: in})
		statustest.Want(t, err, codes.InvalidArgument, field+" at 0001-01-01")
		if v := statustest.Violations(err); !slices.Equal(v, []string{field}) {
			t.Errorf("%s at 0001-01-01: violations %v of %v %v", field, v, r, err)
		}
	}
	if l, err := c.ListConsents(ctx, &pb.ListConsentsRequest{BeneficiaryId: b.GetId()}); err != nil || len(l.GetConsents()) != 0 {
		t.Fatalf("consents recorded: %v %v", l, err)
	}
}

// TestConsentGivenAheadOfTheClock: a given_time up to a minute ahead of the
// service's clock (the partner's clock runs ahead) is accepted, and is
// recorded as the service's time then: the consent is live at once, so the
// referral sent right after it can share the person. Before, it was stored
// as sent, in the future: the answer read live false and a :send right
// after was 400 CONSENT_REQUIRED until the partner's time came. Its create
// retried with the request id (the same given time) answers that consent.
func TestConsentGivenAheadOfTheClock(t *testing.T) {
	c := startAll(t)
	ctx := servicetest.As(t, ids.New())
	b := mustCreate(t, c, ctx, amina())
	ahead := time.Now().Add(40 * time.Second).Truncate(time.Second)
	in := consent(pb.ConsentPurpose_CONSENT_PURPOSE_REFERRAL_SHARING)
	in.GivenTime = timestamppb.New(ahead)
	create := func() *pb.Consent {
		t.Helper()
		r, err := c.CreateConsent(ctx, &pb.CreateConsentRequest{BeneficiaryId: b.GetId(), Consent: in, RequestId: "intake-ahead"})
		if err != nil {
			t.Fatal(err)
		}
		return r.GetConsent()
	}
	got := create()
	if !got.GetLive() || !got.GetGivenTime().AsTime().Before(ahead) {
		t.Fatalf("consent given at %v (ahead of the clock): live %v, given_time %v; want live, recorded at the service's time",
			ahead, got.GetLive(), got.GetGivenTime().AsTime())
	}
	chk, err := c.access.CheckConsent(ctx, &pb.CheckConsentRequest{BeneficiaryId: b.GetId(), Purpose: pb.ConsentPurpose_CONSENT_PURPOSE_REFERRAL_SHARING})
	if err != nil || !chk.GetLive() || chk.GetConsentId() != got.GetId() {
		t.Fatalf("live referral_sharing consent right after: %v %v, want %s", chk, err, got.GetId())
	}
	if again := create(); again.GetId() != got.GetId() {
		t.Fatalf("retry with the request id: consent %s, want %s", again.GetId(), got.GetId())
	}
	// Further ahead than that is refused, as before.
	in.GivenTime = timestamppb.New(time.Now().Add(2 * time.Minute))
	_, err = c.CreateConsent(ctx, &pb.CreateConsentRequest{BeneficiaryId: b.GetId(), Consent: in})
	if v := statustest.Violations(err); !slices.Equal(v, []string{"consent.given_time"}) {
		t.Fatalf("given two minutes ahead: %v, want a violation of consent.given_time", err)
	}
}
