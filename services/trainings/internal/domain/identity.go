package domain

import (
	"slices"
	"strings"
)

// Identity is what tells professionals apart: the e-mail (in
// validate.NormalEmail's form, the one every service stores an address
// in, so an address written with its domain in Unicode or in ASCII is one;
// "" when not given) and the normalised names and organisation.
//
// The one rule: two registrations are of the same professional when they
// give the same e-mail, or when they give the same names and organisation
// and at most one of them gives an e-mail. Two different e-mails are two
// persons, whatever their names. The rule decides which of an organiser's
// records a registration updates (RecordFor), which rows of a sign-in
// sheet repeat each other, and the key each record is counted by across
// organisers (PersonKeys), so that each professional is counted once.
type Identity struct {
	Email string
	Name  MatchKey
}

// Identity returns the identity of pr (normalised).
func (pr *Professional) Identity() Identity { return Identity{Email: pr.Email, Name: pr.MatchKey()} }

// Same reports whether a and b are the same professional (the rule above).
func (a Identity) Same(b Identity) bool {
	if a.Email != "" && b.Email != "" {
		return a.Email == b.Email
	}
	return a.Name == b.Name
}

// Record is a stored professional: one organiser's record of a person.
type Record struct {
	// ID is a UUIDv7, so ids order records by creation.
	ID string
	// Organiser is the organisation whose record it is.
	Organiser string
	Identity
	// PersonKey is the key the record is counted by (see PersonKeys).
	PersonKey string
}

// RecordFor returns the record among records (one organiser's) that a
// registration of id updates, and false when none is the same
// professional. It prefers a record with the registration's e-mail (or,
// without one, a record without one), then the oldest. So a registration
// with an e-mail takes over the record the same professional was
// registered under without one.
func (id Identity) RecordFor(records []Record) (Record, bool) {
	var best Record
	found := false
	for _, r := range records {
		if !id.Same(r.Identity) {
			continue
		}
		if !found || rank(id, r) < rank(id, best) || (rank(id, r) == rank(id, best) && r.ID < best.ID) {
			best, found = r, true
		}
	}
	return best, found
}

func rank(id Identity, r Record) int {
	if r.Email == id.Email {
		return 0
	}
	return 1
}

// OwnKey is the key of a record counted alone: its e-mail, else its names
// and organisation.
func (id Identity) OwnKey() string {
	if id.Email != "" {
		return "e:" + id.Email
	}
	return "n:" + id.Name.String()
}

// PersonKeys returns the key each of records is counted by, by id. A record
// with an e-mail is counted by its e-mail. One without is the same
// professional as every record with its names and organisation; it is
// counted by the e-mail of the oldest of them that has one (the person
// registered elsewhere, or later, with an e-mail), else by its names and
// organisation. records must hold every record that has the names and
// organisation of any record without an e-mail among them.
func PersonKeys(records []Record) map[string]string {
	sorted := slices.Clone(records)
	slices.SortFunc(sorted, func(a, b Record) int { return strings.Compare(a.ID, b.ID) })
	emailOf := map[MatchKey]string{} // the oldest e-mail given with the names
	for _, r := range sorted {
		if _, ok := emailOf[r.Name]; !ok && r.Email != "" {
			emailOf[r.Name] = r.Email
		}
	}
	out := make(map[string]string, len(records))
	for _, r := range sorted {
		id := r.Identity
		if id.Email == "" {
			id.Email = emailOf[r.Name]
		}
		out[r.ID] = id.OwnKey()
	}
	return out
}

// String encodes k as one string (the fields separated by a tab, which
// folded text never holds); ParseMatchKey decodes it.
func (k MatchKey) String() string { return k.Family + "\t" + k.Given + "\t" + k.Organisation }

// ParseMatchKey decodes MatchKey.String; ok is false for anything else.
func ParseMatchKey(s string) (k MatchKey, ok bool) {
	parts := strings.Split(s, "\t")
	if len(parts) != 3 {
		return MatchKey{}, false
	}
	return MatchKey{Family: parts[0], Given: parts[1], Organisation: parts[2]}, true
}
