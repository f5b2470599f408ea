package service_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/events"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/services/beneficiaries/migrations"
	"github.com/spona/spona/services/beneficiaries/service"
)

// guardianConsent records a consent for child given by a guardian named
// name and returns its id.
func guardianConsent(t *testing.T, c pb.BeneficiaryServiceClient, ctx context.Context, child, name string) string {
	t.Helper()
	r, err := c.CreateConsent(ctx, &pb.CreateConsentRequest{BeneficiaryId: child, Consent: &pb.Consent{
		Purpose: pb.ConsentPurpose_CONSENT_PURPOSE_DATA_PROCESSING, GivenBy: pb.ConsentGivenBy_CONSENT_GIVEN_BY_GUARDIAN, GuardianName: name}})
	if err != nil {
		t.Fatal(err)
	}
	return r.GetConsent().GetId()
}

// TestErasureBlanksGuardianNamingHer: erasing a person blanks the
// guardian's name of the consents she gave for others as their guardian
// (r18 guardian: it stayed, typed in as the child's consent's
// guardian_name), found by her name folded as the audit purposes are,
// on a database whose LC_CTYPE is C (lower() there leaves Ə as it is):
// those stored before migration 00034 (folded by 00035) and after. The
// consents stay, given by a guardian; one naming someone else (her
// namesake's family name with another given name) keeps its name; the
// beneficiary.erased event names the blanked consents (consent_ids) for
// their copies to go.
func TestErasureBlanksGuardianNamingHer(t *testing.T) {
	dbURL := pgtest.NewDatabase(t, "TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'")
	c := startOn(t, dbURL)
	ctx := servicetest.As(t, ids.New())
	mother := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Əsmər", FamilyName: "Əliyeva", BirthYear: 1988}).GetId()
	child := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Leyla", FamilyName: "Əliyeva", BirthYear: 2016}).GetId()
	before := guardianConsent(t, c, ctx, child, "ƏSMƏR ƏLIYEVA, majka")

	// The consents stored so far lose their folded name, and the upgrade
	// folds them (00034, then 00035).
	db, err := pgx.Connect(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	pgtest.Undo(t, db, "beneficiaries", migrations.FS, 34)
	conn := servicetest.Start(t, service.New(service.Config{Config: servicetest.Platform(t, dbURL),
		ReportingAddr: c.svc.Addr, ConsentExpiryInterval: time.Hour, ReferralsAddr: noDirectory}))
	c2 := pb.NewBeneficiaryServiceClient(conn)
	after := guardianConsent(t, c2, ctx, child, "Əliyeva Əsmər")
	other := guardianConsent(t, c2, ctx, child, "Aynur Əliyeva")
	if _, err := c2.EraseBeneficiary(ctx, &pb.EraseBeneficiaryRequest{Id: mother}); err != nil {
		t.Fatal(err)
	}

	list, err := c2.ListConsents(ctx, &pb.ListConsentsRequest{BeneficiaryId: child})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{before: "", after: "", other: "Aynur Əliyeva"}
	for _, k := range list.GetConsents() {
		name, ok := want[k.GetId()]
		if !ok || k.GetGuardianName() != name || k.GetGivenBy() != pb.ConsentGivenBy_CONSENT_GIVEN_BY_GUARDIAN {
			t.Errorf("the child's consent after erasing its mother: %v, want guardian %q", k, name)
		}
		delete(want, k.GetId())
	}
	if len(want) > 0 {
		t.Errorf("consents gone: %v", want)
	}
	var folded int
	if err := db.QueryRow(context.Background(), `SELECT count(*) FROM beneficiaries.consents WHERE guardian_folded LIKE '%əsmər%'`).Scan(&folded); err != nil {
		t.Fatal(err)
	}
	if folded != 0 {
		t.Errorf("%d consents keep her name folded", folded)
	}

	evs, _ := servicetest.Events(t, conn, "")
	var got []string
	for _, ev := range evs {
		if ev.GetType() == events.BeneficiaryErased && ev.GetAggregateId() == mother {
			for _, v := range ev.GetData().GetFields()["consent_ids"].GetListValue().GetValues() {
				got = append(got, v.GetStringValue())
			}
		}
	}
	slices.Sort(got)
	wantIDs := []string{before, after}
	slices.Sort(wantIDs)
	if !slices.Equal(got, wantIDs) {
		t.Errorf("beneficiary.erased consent_ids %v, want %v", got, wantIDs)
	}
}

// TestErasureRacingGuardianConsent: a consent for a child naming its mother
// as guardian, recorded while the mother is erased, either commits first
// and the erasure blanks its guardian's name (and names it in
// beneficiary.erased, for the edge's stored response to go), or waits for
// the erasure to commit. Before, the erasure did not wait for it (the
// consent locks the child, not her): held at its insert, the consent
// committed after the erasure had looked through the guardians' names, and
// kept hers. The interleavings are made to happen (pgtest.Hold): the
// consent held at its insert, or the erasure held at its update of her
// row (after its read of her names, with which it takes the
// organisations' guardians locks).
func TestErasureRacingGuardianConsent(t *testing.T) {
	c := startAll(t)
	ctx := servicetest.As(t, ids.New())
	conn := holdConn(t, c)
	for _, consentFirst := range []bool{true, false} {
		t.Run(map[bool]string{true: "consent first", false: "erasure first"}[consentFirst], func(t *testing.T) {
			mother := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Đurđija", FamilyName: "Kovačević", BirthYear: 1988}).GetId()
			child := mustCreate(t, c, ctx, &pb.Beneficiary{GivenName: "Lejla", FamilyName: "Kovačević", BirthYear: 2016}).GetId()
			var consent string
			record := func() error {
				r, err := c.CreateConsent(ctx, &pb.CreateConsentRequest{BeneficiaryId: child, Consent: &pb.Consent{
					Purpose: pb.ConsentPurpose_CONSENT_PURPOSE_DATA_PROCESSING, GivenBy: pb.ConsentGivenBy_CONSENT_GIVEN_BY_GUARDIAN,
					GuardianName: "DJURDJIJA KOVACEVIC, majka"}})
				consent = r.GetConsent().GetId()
				return err
			}
			erase := func() error {
				_, err := c.EraseBeneficiary(ctx, &pb.EraseBeneficiaryRequest{Id: mother})
				return err
			}
			first, second, hold := record, erase, "INSERT ON beneficiaries.consents"
			if !consentFirst {
				first, second, hold = erase, record, "UPDATE ON beneficiaries.beneficiaries WHEN (OLD.id = '"+mother+"')"
			}
			firstErr, secondErr, returned := pgtest.Interleave(t, conn, hold, first, second)
			if firstErr != nil || secondErr != nil {
				t.Fatalf("first: %v, second: %v", firstErr, secondErr)
			}
			if returned {
				t.Errorf("the second party returned while the first was held, before it committed")
			}
			if !consentFirst {
				// Recorded after the erasure committed: a consent like
				// any written later, which no erasure before it reaches.
				return
			}
			var name string
			if err := conn.QueryRow(context.Background(), `SELECT guardian_name || guardian_folded FROM beneficiaries.consents WHERE id = $1`,
				consent).Scan(&name); err != nil {
				t.Fatal(err)
			}
			if name != "" {
				t.Errorf("the child's consent recorded during its guardian's erasure keeps her name: %q", name)
			}
			evs, _ := servicetest.Events(t, c.conn, "")
			var named []string
			for _, ev := range evs {
				if ev.GetType() == events.BeneficiaryErased && ev.GetAggregateId() == mother {
					for _, v := range ev.GetData().GetFields()["consent_ids"].GetListValue().GetValues() {
						named = append(named, v.GetStringValue())
					}
				}
			}
			if !slices.Equal(named, []string{consent}) {
				t.Errorf("beneficiary.erased consent_ids %v, want %v", named, []string{consent})
			}
		})
	}
}
