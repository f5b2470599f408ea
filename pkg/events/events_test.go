package events

import (
	"strings"
	"testing"
)

func TestTypesAreDottedAndDeclareIDs(t *testing.T) {
	for _, name := range Names() {
		spec := Types[name]
		agg, what, ok := strings.Cut(name, ".")
		if !ok || agg == "" || what == "" || strings.ToLower(name) != name {
			t.Errorf("%q is not <aggregate>.<what happened> in lower case", name)
		}
		if spec.Aggregate == "" || spec.Doc == "" || len(spec.Keys) == 0 {
			t.Errorf("%s: incomplete spec %+v", name, spec)
		}
		for _, k := range spec.Keys {
			for _, personal := range []string{"name", "note", "reason", "phone", "email", "number", "address", "birth"} {
				if strings.Contains(k, personal) && !strings.HasSuffix(k, "_code") {
					t.Errorf("%s declares %q, which sounds like personal data", name, k)
				}
			}
		}
	}
}

func TestCheck(t *testing.T) {
	ok := Event{Type: BeneficiaryErased, AggregateType: AggregateBeneficiary, AggregateID: "b1",
		Data: map[string]any{"beneficiary_id": "b1", "merged_ids": []string{"b0"}}}
	if err := Check(ok); err != nil {
		t.Fatal(err)
	}
	for name, e := range map[string]Event{
		"undeclared type":   {Type: "beneficiary.renamed", AggregateType: AggregateBeneficiary, AggregateID: "b1"},
		"wrong aggregate":   {Type: BeneficiaryErased, AggregateType: AggregateReferral, AggregateID: "b1"},
		"no aggregate id":   {Type: BeneficiaryErased, AggregateType: AggregateBeneficiary},
		"undeclared key":    {Type: BeneficiaryErased, AggregateType: AggregateBeneficiary, AggregateID: "b1", Data: map[string]any{"given_name": "A"}},
		"structured values": {Type: BeneficiaryErased, AggregateType: AggregateBeneficiary, AggregateID: "b1", Data: map[string]any{"beneficiary_id": map[string]any{}}},
	} {
		if Check(e) == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
