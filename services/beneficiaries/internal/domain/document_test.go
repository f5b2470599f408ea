package domain

import (
	"strings"
	"testing"

	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/errs"
)

// TestDocumentViolationsQuoteNothingOfThePerson checks that refusing a
// person's documents names what is wrong without quoting the person's
// data: a refused create's answer is kept by the edge for replay (24 h,
// Idempotency-Key) under no person's id, where erasure cannot reach it.
func TestDocumentViolationsQuoteNothingOfThePerson(t *testing.T) {
	jmbg := jmbgCheck("170599171000") // born 17 May 1991
	docs := []*Document{
		{Type: "jmbg", Number: jmbg},
		{Type: "jmbg", Number: jmbg[:12] + "x"},
		{Type: "oib", Number: "69435151531", IssuingCountry: "RS"},
	}
	var v errs.Violations
	ValidateDocuments(&v, "beneficiary.", docs, date.Date{Year: 1991, Month: 5, Day: 18}, 1991)
	if len(v) < 3 {
		t.Fatalf("want the mismatched birth date, the bad JMBG and the bad OIB refused, got %v", v)
	}
	for _, fv := range v {
		for _, personal := range []string{"1991", "05-1", "17.05", "18.05", jmbg[:7], "69435151531"} {
			if strings.Contains(fv.Description, personal) {
				t.Errorf("%s: %q quotes the person's data (%s)", fv.Field, fv.Description, personal)
			}
		}
	}
}
