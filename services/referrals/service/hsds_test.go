package service_test

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	pb "github.com/spona/spona/gen/go/spona/referrals/v1"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/testkit/pgtest"
	"github.com/spona/spona/pkg/testkit/servicetest"
	"github.com/spona/spona/pkg/testkit/standards"
	"github.com/spona/spona/services/referrals/service"
	"google.golang.org/genproto/googleapis/api/httpbody"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	grpcstatus "google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// every is a text in each directory language.
func every(s string) map[string]string {
	return map[string]string{"en": s + " (en)", "sr-Latn": s + " (sr-Latn)", "sr-Cyrl": s + " (Ћирилица)", "bs": s + " (bs)", "hr": s + " (hr)"}
}

// hsdsDirectory fills a directory with an organisation and a service with
// every optional part, a bare organisation and service, and services to
// page through; it returns the ids.
func hsdsDirectory(t *testing.T, s *stack) (full, bare, fullService, bareService string) {
	t.Helper()
	admin := servicetest.As(t, ids.New(), auth.ScopeDirectoryAdmin)
	mk := func(o *pb.Organisation) string {
		r, err := s.dir.CreateOrganisation(admin, &pb.CreateOrganisationRequest{Organisation: o})
		if err != nil {
			t.Fatal(err)
		}
		return r.GetOrganisation().GetId()
	}
	full = mk(&pb.Organisation{Name: "Centar za zaštitu i pomoć tražiocima azila", LocalizedNames: every("Asylum Protection Center"),
		Description: "Pravna i psihosocijalna pomoć", LocalizedDescriptions: every("Legal and psychosocial help"),
		Kind: pb.OrganisationKind_ORGANISATION_KIND_NGO, Municipality: "Beograd", Country: "RS", Email: "info@apc-cza.org",
		Website: "https://www.apc-cza.org", Phone: "+381 11 123 4567", Languages: []string{"sr-Latn", "en", "ar", "fa"},
		OrganisationIdentifier: "RS-APR-17123456"})
	// Only the full one is verified: the identifier bare proposes (another
	// organisation's) is not published.
	platform := servicetest.As(t, auth.PlatformOrganisationID, auth.AdminScopes...)
	if _, err := s.dir.VerifyOrganisation(platform, &pb.VerifyOrganisationRequest{Id: full, Name: "Centar za zaštitu i pomoć tražiocima azila",
		Kind: pb.OrganisationKind_ORGANISATION_KIND_NGO, Country: "RS", Reason: "APR extract"}); err != nil {
		t.Fatal(err)
	}
	bare = mk(&pb.Organisation{Name: "Udruga", Kind: pb.OrganisationKind_ORGANISATION_KIND_NGO, OrganisationIdentifier: "RS-APR-17123456"})
	ctx := partner(t, full)
	svc := func(org string, sv *pb.Service) string {
		r, err := s.dir.CreateService(partner(t, org), &pb.CreateServiceRequest{OrganisationId: org, Service: sv})
		if err != nil {
			t.Fatal(err)
		}
		return r.GetService().GetId()
	}
	office := &pb.Location{Name: "Office", Address: "Gospodar Jevremova 47", Municipality: "Stari Grad", Country: "RS"}
	fullService = svc(full, &pb.Service{
		Name: "Pravna pomoć tražiocima azila", LocalizedNames: every("Legal aid"),
		Description: "Zastupanje u postupku azila", LocalizedDescriptions: every("Representation in the asylum procedure"),
		Category: pb.ReferralCategory_REFERRAL_CATEGORY_LEGAL, Languages: []string{"sr-Latn", "sr-Cyrl", "en", "ar", "fa", "ps", "uk", "ku"},
		Eligibility:        &pb.Eligibility{Description: "Asylum seekers and refugees", MinimumAge: 16, MaximumAge: 99},
		AcceptingReferrals: true,
		Locations:          []*pb.Location{office, office, {Municipality: "Šid", Country: "RS"}, {Name: "Reception centre", Country: "RS"}},
		Contacts: []*pb.Contact{{Name: "Duty lawyer", Title: "Lawyer", Email: "lawyer@apc-cza.org", Phone: "+381 64 000 0000"},
			{Phone: "+381 11 765 4321"}, {Email: "info@apc-cza.org"}},
		Schedules: []*pb.Schedule{{Days: []pb.Weekday{pb.Weekday_WEEKDAY_MONDAY, pb.Weekday_WEEKDAY_FRIDAY}, OpensAt: "09:00", ClosesAt: "17:00", Description: "Office hours"},
			{Days: []pb.Weekday{pb.Weekday_WEEKDAY_SATURDAY}, OpensAt: "10:00", ClosesAt: "12:00"}},
		Email: "pravna@apc-cza.org", Url: "https://www.apc-cza.org/pravna", Phone: "+381 11 123 4568",
	})
	bareService = svc(bare, &pb.Service{Name: "Smještaj", Category: pb.ReferralCategory_REFERRAL_CATEGORY_ACCOMMODATION})
	for i := range 5 {
		svc(bare, &pb.Service{Name: fmt.Sprintf("Psihosocijalna podrška %d", i), Category: pb.ReferralCategory_REFERRAL_CATEGORY_PSYCHOSOCIAL,
			Locations: []*pb.Location{{Municipality: fmt.Sprintf("Town %d", i)}}})
	}
	_ = ctx
	return full, bare, fullService, bareService
}

