package service_test

import (
	"context"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"
	pb "github.com/spona/spona/gen/go/spona/referrals/v1"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/statustest"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// TestOrganisationVerification: only the platform administrator verifies
// an organisation, with a reason, audited; afterwards the organisation may
// edit its contact details but not its name, kind or country.
func TestOrganisationVerification(t *testing.T) {
	s := start(t)
	orgID := s.org(t, "Sigurna kuća")
	self := servicetest.As(t, orgID, auth.DefaultPartnerScopes...)
	platform := servicetest.As(t, auth.PlatformOrganisationID, auth.AdminScopes...)
	get := func() *pb.Organisation {
		t.Helper()
		r, err := s.dir.GetOrganisation(self, &pb.GetOrganisationRequest{Id: orgID})
		if err != nil {
			t.Fatal(err)
		}
		return r.GetOrganisation()
	}
	update := func(o *pb.Organisation, paths ...string) error {
		o.Etag = get().GetEtag()
		_, err := s.dir.UpdateOrganisation(self, &pb.UpdateOrganisationRequest{Organisation: o, UpdateMask: &fieldmaskpb.FieldMask{Paths: paths}})
		return err
	}
	if o := get(); o.GetVerified() || o.GetVerifyTime() != nil {
		t.Fatalf("new organisation verified: %v", o)
	}
	// Unverified, it edits itself freely (self-asserted).
	if err := update(&pb.Organisation{Id: orgID, Name: "Sigurna kuća Beograd"}, "name"); err != nil {
		t.Fatal(err)
	}
	verify := &pb.VerifyOrganisationRequest{Id: orgID, Name: "Udruženje Sigurna kuća", Kind: pb.OrganisationKind_ORGANISATION_KIND_NGO, Country: "RS", Reason: "APR extract 28.11.2026"}
	// Only the administrator, and only with a reason.
	for name, ctx := range map[string]context.Context{
		"the organisation itself":   self,
		"a directory administrator": servicetest.As(t, ids.New(), auth.ScopeDirectoryAdmin),
	} {
		if _, err := s.dir.VerifyOrganisation(ctx, verify); status.Code(err) != codes.PermissionDenied {
			t.Errorf("%s verifies: %v", name, err)
		}
	}
	noReason := proto.Clone(verify).(*pb.VerifyOrganisationRequest)
	noReason.Reason = " "
	if _, err := s.dir.VerifyOrganisation(platform, noReason); status.Code(err) != codes.InvalidArgument {
		t.Errorf("verification without a reason: %v", err)
	}
	// Names and identifier it sets are checked under the request's fields.
	badNames := proto.Clone(verify).(*pb.VerifyOrganisationRequest)
	badNames.LocalizedNames, badNames.OrganisationIdentifier = map[string]string{"sr_Latn": "Sigurna kuća", "en": " "}, proto.String("XX-FOO-1")
	_, err := s.dir.VerifyOrganisation(platform, badNames)
	if got := statustest.Violations(err); statustest.Code(err) != codes.InvalidArgument ||
		!slices.Equal(got, []string{"localized_names[en]", "localized_names[sr_Latn]", "organisation_identifier"}) {
		t.Errorf("verification with bad names and identifier: %v (fields %v)", err, got)
	}
	// So is the country (RS, BA or HR).
	badCountry := proto.Clone(verify).(*pb.VerifyOrganisationRequest)
	badCountry.Country = "Serbia"
	_, err = s.dir.VerifyOrganisation(platform, badCountry)
	if got := statustest.Violations(err); statustest.Code(err) != codes.InvalidArgument || !slices.Equal(got, []string{"country"}) {
		t.Errorf("verification with country Serbia: %v (fields %v)", err, got)
	}
	stale := proto.Clone(verify).(*pb.VerifyOrganisationRequest)
	stale.Etag = `W/"1"`
	if _, err := s.dir.VerifyOrganisation(platform, stale); status.Code(err) != codes.Aborted {
		t.Errorf("verification with a stale etag: %v", err)
	}
	v, err := s.dir.VerifyOrganisation(platform, verify)
	if err != nil {
		t.Fatal(err)
	}
	if o := v.GetOrganisation(); !o.GetVerified() || o.GetVerifyTime() == nil || o.GetName() != "Udruženje Sigurna kuća" {
		t.Fatalf("verified: %v", o)
	}
	// Verified: name, kind and country are the administrator's now...
	for _, c := range []struct {
		o    *pb.Organisation
		path string
	}{
		{&pb.Organisation{Id: orgID, Name: "Policijska uprava"}, "name"},
		{&pb.Organisation{Id: orgID, Kind: pb.OrganisationKind_ORGANISATION_KIND_POLICE}, "kind"},
		{&pb.Organisation{Id: orgID, Country: "HR"}, "country"},
		{&pb.Organisation{Id: orgID, LocalizedNames: map[string]string{"en": "Police Directorate"}}, "localized_names"},
		{&pb.Organisation{Id: orgID, OrganisationIdentifier: "XM-DAC-41122"}, "organisation_identifier"},
	} {
		err := update(c.o, c.path)
		if status.Code(err) != codes.PermissionDenied || statustest.Reason(err) != "ORGANISATION_VERIFIED" {
			t.Errorf("changing %s of a verified organisation: %v", c.path, err)
		}
	}
	// ...a directory administrator cannot change them either...
	if _, err := s.dir.UpdateOrganisation(servicetest.As(t, ids.New(), auth.ScopeDirectoryAdmin), &pb.UpdateOrganisationRequest{
		Organisation: &pb.Organisation{Id: orgID, Kind: pb.OrganisationKind_ORGANISATION_KIND_POLICE}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"kind"}}}); status.Code(err) != codes.PermissionDenied {
		t.Errorf("directory administrator changed a verified kind: %v", err)
	}
	// ...while contact details, and the same name sent back, stay its own.
	if err := update(&pb.Organisation{Id: orgID, Name: "Udruženje Sigurna kuća", Email: "info@sigurnakuca.org", Phone: "+381 11 123 456"}, "name", "email", "phone"); err != nil {
		t.Fatalf("contact update of a verified organisation: %v", err)
	}
	if o := get(); o.GetName() != "Udruženje Sigurna kuća" || o.GetKind() != pb.OrganisationKind_ORGANISATION_KIND_NGO || o.GetEmail() != "info@sigurnakuca.org" {
		t.Fatalf("after updates: %v", o)
	}
	// The administrator corrects a verified detail by verifying again.
	verify.Kind = pb.OrganisationKind_ORGANISATION_KIND_INTERNATIONAL_ORG
	verify.Reason = "international registration"
	if _, err := s.dir.VerifyOrganisation(platform, verify); err != nil {
		t.Fatal(err)
	}
	// Both verifications are in the audit log, which refuses changes.
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	var lastBefore, lastAfter string
	if err := conn.QueryRow(ctx, `SELECT count(*), max(before->>'kind'), max(after->>'kind') FILTER (WHERE reason = 'international registration')
		FROM referrals.organisation_audit WHERE organisation_id = $1 AND actor_organisation_id = $2`, orgID, auth.PlatformOrganisationID).Scan(&n, &lastBefore, &lastAfter); err != nil || n != 2 || lastAfter != "international_org" {
		t.Errorf("audit: %d rows, after %q, %v", n, lastAfter, err)
	}
	if _, err := conn.Exec(ctx, `UPDATE referrals.organisation_audit SET reason = ''`); err == nil {
		t.Error("the organisation audit log accepted an UPDATE")
	}
	// The name filter finds it, whatever the case.
	l, err := s.dir.ListOrganisations(self, &pb.ListOrganisationsRequest{Name: "  udruženje SIGURNA kuća "})
	if err != nil || len(l.GetOrganisations()) != 1 || l.GetOrganisations()[0].GetId() != orgID {
		t.Errorf("name filter: %v, %v", l, err)
	}
}
