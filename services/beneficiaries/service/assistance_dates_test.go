package service_test

import (
	"strings"
	"testing"
	"time"

	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/aggregate"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"google.golang.org/grpc/codes"
)

// TestAssistanceDateWithinLife: an assistance is dated on a day the person
// lived. A day before the birth date (or, for a birth year alone or an
// estimated birth date, before the birth year) is INVALID_ARGUMENT naming
// assistance.date, as tomorrow in the report time zone is, and nothing is recorded: it
// would be counted in a period the person was not yet born in. A grantee,
// which sees the birth year only, is held to the year.
func TestAssistanceDateWithinLife(t *testing.T) {
	c := startAll(t)
	orgB := ids.New()
	ctx, ctxB := servicetest.As(t, ids.New()), servicetest.As(t, orgB)
	born := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Leila", BirthDate: "2020-03-15"})
	year := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Omid", BirthYear: 2019})
	estimated := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Sara", BirthDate: "2019-06-01", BirthDateEstimated: true})
	unknown := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Nobody"})
	// Organisation B sees Leila through a grant: her birth year, not her
	// birth date.
	if _, err := c.CreateConsent(ctx, &pb.CreateConsentRequest{BeneficiaryId: born.GetId(), Consent: consent(pb.ConsentPurpose_CONSENT_PURPOSE_REFERRAL_SHARING)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.access.GrantAccess(ctx, &pb.GrantAccessRequest{BeneficiaryId: born.GetId(), GranteeOrganisationId: orgB, SourceId: "referral-1"}); err != nil {
		t.Fatal(err)
	}
	zone, err := aggregate.LoadZone("") // the service's default report zone
	if err != nil {
		t.Fatal(err)
	}
	today := aggregate.Today(zone, time.Now())
	for _, tc := range []struct {
		name, person, day string
		ok                bool
		grantee           bool
	}{
		{"the day before the birth date", born.GetId(), "2020-03-14", false, false},
		{"the birth date", born.GetId(), "2020-03-15", true, false},
		{"the year before the birth year", year.GetId(), "2018-12-31", false, false},
		{"the first day of the birth year", year.GetId(), "2019-01-01", true, false},
		{"before the year of an estimated birth date", estimated.GetId(), "2018-12-31", false, false},
		{"in the year of an estimated birth date, before the day", estimated.GetId(), "2019-01-01", true, false},
		{"no birth known", unknown.GetId(), "1990-01-01", true, false},
		{"today in the report time zone", born.GetId(), today.String(), true, false},
		{"tomorrow in the report time zone", born.GetId(), today.AddDays(1).String(), false, false},
		{"after tomorrow in the report time zone", born.GetId(), today.AddDays(2).String(), false, false},
		// The grantee is held to the year it sees, and its refusal names
		// no birth date.
		{"by a grantee, the year before the birth year", born.GetId(), "2019-12-31", false, true},
		{"by a grantee, in the birth year", born.GetId(), "2020-01-01", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			by := ctx
			if tc.grantee {
				by = ctxB
			}
			_, err := c.CreateAssistance(by, &pb.CreateAssistanceRequest{BeneficiaryId: tc.person, Assistance: &pb.Assistance{
				Type: pb.AssistanceType_ASSISTANCE_TYPE_INFORMATION, Date: tc.day}})
			if tc.ok {
				if err != nil {
					t.Fatalf("assistance on %s refused: %v", tc.day, err)
				}
				return
			}
			statustest.Want(t, err, codes.InvalidArgument, "assistance on "+tc.day)
			if v := statustest.Violations(err); len(v) != 1 || v[0] != "assistance.date" {
				t.Errorf("violations %v, want assistance.date", v)
			}
			if d := statustest.Descriptions(err)["assistance.date"]; tc.grantee && strings.Contains(d, "03-15") {
				t.Errorf("the grantee is told the birth date: %q", d)
			}
		})
	}
	n := 0
	if r, err := c.ListAssistances(ctxB, &pb.ListAssistancesRequest{BeneficiaryId: born.GetId()}); err != nil {
		t.Fatal(err)
	} else {
		n += len(r.GetAssistances())
	}
	for _, id := range []string{born.GetId(), year.GetId(), estimated.GetId(), unknown.GetId()} {
		r, err := c.ListAssistances(ctx, &pb.ListAssistancesRequest{BeneficiaryId: id})
		if err != nil {
			t.Fatal(err)
		}
		n += len(r.GetAssistances())
	}
	if n != 5+1+1 {
		t.Errorf("%d assistance records listed, want the 6 accepted (the grantee's twice)", n)
	}
}
