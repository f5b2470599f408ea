package i18n

import (
	"regexp"

	"google.golang.org/grpc/codes"
)

// byCode is the message of a status by its code, when its reason has none.
var byCode = map[codes.Code]text{
	codes.InvalidArgument: {
		"en":      "The request is not valid; see the fields named in the details.",
		"sr-Latn": "Zahtev nije ispravan; pogledajte polja navedena u detaljima.",
		"sr-Cyrl": "Захтев није исправан; погледајте поља наведена у детаљима.",
		"bs":      "Zahtjev nije ispravan; pogledajte polja navedena u detaljima.",
		"hr":      "Zahtjev nije ispravan; pogledajte polja navedena u pojedinostima.",
	},
	codes.NotFound: {
		"en":      "The resource does not exist or your organisation cannot see it.",
		"sr-Latn": "Resurs ne postoji ili ga vaša organizacija ne može videti.",
		"sr-Cyrl": "Ресурс не постоји или га ваша организација не може видети.",
		"bs":      "Resurs ne postoji ili ga vaša organizacija ne može vidjeti.",
		"hr":      "Resurs ne postoji ili ga vaša organizacija ne može vidjeti.",
	},
	codes.AlreadyExists: {
		"en":      "It already exists: the same unique key is taken.",
		"sr-Latn": "Već postoji: isti jedinstveni ključ je zauzet.",
		"sr-Cyrl": "Већ постоји: исти јединствени кључ је заузет.",
		"bs":      "Već postoji: isti jedinstveni ključ je zauzet.",
		"hr":      "Već postoji: isti jedinstveni ključ je zauzet.",
	},
	codes.PermissionDenied: {
		"en":      "Your key or your organisation is not allowed to do this.",
		"sr-Latn": "Vaš ključ ili vaša organizacija nemaju dozvolu za ovo.",
		"sr-Cyrl": "Ваш кључ или ваша организација немају дозволу за ово.",
		"bs":      "Vaš ključ ili vaša organizacija nemaju dozvolu za ovo.",
		"hr":      "Vaš ključ ili vaša organizacija nemaju dopuštenje za ovo.",
	},
	codes.Unauthenticated: {
		"en":      "Missing or invalid credentials: send Authorization: Bearer <API key>.",
		"sr-Latn": "Nedostaju ili nisu ispravni pristupni podaci: pošaljite Authorization: Bearer <API ključ>.",
		"sr-Cyrl": "Недостају или нису исправни приступни подаци: пошаљите Authorization: Bearer <API кључ>.",
		"bs":      "Nedostaju ili nisu ispravni pristupni podaci: pošaljite Authorization: Bearer <API ključ>.",
		"hr":      "Nedostaju ili nisu ispravni podaci za pristup: pošaljite Authorization: Bearer <API ključ>.",
	},
	codes.ResourceExhausted: {
		"en":      "Too many requests, or a quota is used up; retry later.",
		"sr-Latn": "Previše zahteva ili je kvota potrošena; pokušajte ponovo kasnije.",
		"sr-Cyrl": "Превише захтева или је квота потрошена; покушајте поново касније.",
		"bs":      "Previše zahtjeva ili je kvota potrošena; pokušajte ponovo kasnije.",
		"hr":      "Previše zahtjeva ili je kvota potrošena; pokušajte ponovno kasnije.",
	},
	codes.FailedPrecondition: {
		"en":      "The request cannot be carried out in the resource's current state.",
		"sr-Latn": "Zahtev se ne može izvršiti u trenutnom stanju resursa.",
		"sr-Cyrl": "Захтев се не може извршити у тренутном стању ресурса.",
		"bs":      "Zahtjev se ne može izvršiti u trenutnom stanju resursa.",
		"hr":      "Zahtjev se ne može izvršiti u trenutačnom stanju resursa.",
	},
	codes.Aborted: {
		"en":      "The request conflicted with another change; read the resource again and retry.",
		"sr-Latn": "Zahtev je u sukobu s drugom izmenom; ponovo pročitajte resurs i pokušajte opet.",
		"sr-Cyrl": "Захтев је у сукобу с другом изменом; поново прочитајте ресурс и покушајте опет.",
		"bs":      "Zahtjev je u sukobu s drugom izmjenom; ponovo pročitajte resurs i pokušajte opet.",
		"hr":      "Zahtjev je u sukobu s drugom izmjenom; ponovno pročitajte resurs i pokušajte opet.",
	},
	codes.OutOfRange: {
		"en":      "A value or a cursor is out of range.",
		"sr-Latn": "Vrednost ili kursor je izvan opsega.",
		"sr-Cyrl": "Вредност или курсор је изван опсега.",
		"bs":      "Vrijednost ili kursor je izvan opsega.",
		"hr":      "Vrijednost ili kursor je izvan raspona.",
	},
	codes.Unimplemented: {
		"en":      "This method is not available on this path.",
		"sr-Latn": "Ova metoda nije dostupna na ovoj putanji.",
		"sr-Cyrl": "Ова метода није доступна на овој путањи.",
		"bs":      "Ova metoda nije dostupna na ovoj putanji.",
		"hr":      "Ova metoda nije dostupna na ovoj putanji.",
	},
	codes.Unavailable: {
		"en":      "The service is temporarily unavailable; retry shortly.",
		"sr-Latn": "Servis je privremeno nedostupan; pokušajte ponovo uskoro.",
		"sr-Cyrl": "Сервис је привремено недоступан; покушајте поново ускоро.",
		"bs":      "Servis je privremeno nedostupan; pokušajte ponovo uskoro.",
		"hr":      "Usluga je privremeno nedostupna; pokušajte ponovno uskoro.",
	},
	codes.DeadlineExceeded: {
		"en":      "The request took too long; retry.",
		"sr-Latn": "Zahtev je trajao predugo; pokušajte ponovo.",
		"sr-Cyrl": "Захтев је трајао предуго; покушајте поново.",
		"bs":      "Zahtjev je trajao predugo; pokušajte ponovo.",
		"hr":      "Zahtjev je trajao predugo; pokušajte ponovno.",
	},
	codes.Canceled: {
		"en":      "The request was cancelled.",
		"sr-Latn": "Zahtev je otkazan.",
		"sr-Cyrl": "Захтев је отказан.",
		"bs":      "Zahtjev je otkazan.",
		"hr":      "Zahtjev je otkazan.",
	},
	codes.Internal: {
		"en":      "An internal error occurred; it has been logged.",
		"sr-Latn": "Došlo je do interne greške; zabeležena je.",
		"sr-Cyrl": "Дошло је до интерне грешке; забележена је.",
		"bs":      "Došlo je do interne greške; zabilježena je.",
		"hr":      "Došlo je do interne pogreške; zabilježena je.",
	},
}

