package i18n

import "regexp"

// problems are the texts of a spreadsheet import's row problems that are
// its own (a cell's value that cannot be read, a column without a header,
// a hidden row or column, a formula's error value); a problem that is a field violation of the record (the
// API's check of a create) reads as one (violations). Each quotes the
// cell as the English message does.
var problems = []violationText{
	{regexp.MustCompile(`^"(.*)" is not a known ([a-z_]+); use one of (.*)$`), text{
		"en":      `"{1}" is not a known {2}; use one of {3}.`,
		"sr-Latn": `"{1}" nije poznata vrednost polja {2}; upotrebite jednu od: {3}.`,
		"sr-Cyrl": `"{1}" није позната вредност поља {2}; употребите једну од: {3}.`,
		"bs":      `"{1}" nije poznata vrijednost polja {2}; upotrijebite jednu od: {3}.`,
		"hr":      `"{1}" nije poznata vrijednost polja {2}; upotrijebite jednu od: {3}.`,
	}},
	{regexp.MustCompile(`^this row may repeat row (\d+): the name is the same as`), text{
		"en":      "This row may repeat row {1}: the name is the same as (or close to) that row's, and neither row has a birth date, birth year or external_id, so nothing tells whether they are one person or two; if one, delete this row (or import with on_duplicate=skip or link); if two, add what tells them apart (a birth date or year, an external_id).",
		"sr-Latn": "Ovaj red možda ponavlja red {1}: ime je isto kao u tom redu (ili mu je blisko), a nijedan od njih nema datum ni godinu rođenja ni external_id, pa se ne vidi da li je to jedna osoba ili dve; ako je jedna, obrišite ovaj red (ili uvezite sa on_duplicate=skip ili link); ako su dve, dodajte ono po čemu se razlikuju (datum ili godinu rođenja, external_id).",
		"sr-Cyrl": "Овај ред можда понавља ред {1}: име је исто као у том реду (или му је блиско), а ниједан од њих нема датум ни годину рођења ни external_id, па се не види да ли је то једна особа или две; ако је једна, обришите овај ред (или увезите са on_duplicate=skip или link); ако су две, додајте оно по чему се разликују (датум или годину рођења, external_id).",
		"bs":      "Ovaj red možda ponavlja red {1}: ime je isto kao u tom redu (ili mu je blisko), a nijedan od njih nema datum ni godinu rođenja ni external_id, pa se ne vidi je li to jedna osoba ili dvije; ako je jedna, obrišite ovaj red (ili uvezite sa on_duplicate=skip ili link); ako su dvije, dodajte ono po čemu se razlikuju (datum ili godinu rođenja, external_id).",
		"hr":      "Ovaj redak možda ponavlja redak {1}: ime je isto kao u tom retku (ili mu je blisko), a nijedan od njih nema datum ni godinu rođenja ni external_id, pa se ne vidi je li to jedna osoba ili dvije; ako je jedna, obrišite ovaj redak (ili uvezite s on_duplicate=skip ili link); ako su dvije, dodajte ono po čemu se razlikuju (datum ili godinu rođenja, external_id).",
	}},
	{regexp.MustCompile(`^this row may be a person your organisation has registered already`), text{
		"en":      "This row may be a person your organisation has registered already (see the row's matches): the name is the same as (or close to) that record's, and this row has no birth date, birth year or external_id, so nothing tells whether they are one person or two; if one, delete this row (or import with on_duplicate=skip or link); if two, add what tells them apart (a birth date or year, an external_id).",
		"sr-Latn": "Ovaj red je možda osoba koju je vaša organizacija već registrovala (pogledajte podudaranja reda): ime je isto kao u tom zapisu (ili mu je blisko), a ovaj red nema datum ni godinu rođenja ni external_id, pa se ne vidi da li je to jedna osoba ili dve; ako je jedna, obrišite ovaj red (ili uvezite sa on_duplicate=skip ili link); ako su dve, dodajte ono po čemu se razlikuju (datum ili godinu rođenja, external_id).",
		"sr-Cyrl": "Овај ред је можда особа коју је ваша организација већ регистровала (погледајте подударања реда): име је исто као у том запису (или му је блиско), а овај ред нема датум ни годину рођења ни external_id, па се не види да ли је то једна особа или две; ако је једна, обришите овај ред (или увезите са on_duplicate=skip или link); ако су две, додајте оно по чему се разликују (датум или годину рођења, external_id).",
		"bs":      "Ovaj red je možda osoba koju je vaša organizacija već registrovala (pogledajte podudaranja reda): ime je isto kao u tom zapisu (ili mu je blisko), a ovaj red nema datum ni godinu rođenja ni external_id, pa se ne vidi je li to jedna osoba ili dvije; ako je jedna, obrišite ovaj red (ili uvezite sa on_duplicate=skip ili link); ako su dvije, dodajte ono po čemu se razlikuju (datum ili godinu rođenja, external_id).",
		"hr":      "Ovaj redak je možda osoba koju je vaša organizacija već registrirala (pogledajte podudaranja retka): ime je isto kao u tom zapisu (ili mu je blisko), a ovaj redak nema datum ni godinu rođenja ni external_id, pa se ne vidi je li to jedna osoba ili dvije; ako je jedna, obrišite ovaj redak (ili uvezite s on_duplicate=skip ili link); ako su dvije, dodajte ono po čemu se razlikuju (datum ili godinu rođenja, external_id).",
	}},
	{regexp.MustCompile(`^"(.*)" is not a language Spona knows`), text{
		"en":      `"{1}" is not a language Spona knows: write its BCP 47 tag (ar, fa, ps, en) or its name in English, Serbian, Bosnian or Croatian (arapski, farsi, paštu, engleski).`,
		"sr-Latn": `"{1}" nije jezik koji Spona poznaje: upišite njegovu oznaku BCP 47 (ar, fa, ps, en) ili njegov naziv na srpskom, bosanskom, hrvatskom ili engleskom (arapski, farsi, paštu, engleski).`,
		"sr-Cyrl": `"{1}" није језик који Спона познаје: упишите његову ознаку BCP 47 (ar, fa, ps, en) или његов назив на српском, босанском, хрватском или енглеском (арапски, фарси, пашту, енглески).`,
		"bs":      `"{1}" nije jezik koji Spona poznaje: upišite njegovu oznaku BCP 47 (ar, fa, ps, en) ili njegov naziv na bosanskom, srpskom, hrvatskom ili engleskom (arapski, farsi, paštu, engleski).`,
		"hr":      `"{1}" nije jezik koji Spona poznaje: upišite njegovu oznaku BCP 47 (ar, fa, ps, en) ili njegov naziv na hrvatskom, srpskom, bosanskom ili engleskom (arapski, farsi, paštu, engleski).`,
	}},
	{regexp.MustCompile(`^"(.*)" is not a country Spona knows`), text{
		"en":      `"{1}" is not a country Spona knows: write its ISO 3166-1 code (RS or SRB, BA or BIH, AF or AFG) or its name in English, Serbian, Bosnian or Croatian (Serbia, Srbija, Bosna i Hercegovina, Avganistan).`,
		"sr-Latn": `"{1}" nije država koju Spona poznaje: upišite njen kod ISO 3166-1 (RS ili SRB, BA ili BIH, AF ili AFG) ili njen naziv na srpskom, bosanskom, hrvatskom ili engleskom (Srbija, Bosna i Hercegovina, Avganistan, Serbia).`,
		"sr-Cyrl": `"{1}" није држава коју Спона познаје: упишите њен код ISO 3166-1 (RS или SRB, BA или BIH, AF или AFG) или њен назив на српском, босанском, хрватском или енглеском (Србија, Босна и Херцеговина, Авганистан, Serbia).`,
		"bs":      `"{1}" nije država koju Spona poznaje: upišite njen kod ISO 3166-1 (RS ili SRB, BA ili BIH, AF ili AFG) ili njen naziv na bosanskom, srpskom, hrvatskom ili engleskom (Srbija, Bosna i Hercegovina, Afganistan, Serbia).`,
		"hr":      `"{1}" nije država koju Spona poznaje: upišite njezin kod ISO 3166-1 (RS ili SRB, BA ili BIH, AF ili AFG) ili njezin naziv na hrvatskom, srpskom, bosanskom ili engleskom (Srbija, Bosna i Hercegovina, Afganistan, Serbia).`,
	}},
	{regexp.MustCompile(`^"(.*)" is not a date; write it as`), text{
		"en":      `"{1}" is not a date; write it as 2017-03-02, 2.3.2017. or 02.03.2017 (day first).`,
		"sr-Latn": `"{1}" nije datum; upišite ga kao 2017-03-02, 2.3.2017. ili 02.03.2017 (prvo dan).`,
		"sr-Cyrl": `"{1}" није датум; упишите га као 2017-03-02, 2.3.2017. или 02.03.2017 (прво дан).`,
		"bs":      `"{1}" nije datum; upišite ga kao 2017-03-02, 2.3.2017. ili 02.03.2017 (prvo dan).`,
		"hr":      `"{1}" nije datum; upišite ga kao 2017-03-02, 2.3.2017. ili 02.03.2017 (najprije dan).`,
	}},
	{regexp.MustCompile(`^"(.*)" is a time of day with a time zone \((.*)\), not a date: it is (\S+) in that zone and (\S+) in `), text{
		"en": `"{1}" is a time of day with a time zone ({2}), not a date: it is {3} in that zone and {4} in Belgrade, Sarajevo and Zagreb, ` +
			`so which day is meant depends on where it was written and is not guessed; write the day meant alone, as year-month-day (such as {4}).`,
		"sr-Latn": `"{1}" je vreme dana s vremenskom zonom ({2}), a ne datum: u toj zoni to je {3}, a u Beogradu, Sarajevu i Zagrebu {4}, ` +
			`pa koji je dan u pitanju zavisi od toga gde je upisano i ne pogađa se; upišite samo željeni dan, kao godina-mesec-dan (na primer {4}).`,
		"sr-Cyrl": `"{1}" је време дана с временском зоном ({2}), а не датум: у тој зони то је {3}, а у Београду, Сарајеву и Загребу {4}, ` +
			`па који је дан у питању зависи од тога где је уписано и не погађа се; упишите само жељени дан, као година-месец-дан (на пример {4}).`,
		"bs": `"{1}" je vrijeme dana s vremenskom zonom ({2}), a ne datum: u toj zoni to je {3}, a u Beogradu, Sarajevu i Zagrebu {4}, ` +
			`pa koji je dan u pitanju zavisi od toga gdje je upisano i ne pogađa se; upišite samo željeni dan, kao godina-mjesec-dan (na primjer {4}).`,
		"hr": `"{1}" je vrijeme u danu s vremenskom zonom ({2}), a ne datum: u toj zoni to je {3}, a u Beogradu, Sarajevu i Zagrebu {4}, ` +
			`pa koji je dan u pitanju ovisi o tome gdje je upisano i ne pogađa se; upišite samo željeni dan, kao godina-mjesec-dan (na primjer {4}).`,
	}},
	{regexp.MustCompile(`^"(.*)" is not a day of the calendar read day first.* write it as (\d{4}-\d{2}-\d{2}),`), text{
		"en": `"{1}" is not a day of the calendar read day first (02/03/2017 is 2 March): it looks month first, as a spreadsheet in English ` +
			`(United States) writes dates; write it as {2}, and check the file's other dates with slashes, which may have been read with day and month swapped.`,
		"sr-Latn": `"{1}" nije dan u kalendaru kada se čita s danom na prvom mestu (02/03/2017 je 2. mart): izgleda da je mesec na prvom mestu, ` +
			`kako datume piše tabela na engleskom (SAD); upišite ga kao {2} i proverite ostale datume s kosim crtama u datoteci, kojima su dan i mesec možda zamenjeni.`,
		"sr-Cyrl": `"{1}" није дан у календару када се чита с даном на првом месту (02/03/2017 је 2. март): изгледа да је месец на првом месту, ` +
			`како датуме пише табела на енглеском (САД); упишите га као {2} и проверите остале датуме с косим цртама у датотеци, којима су дан и месец можда замењени.`,
		"bs": `"{1}" nije dan u kalendaru kada se čita s danom na prvom mjestu (02/03/2017 je 2. mart): izgleda da je mjesec na prvom mjestu, ` +
			`kako datume piše tabela na engleskom (SAD); upišite ga kao {2} i provjerite ostale datume s kosim crtama u datoteci, kojima su dan i mjesec možda zamijenjeni.`,
		"hr": `"{1}" nije dan u kalendaru kada se čita s danom na prvom mjestu (02/03/2017 je 2. ožujka): izgleda da je mjesec na prvom mjestu, ` +
			`kako datume piše tablica na engleskom (SAD); upišite ga kao {2} i provjerite ostale datume s kosim crtama u datoteci, kojima su dan i mjesec možda zamijenjeni.`,
	}},
	{regexp.MustCompile(`^"(.*)" may be (\d{4}-\d{2}-\d{2}) \(day first\) or (\d{4}-\d{2}-\d{2}) \(month first\): the file writes dates with slashes month first.* \(cell ([A-Z]+\d+) holds (.*), a day only read month first\)`), text{
		"en": `"{1}" may be {2} (day first) or {3} (month first): the file writes dates with slashes month first, as a spreadsheet in English ` +
			`(United States) does (cell {4} holds {5}, a day only read month first), so this one is not read either way; write the day meant as year-month-day ({3} or {2}).`,
		"sr-Latn": `"{1}" može biti {2} (prvo dan) ili {3} (prvo mesec): datoteka piše datume s kosim crtama s mesecom na prvom mestu, kao tabela ` +
			`na engleskom (SAD) (ćelija {4} sadrži {5}, što je datum samo s mesecom na prvom mestu), pa se ovaj ne čita ni na jedan način; upišite željeni dan kao godina-mesec-dan ({3} ili {2}).`,
		"sr-Cyrl": `"{1}" може бити {2} (прво дан) или {3} (прво месец): датотека пише датуме с косим цртама с месецом на првом месту, као табела ` +
			`на енглеском (САД) (ћелија {4} садржи {5}, што је датум само с месецом на првом месту), па се овај не чита ни на један начин; упишите жељени дан као година-месец-дан ({3} или {2}).`,
		"bs": `"{1}" može biti {2} (prvo dan) ili {3} (prvo mjesec): datoteka piše datume s kosim crtama s mjesecom na prvom mjestu, kao tabela ` +
			`na engleskom (SAD) (ćelija {4} sadrži {5}, što je datum samo s mjesecom na prvom mjestu), pa se ovaj ne čita ni na jedan način; upišite željeni dan kao godina-mjesec-dan ({3} ili {2}).`,
		"hr": `"{1}" može biti {2} (najprije dan) ili {3} (najprije mjesec): datoteka piše datume s kosim crtama s mjesecom na prvom mjestu, kao tablica ` +
			`na engleskom (SAD) (ćelija {4} sadrži {5}, što je datum samo s mjesecom na prvom mjestu), pa se ovaj ne čita ni na jedan način; upišite željeni dan kao godina-mjesec-dan ({3} ili {2}).`,
	}},
	{regexp.MustCompile(`^the header of column ([A-Z]+), "(.*)", may be (\S+) \(day first\) or (\S+) \(month first\), so this cell is put at neither .* in cell ([A-Z]+1) as year-month-day \((.*) or (.*)\)$`), text{
		"en": `The header of column {1}, "{2}", may be {3} (day first) or {4} (month first), so this cell is put at neither ` +
			`(see the problem of row 1): write the day meant in cell {5} as year-month-day ({6} or {7}).`,
		"sr-Latn": `Zaglavlje kolone {1}, "{2}", može biti {3} (prvo dan) ili {4} (prvo mesec), pa se ova ćelija ne upisuje ni za jedan ` +
			`(pogledajte grešku reda 1): upišite željeni dan u ćeliju {5} kao godina-mesec-dan ({6} ili {7}).`,
		"sr-Cyrl": `Заглавље колоне {1}, "{2}", може бити {3} (прво дан) или {4} (прво месец), па се ова ћелија не уписује ни за један ` +
			`(погледајте грешку реда 1): упишите жељени дан у ћелију {5} као година-месец-дан ({6} или {7}).`,
		"bs": `Zaglavlje kolone {1}, "{2}", može biti {3} (prvo dan) ili {4} (prvo mjesec), pa se ova ćelija ne upisuje ni za jedan ` +
			`(pogledajte grešku reda 1): upišite željeni dan u ćeliju {5} kao godina-mjesec-dan ({6} ili {7}).`,
		"hr": `Zaglavlje stupca {1}, "{2}", može biti {3} (najprije dan) ili {4} (najprije mjesec), pa se ova ćelija ne upisuje ni za jedan ` +
			`(pogledajte pogrešku retka 1): upišite željeni dan u ćeliju {5} kao godina-mjesec-dan ({6} ili {7}).`,
	}},
	{regexp.MustCompile(`^"(.*)" is not a day of the calendar$`), text{
		"en": `"{1}" is not a day of the calendar.`, "sr-Latn": `"{1}" nije dan u kalendaru.`, "sr-Cyrl": `"{1}" није дан у календару.`,
		"bs": `"{1}" nije dan u kalendaru.`, "hr": `"{1}" nije dan u kalendaru.`,
	}},
	{regexp.MustCompile(`^"(.*)" is not a whole number$`), text{
		"en": `"{1}" is not a whole number.`, "sr-Latn": `"{1}" nije ceo broj.`, "sr-Cyrl": `"{1}" није цео број.`,
		"bs": `"{1}" nije cijeli broj.`, "hr": `"{1}" nije cijeli broj.`,
	}},
	{regexp.MustCompile(`^"(.*)" is neither da/yes nor ne/no$`), text{
		"en": `"{1}" is neither da/yes nor ne/no.`, "sr-Latn": `"{1}" nije ni da/yes ni ne/no.`, "sr-Cyrl": `"{1}" није ни да/yes ни не/no.`,
		"bs": `"{1}" nije ni da/yes ni ne/no.`, "hr": `"{1}" nije ni da/yes ni ne/no.`,
	}},
	{regexp.MustCompile(`^"(.*)" is neither yes \(x, \+, 1, da, yes\) nor no`), text{
		"en":      `"{1}" is neither yes (x, +, 1, da, yes) nor no (0, -, ne, no).`,
		"sr-Latn": `"{1}" nije ni da (x, +, 1, da, yes) ni ne (0, -, ne, no).`,
		"sr-Cyrl": `"{1}" није ни да (x, +, 1, да, yes) ни не (0, -, не, no).`,
		"bs":      `"{1}" nije ni da (x, +, 1, da, yes) ni ne (0, -, ne, no).`,
		"hr":      `"{1}" nije ni da (x, +, 1, da, yes) ni ne (0, -, ne, no).`,
	}},
	{regexp.MustCompile(`^"(.*)" is the external_id of another of your organisation's beneficiaries already`), text{
		"en": `"{1}" is the external_id of another of your organisation's beneficiaries already: each record's is its own ` +
			`(with on_duplicate=skip or link, a row found to be that record is skipped or linked).`,
		"sr-Latn": `"{1}" je već external_id drugog korisnika vaše organizacije: svaki zapis ima svoj ` +
			`(uz on_duplicate=skip ili link, red za koji se utvrdi da je taj zapis preskače se ili povezuje).`,
		"sr-Cyrl": `"{1}" је већ external_id другог корисника ваше организације: сваки запис има свој ` +
			`(уз on_duplicate=skip или link, ред за који се утврди да је тај запис прескаче се или повезује).`,
		"bs": `"{1}" je već external_id drugog korisnika vaše organizacije: svaki zapis ima svoj ` +
			`(uz on_duplicate=skip ili link, red za koji se utvrdi da je taj zapis preskače se ili povezuje).`,
		"hr": `"{1}" već je external_id drugog korisnika vaše organizacije: svaki zapis ima svoj ` +
			`(uz on_duplicate=skip ili link, redak za koji se utvrdi da je taj zapis preskače se ili povezuje).`,
	}},
	{regexp.MustCompile(`^"(.*)" is the external_id of row (\d+) too`), text{
		"en": `"{1}" is the external_id of row {2} too: each record's is its own.`, "sr-Latn": `"{1}" je i external_id reda {2}: svaki zapis ima svoj.`,
		"sr-Cyrl": `"{1}" је и external_id реда {2}: сваки запис има свој.`, "bs": `"{1}" je i external_id reda {2}: svaki zapis ima svoj.`,
		"hr": `"{1}" je i external_id retka {2}: svaki zapis ima svoj.`,
	}},
	{regexp.MustCompile(`^the session of (\S+) has not been held yet`), text{
		"en": "The session of {1} has not been held yet: nobody is present at it before its day (a participant marked present in advance " +
			"would count as trained, and be certified, before the event took place).",
		"sr-Latn": "Sesija od {1} još nije održana: niko nije prisutan na njoj pre njenog dana (učesnik označen kao prisutan unapred " +
			"računao bi se kao obučen, i dobio bi sertifikat, pre nego što se događaj održao).",
		"sr-Cyrl": "Сесија од {1} још није одржана: нико није присутан на њој пре њеног дана (учесник означен као присутан унапред " +
			"рачунао би се као обучен, и добио би сертификат, пре него што се догађај одржао).",
		"bs": "Sesija od {1} još nije održana: niko nije prisutan na njoj prije njenog dana (učesnik označen kao prisutan unaprijed " +
			"računao bi se kao obučen, i dobio bi certifikat, prije nego što se događaj održao).",
		"hr": "Sesija od {1} još nije održana: nitko nije prisutan na njoj prije njezina dana (sudionik označen kao prisutan unaprijed " +
			"računao bi se kao osposobljen, i dobio bi potvrdu, prije nego što se događaj održao).",
	}},
	{regexp.MustCompile(`^could not be (?:looked up|checked) in the directory`), text{
		"en": "Could not be checked in the directory just now; send the file again.", "sr-Latn": "Trenutno nije moguće proveriti u imeniku; pošaljite datoteku ponovo.",
		"sr-Cyrl": "Тренутно није могуће проверити у именику; пошаљите датотеку поново.", "bs": "Trenutno nije moguće provjeriti u imeniku; pošaljite datoteku ponovo.",
		"hr": "Trenutačno nije moguće provjeriti u imeniku; pošaljite datoteku ponovno.",
	}},
	{regexp.MustCompile(`^(\S+) is not an organisation in the directory; give its id`), text{
		"en":      "{1} is not an organisation in the directory; give its id as the directory has it, or its name.",
		"sr-Latn": "{1} nije organizacija u imeniku; navedite njen id kako ga imenik ima, ili njen naziv.",
		"sr-Cyrl": "{1} није организација у именику; наведите њен id како га именик има, или њен назив.",
		"bs":      "{1} nije organizacija u imeniku; navedite njen id kako ga imenik ima, ili njen naziv.",
		"hr":      "{1} nije organizacija u imeniku; navedite njezin id kako ga imenik ima, ili njezin naziv.",
	}},
	{regexp.MustCompile(`^column ([A-Z]+) has no header in row 1`), text{
		"en": "Column {1} has no header in row 1, so this cell cannot be imported: write the field it holds in cell {1}1 (a header cell merged " +
			"over several columns names only the first of them), move the text to the column it belongs in (a remark to notes), or delete it.",
		"sr-Latn": "Kolona {1} nema zaglavlje u redu 1, pa se ova ćelija ne može uvesti: upišite polje koje sadrži u ćeliju {1}1 (zaglavlje spojeno " +
			"preko više kolona imenuje samo prvu od njih), premestite tekst u kolonu kojoj pripada (napomenu u notes) ili ga obrišite.",
		"sr-Cyrl": "Колона {1} нема заглавље у реду 1, па се ова ћелија не може увести: упишите поље које садржи у ћелију {1}1 (заглавље спојено " +
			"преко више колона именује само прву од њих), преместите текст у колону којој припада (напомену у notes) или га обришите.",
		"bs": "Kolona {1} nema zaglavlje u redu 1, pa se ova ćelija ne može uvesti: upišite polje koje sadrži u ćeliju {1}1 (zaglavlje spojeno " +
			"preko više kolona imenuje samo prvu od njih), premjestite tekst u kolonu kojoj pripada (napomenu u notes) ili ga obrišite.",
		"hr": "Stupac {1} nema zaglavlje u retku 1, pa se ova ćelija ne može uvesti: upišite polje koje sadrži u ćeliju {1}1 (zaglavlje spojeno " +
			"preko više stupaca imenuje samo prvi od njih), premjestite tekst u stupac kojem pripada (napomenu u notes) ili ga izbrišite.",
	}},
	{regexp.MustCompile(`^the row is hidden in the worksheet`), text{
		"en": "The row is hidden in the worksheet (by hand or by a filter), so it is not imported: to import it, show it again " +
			"(unhide it, or clear the filter); to leave it out, delete it, or import with on_error=skip.",
		"sr-Latn": "Red je sakriven u radnom listu (ručno ili filterom), pa se ne uvozi: da biste ga uvezli, ponovo ga prikažite " +
			"(otkrijte ga ili uklonite filter); da ga izostavite, obrišite ga ili uvezite sa on_error=skip.",
		"sr-Cyrl": "Ред је сакривен у радном листу (ручно или филтером), па се не увози: да бисте га увезли, поново га прикажите " +
			"(откријте га или уклоните филтер); да га изоставите, обришите га или увезите са on_error=skip.",
		"bs": "Red je sakriven u radnom listu (ručno ili filterom), pa se ne uvozi: da biste ga uvezli, ponovo ga prikažite " +
			"(otkrijte ga ili uklonite filter); da ga izostavite, obrišite ga ili uvezite s on_error=skip.",
		"hr": "Redak je skriven u radnom listu (ručno ili filtrom), pa se ne uvozi: da biste ga uvezli, ponovno ga prikažite " +
			"(otkrijte ga ili uklonite filtar); da ga izostavite, izbrišite ga ili uvezite s on_error=skip.",
	}},
	{regexp.MustCompile(`^column ([A-Z]+) is hidden in the worksheet`), text{
		"en": "Column {1} is hidden in the worksheet, so this cell is not imported: to import it, show the column again (unhide it); " +
			"to leave it out, delete the column or clear its cells.",
		"sr-Latn": "Kolona {1} je sakrivena u radnom listu, pa se ova ćelija ne uvozi: da biste je uvezli, ponovo prikažite kolonu " +
			"(otkrijte je); da je izostavite, obrišite kolonu ili ispraznite njene ćelije.",
		"sr-Cyrl": "Колона {1} је сакривена у радном листу, па се ова ћелија не увози: да бисте је увезли, поново прикажите колону " +
			"(откријте је); да је изоставите, обришите колону или испразните њене ћелије.",
		"bs": "Kolona {1} je sakrivena u radnom listu, pa se ova ćelija ne uvozi: da biste je uvezli, ponovo prikažite kolonu " +
			"(otkrijte je); da je izostavite, obrišite kolonu ili ispraznite njene ćelije.",
		"hr": "Stupac {1} skriven je u radnom listu, pa se ova ćelija ne uvozi: da biste je uvezli, ponovno prikažite stupac " +
			"(otkrijte ga); da je izostavite, izbrišite stupac ili ispraznite njegove ćelije.",
	}},
	{regexp.MustCompile(`^the cell holds (\S+), the error a spreadsheet shows for a formula`), text{
		"en": "The cell holds {1}, the error a spreadsheet shows for a formula it could not calculate (a lookup that found nothing, " +
			"a reference to a deleted cell): correct the formula, or type the value in its place.",
		"sr-Latn": "Ćelija sadrži {1}, grešku koju tabela prikazuje za formulu koju nije mogla da izračuna (pretraga koja ništa nije našla, " +
			"upućivanje na obrisanu ćeliju): ispravite formulu ili umesto nje upišite vrednost.",
		"sr-Cyrl": "Ћелија садржи {1}, грешку коју табела приказује за формулу коју није могла да израчуна (претрага која ништа није нашла, " +
			"упућивање на обрисану ћелију): исправите формулу или уместо ње упишите вредност.",
		"bs": "Ćelija sadrži {1}, grešku koju tabela prikazuje za formulu koju nije mogla izračunati (pretraga koja ništa nije našla, " +
			"upućivanje na obrisanu ćeliju): ispravite formulu ili umjesto nje upišite vrijednost.",
		"hr": "Ćelija sadrži {1}, pogrešku koju tablica prikazuje za formulu koju nije mogla izračunati (pretraživanje koje ništa nije pronašlo, " +
			"referenca na izbrisanu ćeliju): ispravite formulu ili umjesto nje upišite vrijednost.",
	}},
	{regexp.MustCompile(`^the text of this cell was removed when the person`), text{
		"en":      "The text of this cell was removed when the person the row may name was erased.",
		"sr-Latn": "Tekst ove ćelije uklonjen je kada je osoba koju red možda imenuje izbrisana.",
		"sr-Cyrl": "Текст ове ћелије уклоњен је када је особа коју ред можда именује избрисана.",
		"bs":      "Tekst ove ćelije uklonjen je kada je osoba koju red možda imenuje izbrisana.",
		"hr":      "Tekst ove ćelije uklonjen je kada je osoba koju redak možda imenuje izbrisana.",
	}},
}

// Problem is the message of an import's row problem in lang: the
// catalogue's text when one of its patterns (of import problems, of a
// header cell's (a problem of row 1: a date read two ways), then of field
// violations) reads it, else the message as it is, in English.
func Problem(msg, lang string) string {
	if _, ok := catalogue[lang]; !ok {
		lang = Languages[0]
	}
	if s, ok := fill(problems, msg, lang); ok {
		return s
	}
	if s, ok := header(msg, lang); ok {
		return s
	}
	if s, ok := fill(violations, msg, lang); ok {
		return s
	}
	return msg
}
