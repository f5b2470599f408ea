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
			MatchKey{Given: "ana marija", Family: "petrovic", Organisation: "name:csr subotica"}},
		// As translit.Fold folds them: script, diacritics, punctuation.
		{"Cyrillic", Professional{GivenName: "Ана-Марија", FamilyName: "Петровић", OrganisationName: "ЦСР Суботица"},
			MatchKey{Given: "ana marija", Family: "petrovic", Organisation: "name:csr subotica"}},
		{"without diacritics", Professional{GivenName: "Đorđe", FamilyName: "Djordjevic", OrganisationName: "Dom zdravlja Užice"},
			MatchKey{Given: "dorde", Family: "dordevic", Organisation: "name:dom zdravlja uzice"}},
		{"directory id wins over name", Professional{GivenName: "Ana", FamilyName: "Petrović", OrganisationID: org, OrganisationName: "CSR"},
			MatchKey{Given: "ana", Family: "petrovic", Organisation: "id:" + org}},
		{"no organisation", Professional{GivenName: "Ana", FamilyName: "Petrović"},
			MatchKey{Given: "ana", Family: "petrovic", Organisation: "name:"}},
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

func TestIdentitySame(t *testing.T) {
	marko := MatchKey{Given: "marko", Family: "marković", Organisation: "name:pu kikinda"}
	other := MatchKey{Given: "marko", Family: "marković", Organisation: "name:csr kikinda"}
	for _, tc := range []struct {
		name string
		a, b Identity
		want bool
	}{
		{"same e-mail, other names", Identity{"m@x.org", marko}, Identity{"m@x.org", other}, true},
		{"names, no e-mail", Identity{"", marko}, Identity{"", marko}, true},
		{"names, one e-mail", Identity{"m@x.org", marko}, Identity{"", marko}, true},
		{"names, the other e-mail", Identity{"", marko}, Identity{"m@x.org", marko}, true},
		{"names, two e-mails", Identity{"m@x.org", marko}, Identity{"marko@y.org", marko}, false},
		{"other organisation", Identity{"", marko}, Identity{"", other}, false},
	} {
		if got := tc.a.Same(tc.b); got != tc.want {
			t.Errorf("%s: Same = %v", tc.name, got)
		}
	}
}

func TestRecordFor(t *testing.T) {
	marko := MatchKey{Given: "marko", Family: "marković", Organisation: "name:pu kikinda"}
	// ids in creation order
	plain := Record{ID: "01", Identity: Identity{"", marko}}
	mail := Record{ID: "02", Identity: Identity{"m@x.org", marko}}
	otherMail := Record{ID: "03", Identity: Identity{"marko@y.org", marko}}
	for _, tc := range []struct {
		name    string
		who     Identity
		records []Record
		want    string
	}{
		{"none", Identity{"m@x.org", marko}, nil, ""},
		{"e-mail takes over the record without one", Identity{"m@x.org", marko}, []Record{plain}, "01"},
		{"e-mail record first", Identity{"m@x.org", marko}, []Record{plain, otherMail, mail}, "02"},
		{"a new e-mail takes over the plain record", Identity{"new@x.org", marko}, []Record{otherMail, plain}, "01"},
		{"another e-mail is another person", Identity{"new@x.org", marko}, []Record{mail}, ""},
		{"no e-mail: the plain record first", Identity{"", marko}, []Record{mail, plain}, "01"},
		{"no e-mail: else the oldest", Identity{"", marko}, []Record{otherMail, mail}, "02"},
	} {
		got, ok := tc.who.RecordFor(tc.records)
		if ok != (tc.want != "") || got.ID != tc.want {
			t.Errorf("%s: RecordFor = %q, %v; want %q", tc.name, got.ID, ok, tc.want)
		}
	}
}