// hsdsCall is one call of the HSDS API and the profile path it answers.
type hsdsCall struct {
	path string // the profile's path, for its schema
	call func(ctx context.Context, c pb.OpenReferralServiceClient, opts ...grpc.CallOption) (*httpbody.HttpBody, error)
}

// TestHSDSValidAgainstTheProfile: every answer of the HSDS API, for an
// organisation and a service with every optional part and for bare ones,
// in every language, validates against the HSDS 3.0 profile's schemas.
func TestHSDSValidAgainstTheProfile(t *testing.T) {
	s := start(t)
	c := pb.NewOpenReferralServiceClient(s.conn)
	full, bare, fullService, bareService := hsdsDirectory(t, s)
	schemas := standards.HSDSSchemas(t)
	term := "" // the legal term's id, from the taxonomy
	calls := []hsdsCall{
		{"/", func(ctx context.Context, c pb.OpenReferralServiceClient, o ...grpc.CallOption) (*httpbody.HttpBody, error) {
			return c.GetHsdsApiInfo(ctx, &pb.GetHsdsApiInfoRequest{}, o...)
		}},
	}
	for _, nested := range []bool{false, true} {
		calls = append(calls, hsdsCall{"/services", func(ctx context.Context, c pb.OpenReferralServiceClient, o ...grpc.CallOption) (*httpbody.HttpBody, error) {
			return c.ListHsdsServices(ctx, &pb.ListHsdsServicesRequest{Full: nested}, o...)
		}}, hsdsCall{"/service_at_locations", func(ctx context.Context, c pb.OpenReferralServiceClient, o ...grpc.CallOption) (*httpbody.HttpBody, error) {
			return c.ListHsdsServiceAtLocations(ctx, &pb.ListHsdsServiceAtLocationsRequest{Full: nested}, o...)
		}}, hsdsCall{"/organizations", func(ctx context.Context, c pb.OpenReferralServiceClient, o ...grpc.CallOption) (*httpbody.HttpBody, error) {
			return c.ListHsdsOrganizations(ctx, &pb.ListHsdsOrganizationsRequest{Full: nested, FullService: nested}, o...)
		}})
		for _, org := range []string{full, bare} {
			calls = append(calls, hsdsCall{"/organizations/{id}", func(ctx context.Context, c pb.OpenReferralServiceClient, o ...grpc.CallOption) (*httpbody.HttpBody, error) {
				return c.GetHsdsOrganization(ctx, &pb.GetHsdsOrganizationRequest{Id: org, FullService: nested}, o...)
			}})
		}
	}
	for _, svc := range []string{fullService, bareService} {
		calls = append(calls, hsdsCall{"/services/{id}", func(ctx context.Context, c pb.OpenReferralServiceClient, o ...grpc.CallOption) (*httpbody.HttpBody, error) {
			return c.GetHsdsService(ctx, &pb.GetHsdsServiceRequest{Id: svc}, o...)
		}})
	}
	calls = append(calls, hsdsCall{"/services", func(ctx context.Context, c pb.OpenReferralServiceClient, o ...grpc.CallOption) (*httpbody.HttpBody, error) {
		return c.ListHsdsServices(ctx, &pb.ListHsdsServicesRequest{Minimal: true}, o...)
	}})
	// Each location of the service with every optional part (two equal
	// offices, one without a name, one without an address), by the ids the
	// list gives.
	for i := range 4 {
		calls = append(calls, hsdsCall{"/service_at_locations/{id}", func(ctx context.Context, c pb.OpenReferralServiceClient, o ...grpc.CallOption) (*httpbody.HttpBody, error) {
			var page struct{ Contents []struct{ ID string } }
			b, err := c.ListHsdsServiceAtLocations(ctx, &pb.ListHsdsServiceAtLocationsRequest{OrganizationId: full}, o...)
			if err != nil || json.Unmarshal(b.GetData(), &page) != nil || len(page.Contents) != 4 {
				return nil, fmt.Errorf("service_at_locations: %v %s", err, b.GetData())
			}
			return c.GetHsdsServiceAtLocation(ctx, &pb.GetHsdsServiceAtLocationRequest{Id: page.Contents[i].ID}, o...)
		}})
	}
	calls = append(calls,
		hsdsCall{"/taxonomies", func(ctx context.Context, c pb.OpenReferralServiceClient, o ...grpc.CallOption) (*httpbody.HttpBody, error) {
			return c.ListHsdsTaxonomies(ctx, &pb.ListHsdsTaxonomiesRequest{}, o...)
		}},
		hsdsCall{"/taxonomy_terms", func(ctx context.Context, c pb.OpenReferralServiceClient, o ...grpc.CallOption) (*httpbody.HttpBody, error) {
			return c.ListHsdsTaxonomyTerms(ctx, &pb.ListHsdsTaxonomyTermsRequest{TopOnly: true}, o...)
		}},
		hsdsCall{"/taxonomy_terms/{id}", func(ctx context.Context, c pb.OpenReferralServiceClient, o ...grpc.CallOption) (*httpbody.HttpBody, error) {
			return c.GetHsdsTaxonomyTerm(ctx, &pb.GetHsdsTaxonomyTermRequest{Id: term}, o...)
		}},
		hsdsCall{"/taxonomies/{id}", func(ctx context.Context, c pb.OpenReferralServiceClient, o ...grpc.CallOption) (*httpbody.HttpBody, error) {
			var page struct{ Contents []struct{ ID string } }
			b, err := c.ListHsdsTaxonomies(ctx, &pb.ListHsdsTaxonomiesRequest{}, o...)
			if err != nil || json.Unmarshal(b.GetData(), &page) != nil || len(page.Contents) != 1 {
				return nil, fmt.Errorf("taxonomies: %v", err)
			}
			return c.GetHsdsTaxonomy(ctx, &pb.GetHsdsTaxonomyRequest{Id: page.Contents[0].ID}, o...)
		}},
	)
	reader := servicetest.As(t, ids.New(), auth.ScopeDirectoryRead)
	var terms struct{ Contents []struct{ ID, Code string } }
	b, err := c.ListHsdsTaxonomyTerms(reader, &pb.ListHsdsTaxonomyTermsRequest{})
	if err != nil || json.Unmarshal(b.GetData(), &terms) != nil {
		t.Fatal(err)
	}
	for _, x := range terms.Contents {
		if x.Code == "legal" {
			term = x.ID
		}
	}
	validated := 0
	for _, lang := range []string{"", "en", "sr-Latn", "sr-Cyrl", "bs", "hr", "sr", "de, fr;q=0.5", "bs-Cyrl-BA"} {
		ctx := reader
		if lang != "" {
			ctx = metadata.AppendToOutgoingContext(reader, "accept-language", lang)
		}
		for _, call := range calls {
			var hdr metadata.MD
			body, err := call.call(ctx, c, grpc.Header(&hdr))
			if err != nil {
				t.Fatalf("%s in %q: %v", call.path, lang, err)
			}
			if body.GetContentType() != "application/json" {
				t.Fatalf("%s: content type %q", call.path, body.GetContentType())
			}
			if err := schemas.Validate(call.path, body.GetData()); err != nil {
				t.Fatalf("GET %s in %q does not validate against the HSDS profile: %v\n%s", call.path, lang, err, body.GetData())
			}
			validated++
			// The answer says which language it chose ("sr" is Cyrillic;
			// Bosnian in Cyrillic is Bosnian, the edge's choice for error
			// texts too; languages the directory lacks get English).
			want, ok := map[string]string{"sr": "sr-Cyrl", "de, fr;q=0.5": "en", "bs-Cyrl-BA": "bs"}[lang]
			if !ok {
				want = lang
			}
			if got := strings.Join(hdr.Get("content-language"), ","); call.path != "/" && got != want {
				t.Fatalf("%s in %q: Content-Language %q, want %q", call.path, lang, got, want)
			}
		}
	}
	t.Logf("%d HSDS answers validated against the profile (%d calls × 9 language choices)", validated, len(calls))

	// An identifier is published once verified (audit-standards finding 2).
	for org, want := range map[string]int{full: 1, bare: 0} {
		var out struct {
			OrganizationIdentifiers []struct{ IdentifierScheme, Identifier string } `json:"organization_identifiers"`
		}
		b, err := c.GetHsdsOrganization(reader, &pb.GetHsdsOrganizationRequest{Id: org})
		if err != nil || json.Unmarshal(b.GetData(), &out) != nil {
			t.Fatal(err)
		}
		if len(out.OrganizationIdentifiers) != want || want == 1 && out.OrganizationIdentifiers[0].Identifier != "17123456" {
			t.Errorf("organisation %s (verified: %v): identifiers %+v", org, org == full, out.OrganizationIdentifiers)
		}
	}

	// The names are in the language asked for.
	get := func(lang string) map[string]any {
		var out map[string]any
		b, err := c.GetHsdsService(metadata.AppendToOutgoingContext(reader, "accept-language", lang), &pb.GetHsdsServiceRequest{Id: fullService})
		if err != nil || json.Unmarshal(b.GetData(), &out) != nil {
			t.Fatal(err)
		}
		return out
	}
	if got := get("sr-Cyrl"); got["name"] != "Legal aid (Ћирилица)" || got["alternate_name"] != "Pravna pomoć tražiocima azila" ||
		got["attributes"].([]any)[0].(map[string]any)["taxonomy_term"].(map[string]any)["name"] != "Правна помоћ" {
		t.Fatalf("sr-Cyrl: %v", got)
	}
	if got := get("hr"); got["description"] != "Representation in the asylum procedure (hr)" ||
		got["organization"].(map[string]any)["name"] != "Asylum Protection Center (hr)" {
		t.Fatalf("hr: %v", got)
	}
	// The validator itself refuses what the profile does not allow.
	broken := get("en")
	delete(broken, "status")
	raw, _ := json.Marshal(broken)
	if schemas.Validate("/services/{id}", raw) == nil {
		t.Fatal("a service without status validated")
	}
	broken["status"], broken["id"] = "active", "not-a-uuid"
	raw, _ = json.Marshal(broken)
	if schemas.Validate("/services/{id}", raw) == nil {
		t.Fatal("a service with a non-UUID id validated")
	}
}