// byReason is the message of a status by the reason of its
// google.rpc.ErrorInfo.
var byReason = map[string]text{
	"ETAG_MISMATCH": {
		"en":      "The resource was changed after you read it: read it again and send its current etag.",
		"sr-Latn": "Resurs je izmenjen nakon što ste ga pročitali: pročitajte ga ponovo i pošaljite njegov trenutni etag.",
		"sr-Cyrl": "Ресурс је измењен након што сте га прочитали: прочитајте га поново и пошаљите његов тренутни etag.",
		"bs":      "Resurs je izmijenjen nakon što ste ga pročitali: pročitajte ga ponovo i pošaljite njegov trenutni etag.",
		"hr":      "Resurs je izmijenjen nakon što ste ga pročitali: pročitajte ga ponovno i pošaljite njegov trenutačni etag.",
	},
	"ETAG_REQUIRED": {
		"en":      "Send the etag you last read with the change.",
		"sr-Latn": "Uz izmenu pošaljite etag koji ste poslednji pročitali.",
		"sr-Cyrl": "Уз измену пошаљите etag који сте последњи прочитали.",
		"bs":      "Uz izmjenu pošaljite etag koji ste posljednji pročitali.",
		"hr":      "Uz izmjenu pošaljite etag koji ste posljednji pročitali.",
	},
	"ILLEGAL_TRANSITION": {
		"en":      "This change of state is not allowed from the current state.",
		"sr-Latn": "Ova promena stanja nije dozvoljena iz trenutnog stanja.",
		"sr-Cyrl": "Ова промена стања није дозвољена из тренутног стања.",
		"bs":      "Ova promjena stanja nije dozvoljena iz trenutnog stanja.",
		"hr":      "Ova promjena stanja nije dopuštena iz trenutačnog stanja.",
	},
	"CONSENT_REQUIRED": {
		"en":      "The beneficiary has no valid consent for this; record the consent first.",
		"sr-Latn": "Korisnik nema važeću saglasnost za ovo; najpre evidentirajte saglasnost.",
		"sr-Cyrl": "Корисник нема важећу сагласност за ово; најпре евидентирајте сагласност.",
		"bs":      "Korisnik nema važeću saglasnost za ovo; prvo evidentirajte saglasnost.",
		"hr":      "Korisnik nema valjanu privolu za ovo; najprije evidentirajte privolu.",
	},
	"CONSENT_WITHDRAWN": {
		"en":      "The consent has been withdrawn; access under it has ended.",
		"sr-Latn": "Saglasnost je povučena; pristup na osnovu nje je prestao.",
		"sr-Cyrl": "Сагласност је повучена; приступ на основу ње је престао.",
		"bs":      "Saglasnost je povučena; pristup na osnovu nje je prestao.",
		"hr":      "Privola je povučena; pristup na temelju nje je prestao.",
	},
	"CONSENT_EXPIRED": {
		"en":      "The consent has expired; access under it has ended.",
		"sr-Latn": "Saglasnost je istekla; pristup na osnovu nje je prestao.",
		"sr-Cyrl": "Сагласност је истекла; приступ на основу ње је престао.",
		"bs":      "Saglasnost je istekla; pristup na osnovu nje je prestao.",
		"hr":      "Privola je istekla; pristup na temelju nje je prestao.",
	},
	"GRANT_REVOKED": {
		"en":      "Your organisation's access to this beneficiary has ended.",
		"sr-Latn": "Pristup vaše organizacije ovom korisniku je prestao.",
		"sr-Cyrl": "Приступ ваше организације овом кориснику је престао.",
		"bs":      "Pristup vaše organizacije ovom korisniku je prestao.",
		"hr":      "Pristup vaše organizacije ovom korisniku je prestao.",
	},
	"GRANT_EXPIRED": {
		"en":      "Your organisation's access to this beneficiary has expired.",
		"sr-Latn": "Pristup vaše organizacije ovom korisniku je istekao.",
		"sr-Cyrl": "Приступ ваше организације овом кориснику је истекао.",
		"bs":      "Pristup vaše organizacije ovom korisniku je istekao.",
		"hr":      "Pristup vaše organizacije ovom korisniku je istekao.",
	},
	"NOT_A_PROJECT_PARTICIPANT": {
		"en":      "Only the project's implementing organisation and its implementing partners may record work under it.",
		"sr-Latn": "Samo organizacija koja sprovodi projekat i njeni partneri u sprovođenju mogu da evidentiraju rad u okviru projekta.",
		"sr-Cyrl": "Само организација која спроводи пројекат и њени партнери у спровођењу могу да евидентирају рад у оквиру пројекта.",
		"bs":      "Samo organizacija koja provodi projekat i njeni partneri u provođenju mogu evidentirati rad u okviru projekta.",
		"hr":      "Samo organizacija koja provodi projekt i njezini partneri u provedbi mogu evidentirati rad u okviru projekta.",
	},
	"PROJECT_ROLE_CANNOT_TAG": {
		"en":      "Your organisation funds this project: it may read its reports but not record work under it.",
		"sr-Latn": "Vaša organizacija finansira ovaj projekat: može da čita njegove izveštaje, ali ne i da evidentira rad u okviru njega.",
		"sr-Cyrl": "Ваша организација финансира овај пројекат: може да чита његове извештаје, али не и да евидентира рад у оквиру њега.",
		"bs":      "Vaša organizacija finansira ovaj projekat: može čitati njegove izvještaje, ali ne i evidentirati rad u okviru njega.",
		"hr":      "Vaša organizacija financira ovaj projekt: može čitati njegova izvješća, ali ne i evidentirati rad u okviru njega.",
	},
	"BENEFICIARY_ERASED": {
		"en":      "The beneficiary's personal data has been erased.",
		"sr-Latn": "Lični podaci korisnika su obrisani.",
		"sr-Cyrl": "Лични подаци корисника су обрисани.",
		"bs":      "Lični podaci korisnika su obrisani.",
		"hr":      "Osobni podaci korisnika su izbrisani.",
	},
	"IATI_EXPORT_REFUSED": {
		"en":      "IATI would reject this export; the field violations say what to complete first.",
		"sr-Latn": "IATI bi odbio ovaj izvoz; greške u poljima navode šta prvo treba dopuniti.",
		"sr-Cyrl": "IATI би одбио овај извоз; грешке у пољима наводе шта прво треба допунити.",
		"bs":      "IATI bi odbio ovaj izvoz; greške u poljima navode šta prvo treba dopuniti.",
		"hr":      "IATI bi odbio ovaj izvoz; pogreške u poljima navode što najprije treba dopuniti.",
	},
	"BENEFICIARY_MERGED": {
		"en":      "The beneficiary was merged into another record; use that one.",
		"sr-Latn": "Korisnik je spojen s drugim zapisom; koristite taj zapis.",
		"sr-Cyrl": "Корисник је спојен с другим записом; користите тај запис.",
		"bs":      "Korisnik je spojen s drugim zapisom; koristite taj zapis.",
		"hr":      "Korisnik je spojen s drugim zapisom; upotrijebite taj zapis.",
	},
}