func TestPersonKeys(t *testing.T) {
	marko := MatchKey{Given: "marko", Family: "marković", Organisation: "name:pu kikinda"}
	ana := MatchKey{Given: "ana", Family: "anić", Organisation: "name:pu kikinda"}
	got := PersonKeys([]Record{
		// Marko: without an e-mail at one organiser, with two at others
		// (two persons): the records without one go with the oldest.
		{ID: "04", Identity: Identity{"marko@y.org", marko}},
		{ID: "01", Identity: Identity{"", marko}},
		{ID: "02", Identity: Identity{"m@x.org", marko}},
		{ID: "05", Identity: Identity{"", marko}},
		// Ana: never with an e-mail.
		{ID: "03", Identity: Identity{"", ana}},
	})
	want := map[string]string{"01": "e:m@x.org", "02": "e:m@x.org", "04": "e:marko@y.org", "05": "e:m@x.org",
		"03": "n:anić\tana\tname:pu kikinda"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("PersonKeys (-want +got):\n%s", diff)
	}
	k, ok := ParseMatchKey(marko.String())
	if !ok || k != marko {
		t.Fatalf("ParseMatchKey(%q) = %v, %v", marko.String(), k, ok)
	}
	if _, ok := ParseMatchKey("e:m@x.org"); ok {
		t.Fatal("ParseMatchKey took an e-mail key")
	}
}

// TestIdentityEmailSpellings: registrations giving one address in its
// spellings (domain in Unicode composed or decomposed, or in ASCII; any
// case) are one professional once normalised, as a sign-in sheet's rows
// and CreateParticipant normalise them (audit-design finding 2).
func TestIdentityEmailSpellings(t *testing.T) {
	var ids []Identity
	for _, email := range []string{"marko@udruga-đakovo.čačak.hr", "Marko@Udruga-Đakovo.c\u030cac\u030cak.HR", "marko@xn--udruga-akovo-ctb.xn--aak-eqab.hr"} {
		p := Participant{Professional: &Professional{GivenName: "Marko", FamilyName: "Marković", Email: email, Sector: "police"}}
		p.Normalize()
		if err := p.Validate(); err != nil {
			t.Fatalf("%q: %v", email, err)
		}
		ids = append(ids, p.Professional.Identity())
	}
	for i := 1; i < len(ids); i++ {
		if !ids[0].Same(ids[i]) || ids[0].OwnKey() != ids[i].OwnKey() {
			t.Errorf("%+v and %+v are two professionals", ids[0], ids[i])
		}
	}
}

// TestOrganisationNames: a name written by hand is the directory
// organisation that alone has it, compared folded; a name two organisations
// share, or none has, stays free text.
func TestOrganisationNames(t *testing.T) {
	names := OrganisationNames{}
	names.Add("csr", "Centar za socijalni rad Šid", "Центар за социјални рад Шид", "Social Welfare Centre Šid")
	names.Add("dz1", "Dom zdravlja Užice")
	names.Add("dz2", "Dom zdravlja Uzice")
	for _, tc := range []struct{ name, id string }{
		{"  CENTAR ZA SOCIJALNI RAD SID ", "csr"},
		{"Центар за социјални рад Шид", "csr"},
		{"social welfare centre sid", "csr"},
		{"Dom zdravlja Užice", ""},
		{"PU Šid", ""},
		{"", ""},
	} {
		pr := &Professional{OrganisationName: tc.name}
		ok := pr.NamedInDirectory(names)
		if ok != (tc.id != "") || pr.OrganisationID != tc.id || (ok && pr.OrganisationName != "") || (!ok && pr.OrganisationName != tc.name) {
			t.Errorf("%q: ok=%v id=%q name=%q, want id %q", tc.name, ok, pr.OrganisationID, pr.OrganisationName, tc.id)
		}
	}
	given := &Professional{OrganisationID: "other", OrganisationName: "Centar za socijalni rad Šid"}
	if given.NamedInDirectory(names) || given.OrganisationID != "other" {
		t.Errorf("an id given is kept: %+v", given)
	}
}