// hsdsPage is a page of the profile with entries' ids and names.
type hsdsPage struct {
	TotalItems int  `json:"total_items"`
	TotalPages int  `json:"total_pages"`
	PageNumber int  `json:"page_number"`
	Size       int  `json:"size"`
	FirstPage  bool `json:"first_page"`
	LastPage   bool `json:"last_page"`
	Empty      bool `json:"empty"`
	Contents   []struct {
		ID       string `json:"id"`
		Name     string `json:"name"`
		Services []struct {
			ID string `json:"id"`
		} `json:"services"`
	} `json:"contents"`
}

func (p hsdsPage) String() string {
	var names []string
	for _, c := range p.Contents {
		names = append(names, c.Name)
	}
	return fmt.Sprintf("%d/%d items, page %d of %d (first %v last %v empty %v): %s", p.Size, p.TotalItems, p.PageNumber, p.TotalPages,
		p.FirstPage, p.LastPage, p.Empty, strings.Join(names, "|"))
}

// TestHSDSQueries: paging, search in any script, filters, and bad input.
func TestHSDSQueries(t *testing.T) {
	s := start(t)
	c := pb.NewOpenReferralServiceClient(s.conn)
	full, bare, fullService, _ := hsdsDirectory(t, s)
	reader := servicetest.As(t, ids.New(), auth.ScopeDirectoryRead)
	services := func(req *pb.ListHsdsServicesRequest) hsdsPage {
		t.Helper()
		b, err := c.ListHsdsServices(reader, req)
		if err != nil {
			t.Fatalf("%v: %v", req, err)
		}
		var p hsdsPage
		if err := json.Unmarshal(b.GetData(), &p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for name, tc := range map[string]struct {
		req  *pb.ListHsdsServicesRequest
		want string
	}{
		"first page": {&pb.ListHsdsServicesRequest{PerPage: proto.Int32(3)}, "3/7 items, page 1 of 3 (first true last false empty false): " +
			"Pravna pomoć tražiocima azila|Smještaj|Psihosocijalna podrška 0"},
		"last page":    {&pb.ListHsdsServicesRequest{PerPage: proto.Int32(3), Page: proto.Int32(3)}, "1/7 items, page 3 of 3 (first false last true empty false): Psihosocijalna podrška 4"},
		"past the end": {&pb.ListHsdsServicesRequest{PerPage: proto.Int32(3), Page: proto.Int32(9)}, "0/7 items, page 9 of 3 (first false last true empty false): "},
		"search Latin": {&pb.ListHsdsServicesRequest{Search: "PRAVNA pomoc"}, "1/1 items, page 1 of 1 (first true last true empty false): Pravna pomoć tražiocima azila"},
		"search Cyrillic, another language's name": {&pb.ListHsdsServicesRequest{Search: "ћирилица legal"},
			"1/1 items, page 1 of 1 (first true last true empty false): Pravna pomoć tražiocima azila"},
		"search by category name": {&pb.ListHsdsServicesRequest{Search: "smjestaj"}, "1/1 items, page 1 of 1 (first true last true empty false): Smještaj"},
		"search no match":         {&pb.ListHsdsServicesRequest{Search: "pravna psihosocijalna"}, "0/0 items, page 1 of 0 (first true last true empty true): "},
		// LIKE's wildcards are no words: nothing narrows the list.
		"search wildcards":        {&pb.ListHsdsServicesRequest{Search: "%_", PerPage: proto.Int32(1)}, "1/7 items, page 1 of 7 (first true last false empty false): Pravna pomoć tražiocima azila"},
		"organisation":            {&pb.ListHsdsServicesRequest{OrganizationId: full}, "1/1 items, page 1 of 1 (first true last true empty false): Pravna pomoć tražiocima azila"},
		"unknown term":            {&pb.ListHsdsServicesRequest{TaxonomyTermId: ids.New()}, "0/0 items, page 1 of 0 (first true last true empty true): "},
		"modified later":          {&pb.ListHsdsServicesRequest{ModifiedAfter: time.Now().Add(time.Hour).Format(time.RFC3339)}, "0/0 items, page 1 of 0 (first true last true empty true): "},
		"modified since a day":    {&pb.ListHsdsServicesRequest{ModifiedAfter: time.Now().AddDate(0, 0, -1).Format(time.DateOnly), PerPage: proto.Int32(1)}, "1/7 items, page 1 of 7 (first true last false empty false): Pravna pomoć tražiocima azila"},
		"per_page over the limit": {&pb.ListHsdsServicesRequest{PerPage: proto.Int32(100000), OrganizationId: bare, Search: "smjestaj"}, "1/1 items, page 1 of 1 (first true last true empty false): Smještaj"},
	} {
		if got := services(tc.req).String(); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", name, got, tc.want)
		}
	}
	// The taxonomy term filter, with the term's id from the taxonomy.
	b, err := c.ListHsdsTaxonomyTerms(reader, &pb.ListHsdsTaxonomyTermsRequest{Search: "Психосоцијална"})
	var terms hsdsPage
	if err != nil || json.Unmarshal(b.GetData(), &terms) != nil || len(terms.Contents) != 1 {
		t.Fatalf("term search: %v %s", err, b.GetData())
	}
	if got := services(&pb.ListHsdsServicesRequest{TaxonomyTermId: terms.Contents[0].ID}); got.TotalItems != 5 {
		t.Fatalf("by term: %s", got)
	}
	// Locations: one entry per location of each service.
	b, err = c.ListHsdsServiceAtLocations(reader, &pb.ListHsdsServiceAtLocationsRequest{OrganizationId: full})
	var sal hsdsPage
	if err != nil || json.Unmarshal(b.GetData(), &sal) != nil || sal.TotalItems != 4 || sal.Contents[0].ID == sal.Contents[1].ID {
		t.Fatalf("service_at_locations: %v %s", err, b.GetData())
	}
	// Each entry by its id: the location and the service fully nested.
	var entries struct {
		Contents []struct {
			ID         string `json:"id"`
			ServiceID  string `json:"service_id"`
			LocationID string `json:"location_id"`
		} `json:"contents"`
	}
	if err := json.Unmarshal(b.GetData(), &entries); err != nil {
		t.Fatal(err)
	}
	for _, e := range entries.Contents {
		b, err := c.GetHsdsServiceAtLocation(reader, &pb.GetHsdsServiceAtLocationRequest{Id: strings.ToUpper(e.ID)})
		var one struct {
			ID         string `json:"id"`
			ServiceID  string `json:"service_id"`
			LocationID string `json:"location_id"`
			Location   struct{ ID string }
			Service    struct {
				ID           string
				Organization struct{ ID string }
				Contacts     []any
			}
		}
		if err != nil || json.Unmarshal(b.GetData(), &one) != nil {
			t.Fatalf("service_at_location %s: %v", e.ID, err)
		}
		if one.ID != e.ID || one.ServiceID != fullService || one.LocationID != e.LocationID || one.Location.ID != e.LocationID ||
			one.Service.ID != fullService || one.Service.Organization.ID != full || len(one.Service.Contacts) != 3 {
			t.Fatalf("service_at_location %s: %s", e.ID, b.GetData())
		}
		if e.ID == e.LocationID {
			t.Fatalf("service_at_location %s has its location's id", e.ID)
		}
	}
	// Minimal: only what identifies each service and when it changed, all
	// of them in one page unless per_page says otherwise.
	b, err = c.ListHsdsServices(reader, &pb.ListHsdsServicesRequest{Minimal: true})
	var minimal struct{ Contents []map[string]any }
	if err != nil || json.Unmarshal(b.GetData(), &minimal) != nil || len(minimal.Contents) != 7 {
		t.Fatalf("minimal: %v %s", err, b.GetData())
	}
	for _, m := range minimal.Contents {
		if len(m) != 4 || m["id"] == nil || m["name"] == nil || m["status"] != "active" || m["last_modified"] == nil {
			t.Fatalf("minimal entry %v", m)
		}
	}
	if got := services(&pb.ListHsdsServicesRequest{Minimal: true, PerPage: proto.Int32(2)}); got.Size != 2 || got.TotalPages != 4 {
		t.Fatalf("minimal with per_page: %s", got)
	}

	// Organisations with their services.
	b, err = c.ListHsdsOrganizations(reader, &pb.ListHsdsOrganizationsRequest{FullService: true, Search: "asylum"})
	var orgs hsdsPage
	if err != nil || json.Unmarshal(b.GetData(), &orgs) != nil || orgs.TotalItems != 1 || len(orgs.Contents[0].Services) != 1 ||
		orgs.Contents[0].Services[0].ID != fullService {
		t.Fatalf("organizations: %v %s", err, b.GetData())
	}
	// A change moves the service past modified_after.
	since := time.Now()
	cur, err := s.dir.GetService(reader, &pb.GetServiceRequest{Id: fullService})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.dir.UpdateService(partner(t, full), &pb.UpdateServiceRequest{
		Service:    &pb.Service{Id: fullService, Etag: cur.GetService().GetEtag(), Phone: "+381 11 000 0000"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"phone"}}}); err != nil {
		t.Fatal(err)
	}
	if got := services(&pb.ListHsdsServicesRequest{ModifiedAfter: since.UTC().Format(time.RFC3339Nano)}); got.TotalItems != 1 {
		t.Fatalf("modified after the change: %s", got)
	}

	// Bad input is the caller's mistake; unknown ids are not found.
	for name, call := range map[string]func() error{
		"modified_after": func() error {
			_, err := c.ListHsdsServices(reader, &pb.ListHsdsServicesRequest{ModifiedAfter: "yesterday"})
			return err
		},
		"format": func() error {
			_, err := c.ListHsdsServices(reader, &pb.ListHsdsServicesRequest{Format: "ndjson"})
			return err
		},
		"page": func() error {
			_, err := c.ListHsdsOrganizations(reader, &pb.ListHsdsOrganizationsRequest{Page: proto.Int32(-1)})
			return err
		},
		"per_page 0": func() error {
			_, err := c.ListHsdsTaxonomies(reader, &pb.ListHsdsTaxonomiesRequest{PerPage: proto.Int32(0)})
			return err
		},
		"minimal per_page -1": func() error {
			_, err := c.ListHsdsServices(reader, &pb.ListHsdsServicesRequest{Minimal: true, PerPage: proto.Int32(-1)})
			return err
		},
		"organization_id": func() error {
			_, err := c.ListHsdsServiceAtLocations(reader, &pb.ListHsdsServiceAtLocationsRequest{OrganizationId: "x"})
			return err
		},
		"service id": func() error {
			_, err := c.GetHsdsService(reader, &pb.GetHsdsServiceRequest{Id: "x"})
			return err
		},
		"terms page": func() error {
			_, err := c.ListHsdsTaxonomyTerms(reader, &pb.ListHsdsTaxonomyTermsRequest{Page: proto.Int32(-5), Format: "xml"})
			return err
		},
		"minimal with full": func() error {
			_, err := c.ListHsdsServices(reader, &pb.ListHsdsServicesRequest{Minimal: true, Full: true})
			return err
		},
		"postcode": func() error {
			_, err := c.ListHsdsServiceAtLocations(reader, &pb.ListHsdsServiceAtLocationsRequest{Postcode: "11000", Proximity: "500"})
			return err
		},
		"service_at_location id": func() error {
			_, err := c.GetHsdsServiceAtLocation(reader, &pb.GetHsdsServiceAtLocationRequest{Id: "x"})
			return err
		},
	} {
		if err := call(); grpcstatus.Code(err) != codes.InvalidArgument {
			t.Errorf("%s: %v, want InvalidArgument", name, err)
		}
	}
	for name, call := range map[string]func() error{
		"service": func() error {
			_, err := c.GetHsdsService(reader, &pb.GetHsdsServiceRequest{Id: ids.New()})
			return err
		},
		"organization": func() error {
			_, err := c.GetHsdsOrganization(reader, &pb.GetHsdsOrganizationRequest{Id: ids.New()})
			return err
		},
		"taxonomy": func() error {
			_, err := c.GetHsdsTaxonomy(reader, &pb.GetHsdsTaxonomyRequest{Id: ids.New()})
			return err
		},
		"term": func() error {
			_, err := c.GetHsdsTaxonomyTerm(reader, &pb.GetHsdsTaxonomyTermRequest{Id: "legal"})
			return err
		},
		"service_at_location": func() error {
			_, err := c.GetHsdsServiceAtLocation(reader, &pb.GetHsdsServiceAtLocationRequest{Id: ids.New()})
			return err
		},
		"a location's id as a service_at_location's": func() error {
			_, err := c.GetHsdsServiceAtLocation(reader, &pb.GetHsdsServiceAtLocationRequest{Id: entries.Contents[0].LocationID})
			return err
		},
	} {
		if err := call(); grpcstatus.Code(err) != codes.NotFound {
			t.Errorf("%s: %v, want NotFound", name, err)
		}
	}
	// Reading needs directory.read.
	if _, err := c.ListHsdsServices(servicetest.As(t, ids.New(), auth.ScopeReferralsRead), &pb.ListHsdsServicesRequest{}); grpcstatus.Code(err) != codes.PermissionDenied {
		t.Fatalf("without directory.read: %v", err)
	}
}

