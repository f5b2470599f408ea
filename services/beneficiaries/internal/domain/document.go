package domain

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/validate"
)

// DocumentTypes are the kinds of identity document recorded.
var DocumentTypes = []string{"jmbg", "oib", "passport", "national_id", "asylum_seeker_id", "residence_permit",
	"travel_document", "birth_certificate", "refugee_id", "other"}

// jmbgCountries issue JMBGs (the former Yugoslav countries).
var jmbgCountries = []string{"RS", "BA", "ME", "MK", "SI", "HR", "XK"}

// Document is an identity document of a beneficiary.
type Document struct {
	ID             string
	BeneficiaryID  string
	OrganisationID string
	Type           string
	Number         string
	IssuingCountry string
	ExpiryDate     date.Date
	CreateTime     time.Time
}

// Normalize canonicalises the number: upper case, without spaces, and for
// the numeric personal numbers without separators.
func (d *Document) Normalize() {
	d.IssuingCountry = strings.ToUpper(strings.TrimSpace(d.IssuingCountry))
	n := strings.ToUpper(strings.Join(strings.Fields(validate.WithoutFormat(d.Number)), ""))
	if d.Type == "jmbg" || d.Type == "oib" {
		n = strings.NewReplacer("-", "", ".", "", "/", "").Replace(n)
	}
	d.Number = n
}

// Same reports whether d and o are one document: the same type and
// number, and the same issuing country or no issuing country on one of
// them (a passport recorded once with its country and once without is
// one passport, not two). Two documents of one type and number from two
// countries are two.
func (d *Document) Same(o *Document) bool {
	return d.Type == o.Type && d.Number == o.Number &&
		(d.IssuingCountry == o.IssuingCountry || d.IssuingCountry == "" || o.IssuingCountry == "")
}

// OtherNumber returns the first of held that is a personal number of
// d's type (a JMBG or an OIB, which a register gives a person once, for
// life) from d's register (the same issuing country, or none on one of
// them, as Same) with another number: one person cannot hold both, so
// they are two persons' or one number is wrong. nil when none is.
func (d *Document) OtherNumber(held []*Document) *Document {
	if d.Type != "jmbg" && d.Type != "oib" {
		return nil
	}
	for _, h := range held {
		if h.Type == d.Type && h.Number != d.Number &&
			(h.IssuingCountry == d.IssuingCountry || h.IssuingCountry == "" || d.IssuingCountry == "") {
			return h
		}
	}
	return nil
}

// otherNumber begins the refusal of a second JMBG or OIB of one person
// (pkg/i18n localizes it).
const otherNumber = "is another personal number than the one the beneficiary has"

// NumberHeld is the refusal of a JMBG or OIB for a person who has another
// (held, by OtherNumber): 409 naming document.number and the document
// held, not the numbers.
func NumberHeld(held *Document) error {
	msg := fmt.Sprintf("%s (document %s): a person has one %s; to correct it, delete that document and add this one",
		otherNumber, held.ID, strings.ToUpper(held.Type))
	return &errs.Error{Kind: errs.KindAlreadyExists, Message: "document.number " + msg,
		Violations: []errs.FieldViolation{{Field: "document.number", Description: msg}}}
}

// CheckMergedNumbers adds a violation of duplicate_id when a JMBG or OIB
// of the duplicate's documents (docs) differs from one of the survivor's
// (held) of the same register (OtherNumber): a person has one, so the
// two records are two persons (twins share a name and a birth date, not
// a JMBG), or one number is wrong. The numbers are not quoted.
func CheckMergedNumbers(v *errs.Violations, survivor string, held, docs []*Document) {
	for _, d := range docs {
		if h := d.OtherNumber(held); h != nil {
			v.Add("duplicate_id", "has another %s (document %s) than beneficiary %s (document %s): a person has one, "+
				"so these are two persons, or one number is wrong: correct it first", strings.ToUpper(d.Type), d.ID, survivor, h.ID)
			return
		}
	}
}

// DocumentTaken is the refusal of a document the person has already
// (held, by Same) with an issuing country where the new one has none, or
// none where it has one: 409 naming document.number and the document
// held, not the number. Recording the country a document held lacks is
// deleting it and adding it again with the country.
func DocumentTaken(held *Document) error {
	msg := fmt.Sprintf("is already taken: the beneficiary has a document of this type and number (document %s), "+
		"with no issuing country or with one where this has none; to give it its issuing country, delete it and add it again", held.ID)
	return &errs.Error{Kind: errs.KindAlreadyExists, Message: "document.number " + msg,
		Violations: []errs.FieldViolation{{Field: "document.number", Description: msg}}}
}