// violations localize field violation descriptions by their pattern; the
// first match wins.
var violations = []violationText{
	{regexp.MustCompile(`^is required$`), text{
		"en": "This field is required.", "sr-Latn": "Ovo polje je obavezno.", "sr-Cyrl": "Ово поље је обавезно.",
		"bs": "Ovo polje je obavezno.", "hr": "Ovo polje je obavezno.",
	}},
	{regexp.MustCompile(`^must be a UUID`), text{
		"en": "Must be a UUID.", "sr-Latn": "Mora biti UUID.", "sr-Cyrl": "Мора бити UUID.",
		"bs": "Mora biti UUID.", "hr": "Mora biti UUID.",
	}},
	{regexp.MustCompile(`^unknown or read-only field ("[^"]*")`), text{
		"en": "Unknown or read-only field: {1}.", "sr-Latn": "Nepoznato polje ili polje samo za čitanje: {1}.",
		"sr-Cyrl": "Непознато поље или поље само за читање: {1}.",
		"bs":      "Nepoznato polje ili polje samo za čitanje: {1}.", "hr": "Nepoznato polje ili polje samo za čitanje: {1}.",
	}},
	{regexp.MustCompile(`^unknown value (\S+)`), text{
		"en": "Unknown value {1}.", "sr-Latn": "Nepoznata vrednost {1}.", "sr-Cyrl": "Непозната вредност {1}.",
		"bs": "Nepoznata vrijednost {1}.", "hr": "Nepoznata vrijednost {1}.",
	}},
	{regexp.MustCompile(`^must not be in the future`), text{
		"en": "Must not be in the future.", "sr-Latn": "Ne sme biti u budućnosti.", "sr-Cyrl": "Не сме бити у будућности.",
		"bs": "Ne smije biti u budućnosti.", "hr": "Ne smije biti u budućnosti.",
	}},
	{regexp.MustCompile(`^must be in the future`), text{
		"en": "Must be in the future.", "sr-Latn": "Mora biti u budućnosti.", "sr-Cyrl": "Мора бити у будућности.",
		"bs": "Mora biti u budućnosti.", "hr": "Mora biti u budućnosti.",
	}},
	{regexp.MustCompile(`^must not be before ([a-z_]+)`), text{
		"en": "Must not be before {1}.", "sr-Latn": "Ne sme biti pre {1}.", "sr-Cyrl": "Не сме бити пре {1}.",
		"bs": "Ne smije biti prije {1}.", "hr": "Ne smije biti prije {1}.",
	}},
	{regexp.MustCompile(`^must not be negative`), text{
		"en": "Must not be negative.", "sr-Latn": "Ne sme biti negativno.", "sr-Cyrl": "Не сме бити негативно.",
		"bs": "Ne smije biti negativno.", "hr": "Ne smije biti negativno.",
	}},
	{regexp.MustCompile(`^must be between (\S+) and (\d+)`), text{
		"en": "Must be between {1} and {2}.", "sr-Latn": "Mora biti između {1} i {2}.", "sr-Cyrl": "Мора бити између {1} и {2}.",
		"bs": "Mora biti između {1} i {2}.", "hr": "Mora biti između {1} i {2}.",
	}},
	{regexp.MustCompile(`^must be at most (\d+) characters`), text{
		"en": "Must be at most {1} characters long.", "sr-Latn": "Može imati najviše {1} znakova.", "sr-Cyrl": "Може имати највише {1} знакова.",
		"bs": "Može imati najviše {1} znakova.", "hr": "Može imati najviše {1} znakova.",
	}},
	{regexp.MustCompile(`^must have at most (\d+) entries`), text{
		"en": "Must have at most {1} entries.", "sr-Latn": "Može imati najviše {1} stavki.", "sr-Cyrl": "Може имати највише {1} ставки.",
		"bs": "Može imati najviše {1} stavki.", "hr": "Može imati najviše {1} stavki.",
	}},
	{regexp.MustCompile(`^must not contain NUL`), text{
		"en": "Must not contain the NUL character.", "sr-Latn": "Ne sme sadržati znak NUL.", "sr-Cyrl": "Не сме садржати знак NUL.",
		"bs": "Ne smije sadržavati znak NUL.", "hr": "Ne smije sadržavati znak NUL.",
	}},
	{regexp.MustCompile(`^must be 1 to 255 printable ASCII characters`), text{
		"en": "Must be 1 to 255 printable ASCII characters.", "sr-Latn": "Mora imati od 1 do 255 ASCII znakova koji se mogu ispisati.",
		"sr-Cyrl": "Мора имати од 1 до 255 ASCII знакова који се могу исписати.",
		"bs":      "Mora imati od 1 do 255 ASCII znakova koji se mogu ispisati.", "hr": "Mora imati od 1 do 255 ASCII znakova koji se mogu ispisati.",
	}},
	{regexp.MustCompile(`^must be valid UTF-8`), text{
		"en": "Must be valid UTF-8.", "sr-Latn": "Mora biti ispravan UTF-8.", "sr-Cyrl": "Мора бити исправан UTF-8.",
		"bs": "Mora biti ispravan UTF-8.", "hr": "Mora biti ispravan UTF-8.",
	}},
	{regexp.MustCompile(`^(is not a token returned by this method|was issued for different filters)`), text{
		"en":      "Not a page token of this list with these filters.",
		"sr-Latn": "Nije token stranice ove liste sa ovim filterima.", "sr-Cyrl": "Није токен странице ове листе са овим филтерима.",
		"bs": "Nije token stranice ove liste s ovim filterima.", "hr": "Nije token stranice ovog popisa s ovim filtrima.",
	}},
}

// invalidValue is the message of a field violation no pattern matches.
var invalidValue = text{
	"en": "This value is not valid.", "sr-Latn": "Ova vrednost nije ispravna.", "sr-Cyrl": "Ова вредност није исправна.",
	"bs": "Ova vrijednost nije ispravna.", "hr": "Ova vrijednost nije ispravna.",
}