// TestSearchKeysOfOlderRows: rows stored before search keys existed get
// theirs when the service starts, and are then found.
func TestSearchKeysOfOlderRows(t *testing.T) {
	s := start(t)
	_, _, fullService, _ := hsdsDirectory(t, s)
	s.sql(t, `UPDATE referrals.services SET search_key = NULL`)
	s.sql(t, `UPDATE referrals.organisations SET search_key = NULL`)
	reader := servicetest.As(t, ids.New(), auth.ScopeDirectoryRead)
	search := func(c pb.OpenReferralServiceClient) string {
		b, err := c.ListHsdsServices(reader, &pb.ListHsdsServicesRequest{Search: "Правна"})
		if err != nil {
			t.Fatal(err)
		}
		var p hsdsPage
		if err := json.Unmarshal(b.GetData(), &p); err != nil {
			t.Fatal(err)
		}
		if len(p.Contents) == 0 {
			return ""
		}
		return p.Contents[0].ID
	}
	if got := search(pb.NewOpenReferralServiceClient(s.conn)); got != "" {
		t.Fatalf("found %s without a search key", got)
	}
	again := servicetest.Start(t, service.New(service.Config{Config: servicetest.Platform(t, s.url), BeneficiariesAddr: s.proxy.addr, ReportingAddr: s.reporting.Addr}))
	if got := search(pb.NewOpenReferralServiceClient(again)); got != fullService {
		t.Fatalf("after a restart: found %q, want %s", got, fullService)
	}
	// The locations' keys (migration 00034) likewise.
	s.sql(t, `UPDATE referrals.services SET location_keys = NULL`)
	started := servicetest.Start(t, service.New(service.Config{Config: servicetest.Platform(t, s.url), BeneficiariesAddr: s.proxy.addr, ReportingAddr: s.reporting.Addr}))
	b, err := pb.NewOpenReferralServiceClient(started).ListHsdsServiceAtLocations(reader, &pb.ListHsdsServiceAtLocationsRequest{Search: "Šid"})
	if err != nil {
		t.Fatal(err)
	}
	var p hsdsPage
	if err := json.Unmarshal(b.GetData(), &p); err != nil {
		t.Fatal(err)
	}
	if len(p.Contents) != 1 {
		t.Fatalf("after a restart, service_at_locations in Šid: %s", b.GetData())
	}
}

