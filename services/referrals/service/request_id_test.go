package service_test

import (
	"testing"
	"time"

	pb "github.com/spona/spona/gen/go/spona/referrals/v1"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"google.golang.org/grpc/codes"
)

// TestReferralRequestIDReused: a referral's create retried with its
// request id (an Idempotency-Key the edge no longer keeps, after its
// 24 h) answers the referral it made, also once sent; the same request id
// sent for another person, receiver, category or reason is refused
// REQUEST_ID_REUSED. It answered the first referral, as if the second
// were made, and the second never was.
func TestReferralRequestIDReused(t *testing.T) {
	s := start(t)
	a, b, c := s.org(t, "A"), s.org(t, "B"), s.org(t, "C")
	ctxA := partner(t, a)
	amina, lejla := s.beneficiary(t, ctxA), s.beneficiary(t, ctxA)
	s.consent(t, ctxA, amina, time.Time{})
	asked := func() *pb.Referral {
		return &pb.Referral{BeneficiaryId: amina, ToOrganisationId: b, Category: pb.ReferralCategory_REFERRAL_CATEGORY_LEGAL,
			Urgency: pb.Urgency_URGENCY_HIGH, Reason: "asylum interview next week"}
	}
	create := func(in *pb.Referral) (*pb.Referral, error) {
		r, err := s.ref.CreateReferral(ctxA, &pb.CreateReferralRequest{RequestId: "rr-1", Referral: in})
		return r.GetReferral(), err
	}
	first, err := create(asked())
	if err != nil {
		t.Fatal(err)
	}
	if again, err := create(asked()); err != nil || again.GetId() != first.GetId() {
		t.Fatalf("retry: %v %v, want referral %s", again, err, first.GetId())
	}
	reused := func(when string) {
		t.Helper()
		for name, change := range map[string]func(*pb.Referral){
			"another person and receiver": func(r *pb.Referral) { r.BeneficiaryId, r.ToOrganisationId = lejla, c },
			"another receiver":            func(r *pb.Referral) { r.ToOrganisationId = c },
			"another category":            func(r *pb.Referral) { r.Category = pb.ReferralCategory_REFERRAL_CATEGORY_HEALTH },
			"another urgency":             func(r *pb.Referral) { r.Urgency = pb.Urgency_URGENCY_NORMAL },
			"another reason":              func(r *pb.Referral) { r.Reason = "housing" },
		} {
			in := asked()
			change(in)
			got, err := create(in)
			statustest.WantReason(t, err, codes.InvalidArgument, errs.ReasonRequestIDReused, when+name)
			if got != nil {
				t.Errorf("%s%s: answered %v", when, name, got)
			}
		}
	}
	reused("")
	// Sent since (which records the consent it is sent under): still the
	// same referral for its retry.
	s.must(t, ctxA, "send", first.GetId())
	if again, err := create(asked()); err != nil || again.GetId() != first.GetId() {
		t.Fatalf("retry once sent: %v %v, want referral %s", again, err, first.GetId())
	}
	reused("once sent: ")
	if l, err := s.ref.ListReferrals(ctxA, &pb.ListReferralsRequest{}); err != nil || len(l.GetReferrals()) != 1 {
		t.Fatalf("referrals: %v %v, want the first alone", l, err)
	}
}

// TestDirectoryRequestIDReused: a directory organisation's or service's
// create retried with its request id answers the entry it made (a
// service's locations with the ids they were given); the same request
// id sent with another organisation or service is refused
// REQUEST_ID_REUSED. Each answered the first entry, as if the new one
// were published, and it never was.
func TestDirectoryRequestIDReused(t *testing.T) {
	s := start(t)
	admin := servicetest.As(t, ids.New(), auth.ScopeDirectoryAdmin)
	organisation := func(name, municipality string) *pb.Organisation {
		return &pb.Organisation{Name: name, Kind: pb.OrganisationKind_ORGANISATION_KIND_NGO, Country: "RS",
			Municipality: municipality, LocalizedNames: map[string]string{"sr-Cyrl": "Центар"}, Languages: []string{"sr-Latn", "ar"}}
	}
	createOrg := func(o *pb.Organisation) (*pb.Organisation, error) {
		r, err := s.dir.CreateOrganisation(admin, &pb.CreateOrganisationRequest{Organisation: o, RequestId: "org-1"})
		return r.GetOrganisation(), err
	}
	org, err := createOrg(organisation("Centar za zaštitu", "Beograd"))
	if err != nil {
		t.Fatal(err)
	}
	if again, err := createOrg(organisation("Centar za zaštitu", "Beograd")); err != nil || again.GetId() != org.GetId() {
		t.Fatalf("organisation retry: %v %v, want %s", again, err, org.GetId())
	}
	for name, o := range map[string]*pb.Organisation{
		"another organisation": organisation("Sigurna kuća", "Niš"),
		"another municipality": organisation("Centar za zaštitu", "Novi Sad"),
	} {
		got, err := createOrg(o)
		statustest.WantReason(t, err, codes.InvalidArgument, errs.ReasonRequestIDReused, "organisation: "+name)
		if got != nil {
			t.Errorf("organisation %s: answered %v", name, got)
		}
	}

	ctx := partner(t, org.GetId())
	service := func(name, municipality string) *pb.Service {
		return &pb.Service{Name: name, Category: pb.ReferralCategory_REFERRAL_CATEGORY_LEGAL, AcceptingReferrals: true,
			Locations: []*pb.Location{{Name: "Office", Municipality: municipality, Country: "RS"}},
			Contacts:  []*pb.Contact{{Name: "Duty lawyer", Phone: "+381 11 222 333"}},
			Schedules: []*pb.Schedule{{Days: []pb.Weekday{pb.Weekday_WEEKDAY_MONDAY}, OpensAt: "09:00", ClosesAt: "17:00"}}}
	}
	createService := func(x *pb.Service) (*pb.Service, error) {
		r, err := s.dir.CreateService(ctx, &pb.CreateServiceRequest{OrganisationId: org.GetId(), Service: x, RequestId: "svc-1"})
		return r.GetService(), err
	}
	svc, err := createService(service("Pravna pomoć", "Stari Grad"))
	if err != nil {
		t.Fatal(err)
	}
	if again, err := createService(service("Pravna pomoć", "Stari Grad")); err != nil || again.GetId() != svc.GetId() {
		t.Fatalf("service retry: %v %v, want %s", again, err, svc.GetId())
	}
	for name, x := range map[string]*pb.Service{
		"another service":  service("Psihosocijalna podrška", "Stari Grad"),
		"another location": service("Pravna pomoć", "Zemun"),
	} {
		got, err := createService(x)
		statustest.WantReason(t, err, codes.InvalidArgument, errs.ReasonRequestIDReused, "service: "+name)
		if got != nil {
			t.Errorf("service %s: answered %v", name, got)
		}
	}
	if l, err := s.dir.ListServices(ctx, &pb.ListServicesRequest{OrganisationId: org.GetId()}); err != nil || len(l.GetServices()) != 1 {
		t.Fatalf("services: %v %v, want the first alone", l, err)
	}
}
