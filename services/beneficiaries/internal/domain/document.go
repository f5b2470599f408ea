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
	n := strings.ToUpper(strings.Join(strings.Fields(d.Number), ""))
	if d.Type == "jmbg" || d.Type == "oib" {
		n = strings.NewReplacer("-", "", ".", "", "/", "").Replace(n)
	}
	d.Number = n
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

// ValidateDocuments checks a beneficiary's documents against each other
// and against its birth date.
func ValidateDocuments(v *errs.Violations, prefix string, docs []*Document, birth date.Date) {
	if len(docs) > 20 {
		v.Add(prefix+"documents", "at most 20")
	}
	seen := map[string]bool{}
	for i, d := range docs {
		field := fmt.Sprintf("%sdocuments[%d]", prefix, i)
		born := d.Validate(v, field)
		if !born.IsZero() && !birth.IsZero() && born != birth {
			v.Add(field+".number", "encodes another birth date than birth_date (a JMBG starts with the birth date, DDMMYYY)")
		}
		k := d.Type + "/" + d.IssuingCountry + "/" + d.Number
		if seen[k] {
			v.Add(field, "given twice")
		}
		seen[k] = true
	}
}

// CheckBirthDate adds a violation of field when birth contradicts the birth
// date a document of the person encodes (a JMBG), as creating the person
// or the document checks.
func CheckBirthDate(v *errs.Violations, field string, birth date.Date, docs []*Document) {
	if birth.IsZero() {
		return
	}
	for _, d := range docs {
		if d.Type != "jmbg" {
			continue
		}
		if born, err := CheckJMBG(d.Number); err == nil && born != birth {
			v.Add(field, "contradicts the birth date the person's JMBG (document %s) encodes (a JMBG starts with the birth date, DDMMYYY)", d.ID)
			return
		}
	}
}