// TestHSDSModifiedWithOrganisation: a service's last_modified is when
// "the service, or any related information about the service" changed
// (HSDS), and its answers nest its organisation: an organisation's change
// moves its services past modified_after and into their last_modified,
// so a client syncing by modified_after gets the new organisation name.
func TestHSDSModifiedWithOrganisation(t *testing.T) {
	s := start(t)
	c := pb.NewOpenReferralServiceClient(s.conn)
	_, bare, _, _ := hsdsDirectory(t, s)
	reader := servicetest.As(t, ids.New(), auth.ScopeDirectoryRead)
	// The services were last changed yesterday.
	if _, err := pgtest.Connect(t, s.url).Exec(t.Context(), `UPDATE referrals.services SET update_time = now() - interval '1 day'`); err != nil {
		t.Fatal(err)
	}
	since := time.Now()
	o, err := s.dir.GetOrganisation(reader, &pb.GetOrganisationRequest{Id: bare})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.dir.UpdateOrganisation(partner(t, bare), &pb.UpdateOrganisationRequest{
		Organisation: &pb.Organisation{Id: bare, Etag: o.GetOrganisation().GetEtag(), Name: "Udruga Novi Dom"},
		UpdateMask:   &fieldmaskpb.FieldMask{Paths: []string{"name"}}}); err != nil {
		t.Fatal(err)
	}
	for _, minimal := range []bool{false, true} {
		b, err := c.ListHsdsServices(reader, &pb.ListHsdsServicesRequest{ModifiedAfter: since.UTC().Format(time.RFC3339Nano), Minimal: minimal})
		if err != nil {
			t.Fatal(err)
		}
		var page struct {
			TotalItems int `json:"total_items"`
			Contents   []struct {
				LastModified time.Time `json:"last_modified"`
				Organization struct{ Name string }
			}
		}
		if err := json.Unmarshal(b.GetData(), &page); err != nil {
			t.Fatal(err)
		}
		if page.TotalItems != 6 {
			t.Errorf("minimal %v: %d services modified after the organisation's change, want its 6: %s", minimal, page.TotalItems, b.GetData())
			continue
		}
		for _, svc := range page.Contents {
			if svc.LastModified.Before(since.Truncate(time.Second)) || (!minimal && svc.Organization.Name != "Udruga Novi Dom") {
				t.Errorf("minimal %v: last_modified %s (organisation %q), changed at %s", minimal, svc.LastModified, svc.Organization.Name, since)
			}
		}
	}
	// The same services at their locations, fully nested: each with the
	// organisation that changed, and a last_modified that says so.
	b, err := c.ListHsdsServiceAtLocations(reader, &pb.ListHsdsServiceAtLocationsRequest{ModifiedAfter: since.UTC().Format(time.RFC3339Nano), Full: true})
	if err != nil {
		t.Fatal(err)
	}
	var page struct {
		TotalItems int `json:"total_items"`
		Contents   []struct {
			Service struct {
				ID             string    `json:"id"`
				OrganizationID string    `json:"organization_id"`
				LastModified   time.Time `json:"last_modified"`
				Organization   struct{ Name string }
			}
		}
	}
	if err := json.Unmarshal(b.GetData(), &page); err != nil {
		t.Fatal(err)
	}
	if page.TotalItems == 0 || len(page.Contents) != page.TotalItems {
		t.Fatalf("service_at_locations modified after the organisation's change: %s", b.GetData())
	}
	for _, sal := range page.Contents {
		if sal.Service.OrganizationID != bare || sal.Service.LastModified.Before(since.Truncate(time.Second)) || sal.Service.Organization.Name != "Udruga Novi Dom" {
			t.Errorf("service_at_location of service %s: organisation %s %q, last_modified %s; the organisation changed at %s",
				sal.Service.ID, sal.Service.OrganizationID, sal.Service.Organization.Name, sal.Service.LastModified, since)
		}
	}
}

