package domain

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMatchKey(t *testing.T) {
	org := "0190a8a4-6f1e-7b7a-9c4e-2f1d3c4b5a69"
	for _, tc := range []struct {
		name string
		in   Professional
		want MatchKey
	}{
		{"case and spacing", Professional{GivenName: "  Ana  Marija ", FamilyName: "PETROVIĆ", OrganisationName: " CSR\tSubotica "},
			MatchKey{Given: "ana marija", Family: "petrović", Organisation: "name:csr subotica"}},
		{"directory id wins over name", Professional{GivenName: "Ana", FamilyName: "Petrović", OrganisationID: org, OrganisationName: "CSR"},
			MatchKey{Given: "ana", Family: "petrović", Organisation: "id:" + org}},
		{"no organisation", Professional{GivenName: "Ana", FamilyName: "Petrović"},
			MatchKey{Given: "ana", Family: "petrović", Organisation: "name:"}},
	} {
		if diff := cmp.Diff(tc.want, tc.in.MatchKey()); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
}

func TestParticipantNormalize(t *testing.T) {
	p := Participant{Professional: &Professional{GivenName: " Ana ", FamilyName: "Petrović", Email: " Ana.Petrovic@Example.ORG ",
		OrganisationID: " 0190A8A4-6F1E-7B7A-9C4E-2F1D3C4B5A69", Sector: "health"}}
	p.Normalize()
	want := &Professional{GivenName: "Ana", FamilyName: "Petrović", Email: "ana.petrovic@example.org",
		OrganisationID: "0190a8a4-6f1e-7b7a-9c4e-2f1d3c4b5a69", Sector: "health", Sex: "unknown"}
	if diff := cmp.Diff(want, p.Professional); diff != "" {
		t.Fatalf("normalized (-want +got):\n%s", diff)
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
}
