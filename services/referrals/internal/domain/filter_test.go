package domain

import (
	"errors"
	"testing"

	"github.com/spona/spona/pkg/errs"
)

// A name or municipality filter with nothing to match by (punctuation
// only: its key is empty) is refused naming the field; before, `-` as a
// municipality found every service without a location of an organisation
// without a municipality.
func TestFilterWithoutLettersIsRefused(t *testing.T) {
	fields := func(err error) []string {
		var e *errs.Error
		if !errors.As(err, &e) {
			return nil
		}
		var out []string
		for _, v := range e.Violations {
			out = append(out, v.Field)
		}
		return out
	}
	of := OrganisationFilter{Name: "--", Municipality: " / "}
	if got := fields(of.Validate()); len(got) != 2 || got[0] != "name" || got[1] != "municipality" {
		t.Errorf("organisation filter: violations %v, want [name municipality]", got)
	}
	sf := ServiceFilter{Municipality: "-"}
	if got := fields(sf.Validate()); len(got) != 1 || got[0] != "municipality" {
		t.Errorf("service filter: violations %v, want [municipality]", got)
	}
	ok := ServiceFilter{Municipality: "Šid"}
	if err := ok.Validate(); err != nil || ok.MunicipalityKey != "sid" {
		t.Errorf("Šid: %v, key %q", err, ok.MunicipalityKey)
	}
}