// TestHSDSScheduleTimesHaveTheirOffset: HSDS reads a schedule's opens_at
// and closes_at without an offset as UTC, so a Belgrade office open from
// 09:00 was published as open from 09:00 UTC (10:00 or 11:00 in
// Belgrade). The times carry the offset of the directory's time zone when
// the answer is written, and timezone says it in hours.
func TestHSDSScheduleTimesHaveTheirOffset(t *testing.T) {
	s := start(t)
	c := pb.NewOpenReferralServiceClient(s.conn)
	_, _, fullService, _ := hsdsDirectory(t, s)
	b, err := c.GetHsdsService(servicetest.As(t, ids.New(), auth.ScopeDirectoryRead), &pb.GetHsdsServiceRequest{Id: fullService})
	if err != nil {
		t.Fatal(err)
	}
	var svc struct {
		Schedules []struct {
			OpensAt  string   `json:"opens_at"`
			ClosesAt string   `json:"closes_at"`
			Timezone *float64 `json:"timezone"`
		}
	}
	if err := json.Unmarshal(b.GetData(), &svc); err != nil || len(svc.Schedules) != 2 {
		t.Fatalf("service: %v %s", err, b.GetData())
	}
	for i, want := range [][2]string{{"09:00", "17:00"}, {"10:00", "12:00"}} {
		sc := svc.Schedules[i]
		// Europe/Belgrade: +01:00 in winter, +02:00 in summer.
		offset := ""
		switch {
		case sc.Timezone != nil && *sc.Timezone == 1:
			offset = "+01:00"
		case sc.Timezone != nil && *sc.Timezone == 2:
			offset = "+02:00"
		default:
			t.Fatalf("schedule %d: timezone %v, want 1 or 2 (Europe/Belgrade)\n%s", i, sc.Timezone, b.GetData())
		}
		if sc.OpensAt != want[0]+offset || sc.ClosesAt != want[1]+offset {
			t.Errorf("schedule %d: opens_at %q closes_at %q, want %s%s to %s%s", i, sc.OpensAt, sc.ClosesAt, want[0], offset, want[1], offset)
		}
	}
}

