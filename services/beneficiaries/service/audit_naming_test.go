package service_test

import (
	"context"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"
	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/audit"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/services/beneficiaries/migrations"
	"google.golang.org/grpc/metadata"
)

// TestErasureBlanksPurposesNamingHer: the checks before registering a
// person ("is she registered already?") find only a namesake, so their
// purposes, naming her, are stored with the namesake's records, by calls
// that never read her. Erasing her blanks the purposes of her
// organisation's calls that name her: her names in either order and
// script, a document number, her phone or her e-mail, however written;
// those stored before the upgrade that records a purpose's organisation
// too. The namesake's own purposes, and another organisation's calls,
// keep theirs.
func TestErasureBlanksPurposesNamingHer(t *testing.T) {
	c := startAll(t)
	org, orgB := ids.New(), ids.New()
	ctx, ctxB := servicetest.As(t, org), servicetest.As(t, orgB)
	other := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Đurđija", FamilyName: "Petrović", BirthYear: 1970}).GetId()
	otherB := mustCreate(t, c, ctxB, &pb.Beneficiary{GivenName: "Đurđija", FamilyName: "Jovanović"}).GetId()
	check := func(c pb.BeneficiaryServiceClient, ctx context.Context, purpose string) {
		t.Helper()
		// Any text, as the edge sends X-Spona-Purpose on.
		ctx = metadata.AppendToOutgoingContext(ctx, audit.PurposeBinMetadata, purpose)
		if r, err := c.SearchBeneficiaries(ctx, &pb.SearchBeneficiariesRequest{Query: "Đurđija"}); err != nil ||
			len(r.GetResults()) != 1 {
			t.Fatalf("search: %v %v", r, err)
		}
	}
	naming := []string{
		"is Đurđija Kovačević-Zlatanović, passport PX7Q4K9M2, already registered?",
		"Ковачевић Златановић Ђурђија?",
		"sister's number 064/777-1234",
		"mail from DJURDJIJA.KZ@example.org",
		"pasoš px 7q4-k9m2",
	}
	kept := []string{"Đurđija Petrović follow-up", "Kovačević family", "call 064 777 9999", "is Zlatanović's sister Ana registered?"}
	for _, p := range append(slices.Clone(naming), kept...) {
		check(c, ctx, p)
	}
	check(c, ctxB, naming[0])

	// The service is upgraded: the purposes stored so far get their
	// organisation from their records.
	db, err := pgx.Connect(context.Background(), c.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	pgtest.Undo(t, db, "beneficiaries", migrations.FS, 20)
	c2 := restarted(t, c)
	check(c2, ctx, "Đurđija K.-Z.: Đurđija Kovačević Zlatanović's intake, maybe")
	naming = append(naming, "Đurđija K.-Z.: Đurđija Kovačević Zlatanović's intake, maybe")

	her := mustCreate(t, c2, ctx, &pb.Beneficiary{GivenName: "Đurđija", FamilyName: "Kovačević-Zlatanović", Phone: "+381 64 777 1234",
		Email: "djurdjija.kz@example.org", Documents: []*pb.IdentityDocument{
			{Type: pb.DocumentType_DOCUMENT_TYPE_PASSPORT, Number: "PX7Q4K9M2", IssuingCountry: "RS"}}}).GetId()
	if _, err := c2.EraseBeneficiary(ctx, &pb.EraseBeneficiaryRequest{Id: her}); err != nil {
		t.Fatal(err)
	}
	got := purposesOf(t, ctx, c2, other, "search")
	want := slices.Clone(kept)
	for range naming {
		want = append(want, "")
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("purposes of the namesake's search records after her erasure:\n got %q\nwant %q", got, want)
	}
	if got := purposesOf(t, ctxB, c2, otherB, "search"); !slices.Equal(got, naming[:1]) {
		t.Errorf("another organisation's purposes after her erasure: %q", got)
	}
}

// TestErasureBlanksReceiversPurposesNamingHer: an organisation she was
// referred to (it held an access grant to her) checks its own register
// for her before the intake, with a purpose naming her; the search finds
// one of its own clients, not her, so the purpose is stored with that
// client's record by a call that never read her. Erasing her blanks it as
// it blanks her own organisation's; an organisation she was never shared
// with keeps its purposes.
func TestErasureBlanksReceiversPurposesNamingHer(t *testing.T) {
	c := startAll(t)
	orgA, orgB, orgC := ids.New(), ids.New(), ids.New()
	ctxA, ctxB, ctxC := servicetest.As(t, orgA), servicetest.As(t, orgB), servicetest.As(t, orgC)
	her := mustCreate(t, c, ctxA, &pb.Beneficiary{GivenName: "Đurđija", FamilyName: "Kovačević-Zlatanović", Phone: "+381 64 777 1234"}).GetId()
	if _, err := c.CreateConsent(ctxA, &pb.CreateConsentRequest{BeneficiaryId: her, Consent: consent(pb.ConsentPurpose_CONSENT_PURPOSE_REFERRAL_SHARING)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.access.GrantAccess(ctxA, &pb.GrantAccessRequest{BeneficiaryId: her, GranteeOrganisationId: orgB,
		SourceId: "referral-1", Reason: "referral"}); err != nil {
		t.Fatal(err)
	}
	clientB := mustCreate(t, c, ctxB, &pb.Beneficiary{GivenName: "Petar", FamilyName: "Marković"}).GetId()
	clientC := mustCreate(t, c, ctxC, &pb.Beneficiary{GivenName: "Petar", FamilyName: "Marković"}).GetId()
	const purpose = "intake: is Đurđija Kovačević-Zlatanović (064 777 1234) already our client?"
	for _, ctx := range []context.Context{ctxB, ctxC} {
		ctx = metadata.AppendToOutgoingContext(ctx, audit.PurposeBinMetadata, purpose)
		if r, err := c.SearchBeneficiaries(ctx, &pb.SearchBeneficiariesRequest{Query: "Marković"}); err != nil || len(r.GetResults()) != 1 {
			t.Fatalf("search: %v %v", r, err)
		}
	}
	if _, err := c.EraseBeneficiary(ctxA, &pb.EraseBeneficiaryRequest{Id: her}); err != nil {
		t.Fatal(err)
	}
	if got := purposesOf(t, ctxB, c, clientB, "search"); !slices.Equal(got, []string{""}) {
		t.Errorf("the receiver's purpose naming her, after her erasure: %q", got)
	}
	if got := purposesOf(t, ctxC, c, clientC, "search"); !slices.Equal(got, []string{purpose}) {
		t.Errorf("an unrelated organisation's purpose after her erasure: %q", got)
	}
}
