package imports

import (
	"testing"

	"github.com/spona/spona/pkg/validate"
)

// TestParseCountryEveryCode: every code validate accepts is read as
// itself, and (but Kosovo, which has none) from its alpha-3 code; the
// names of the region's countries in each language Spona serves are read
// as their code.
func TestParseCountryEveryCode(t *testing.T) {
	t3 := countries()
	back := map[string]string{}
	for a3, a2 := range t3.alpha3 {
		if !validate.IsCountry(a2) {
			t.Errorf("alpha-3 %s gives %s, which validate refuses", a3, a2)
		}
		back[a2] = a3
	}
	for _, c := range validate.CountryCodes() {
		if got, err := ParseCountry(c); got != c || err != nil {
			t.Errorf("%s: %q, %v", c, got, err)
		}
		if _, ok := back[c]; !ok && c != "XK" {
			t.Errorf("%s has no alpha-3 code", c)
		}
	}
	for cell, want := range map[string]string{
		"Србија": "RS", "SRBIJA": "RS", "Bosna i Hercegovina": "BA", "Босна и Херцеговина": "BA", "Hrvatska": "HR",
		"Хрватска": "HR", "Crna Gora": "ME", "Sjeverna Makedonija": "MK", "Njemačka": "DE", "Nemačka": "DE", "Nemacka": "DE",
		"Germany": "DE", "Turska": "TR", "Iran": "IR", "Maroko": "MA", "Alžir": "DZ", "Tunis": "TN", "Libija": "LY",
		"Bangladeš": "BD", "Indija": "IN", "Kuba": "CU", "Burundi": "BI", "Somalija": "SO", "Eritreja": "ER",
		"XKX": "XK", "RKS": "XK", "Kosovo": "XK", "UK": "GB", "GBR": "GB", "DEU": "DE", "afg": "AF",
	} {
		if got, err := ParseCountry(cell); got != want || err != nil {
			t.Errorf("%q: %q, %v; want %s", cell, got, err, want)
		}
	}
	for _, cell := range []string{"XX", "ZZZ", "YUG", "SCG", "688", "Atlantida"} {
		if got, err := ParseCountry(cell); err == nil {
			t.Errorf("%q: %q accepted, want a problem", cell, got)
		}
	}
}