// TestHSDSSearchByPlace: the HSDS API has no filter by place (the
// profile's postcode and proximity need coordinates the directory does
// not keep), so its full-text search is how a client finds the services
// of a town: a service is found by its locations' municipalities, names
// and addresses, in any case, with or without diacritics, in either
// script, and an organisation by its municipality. Before, a search for
// the town a service is delivered in found nothing.
func TestHSDSSearchByPlace(t *testing.T) {
	s := start(t)
	c := pb.NewOpenReferralServiceClient(s.conn)
	full, _, fullService, _ := hsdsDirectory(t, s)
	reader := servicetest.As(t, ids.New(), auth.ScopeDirectoryRead)
	found := func(b *httpbody.HttpBody, err error) []string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		var p struct {
			TotalItems int `json:"total_items"`
			Contents   []struct {
				ID        string `json:"id"`
				ServiceID string `json:"service_id"`
			} `json:"contents"`
		}
		if err := json.Unmarshal(b.GetData(), &p); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, x := range p.Contents {
			out = append(out, cmp.Or(x.ServiceID, x.ID))
		}
		if len(out) != p.TotalItems {
			t.Fatalf("total_items %d, %d entries: %s", p.TotalItems, len(out), b.GetData())
		}
		return out
	}
	for _, search := range []string{"Šid", "sid", "Шид", "Gospodar Jevremova", "stari grad", "reception centre"} {
		if got := found(c.ListHsdsServices(reader, &pb.ListHsdsServicesRequest{Search: search})); !slices.Equal(got, []string{fullService}) {
			t.Errorf("services, search %q: %v, want the service delivered there (%s)", search, got, fullService)
		}
	}
	// A service at a location matches by the service's texts and that
	// location's place, not by the service's other places: the service
	// delivered at the office (twice), in Šid and at the reception centre.
	places := func(b *httpbody.HttpBody, err error) []string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		var p struct {
			TotalItems int `json:"total_items"`
			Contents   []struct {
				ServiceID string `json:"service_id"`
				Location  struct {
					Name      string `json:"name"`
					Addresses []struct {
						City string `json:"city"`
					} `json:"addresses"`
				} `json:"location"`
			} `json:"contents"`
		}
		if err := json.Unmarshal(b.GetData(), &p); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, x := range p.Contents {
			place := x.Location.Name
			for _, a := range x.Location.Addresses {
				place += "/" + a.City
			}
			if x.ServiceID != fullService {
				place = "another service: " + x.ServiceID
			}
			out = append(out, place)
		}
		if len(out) != p.TotalItems {
			t.Fatalf("total_items %d, %d entries: %s", p.TotalItems, len(out), b.GetData())
		}
		return out
	}
	for search, want := range map[string][]string{
		"Šid": {"/Šid"}, "sid": {"/Šid"}, "Шид": {"/Šid"}, "legal aid sid": {"/Šid"},
		"Gospodar Jevremova": {"Office/Stari Grad", "Office/Stari Grad"}, "stari grad": {"Office/Stari Grad", "Office/Stari Grad"},
		"reception centre": {"Reception centre"}, "office šid": nil, "reception grad": nil,
	} {
		if got := places(c.ListHsdsServiceAtLocations(reader, &pb.ListHsdsServiceAtLocationsRequest{Search: search})); !slices.Equal(got, want) {
			t.Errorf("service_at_locations, search %q: %q, want %q", search, got, want)
		}
	}
	// The keys follow the service's changes: Šid given up for Sombor.
	ctx := partner(t, full)
	svc, err := s.dir.GetService(ctx, &pb.GetServiceRequest{Id: fullService})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.dir.UpdateService(ctx, &pb.UpdateServiceRequest{Service: &pb.Service{Id: fullService, Etag: svc.GetService().GetEtag(),
		Locations: []*pb.Location{{Municipality: "Sombor", Country: "RS"}, {Name: "Reception centre", Country: "RS"}}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"locations"}}}); err != nil {
		t.Fatal(err)
	}
	for search, want := range map[string][]string{"Šid": nil, "legal aid sombor": {"/Sombor"}, "reception centre": {"Reception centre"}, "sombor reception": nil} {
		if got := places(c.ListHsdsServiceAtLocations(reader, &pb.ListHsdsServiceAtLocationsRequest{Search: search})); !slices.Equal(got, want) {
			t.Errorf("after the update, service_at_locations, search %q: %q, want %q", search, got, want)
		}
	}
	// A service a replica of the release before migration 00034 created
	// has no location keys until the next start: its locations are found
	// by the service's key, as before, not lost to the search.
	s.sql(t, `UPDATE referrals.services SET location_keys = NULL WHERE id = '`+fullService+`'`)
	if got := places(c.ListHsdsServiceAtLocations(reader, &pb.ListHsdsServiceAtLocationsRequest{Search: "sombor"})); !slices.Equal(got, []string{"/Sombor", "Reception centre"}) {
		t.Errorf("without location keys, service_at_locations, search sombor: %q, want both locations of the service", got)
	}
	if got := found(c.ListHsdsServices(reader, &pb.ListHsdsServicesRequest{Search: "Town 3"})); len(got) != 1 {
		t.Errorf("services, search %q: %v, want the one service there", "Town 3", got)
	}
	if got := found(c.ListHsdsOrganizations(reader, &pb.ListHsdsOrganizationsRequest{Search: "beograd"})); !slices.Equal(got, []string{full}) {
		t.Errorf("organizations, search beograd: %v, want %s", got, full)
	}
}
