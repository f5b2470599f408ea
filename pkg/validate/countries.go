package validate

import "strings"

// countryCodes are the codes ISO 3166-1 alpha-2 assigns to a country or
// territory (officially assigned, 249 of them), and XK, which ISO leaves
// to user assignment but Kosovo's documents, the European Commission and
// the region's registries (the JMBG of a person born there among them)
// use for Kosovo. Not in it: the exceptionally reserved codes (UK, EU,
// UN...: the United Kingdom is GB), the withdrawn ones (YU, CS, SU...) and
// the user-assigned ones (AA, QM-QZ, XA-XZ but XK, ZZ), so that one country
// is counted under one code and a typing slip (XX, RZ) is refused rather
// than reported as a nationality no one has. One string, the codes in
// alphabetical order separated by spaces.
const countryCodes = "" +
	"AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ " +
	"BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ " +
	"CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ " +
	"DE DJ DK DM DO DZ " +
	"EC EE EG EH ER ES ET " +
	"FI FJ FK FM FO FR " +
	"GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY " +
	"HK HM HN HR HT HU " +
	"ID IE IL IM IN IO IQ IR IS IT " +
	"JE JM JO JP " +
	"KE KG KH KI KM KN KP KR KW KY KZ " +
	"LA LB LC LI LK LR LS LT LU LV LY " +
	"MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ " +
	"NA NC NE NF NG NI NL NO NP NR NU NZ " +
	"OM " +
	"PA PE PF PG PH PK PL PM PN PR PS PT PW PY " +
	"QA " +
	"RE RO RS RU RW " +
	"SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ " +
	"TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ " +
	"UA UG UM US UY UZ " +
	"VA VC VE VG VI VN VU " +
	"WF WS " +
	"XK " +
	"YE YT " +
	"ZA ZM ZW"

// countries is countryCodes as a set.
var countries = func() map[string]bool {
	m := map[string]bool{}
	for _, c := range strings.Fields(countryCodes) {
		m[c] = true
	}
	return m
}()

// IsCountry reports whether s (upper case) is a country code Country
// accepts: one of countryCodes.
func IsCountry(s string) bool { return countries[s] }

// CountryCodes lists the codes Country accepts, in alphabetical order.
func CountryCodes() []string { return strings.Fields(countryCodes) }
