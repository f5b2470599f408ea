package service_test

import (
	"encoding/json"
	"fmt"
	"testing"

	pb "github.com/spona/spona/gen/go/spona/referrals/v1"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/testkit/servicetest"
)

// TestDirectoryLanguageFilterIgnoresCase: BCP 47 tags are the same tag in
// any case (RFC 5646 2.1.1), so the language filters find a service or
// organisation working in "sr-latn" or "en-gb" by "sr-Latn" and "en-GB"
// and the other way round: the directory stores tags in their canonical
// case, and so does migration 00020 with the tags stored before.
func TestDirectoryLanguageFilterIgnoresCase(t *testing.T) {
	s := start(t)
	org := s.org(t, "Udruga Sunce")
	ctx := partner(t, org)
	o, err := s.dir.GetOrganisation(ctx, &pb.GetOrganisationRequest{Id: org})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.dir.UpdateOrganisation(ctx, &pb.UpdateOrganisationRequest{Organisation: &pb.Organisation{Id: org, Etag: o.GetOrganisation().GetEtag(),
		Languages: []string{"sr-latn", "en-gb"}}}); err != nil {
		t.Fatal(err)
	}
	svc, err := s.dir.CreateService(ctx, &pb.CreateServiceRequest{OrganisationId: org, Service: &pb.Service{Name: "Savetovanje", Category: 1,
		Languages: []string{"sr-latn", "en-gb", "ar"}}})
	if err != nil {
		t.Fatal(err)
	}
	reader := servicetest.As(t, org, auth.ScopeDirectoryRead)
	found := func(dir pb.DirectoryServiceClient) string {
		t.Helper()
		var out string
		for _, l := range []string{"sr-Latn", "sr-latn", "en-GB", "en-gb", "ar"} {
			svcs, err := dir.ListServices(reader, &pb.ListServicesRequest{Language: l})
			if err != nil {
				t.Fatal(err)
			}
			orgs, err := dir.ListOrganisations(reader, &pb.ListOrganisationsRequest{Language: l})
			if err != nil {
				t.Fatal(err)
			}
			out += fmt.Sprintf("language %s: %d services, %d organisations\n", l, len(svcs.GetServices()), len(orgs.GetOrganisations()))
		}
		return out
	}
	want := `language sr-Latn: 1 services, 1 organisations
language sr-latn: 1 services, 1 organisations
language en-GB: 1 services, 1 organisations
language en-gb: 1 services, 1 organisations
language ar: 1 services, 0 organisations
`
	if got := found(s.dir); got != want {
		t.Errorf("filters:\n%s\nwant:\n%s", got, want)
	}
	if got := fmt.Sprint(svc.GetService().GetLanguages()); got != "[sr-Latn en-GB ar]" {
		t.Errorf("service languages stored as %s", got)
	}

	// Tags stored as given before migration 00020.
	s.sql(t, `UPDATE referrals.organisations SET languages = '{sr-latn,en-gb}'`)
	s.sql(t, `UPDATE referrals.services SET languages = '{sr-latn,en-gb,ar}'`)
	again := pb.NewDirectoryServiceClient(s.upgraded(t, 20))
	if got := found(again); got != want {
		t.Errorf("after migration 00020, filters:\n%s\nwant:\n%s", got, want)
	}
	after, err := again.GetService(reader, &pb.GetServiceRequest{Id: svc.GetService().GetId()})
	if err != nil || fmt.Sprint(after.GetService().GetLanguages()) != "[sr-Latn en-GB ar]" || after.GetService().GetEtag() == svc.GetService().GetEtag() {
		t.Errorf("service after migration 00020: %v (etag before %s), %v", after.GetService(), svc.GetService().GetEtag(), err)
	}
}

// TestServiceLanguagesOnce: a language given twice (in the same or another
// case) is kept once, so the HSDS answer does not carry two languages with
// one id (HSDS: each language has a unique identifier).
func TestServiceLanguagesOnce(t *testing.T) {
	s := start(t)
	org := s.org(t, "Udruga Sunce")
	svc, err := s.dir.CreateService(partner(t, org), &pb.CreateServiceRequest{OrganisationId: org, Service: &pb.Service{Name: "Savetovanje", Category: 1,
		Languages: []string{"ar", "sr-latn", "ar", "sr-Latn", "fa"}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(svc.GetService().GetLanguages()); got != "[ar sr-Latn fa]" {
		t.Errorf("languages stored as %s", got)
	}
	languages := func() []struct{ ID, Note string } {
		t.Helper()
		b, err := pb.NewOpenReferralServiceClient(s.conn).GetHsdsService(servicetest.As(t, org, auth.ScopeDirectoryRead),
			&pb.GetHsdsServiceRequest{Id: svc.GetService().GetId()})
		if err != nil {
			t.Fatal(err)
		}
		var doc struct{ Languages []struct{ ID, Note string } }
		if err := json.Unmarshal(b.GetData(), &doc); err != nil {
			t.Fatal(err)
		}
		seen := map[string]string{}
		for _, l := range doc.Languages {
			if other, dup := seen[l.ID]; dup {
				t.Errorf("HSDS languages %s and %s share the id %s", other, l.Note, l.ID)
			}
			seen[l.ID] = l.Note
		}
		return doc.Languages
	}
	if got := languages(); len(got) != 3 {
		t.Errorf("HSDS languages: %+v", got)
	}
	// Stored twice before the directory kept each once.
	s.sql(t, `UPDATE referrals.services SET languages = '{ar,fa,ar}'`)
	if got := languages(); len(got) != 2 {
		t.Errorf("HSDS languages of a service stored with ar twice: %+v", got)
	}
}
