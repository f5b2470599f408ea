package i18n

import (
	"regexp"
	"strings"
)

// headers are the texts of the field violations of a header row an import
// refuses (BAD_HEADER: imports.MatchHeader's, and the import runner's),
// each quoting the header cells as the English description does.
var headers = []violationText{
	{regexp.MustCompile(`^column ([A-Z]+) "(.*)" is not a known column$`), text{
		"en": `Column {1} "{2}" is not a known column.`, "sr-Latn": `Kolona {1} "{2}" nije poznata kolona.`,
		"sr-Cyrl": `Колона {1} "{2}" није позната колона.`, "bs": `Kolona {1} "{2}" nije poznata kolona.`,
		"hr": `Stupac {1} "{2}" nije poznat stupac.`,
	}},
	{regexp.MustCompile(`^column ([A-Z]+) "(.*)" repeats column ([A-Z]+) "(.*)" \(both are ([a-z_.0-9-]+)\)$`), text{
		"en":      `Column {1} "{2}" repeats column {3} "{4}" (both are {5}).`,
		"sr-Latn": `Kolona {1} "{2}" ponavlja kolonu {3} "{4}" (obe su {5}).`,
		"sr-Cyrl": `Колона {1} "{2}" понавља колону {3} "{4}" (обе су {5}).`,
		"bs":      `Kolona {1} "{2}" ponavlja kolonu {3} "{4}" (obje su {5}).`,
		"hr":      `Stupac {1} "{2}" ponavlja stupac {3} "{4}" (oba su {5}).`,
	}},
	{regexp.MustCompile(`^the required column ([a-z_.0-9-]+) \((.*)\) is missing$`), text{
		"en": `The required column {1} ({2}) is missing.`, "sr-Latn": `Nedostaje obavezna kolona {1} ({2}).`,
		"sr-Cyrl": `Недостаје обавезна колона {1} ({2}).`, "bs": `Nedostaje obavezna kolona {1} ({2}).`,
		"hr": `Nedostaje obvezni stupac {1} ({2}).`,
	}},
	{regexp.MustCompile(`^known columns: (.*)$`), text{
		"en": `Known columns: {1}.`, "sr-Latn": `Poznate kolone: {1}.`, "sr-Cyrl": `Познате колоне: {1}.`,
		"bs": `Poznate kolone: {1}.`, "hr": `Poznati stupci: {1}.`,
	}},
	{regexp.MustCompile(`^column ([A-Z]+) "(.*)" may be (\S+) \(day first\) or (\S+) \(month first\): the header row writes dates with slashes month first \(column ([A-Z]+) "(.*)", a day only read month first\).*year-month-day \((.*) or (.*)\)$`), text{
		"en": `Column {1} "{2}" may be {3} (day first) or {4} (month first): the header row writes dates with slashes month first ` +
			`(column {5} "{6}", a day only read month first), so this one is not read either way; write the day meant as year-month-day ({7} or {8}).`,
		"sr-Latn": `Kolona {1} "{2}" može biti {3} (prvo dan) ili {4} (prvo mesec): red zaglavlja piše datume s kosim crtama s mesecom na prvom mestu ` +
			`(kolona {5} "{6}", datum samo s mesecom na prvom mestu), pa se ova ne čita ni na jedan način; upišite željeni dan kao godina-mesec-dan ({7} ili {8}).`,
		"sr-Cyrl": `Колона {1} "{2}" може бити {3} (прво дан) или {4} (прво месец): ред заглавља пише датуме с косим цртама с месецом на првом месту ` +
			`(колона {5} "{6}", датум само с месецом на првом месту), па се ова не чита ни на један начин; упишите жељени дан као година-месец-дан ({7} или {8}).`,
		"bs": `Kolona {1} "{2}" može biti {3} (prvo dan) ili {4} (prvo mjesec): red zaglavlja piše datume s kosim crtama s mjesecom na prvom mjestu ` +
			`(kolona {5} "{6}", datum samo s mjesecom na prvom mjestu), pa se ova ne čita ni na jedan način; upišite željeni dan kao godina-mjesec-dan ({7} ili {8}).`,
		"hr": `Stupac {1} "{2}" može biti {3} (najprije dan) ili {4} (najprije mjesec): redak zaglavlja piše datume s kosim crtama s mjesecom na prvom mjestu ` +
			`(stupac {5} "{6}", datum samo s mjesecom na prvom mjestu), pa se ovaj ne čita ni na jedan način; upišite željeni dan kao godina-mjesec-dan ({7} ili {8}).`,
	}},
	{regexp.MustCompile(`^column ([A-Z]+) "(.*)" may be (\S+) \(day first\) or (\S+) \(month first\), and the import has a column for either.*year-month-day \((.*) or (.*)\)$`), text{
		"en": `Column {1} "{2}" may be {3} (day first) or {4} (month first), and the import has a column for either; ` +
			`write the day meant as year-month-day ({5} or {6}).`,
		"sr-Latn": `Kolona {1} "{2}" može biti {3} (prvo dan) ili {4} (prvo mesec), a uvoz ima kolonu za oba dana; ` +
			`upišite željeni dan kao godina-mesec-dan ({5} ili {6}).`,
		"sr-Cyrl": `Колона {1} "{2}" може бити {3} (прво дан) или {4} (прво месец), а увоз има колону за оба дана; ` +
			`упишите жељени дан као година-месец-дан ({5} или {6}).`,
		"bs": `Kolona {1} "{2}" može biti {3} (prvo dan) ili {4} (prvo mjesec), a uvoz ima kolonu za oba dana; ` +
			`upišite željeni dan kao godina-mjesec-dan ({5} ili {6}).`,
		"hr": `Stupac {1} "{2}" može biti {3} (najprije dan) ili {4} (najprije mjesec), a uvoz ima stupac za oba dana; ` +
			`upišite željeni dan kao godina-mjesec-dan ({5} ili {6}).`,
	}},
	{regexp.MustCompile(`^column ([A-Z]+) "(.*)" is read day first as (\S+), which is no column; read month first, .* it would be (\S+): if that is the day meant, write it as (.*)$`), text{
		"en": `Column {1} "{2}" is read day first as {3}, which is no column; read month first, as a spreadsheet in English (United States) ` +
			`writes dates, it would be {4}: if that is the day meant, write it as {5}.`,
		"sr-Latn": `Kolona {1} "{2}" čita se s danom na prvom mestu kao {3}, za koji nema kolone; s mesecom na prvom mestu, kako datume piše ` +
			`tabela na engleskom (SAD), bila bi {4}: ako je to željeni dan, upišite zaglavlje kao {5}.`,
		"sr-Cyrl": `Колона {1} "{2}" чита се с даном на првом месту као {3}, за који нема колоне; с месецом на првом месту, како датуме пише ` +
			`табела на енглеском (САД), била би {4}: ако је то жељени дан, упишите заглавље као {5}.`,
		"bs": `Kolona {1} "{2}" čita se s danom na prvom mjestu kao {3}, za koji nema kolone; s mjesecom na prvom mjestu, kako datume piše ` +
			`tabela na engleskom (SAD), bila bi {4}: ako je to željeni dan, upišite zaglavlje kao {5}.`,
		"hr": `Stupac {1} "{2}" čita se s danom na prvom mjestu kao {3}, za koji nema stupca; s mjesecom na prvom mjestu, kako datume piše ` +
			`tablica na engleskom (SAD), bio bi {4}: ako je to željeni dan, upišite zaglavlje kao {5}.`,
	}},
	{regexp.MustCompile(`^column ([A-Z]+) "(.*)" is a date and time with a time zone \((.*)\): (\S+ \S+) in that zone and (\S+ \S+) in Belgrade, Sarajevo and Zagreb, .*\(such as (\S+) or (\S+ \S+)\)$`), text{
		"en": `Column {1} "{2}" is a date and time with a time zone ({3}): {4} in that zone and {5} in Belgrade, Sarajevo and Zagreb, ` +
			`so which day and time are meant is not guessed; head the column with the day alone or the day and time without a zone, as year-month-day (such as {6} or {7}).`,
		"sr-Latn": `Kolona {1} "{2}" je datum i vreme s vremenskom zonom ({3}): u toj zoni {4}, a u Beogradu, Sarajevu i Zagrebu {5}, ` +
			`pa se ne pogađa koji su dan i vreme u pitanju; u zaglavlje kolone upišite samo dan, ili dan i vreme bez zone, kao godina-mesec-dan (na primer {6} ili {7}).`,
		"sr-Cyrl": `Колона {1} "{2}" је датум и време с временском зоном ({3}): у тој зони {4}, а у Београду, Сарајеву и Загребу {5}, ` +
			`па се не погађа који су дан и време у питању; у заглавље колоне упишите само дан, или дан и време без зоне, као година-месец-дан (на пример {6} или {7}).`,
		"bs": `Kolona {1} "{2}" je datum i vrijeme s vremenskom zonom ({3}): u toj zoni {4}, a u Beogradu, Sarajevu i Zagrebu {5}, ` +
			`pa se ne pogađa koji su dan i vrijeme u pitanju; u zaglavlje kolone upišite samo dan, ili dan i vrijeme bez zone, kao godina-mjesec-dan (na primjer {6} ili {7}).`,
		"hr": `Stupac {1} "{2}" je datum i vrijeme s vremenskom zonom ({3}): u toj zoni {4}, a u Beogradu, Sarajevu i Zagrebu {5}, ` +
			`pa se ne pogađa koji su dan i vrijeme u pitanju; u zaglavlje stupca upišite samo dan, ili dan i vrijeme bez zone, kao godina-mjesec-dan (na primjer {6} ili {7}).`,
	}},
	{regexp.MustCompile(`^row 1 must name the columns, but it is blank \(the first row with text is row (\d+)\)$`), text{
		"en":      `Row 1 must name the columns, but it is blank (the first row with text is row {1}).`,
		"sr-Latn": `Red 1 mora da navede kolone, ali je prazan (prvi red s tekstom je red {1}).`,
		"sr-Cyrl": `Ред 1 мора да наведе колоне, али је празан (први ред с текстом је ред {1}).`,
		"bs":      `Red 1 mora navesti kolone, ali je prazan (prvi red s tekstom je red {1}).`,
		"hr":      `Redak 1 mora navesti stupce, ali je prazan (prvi redak s tekstom je redak {1}).`,
	}},
}

// HiddenHeader ends the description of a refused header in a column
// hidden in its worksheet (the import runner adds it).
const HiddenHeader = " (the column is hidden in the worksheet: show it again, or delete it)"

// hiddenHeader is HiddenHeader's text, put before the localized text's
// final full stop.
var hiddenHeader = text{
	"en":      HiddenHeader,
	"sr-Latn": " (kolona je sakrivena u radnom listu: ponovo je prikažite ili je obrišite)",
	"sr-Cyrl": " (колона је сакривена у радном листу: поново је прикажите или је обришите)",
	"bs":      " (kolona je sakrivena u radnom listu: ponovo je prikažite ili je obrišite)",
	"hr":      " (stupac je skriven u radnom listu: ponovno ga prikažite ili ga izbrišite)",
}

// header is the text in lang of a header row's violation, false when
// desc is none.
func header(desc, lang string) (string, bool) {
	rest, hidden := strings.CutSuffix(desc, HiddenHeader)
	s, ok := fill(headers, rest, lang)
	if ok && hidden {
		s = strings.TrimSuffix(s, ".") + hiddenHeader[lang] + "."
	}
	return s, ok
}
