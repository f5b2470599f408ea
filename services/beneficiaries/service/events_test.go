package service_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	eventsv1 "github.com/spona/spona/gen/go/spona/events/v1"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

func str(ev *eventsv1.Event, key string) string {
	return ev.GetData().GetFields()[key].GetStringValue()
}

// TestEventsOfBeneficiaries: each change writes its event, with ids and
// codes only; erasing a merged record erases the person (the survivor, with
// every record merged into it) once, and erasing again emits nothing.
func TestEventsOfBeneficiaries(t *testing.T) {
	c := startAll(t)
	url, conn := c.dbURL, c.conn
	orgA, orgB := ids.New(), ids.New()
	ctx := servicetest.As(t, orgA)

	primary := mustCreate(t, c, withPurpose(ctx, "intake of Amina Haddad"), amina())
	upd, err := c.UpdateBeneficiary(ctx, &pb.UpdateBeneficiaryRequest{
		Beneficiary: &pb.Beneficiary{Id: primary.GetId(), Etag: primary.GetEtag(), Phone: "+385 91 555 0101"},
		UpdateMask:  &fieldmaskpb.FieldMask{Paths: []string{"phone"}}})
	if err != nil {
		t.Fatal(err)
	}
	_ = upd
	cons, err := c.CreateConsent(ctx, &pb.CreateConsentRequest{BeneficiaryId: primary.GetId(), RequestId: "consent-1",
		Consent: consent(pb.ConsentPurpose_CONSENT_PURPOSE_REFERRAL_SHARING)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateConsent(ctx, &pb.CreateConsentRequest{BeneficiaryId: primary.GetId(), RequestId: "consent-1",
		Consent: consent(pb.ConsentPurpose_CONSENT_PURPOSE_REFERRAL_SHARING)}); err != nil {
		t.Fatal(err) // a retry: no second event
	}
	for range 2 { // granting a live grant again: no second event
		if _, err := c.access.GrantAccess(ctx, &pb.GrantAccessRequest{BeneficiaryId: primary.GetId(), GranteeOrganisationId: orgB, SourceId: "ref-1"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.access.RevokeAccess(ctx, &pb.RevokeAccessRequest{BeneficiaryId: primary.GetId(), SourceId: "ref-1"}); err != nil {
		t.Fatal(err)
	}
	second := amina()
	second.ExternalId = "CASE-002"
	dup := mustCreate(t, c, ctx, second)
	if _, err := c.MergeBeneficiaries(ctx, &pb.MergeBeneficiariesRequest{Id: primary.GetId(), DuplicateId: dup.GetId()}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.WithdrawConsent(ctx, &pb.WithdrawConsentRequest{BeneficiaryId: primary.GetId(), Id: cons.GetConsent().GetId(), Reason: "asked by phone"}); err != nil {
		t.Fatal(err)
	}
	// Erase through the merged record: the person goes.
	erased, err := c.EraseBeneficiary(withPurpose(ctx, "erasure request of Amina Haddad"), &pb.EraseBeneficiaryRequest{Id: dup.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	if eb := erased.GetBeneficiary(); eb.GetId() != dup.GetId() || eb.GetMergedInto() != primary.GetId() || eb.GetEraseTime() == nil || eb.GetGivenName() != "" {
		t.Fatalf("erased merged record: %v", eb)
	}
	evs, head := servicetest.Events(t, conn, "")
	var types []string
	for _, ev := range evs {
		types = append(types, ev.GetType())
		raw, _ := protojson.Marshal(ev)
		if strings.Contains(string(raw), "Amina") || strings.Contains(string(raw), "Haddad") || strings.Contains(string(raw), "555 0101") {
			t.Errorf("event carries personal data: %s", raw)
		}
	}
	want := []string{"beneficiary.created", "beneficiary.updated", "consent.given", "access.granted", "access.revoked",
		"beneficiary.created", "beneficiary.merged", "consent.withdrawn", "beneficiary.erased"}
	if !slices.Equal(types, want) {
		t.Fatalf("events %v\nwant   %v", types, want)
	}
	if ev := evs[1]; str(ev, "beneficiary_id") != primary.GetId() || ev.GetData().GetFields()["fields"].GetListValue().GetValues()[0].GetStringValue() != "phone" {
		t.Errorf("updated: %v", ev)
	}
	if ev := evs[3]; str(ev, "organisation_id") != orgB || !slices.Equal(ev.GetOrganisationIds(), []string{orgA, orgB}) {
		t.Errorf("granted: %v", ev)
	}
	// Told of the merge: the registering organisation only (orgB's grant
	// was to the survivor, and revoked).
	if ev := evs[6]; ev.GetAggregateId() != dup.GetId() || str(ev, "survivor_id") != primary.GetId() ||
		!slices.Equal(ev.GetOrganisationIds(), []string{orgA}) {
		t.Errorf("merged: %v", ev)
	}
	er := evs[8]
	merged := er.GetData().GetFields()["merged_ids"].GetListValue().GetValues()
	if er.GetAggregateId() != primary.GetId() || len(merged) != 1 || merged[0].GetStringValue() != dup.GetId() ||
		!slices.Equal(er.GetOrganisationIds(), []string{orgA, orgB}) {
		t.Fatalf("erased: %v", er)
	}

	// Both records are anonymised, the audit purposes naming the person are
	// blanked, and the audit log still refuses any other change.
	pg, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close(context.Background())
	var named, purposes int
	if err := pg.QueryRow(context.Background(), `SELECT
			(SELECT count(*) FROM beneficiaries.beneficiaries WHERE given_name <> '' OR family_name <> '' OR original_script_name <> ''),
			(SELECT count(*) FROM beneficiaries.audit_events WHERE purpose LIKE '%Amina%')
			+ (SELECT count(*) FROM beneficiaries.audit_purposes WHERE purpose LIKE '%Amina%')`).Scan(&named, &purposes); err != nil {
		t.Fatal(err)
	}
	if named != 0 || purposes != 0 {
		t.Fatalf("after erasure %d records keep names, %d audit purposes name the person", named, purposes)
	}
	if _, err := pg.Exec(context.Background(), `UPDATE beneficiaries.audit_events SET action = 'read'`); err == nil {
		t.Fatal("the audit log accepted an update")
	}
	if _, err := pg.Exec(context.Background(), `UPDATE beneficiaries.audit_events SET purpose = '', actor_client_id = 'x'`); err == nil {
		t.Fatal("the audit log accepted an update riding on a purpose redaction")
	}
	if _, err := pg.Exec(context.Background(), `UPDATE beneficiaries.audit_purposes SET purpose = '', id = gen_random_uuid()`); err == nil {
		t.Fatal("the audit log's purposes accepted an update riding on a purpose redaction")
	}

	// Erasing again, by either id, changes nothing and emits nothing.
	for _, id := range []string{primary.GetId(), dup.GetId()} {
		again, err := c.EraseBeneficiary(ctx, &pb.EraseBeneficiaryRequest{Id: id})
		if err != nil || again.GetBeneficiary().GetEraseTime() == nil {
			t.Fatalf("erasing %s again: %v %v", id, again, err)
		}
	}
	if more, _ := servicetest.Events(t, conn, head); len(more) != 0 {
		t.Fatalf("erasing again emitted %v", more)
	}
}

// TestEventsOfDocumentsAndHouseholds: a change of a beneficiary's identity
// documents or household membership moves its etag, and is told on the feed
// as beneficiary.updated naming the fields of the read that changed (ids
// and field names only: no document number, type or relationship), once
// per person whose read changed, in the change's transaction: a refused
// change and a retried create tell nothing.
func TestEventsOfDocumentsAndHouseholds(t *testing.T) {
	c := startAll(t)
	org := ids.New()
	ctx := servicetest.As(t, org)
	mother := mustCreate(t, c, ctx, amina())
	second := amina()
	second.ExternalId, second.GivenName = "CASE-002", "Sara"
	child := mustCreate(t, c, ctx, second)
	_, head := servicetest.Events(t, c.conn, "")

	etag := func(id string) string {
		t.Helper()
		r, err := c.GetBeneficiary(ctx, &pb.GetBeneficiaryRequest{Id: id})
		if err != nil {
			t.Fatal(err)
		}
		return r.GetBeneficiary().GetEtag()
	}
	type told struct {
		id     string
		fields string
	}
	var want []told
	// step makes a change that must move the etags of ids, each told as
	// beneficiary.updated naming fields.
	step := func(what, fields string, change func() error, ids ...string) {
		t.Helper()
		before := map[string]string{}
		for _, id := range ids {
			before[id] = etag(id)
		}
		if err := change(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		for _, id := range ids {
			if etag(id) == before[id] {
				t.Fatalf("%s: the etag of %s did not move", what, id)
			}
			want = append(want, told{id, fields})
		}
	}
	var docID, hhID string
	step("add a document", "documents", func() error {
		d, err := c.CreateDocument(ctx, &pb.CreateDocumentRequest{BeneficiaryId: mother.GetId(), Document: &pb.IdentityDocument{
			Type: pb.DocumentType_DOCUMENT_TYPE_PASSPORT, Number: "N7654321", IssuingCountry: "SY"}})
		docID = d.GetDocument().GetId()
		return err
	}, mother.GetId())
	// Refused (the same document again): no event.
	if _, err := c.CreateDocument(ctx, &pb.CreateDocumentRequest{BeneficiaryId: mother.GetId(), Document: &pb.IdentityDocument{
		Type: pb.DocumentType_DOCUMENT_TYPE_PASSPORT, Number: "N7654321", IssuingCountry: "SY"}}); err == nil {
		t.Fatal("the same document was added twice")
	}
	step("remove the document", "documents", func() error {
		_, err := c.DeleteDocument(ctx, &pb.DeleteDocumentRequest{BeneficiaryId: mother.GetId(), Id: docID})
		return err
	}, mother.GetId())
	create := func() error {
		h, err := c.CreateHousehold(ctx, &pb.CreateHouseholdRequest{RequestId: "hh-1", Household: &pb.Household{Reference: "HH-7",
			Members: []*pb.HouseholdMember{{BeneficiaryId: mother.GetId(), Relationship: pb.Relationship_RELATIONSHIP_HEAD}}}})
		hhID = h.GetHousehold().GetId()
		return err
	}
	step("create a household", "household_id,household_relationship", create, mother.GetId())
	if err := create(); err != nil { // a retry: nothing changes, nothing told
		t.Fatal(err)
	}
	step("add a member", "household_id,household_relationship", func() error {
		_, err := c.AddHouseholdMember(ctx, &pb.AddHouseholdMemberRequest{HouseholdId: hhID,
			Member: &pb.HouseholdMember{BeneficiaryId: child.GetId(), Relationship: pb.Relationship_RELATIONSHIP_CHILD}})
		return err
	}, child.GetId())
	step("remove a member", "household_id,household_relationship", func() error {
		_, err := c.RemoveHouseholdMember(ctx, &pb.RemoveHouseholdMemberRequest{HouseholdId: hhID, BeneficiaryId: child.GetId()})
		return err
	}, child.GetId())

	evs, _ := servicetest.Events(t, c.conn, head)
	var got []told
	for _, ev := range evs {
		raw, _ := protojson.Marshal(ev)
		if strings.Contains(string(raw), "7654321") || strings.Contains(string(raw), "HH-7") || strings.Contains(string(raw), "Amina") ||
			strings.Contains(string(raw), "PASSPORT") || strings.Contains(string(raw), "CHILD") {
			t.Errorf("event carries personal data: %s", raw)
		}
		if ev.GetType() != "beneficiary.updated" || str(ev, "beneficiary_id") != ev.GetAggregateId() ||
			!slices.Equal(ev.GetOrganisationIds(), []string{org}) || len(ev.GetData().GetFields()) != 2 {
			t.Errorf("event: %s", raw)
		}
		var fields []string
		for _, f := range ev.GetData().GetFields()["fields"].GetListValue().GetValues() {
			fields = append(fields, f.GetStringValue())
		}
		got = append(got, told{ev.GetAggregateId(), strings.Join(fields, ",")})
	}
	if !slices.Equal(got, want) {
		t.Fatalf("events %v\nwant   %v", got, want)
	}
}