// Validate checks a document; field is its path in the request. When the
// number encodes a birth date (JMBG) it is returned.
func (d *Document) Validate(v *errs.Violations, field string) date.Date {
	validate.OneOf(v, field+".type", d.Type, DocumentTypes, true)
	validate.Country(v, field+".issuing_country", d.IssuingCountry)
	validate.Text(v, field+".number", d.Number, 40, true)
	date.CheckMinYear(v, field+".expiry_date", d.ExpiryDate)
	var born date.Date
	switch d.Type {
	case "jmbg":
		b, err := CheckJMBG(d.Number)
		if err != nil && d.Number != "" {
			v.Add(field+".number", "is not a valid JMBG: %v", err)
		}
		born = b
		if d.IssuingCountry != "" && !slices.Contains(jmbgCountries, d.IssuingCountry) {
			v.Add(field+".issuing_country", "JMBG is issued in the former Yugoslav countries (RS, BA, ME, MK, SI, HR, XK)")
		}
	case "oib":
		if err := CheckOIB(d.Number); err != nil && d.Number != "" {
			v.Add(field+".number", "is not a valid OIB: %v", err)
		}
		if d.IssuingCountry != "" && d.IssuingCountry != "HR" {
			v.Add(field+".issuing_country", "OIB is issued in Croatia (HR)")
		}
	}
	return born
}

// JMBGContradicts names what of a person's birth (the birth date when
// known, else the birth year) the birth date born a JMBG encodes
// contradicts: "date", "year", or "" when none (or born is zero).
func JMBGContradicts(born, birth date.Date, year int) string {
	switch {
	case born.IsZero():
	case !birth.IsZero():
		if born != birth {
			return "date"
		}
	case year != 0 && born.Year != year:
		return "year"
	}
	return ""
}

// ValidateDocuments checks a beneficiary's documents against each other
// and against its birth date (or, without one, its birth year).
func ValidateDocuments(v *errs.Violations, prefix string, docs []*Document, birth date.Date, year int) {
	if len(docs) > 20 {
		v.Add(prefix+"documents", "at most 20")
	}
	for i, d := range docs {
		field := fmt.Sprintf("%sdocuments[%d]", prefix, i)
		born := d.Validate(v, field)
		switch JMBGContradicts(born, birth, year) {
		case "date":
			v.Add(field+".number", "encodes another birth date than birth_date (a JMBG starts with the birth date, DDMMYYY)")
		case "year":
			v.Add(field+".number", "encodes another birth year than birth_year (a JMBG starts with the birth date, DDMMYYY)")
		}
		if slices.ContainsFunc(docs[:i], d.Same) {
			v.Add(field, "given twice")
		} else if d.OtherNumber(docs[:i]) != nil {
			v.Add(field+".number", "%s: a person has one %s", otherNumber, strings.ToUpper(d.Type))
		}
	}
}

// ContradictingJMBG returns the first valid JMBG of docs that contradicts
// a person's birth (the birth date when known, else the birth year) and
// what it contradicts ("date" or "year", as JMBGContradicts); nil when
// none does.
func ContradictingJMBG(birth date.Date, year int, docs []*Document) (*Document, string) {
	for _, d := range docs {
		if d.Type != "jmbg" {
			continue
		}
		born, err := CheckJMBG(d.Number)
		if err != nil {
			continue
		}
		if what := JMBGContradicts(born, birth, year); what != "" {
			return d, what
		}
	}
	return nil, ""
}

// CheckBirth adds a violation of prefix's birth_date (or, without a birth
// date, of its birth_year) when it contradicts the birth date a document
// of the person encodes (a JMBG), as creating the person or the document
// checks.
func CheckBirth(v *errs.Violations, prefix string, birth date.Date, year int, docs []*Document) {
	switch d, what := ContradictingJMBG(birth, year, docs); what {
	case "date":
		v.Add(prefix+"birth_date", "contradicts the birth date the person's JMBG (document %s) encodes (a JMBG starts with the birth date, DDMMYYY)", d.ID)
	case "year":
		v.Add(prefix+"birth_year", "contradicts the birth year the person's JMBG (document %s) encodes (a JMBG starts with the birth date, DDMMYYY)", d.ID)
	}
}

// CheckMergedBirth adds a violation of duplicate_id when a JMBG of the
// duplicate's documents (docs), which a merge gives the survivor,
// contradicts the survivor's birth date (or, without one, its birth year):
// the survivor would hold a JMBG that registering the person with it,
// adding it or changing the birth is refused for. The dates are not
// quoted (an answer may be kept by the edge under no person's id).
func CheckMergedBirth(v *errs.Violations, survivor *Beneficiary, docs []*Document) {
	if d, what := ContradictingJMBG(survivor.BirthDate, survivor.BirthYear, docs); d != nil {
		field := map[string]string{"date": "birth_date", "year": "birth_year"}[what]
		v.Add("duplicate_id", "carries a JMBG (document %s) that encodes another birth %s than the %s of beneficiary %s, which "+
			"would get it: correct the one that is wrong first (a JMBG starts with the birth date, DDMMYYY)", d.ID, what, field, survivor.ID)
	}
}
