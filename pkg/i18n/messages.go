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
	"NOT_A_SPREADSHEET": {
		"en":      "The file is not a spreadsheet Spona reads: send CSV (text/csv), XLSX or ODS (LibreOffice), with the matching Content-Type.",
		"sr-Latn": "Datoteka nije tabela koju Spona čita: pošaljite CSV (text/csv), XLSX ili ODS (LibreOffice), sa odgovarajućim Content-Type.",
		"sr-Cyrl": "Датотека није табела коју Spona чита: пошаљите CSV (text/csv), XLSX или ODS (LibreOffice), са одговарајућим Content-Type.",
		"bs":      "Datoteka nije tabela koju Spona čita: pošaljite CSV (text/csv), XLSX ili ODS (LibreOffice), s odgovarajućim Content-Type.",
		"hr":      "Datoteka nije tablica koju Spona čita: pošaljite CSV (text/csv), XLSX ili ODS (LibreOffice), s odgovarajućim Content-Type.",
	},
	"UNSUPPORTED_ENCODING": {
		"en":      "The file's text encoding is not supported: save the CSV as UTF-8 and send it again.",
		"sr-Latn": "Kodiranje teksta u datoteci nije podržano: sačuvajte CSV kao UTF-8 i pošaljite ga ponovo.",
		"sr-Cyrl": "Кодирање текста у датотеци није подржано: сачувајте CSV као UTF-8 и пошаљите га поново.",
		"bs":      "Kodiranje teksta u datoteci nije podržano: sačuvajte CSV kao UTF-8 i pošaljite ga ponovo.",
		"hr":      "Kodiranje teksta u datoteci nije podržano: spremite CSV kao UTF-8 i pošaljite ga ponovno.",
	},
	"CORRUPT_FILE": {
		"en":      "The file is damaged or not what its type says; save it again from the spreadsheet program and send that.",
		"sr-Latn": "Datoteka je oštećena ili nije ono što njen tip kaže; ponovo je sačuvajte iz programa za tabele i pošaljite.",
		"sr-Cyrl": "Датотека је оштећена или није оно што њен тип каже; поново је сачувајте из програма за табеле и пошаљите.",
		"bs":      "Datoteka je oštećena ili nije ono što njen tip kaže; ponovo je sačuvajte iz programa za tabele i pošaljite.",
		"hr":      "Datoteka je oštećena ili nije ono što njezina vrsta kaže; ponovno je spremite iz programa za tablice i pošaljite.",
	},
	"XLSX_TOO_LARGE_UNZIPPED": {
		"en":      "The workbook is too large once unpacked; split it into smaller files.",
		"sr-Latn": "Radna sveska je prevelika kada se raspakuje; podelite je na manje datoteke.",
		"sr-Cyrl": "Радна свеска је превелика када се распакује; поделите је на мање датотеке.",
		"bs":      "Radna sveska je prevelika kada se raspakuje; podijelite je na manje datoteke.",
		"hr":      "Radna knjiga je prevelika kad se raspakira; podijelite je na manje datoteke.",
	},
	"TOO_MANY_ROWS": {
		"en":      "The file has more rows than one import takes; split it into smaller files.",
		"sr-Latn": "Datoteka ima više redova nego što jedan uvoz prima; podelite je na manje datoteke.",
		"sr-Cyrl": "Датотека има више редова него што један увоз прима; поделите је на мање датотеке.",
		"bs":      "Datoteka ima više redova nego što jedan uvoz prima; podijelite je na manje datoteke.",
		"hr":      "Datoteka ima više redaka nego što jedan uvoz prima; podijelite je na manje datoteke.",
	},
	"TOO_MANY_COLUMNS": {
		"en":      "A row has more columns than an import takes; remove the extra columns.",
		"sr-Latn": "Neki red ima više kolona nego što uvoz prima; uklonite suvišne kolone.",
		"sr-Cyrl": "Неки ред има више колона него што увоз прима; уклоните сувишне колоне.",
		"bs":      "Neki red ima više kolona nego što uvoz prima; uklonite suvišne kolone.",
		"hr":      "Neki redak ima više stupaca nego što uvoz prima; uklonite suvišne stupce.",
	},
	"CELL_TOO_LONG": {
		"en":      "A cell holds more text than an import takes; shorten it.",
		"sr-Latn": "Neka ćelija sadrži više teksta nego što uvoz prima; skratite je.",
		"sr-Cyrl": "Нека ћелија садржи више текста него што увоз прима; скратите је.",
		"bs":      "Neka ćelija sadrži više teksta nego što uvoz prima; skratite je.",
		"hr":      "Neka ćelija sadrži više teksta nego što uvoz prima; skratite je.",
	},
	"NO_HEADER": {
		"en":      "The file has no header row: the first row must name the columns (see the import template).",
		"sr-Latn": "Datoteka nema red zaglavlja: prvi red mora da navede kolone (pogledajte šablon za uvoz).",
		"sr-Cyrl": "Датотека нема ред заглавља: први ред мора да наведе колоне (погледајте шаблон за увоз).",
		"bs":      "Datoteka nema red zaglavlja: prvi red mora navesti kolone (pogledajte šablon za uvoz).",
		"hr":      "Datoteka nema redak zaglavlja: prvi redak mora navesti stupce (pogledajte predložak za uvoz).",
	},
	"NO_DATA": {
		"en":      "The file has a header row but no data rows under it.",
		"sr-Latn": "Datoteka ima red zaglavlja, ali ispod njega nema redova s podacima.",
		"sr-Cyrl": "Датотека има ред заглавља, али испод њега нема редова с подацима.",
		"bs":      "Datoteka ima red zaglavlja, ali ispod njega nema redova s podacima.",
		"hr":      "Datoteka ima redak zaglavlja, ali ispod njega nema redaka s podacima.",
	},
	"BAD_HEADER": {
		"en":      "The header row does not match the import's columns; compare it with the import template.",
		"sr-Latn": "Red zaglavlja ne odgovara kolonama uvoza; uporedite ga sa šablonom za uvoz.",
		"sr-Cyrl": "Ред заглавља не одговара колонама увоза; упоредите га са шаблоном за увоз.",
		"bs":      "Red zaglavlja ne odgovara kolonama uvoza; uporedite ga sa šablonom za uvoz.",
		"hr":      "Redak zaglavlja ne odgovara stupcima uvoza; usporedite ga s predloškom za uvoz.",
	},
	"ROWS_INVALID": {
		"en":      "Some rows have problems, so nothing was imported: fix them, or import with on_error=skip.",
		"sr-Latn": "Neki redovi imaju greške, pa ništa nije uvezeno: ispravite ih ili uvezite sa on_error=skip.",
		"sr-Cyrl": "Неки редови имају грешке, па ништа није увезено: исправите их или увезите са on_error=skip.",
		"bs":      "Neki redovi imaju greške, pa ništa nije uvezeno: ispravite ih ili uvezite sa on_error=skip.",
		"hr":      "Neki retci imaju pogreške pa ništa nije uvezeno: ispravite ih ili uvezite s on_error=skip.",
		// The header row alone, or with rows: rowsInvalidHeader,
		// rowsInvalidBoth, chosen by its ErrorInfo metadata (reasonText).
	},
	"REQUEST_ID_REUSED": {
		"en":      "This request id (Idempotency-Key) was already used for a different request; use a new one.",
		"sr-Latn": "Ovaj identifikator zahteva (Idempotency-Key) već je upotrebljen za drugačiji zahtev; upotrebite novi.",
		"sr-Cyrl": "Овај идентификатор захтева (Idempotency-Key) већ је употребљен за другачији захтев; употребите нови.",
		"bs":      "Ovaj identifikator zahtjeva (Idempotency-Key) već je upotrijebljen za drugačiji zahtjev; upotrijebite novi.",
		"hr":      "Ovaj identifikator zahtjeva (Idempotency-Key) već je upotrijebljen za drukčiji zahtjev; upotrijebite novi.",
	},
	"UPLOAD_IN_PROGRESS": {
		"en":      "The same upload is still being read; retry in a few seconds.",
		"sr-Latn": "Isto otpremanje se još čita; pokušajte ponovo za nekoliko sekundi.",
		"sr-Cyrl": "Исто отпремање се још чита; покушајте поново за неколико секунди.",
		"bs":      "Isto otpremanje se još čita; pokušajte ponovo za nekoliko sekundi.",
		"hr":      "Isti se prijenos još čita; pokušajte ponovno za nekoliko sekundi.",
	},
	"REQUEST_IN_PROGRESS": {
		"en":      "A request with this Idempotency-Key is still running; send the same request again in a moment.",
		"sr-Latn": "Zahtev sa ovim Idempotency-Key se još izvršava; pošaljite isti zahtev ponovo za trenutak.",
		"sr-Cyrl": "Захтев са овим Idempotency-Key се још извршава; пошаљите исти захтев поново за тренутак.",
		"bs":      "Zahtjev s ovim Idempotency-Key još se izvršava; pošaljite isti zahtjev ponovo za trenutak.",
		"hr":      "Zahtjev s ovim Idempotency-Key još se izvršava; pošaljite isti zahtjev ponovno za trenutak.",
	},
	"CONCURRENT_UPDATE": {
		"en":      "Another change was made at the same moment; send the same request again.",
		"sr-Latn": "Druga izmena je napravljena u istom trenutku; pošaljite isti zahtev ponovo.",
		"sr-Cyrl": "Друга измена је направљена у истом тренутку; пошаљите исти захтев поново.",
		"bs":      "Druga izmjena je napravljena u istom trenutku; pošaljite isti zahtjev ponovo.",
		"hr":      "Druga je izmjena napravljena u istom trenutku; pošaljite isti zahtjev ponovno.",
	},
	"CURSOR_RETIRED": {
		"en":      "This change feed cursor is of a kind no longer accepted; start again with start_time set to the timestamp of the last event you processed.",
		"sr-Latn": "Ova vrsta kursora toka promena se više ne prihvata; počnite ponovo sa start_time jednakim vremenu poslednjeg obrađenog događaja.",
		"sr-Cyrl": "Ова врста курсора тока промена се више не прихвата; почните поново са start_time једнаким времену последњег обрађеног догађаја.",
		"bs":      "Ova vrsta kursora toka promjena više se ne prihvata; počnite ponovo sa start_time jednakim vremenu posljednjeg obrađenog događaja.",
		"hr":      "Ova se vrsta kursora toka promjena više ne prihvaća; počnite ponovno sa start_time jednakim vremenu posljednjeg obrađenog događaja.",
	},
	"CURSOR_EXPIRED": {
		"en":      "The cursor is older than the events kept; read the feed again from the beginning.",
		"sr-Latn": "Kursor je stariji od sačuvanih događaja; čitajte ponovo od početka.",
		"sr-Cyrl": "Курсор је старији од сачуваних догађаја; читајте поново од почетка.",
		"bs":      "Kursor je stariji od sačuvanih događaja; čitajte ponovo od početka.",
		"hr":      "Kursor je stariji od sačuvanih događaja; čitajte ponovno od početka.",
	},
	"SESSION_NOT_HELD": {
		"en":      "The session has not been held yet: nobody can be marked present before its day.",
		"sr-Latn": "Sesija još nije održana: niko ne može biti označen kao prisutan pre njenog dana.",
		"sr-Cyrl": "Сесија још није одржана: нико не може бити означен као присутан пре њеног дана.",
		"bs":      "Sesija još nije održana: niko ne može biti označen kao prisutan prije njenog dana.",
		"hr":      "Sesija još nije održana: nitko ne može biti označen kao prisutan prije njezina dana.",
	},
	"SERVICE_NOT_ACCEPTING_REFERRALS": {
		"en":      "This service does not accept referrals at the moment.",
		"sr-Latn": "Ova usluga trenutno ne prima upućivanja.",
		"sr-Cyrl": "Ова услуга тренутно не прима упућивања.",
		"bs":      "Ova usluga trenutno ne prima upućivanja.",
		"hr":      "Ova usluga trenutačno ne prima upućivanja.",
	},
	"ORGANISATION_VERIFIED": {
		"en":      "The organisation is verified: its name, kind, country, names in other languages and registered identifier change only through verification.",
		"sr-Latn": "Organizacija je verifikovana: njen naziv, vrsta, država, nazivi na drugim jezicima i registarski identifikator menjaju se samo kroz verifikaciju.",
		"sr-Cyrl": "Организација је верификована: њен назив, врста, држава, називи на другим језицима и регистарски идентификатор мењају се само кроз верификацију.",
		"bs":      "Organizacija je verifikovana: njen naziv, vrsta, država, nazivi na drugim jezicima i registarski identifikator mijenjaju se samo kroz verifikaciju.",
		"hr":      "Organizacija je provjerena: njezin naziv, vrsta, država, nazivi na drugim jezicima i registarski identifikator mijenjaju se samo provjerom.",
	},
	"NOT_MANUAL": {
		"en":      "This indicator is computed; only manual indicators take recorded values.",
		"sr-Latn": "Ovaj indikator se izračunava; samo ručni indikatori primaju unete vrednosti.",
		"sr-Cyrl": "Овај индикатор се израчунава; само ручни индикатори примају унете вредности.",
		"bs":      "Ovaj indikator se izračunava; samo ručni indikatori primaju unesene vrijednosti.",
		"hr":      "Ovaj se pokazatelj izračunava; samo ručni pokazatelji primaju unesene vrijednosti.",
	},
	"WEBHOOK_DISABLED": {
		"en":      "The webhook is disabled; enable it (state ACTIVE) first.",
		"sr-Latn": "Webhook je isključen; najpre ga uključite (stanje ACTIVE).",
		"sr-Cyrl": "Webhook је искључен; најпре га укључите (стање ACTIVE).",
		"bs":      "Webhook je isključen; prvo ga uključite (stanje ACTIVE).",
		"hr":      "Webhook je isključen; najprije ga uključite (stanje ACTIVE).",
	},
	"DELIVERY_IN_PROGRESS": {
		"en":      "The delivery is being attempted right now; if that attempt fails, redeliver it then.",
		"sr-Latn": "Isporuka se upravo pokušava; ako taj pokušaj ne uspe, ponovo je pošaljite tada.",
		"sr-Cyrl": "Испорука се управо покушава; ако тај покушај не успе, поново је пошаљите тада.",
		"bs":      "Isporuka se upravo pokušava; ako taj pokušaj ne uspije, ponovo je pošaljite tada.",
		"hr":      "Isporuka se upravo pokušava; ako taj pokušaj ne uspije, ponovno je pošaljite tada.",
	},
	"KEY_INACTIVE": {
		"en":      "The key is revoked or expired; create a new one.",
		"sr-Latn": "Ključ je opozvan ili je istekao; napravite novi.",
		"sr-Cyrl": "Кључ је опозван или је истекао; направите нови.",
		"bs":      "Ključ je opozvan ili je istekao; napravite novi.",
		"hr":      "Ključ je opozvan ili je istekao; izradite novi.",
	},
	"BODY_TOO_LARGE": {
		"en":      "The request body is larger than this route takes; send less (the message says the limit).",
		"sr-Latn": "Telo zahteva je veće nego što ova ruta prima; pošaljite manje (poruka navodi granicu).",
		"sr-Cyrl": "Тело захтева је веће него што ова рута прима; пошаљите мање (порука наводи границу).",
		"bs":      "Tijelo zahtjeva je veće nego što ova ruta prima; pošaljite manje (poruka navodi granicu).",
		"hr":      "Tijelo zahtjeva veće je nego što ova ruta prima; pošaljite manje (poruka navodi granicu).",
	},
	"KEY_REPLACED": {
		"en":      "This key was replaced by a newer one; rotate the newer key instead.",
		"sr-Latn": "Ovaj ključ je zamenjen novijim; rotirajte noviji ključ.",
		"sr-Cyrl": "Овај кључ је замењен новијим; ротирајте новији кључ.",
		"bs":      "Ovaj ključ je zamijenjen novijim; rotirajte noviji ključ.",
		"hr":      "Ovaj je ključ zamijenjen novijim; rotirajte noviji ključ.",
	},
	"ORGANISATION_NOT_FOUND": {
		"en":      "The directory has no such organisation.",
		"sr-Latn": "Imenik nema takvu organizaciju.",
		"sr-Cyrl": "Именик нема такву организацију.",
		"bs":      "Imenik nema takvu organizaciju.",
		"hr":      "Imenik nema takvu organizaciju.",
	},
	"ORGANISATION_NOT_VERIFIED": {
		"en":      "The organisation is not verified yet; a key is issued only to a verified organisation.",
		"sr-Latn": "Organizacija još nije verifikovana; ključ se izdaje samo verifikovanoj organizaciji.",
		"sr-Cyrl": "Организација још није верификована; кључ се издаје само верификованој организацији.",
		"bs":      "Organizacija još nije verifikovana; ključ se izdaje samo verifikovanoj organizaciji.",
		"hr":      "Organizacija još nije provjerena; ključ se izdaje samo provjerenoj organizaciji.",
	},
	"ORGANISATION_NAME_TAKEN": {
		"en":      "The directory already has an organisation of this name (perhaps spelt another way).",
		"sr-Latn": "Imenik već ima organizaciju ovog naziva (možda drugačije napisanog).",
		"sr-Cyrl": "Именик већ има организацију овог назива (можда другачије написаног).",
		"bs":      "Imenik već ima organizaciju ovog naziva (možda drugačije napisanog).",
		"hr":      "Imenik već ima organizaciju tog naziva (možda drukčije napisanog).",
	},
	"BENEFICIARY_NOT_VISIBLE": {
		"en":      "Your organisation no longer has access to this person (consent withdrawn or access ended): nothing new can be recorded about them.",
		"sr-Latn": "Vaša organizacija više nema pristup ovoj osobi (saglasnost je povučena ili je pristup istekao): o njoj se ne može evidentirati ništa novo.",
		"sr-Cyrl": "Ваша организација више нема приступ овој особи (сагласност је повучена или је приступ истекао): о њој се не може евидентирати ништа ново.",
		"bs":      "Vaša organizacija više nema pristup ovoj osobi (saglasnost je povučena ili je pristup istekao): o njoj se ne može evidentirati ništa novo.",
		"hr":      "Vaša organizacija više nema pristup ovoj osobi (privola je povučena ili je pristup istekao): o njoj se ne može evidentirati ništa novo.",
	},
	"DELETED_SINCE_UPLOAD": {
		"en":      "A session or registration the file's rows refer to was deleted after the file was uploaded: nothing was imported; send the file again.",
		"sr-Latn": "Sesija ili prijava na koju se redovi fajla odnose obrisana je posle slanja fajla: ništa nije uvezeno; pošaljite fajl ponovo.",
		"sr-Cyrl": "Сесија или пријава на коју се редови фајла односе обрисана је после слања фајла: ништа није увезено; пошаљите фајл поново.",
		"bs":      "Sesija ili prijava na koju se redovi datoteke odnose obrisana je nakon slanja datoteke: ništa nije uvezeno; pošaljite datoteku ponovo.",
		"hr":      "Sesija ili prijava na koju se retci datoteke odnose obrisana je nakon slanja datoteke: ništa nije uvezeno; pošaljite datoteku ponovno.",
	},
	"CHANGED_SINCE_UPLOAD": {
		"en":      "A session the file's columns refer to was corrected after the file was uploaded, and its column no longer names it: nothing was imported; send the file again.",
		"sr-Latn": "Sesija na koju se kolone fajla odnose ispravljena je posle slanja fajla i njena kolona je više ne imenuje: ništa nije uvezeno; pošaljite fajl ponovo.",
		"sr-Cyrl": "Сесија на коју се колоне фајла односе исправљена је после слања фајла и њена колона је више не именује: ништа није увезено; пошаљите фајл поново.",
		"bs":      "Sesija na koju se kolone datoteke odnose ispravljena je nakon slanja datoteke i njena kolona je više ne imenuje: ništa nije uvezeno; pošaljite datoteku ponovo.",
		"hr":      "Sesija na koju se stupci datoteke odnose ispravljena je nakon slanja datoteke i njezin je stupac više ne imenuje: ništa nije uvezeno; pošaljite datoteku ponovno.",
	},
	"CERTIFICATE_ISSUED": {
		"en":      "The participant holds a certificate and cannot be deleted.",
		"sr-Latn": "Učesnik ima sertifikat i ne može se obrisati.",
		"sr-Cyrl": "Учесник има сертификат и не може се обрисати.",
		"bs":      "Učesnik ima certifikat i ne može se obrisati.",
		"hr":      "Sudionik ima certifikat i ne može se izbrisati.",
	},
	"CERTIFICATES_ISSUED": {
		"en":      "The event has issued certificates: no session can be added to it any more; record a further session as an event of its own.",
		"sr-Latn": "Događaj je izdao sertifikate: nijedna sesija mu se više ne može dodati; zabeležite dodatnu sesiju kao poseban događaj.",
		"sr-Cyrl": "Догађај је издао сертификате: ниједна сесија му се више не може додати; забележите додатну сесију као посебан догађај.",
		"bs":      "Događaj je izdao certifikate: nijedna sesija mu se više ne može dodati; zabilježite dodatnu sesiju kao poseban događaj.",
		"hr":      "Događaj je izdao certifikate: nijedna mu se sesija više ne može dodati; zabilježite dodatnu sesiju kao zaseban događaj.",
	},
	"FILE_TOO_LARGE": {
		"en":      "The file is larger than an import takes; split it into smaller files.",
		"sr-Latn": "Datoteka je veća nego što uvoz prima; podelite je na manje datoteke.",
		"sr-Cyrl": "Датотека је већа него што увоз прима; поделите је на мање датотеке.",
		"bs":      "Datoteka je veća nego što uvoz prima; podijelite je na manje datoteke.",
		"hr":      "Datoteka je veća nego što uvoz prima; podijelite je na manje datoteke.",
	},
	"IMPORT_INTERRUPTED": {
		"en":      "The import was interrupted several times and wrote nothing; send the file again.",
		"sr-Latn": "Uvoz je više puta prekinut i ništa nije upisao; pošaljite datoteku ponovo.",
		"sr-Cyrl": "Увоз је више пута прекинут и ништа није уписао; пошаљите датотеку поново.",
		"bs":      "Uvoz je više puta prekinut i ništa nije upisao; pošaljite datoteku ponovo.",
		"hr":      "Uvoz je više puta prekinut i ništa nije upisao; pošaljite datoteku ponovno.",
	},
	// The edge's own refusals (services/edge/internal/gateway/errors.go).
	"MALFORMED_REQUEST": {
		"en":      "The request is not well-formed HTTP/1.1 (its request line or a header); the message says what, the details name the header when it is one.",
		"sr-Latn": "Zahtev nije ispravno oblikovan HTTP/1.1 zahtev (njegov početni red ili neko zaglavlje); poruka navodi šta, a detalji navode zaglavlje kada je ono u pitanju.",
		"sr-Cyrl": "Захтев није исправно обликован HTTP/1.1 захтев (његов почетни ред или неко заглавље); порука наводи шта, а детаљи наводе заглавље када је оно у питању.",
		"bs":      "Zahtjev nije ispravno oblikovan HTTP/1.1 zahtjev (njegov početni red ili neko zaglavlje); poruka navodi šta, a detalji navode zaglavlje kada je ono u pitanju.",
		"hr":      "Zahtjev nije ispravno oblikovan HTTP/1.1 zahtjev (njegov početni redak ili neko zaglavlje); poruka navodi što, a pojedinosti navode zaglavlje kada je riječ o njemu.",
	},
	"HEADERS_TOO_LARGE": {
		"en":      "The request's headers are larger than the API takes; send fewer or shorter headers (the message says the limit).",
		"sr-Latn": "Zaglavlja zahteva su veća nego što API prima; pošaljite manje ili kraća zaglavlja (poruka navodi granicu).",
		"sr-Cyrl": "Заглавља захтева су већа него што API прима; пошаљите мање или краћа заглавља (порука наводи границу).",
		"bs":      "Zaglavlja zahtjeva su veća nego što API prima; pošaljite manje ili kraća zaglavlja (poruka navodi granicu).",
		"hr":      "Zaglavlja zahtjeva veća su nego što API prima; pošaljite manje ili kraća zaglavlja (poruka navodi granicu).",
	},
	"ROUTE_NOT_FOUND": {
		"en":      "This path is not part of the API; check the address against the API documentation (/docs).",
		"sr-Latn": "Ova putanja nije deo API-ja; proverite adresu prema dokumentaciji API-ja (/docs).",
		"sr-Cyrl": "Ова путања није део API-ја; проверите адресу према документацији API-ја (/docs).",
		"bs":      "Ova putanja nije dio API-ja; provjerite adresu prema dokumentaciji API-ja (/docs).",
		"hr":      "Ova putanja nije dio API-ja; provjerite adresu prema dokumentaciji API-ja (/docs).",
	},
	"METHOD_NOT_ALLOWED": {
		"en":      "This path does not take this HTTP method; the Allow header names the methods it takes.",
		"sr-Latn": "Ova putanja ne prihvata ovu HTTP metodu; zaglavlje Allow navodi metode koje prihvata.",
		"sr-Cyrl": "Ова путања не прихвата ову HTTP методу; заглавље Allow наводи методе које прихвата.",
		"bs":      "Ova putanja ne prihvata ovu HTTP metodu; zaglavlje Allow navodi metode koje prihvata.",
		"hr":      "Ova putanja ne prihvaća ovu HTTP metodu; zaglavlje Allow navodi metode koje prihvaća.",
	},
	"MALFORMED_PATH": {
		"en":      "The request path cannot be decoded: check its percent-encoding.",
		"sr-Latn": "Putanja zahteva ne može se dekodirati: proverite njeno procentno kodiranje.",
		"sr-Cyrl": "Путања захтева не може се декодирати: проверите њено процентно кодирање.",
		"bs":      "Putanja zahtjeva ne može se dekodirati: provjerite njeno procentno kodiranje.",
		"hr":      "Putanja zahtjeva ne može se dekodirati: provjerite njezino postotno kodiranje.",
	},
	"CREDENTIALS_MISSING": {
		"en":      "No credentials were sent: send Authorization: Bearer <API key> (or an OIDC token).",
		"sr-Latn": "Pristupni podaci nisu poslati: pošaljite Authorization: Bearer <API ključ> (ili OIDC token).",
		"sr-Cyrl": "Приступни подаци нису послати: пошаљите Authorization: Bearer <API кључ> (или OIDC токен).",
		"bs":      "Pristupni podaci nisu poslani: pošaljite Authorization: Bearer <API ključ> (ili OIDC token).",
		"hr":      "Podaci za pristup nisu poslani: pošaljite Authorization: Bearer <API ključ> (ili OIDC token).",
	},
	"CREDENTIALS_INVALID": {
		"en":      "The API key or token is not valid: it is unknown, revoked or expired. Ask your administrator for a valid key.",
		"sr-Latn": "API ključ ili token nije važeći: nepoznat je, opozvan ili je istekao. Zatražite važeći ključ od svog administratora.",
		"sr-Cyrl": "API кључ или токен није важећи: непознат је, опозван или је истекао. Затражите важећи кључ од свог администратора.",
		"bs":      "API ključ ili token nije važeći: nepoznat je, opozvan ili je istekao. Zatražite važeći ključ od svog administratora.",
		"hr":      "API ključ ili token nije valjan: nepoznat je, opozvan ili je istekao. Zatražite valjani ključ od svojeg administratora.",
	},
	"SCOPE_REQUIRED": {
		"en":      "Your key lacks the scope this operation needs, named in the error's metadata; ask for a key with that scope.",
		"sr-Latn": "Vaš ključ nema ovlašćenje (scope) koje ova operacija traži, navedeno u metapodacima greške; zatražite ključ s tim ovlašćenjem.",
		"sr-Cyrl": "Ваш кључ нема овлашћење (scope) које ова операција тражи, наведено у метаподацима грешке; затражите кључ с тим овлашћењем.",
		"bs":      "Vaš ključ nema ovlaštenje (scope) koje ova operacija traži, navedeno u metapodacima greške; zatražite ključ s tim ovlaštenjem.",
		"hr":      "Vaš ključ nema ovlast (scope) koju ova operacija traži, navedenu u metapodacima pogreške; zatražite ključ s tom ovlašću.",
	},
	"ROUTE_NOT_OPEN": {
		"en":      "This operation is not open to any caller on this server.",
		"sr-Latn": "Ova operacija nije otvorena ni za jednog pozivaoca na ovom serveru.",
		"sr-Cyrl": "Ова операција није отворена ни за једног позиваоца на овом серверу.",
		"bs":      "Ova operacija nije otvorena ni za jednog pozivaoca na ovom serveru.",
		"hr":      "Ova operacija nije otvorena ni za jednog pozivatelja na ovom poslužitelju.",
	},
	"CORS_NOT_ALLOWED": {
		"en":      "This web page's origin, or the method it asks for, is not allowed to call the API from a browser (CORS).",
		"sr-Latn": "Poreklo ove veb-stranice, ili metoda koju traži, nema dozvolu da poziva API iz pregledača (CORS).",
		"sr-Cyrl": "Порекло ове веб-странице, или метода коју тражи, нема дозволу да позива API из прегледача (CORS).",
		"bs":      "Porijeklo ove web-stranice, ili metoda koju traži, nema dozvolu da poziva API iz preglednika (CORS).",
		"hr":      "Podrijetlo ove web-stranice, ili metoda koju traži, nema dopuštenje pozivati API iz preglednika (CORS).",
	},
	"RATE_LIMITED": {
		"en":      "Your client sent too many requests; wait as many seconds as Retry-After says and retry.",
		"sr-Latn": "Vaš klijent je poslao previše zahteva; sačekajte onoliko sekundi koliko navodi Retry-After i pokušajte ponovo.",
		"sr-Cyrl": "Ваш клијент је послао превише захтева; сачекајте онолико секунди колико наводи Retry-After и покушајте поново.",
		"bs":      "Vaš klijent je poslao previše zahtjeva; sačekajte onoliko sekundi koliko navodi Retry-After i pokušajte ponovo.",
		"hr":      "Vaš klijent poslao je previše zahtjeva; pričekajte onoliko sekundi koliko navodi Retry-After i pokušajte ponovno.",
	},
	"AUTH_FAILURES_LIMITED": {
		"en":      "Too many failed authentications from your address; wait as many seconds as Retry-After says, then send valid credentials.",
		"sr-Latn": "Previše neuspelih prijava s vaše adrese; sačekajte onoliko sekundi koliko navodi Retry-After, pa pošaljite ispravne pristupne podatke.",
		"sr-Cyrl": "Превише неуспелих пријава с ваше адресе; сачекајте онолико секунди колико наводи Retry-After, па пошаљите исправне приступне податке.",
		"bs":      "Previše neuspjelih prijava s vaše adrese; sačekajte onoliko sekundi koliko navodi Retry-After, pa pošaljite ispravne pristupne podatke.",
		"hr":      "Previše neuspjelih prijava s vaše adrese; pričekajte onoliko sekundi koliko navodi Retry-After, pa pošaljite ispravne podatke za pristup.",
	},
	"TOO_MANY_CONNECTIONS": {
		"en":      "Too many open connections from your address; close some, or reuse them, and retry.",
		"sr-Latn": "Previše otvorenih veza s vaše adrese; zatvorite neke, ili ih ponovo koristite, i pokušajte ponovo.",
		"sr-Cyrl": "Превише отворених веза с ваше адресе; затворите неке, или их поново користите, и покушајте поново.",
		"bs":      "Previše otvorenih veza s vaše adrese; zatvorite neke, ili ih ponovo koristite, i pokušajte ponovo.",
		"hr":      "Previše otvorenih veza s vaše adrese; zatvorite neke, ili ih ponovno upotrijebite, i pokušajte ponovno.",
	},
	"UNSUPPORTED_MEDIA_TYPE": {
		"en":      "The body is sent with a Content-Type or Content-Encoding this operation does not take; see the header named in the details.",
		"sr-Latn": "Telo zahteva je poslato s Content-Type ili Content-Encoding koji ova operacija ne prihvata; pogledajte zaglavlje navedeno u detaljima.",
		"sr-Cyrl": "Тело захтева је послато с Content-Type или Content-Encoding који ова операција не прихвата; погледајте заглавље наведено у детаљима.",
		"bs":      "Tijelo zahtjeva je poslano s Content-Type ili Content-Encoding koji ova operacija ne prihvata; pogledajte zaglavlje navedeno u detaljima.",
		"hr":      "Tijelo zahtjeva poslano je s Content-Type ili Content-Encoding koji ova operacija ne prihvaća; pogledajte zaglavlje navedeno u pojedinostima.",
	},
	"NOT_ACCEPTABLE": {
		"en":      "The Accept header accepts no format this operation answers in; send Accept: application/json, or no Accept.",
		"sr-Latn": "Zaglavlje Accept ne prihvata nijedan format u kojem ova operacija odgovara; pošaljite Accept: application/json ili ga izostavite.",
		"sr-Cyrl": "Заглавље Accept не прихвата ниједан формат у којем ова операција одговара; пошаљите Accept: application/json или га изоставите.",
		"bs":      "Zaglavlje Accept ne prihvata nijedan format u kojem ova operacija odgovara; pošaljite Accept: application/json ili ga izostavite.",
		"hr":      "Zaglavlje Accept ne prihvaća nijedan format u kojem ova operacija odgovara; pošaljite Accept: application/json ili ga izostavite.",
	},
	"MALFORMED_BODY": {
		"en":      "The request body is not valid JSON of this request; the details name where (the field), or the message says why.",
		"sr-Latn": "Telo zahteva nije ispravan JSON ovog zahteva; mesto navode detalji (polje) ili razlog navodi poruka.",
		"sr-Cyrl": "Тело захтева није исправан JSON овог захтева; место наводе детаљи (поље) или разлог наводи порука.",
		"bs":      "Tijelo zahtjeva nije ispravan JSON ovog zahtjeva; mjesto navode detalji (polje) ili razlog navodi poruka.",
		"hr":      "Tijelo zahtjeva nije ispravan JSON ovog zahtjeva; mjesto navode pojedinosti (polje) ili razlog navodi poruka.",
	},
	"BODY_TOO_SLOW": {
		"en":      "The request body stopped arriving in time; nothing was done, send the request again.",
		"sr-Latn": "Telo zahteva nije stiglo na vreme; ništa nije urađeno, pošaljite zahtev ponovo.",
		"sr-Cyrl": "Тело захтева није стигло на време; ништа није урађено, пошаљите захтев поново.",
		"bs":      "Tijelo zahtjeva nije stiglo na vrijeme; ništa nije urađeno, pošaljite zahtjev ponovo.",
		"hr":      "Tijelo zahtjeva nije stiglo na vrijeme; ništa nije učinjeno, pošaljite zahtjev ponovno.",
	},
	// A service's outage (pkg/grpcx ReasonUnavailable, which tells it from
	// a relay's own): what the code says is all there is to say.
	"UNAVAILABLE": byCode[codes.Unavailable],
}

// violations localize field violation descriptions by their pattern; the
// first match wins.
var violations = []violationText{
	{regexp.MustCompile(`^is required(?:$|[ :;,])`), text{
		"en": "This field is required.", "sr-Latn": "Ovo polje je obavezno.", "sr-Cyrl": "Ово поље је обавезно.",
		"bs": "Ovo polje je obavezno.", "hr": "Ovo polje je obavezno.",
	}},
	{regexp.MustCompile(`^must be an etag as read from the resource`), text{
		"en":      "Must be the etag as read from the resource, e.g. W/\"3\".",
		"sr-Latn": "Mora biti etag kako je pročitan sa resursa, npr. W/\"3\".",
		"sr-Cyrl": "Мора бити etag како је прочитан са ресурса, нпр. W/\"3\".",
		"bs":      "Mora biti etag kako je pročitan s resursa, npr. W/\"3\".",
		"hr":      "Mora biti etag kako je pročitan s resursa, npr. W/\"3\".",
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
	{regexp.MustCompile(`^only one of (.+) may be given$`), text{
		"en": "Give only one of: {1}.", "sr-Latn": "Navedite samo jedno od: {1}.", "sr-Cyrl": "Наведите само једно од: {1}.",
		"bs": "Navedite samo jedno od: {1}.", "hr": "Navedite samo jedno od: {1}.",
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
	// The beneficiaries service's assistance dated before the person was
	// born (before the field-named form below, which would take "the" for
	// a field).
	{regexp.MustCompile(`^must not be before the beneficiary's birth date \(([^)]*)\)`), text{
		"en":      "Must not be before the beneficiary's birth date ({1}).",
		"sr-Latn": "Ne sme biti pre datuma rođenja korisnika ({1}).", "sr-Cyrl": "Не сме бити пре датума рођења корисника ({1}).",
		"bs": "Ne smije biti prije datuma rođenja korisnika ({1}).", "hr": "Ne smije biti prije datuma rođenja korisnika ({1}).",
	}},
	{regexp.MustCompile(`^must not be before the beneficiary's birth year \(([^)]*)\)`), text{
		"en":      "Must not be before the beneficiary's birth year ({1}).",
		"sr-Latn": "Ne sme biti pre godine rođenja korisnika ({1}).", "sr-Cyrl": "Не сме бити пре године рођења корисника ({1}).",
		"bs": "Ne smije biti prije godine rođenja korisnika ({1}).", "hr": "Ne smije biti prije godine rođenja korisnika ({1}).",
	}},
	// A field's name (start_date, planned_start_date), never a word.
	{regexp.MustCompile(`^must not be before ([a-z]+(?:_[a-z]+)+)`), text{
		"en": "Must not be before {1}.", "sr-Latn": "Ne sme biti pre {1}.", "sr-Cyrl": "Не сме бити пре {1}.",
		"bs": "Ne smije biti prije {1}.", "hr": "Ne smije biti prije {1}.",
	}},
	{regexp.MustCompile(`^must not be negative`), text{
		"en": "Must not be negative.", "sr-Latn": "Ne sme biti negativno.", "sr-Cyrl": "Не сме бити негативно.",
		"bs": "Ne smije biti negativno.", "hr": "Ne smije biti negativno.",
	}},
	// The bounds as written (numbers, or durations such as 720h0m0s), up
	// to a space or punctuation (a sentence's full stop is not the bound's).
	{regexp.MustCompile(`^must be between ([^\s:;,()]+) and ([^\s:;,()]+?)\.?(?:[\s:;,()]|$)`), text{
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
	{regexp.MustCompile(`^must contain a letter or a digit`), text{
		"en": "Must contain a letter or a digit.", "sr-Latn": "Mora sadržati slovo ili cifru.", "sr-Cyrl": "Мора садржати слово или цифру.",
		"bs": "Mora sadržavati slovo ili cifru.", "hr": "Mora sadržavati slovo ili znamenku.",
	}},
	{regexp.MustCompile(`^must be 1 to 255 printable ASCII characters`), text{
		"en": "Must be 1 to 255 printable ASCII characters.", "sr-Latn": "Mora imati od 1 do 255 ASCII znakova koji se mogu ispisati.",
		"sr-Cyrl": "Мора имати од 1 до 255 ASCII знакова који се могу исписати.",
		"bs":      "Mora imati od 1 do 255 ASCII znakova koji se mogu ispisati.", "hr": "Mora imati od 1 do 255 ASCII znakova koji se mogu ispisati.",
	}},
	// pkg/validate.Email's two refusals (every service's e-mail fields).
	// pkg/grpcx.Time's and Duration's refusals (every timestamp and
	// duration field of every service).
	{regexp.MustCompile(`^must not be 0001-01-01T00:00:00Z, the zero time`), text{
		"en":      "Must not be 0001-01-01T00:00:00Z, the zero time; if the time is not known, leave the field out.",
		"sr-Latn": "Ne sme biti 0001-01-01T00:00:00Z, nulto vreme; ako vreme nije poznato, izostavite polje.",
		"sr-Cyrl": "Не сме бити 0001-01-01T00:00:00Z, нулто време; ако време није познато, изоставите поље.",
		"bs":      "Ne smije biti 0001-01-01T00:00:00Z, nulto vrijeme; ako vrijeme nije poznato, izostavite polje.",
		"hr":      "Ne smije biti 0001-01-01T00:00:00Z, nulto vrijeme; ako vrijeme nije poznato, izostavite polje.",
	}},
	{regexp.MustCompile(`^must be between (\d{4}-\d\d-\d\dT[\d:.]+Z) and (\d{4}-\d\d-\d\dT[\d:.]+Z)`), text{
		"en": "Must be between {1} and {2}.", "sr-Latn": "Mora biti između {1} i {2}.", "sr-Cyrl": "Мора бити између {1} и {2}.",
		"bs": "Mora biti između {1} i {2}.", "hr": "Mora biti između {1} i {2}.",
	}},
	{regexp.MustCompile(`^is not a valid timestamp`), text{
		"en":      "Is not a valid timestamp: its nanoseconds must be between 0 and 999999999.",
		"sr-Latn": "Nije ispravna vremenska oznaka: nanosekunde moraju biti između 0 i 999999999.",
		"sr-Cyrl": "Није исправна временска ознака: наносекунде морају бити између 0 и 999999999.",
		"bs":      "Nije ispravna vremenska oznaka: nanosekunde moraju biti između 0 i 999999999.",
		"hr":      "Nije ispravna vremenska oznaka: nanosekunde moraju biti između 0 i 999999999.",
	}},
	{regexp.MustCompile(`^is not a valid duration`), text{
		"en":      "Is not a valid duration, e.g. 3600s.",
		"sr-Latn": "Nije ispravno trajanje, npr. 3600s.", "sr-Cyrl": "Није исправно трајање, нпр. 3600s.",
		"bs": "Nije ispravno trajanje, npr. 3600s.", "hr": "Nije ispravno trajanje, npr. 3600s.",
	}},
	// pkg/date's refusals (every date field of every service).
	{regexp.MustCompile(`^must be a date in YYYY-MM-DD form`), text{
		"en": "Must be a date in YYYY-MM-DD form, e.g. 2024-01-31.", "sr-Latn": "Mora biti datum u obliku YYYY-MM-DD, npr. 2024-01-31.",
		"sr-Cyrl": "Мора бити датум у облику YYYY-MM-DD, нпр. 2024-01-31.",
		"bs":      "Mora biti datum u obliku YYYY-MM-DD, npr. 2024-01-31.", "hr": "Mora biti datum u obliku YYYY-MM-DD, npr. 2024-01-31.",
	}},
	{regexp.MustCompile(`^must be in (\d+) or later`), text{
		"en": "Must be in {1} or later.", "sr-Latn": "Mora biti {1}. godine ili kasnije.", "sr-Cyrl": "Мора бити {1}. године или касније.",
		"bs": "Mora biti {1}. godine ili kasnije.", "hr": "Mora biti {1}. godine ili kasnije.",
	}},
	// What an IATI export needs first (reporting's CheckIATI).
	{regexp.MustCompile(`^the implementing organisation (\S+) has no registered organisation identifier in the directory; the platform administrator`), text{
		"en":      "The implementing organisation has no registered organisation identifier in the directory; the platform administrator records it when verifying the organisation (POST /v1/organisations/{1}:verify with organisation_identifier), e.g. HR-OIB-12345678901 or RS-APR-17123456.",
		"sr-Latn": "Organizacija koja sprovodi projekat nema registrovani identifikator organizacije u imeniku; administrator platforme ga upisuje pri verifikaciji organizacije (POST /v1/organisations/{1}:verify sa organisation_identifier), npr. HR-OIB-12345678901 ili RS-APR-17123456.",
		"sr-Cyrl": "Организација која спроводи пројекат нема регистровани идентификатор организације у именику; администратор платформе га уписује при верификацији организације (POST /v1/organisations/{1}:verify са organisation_identifier), нпр. HR-OIB-12345678901 или RS-APR-17123456.",
		"bs":      "Organizacija koja provodi projekat nema registrovani identifikator organizacije u imeniku; administrator platforme ga upisuje pri verifikaciji organizacije (POST /v1/organisations/{1}:verify sa organisation_identifier), npr. HR-OIB-12345678901 ili RS-APR-17123456.",
		"hr":      "Organizacija koja provodi projekt nema registrirani identifikator organizacije u imeniku; administrator platforme upisuje ga pri verifikaciji organizacije (POST /v1/organisations/{1}:verify s organisation_identifier), npr. HR-OIB-12345678901 ili RS-APR-17123456.",
	}},
	{regexp.MustCompile(`^the implementing organisation (\S+) has no registered organisation identifier in the directory; propose it`), text{
		"en":      "The implementing organisation has no registered organisation identifier in the directory; propose it on its entry (PATCH /v1/organisations/{1} with organisation_identifier), e.g. HR-OIB-12345678901 or RS-APR-17123456.",
		"sr-Latn": "Organizacija koja sprovodi projekat nema registrovani identifikator organizacije u imeniku; predložite ga u njenom unosu (PATCH /v1/organisations/{1} sa organisation_identifier), npr. HR-OIB-12345678901 ili RS-APR-17123456.",
		"sr-Cyrl": "Организација која спроводи пројекат нема регистровани идентификатор организације у именику; предложите га у њеном уносу (PATCH /v1/organisations/{1} са organisation_identifier), нпр. HR-OIB-12345678901 или RS-APR-17123456.",
		"bs":      "Organizacija koja provodi projekat nema registrovani identifikator organizacije u imeniku; predložite ga u njenom unosu (PATCH /v1/organisations/{1} sa organisation_identifier), npr. HR-OIB-12345678901 ili RS-APR-17123456.",
		"hr":      "Organizacija koja provodi projekt nema registrirani identifikator organizacije u imeniku; predložite ga u njezinu unosu (PATCH /v1/organisations/{1} s organisation_identifier), npr. HR-OIB-12345678901 ili RS-APR-17123456.",
	}},
	{regexp.MustCompile(`^the implementing organisation (\S+) is not verified`), text{
		"en":      "The implementing organisation is not verified: its registered identifier and names are published only once the platform administrator has verified it (POST /v1/organisations/{1}:verify).",
		"sr-Latn": "Organizacija koja sprovodi projekat nije verifikovana: njen registrovani identifikator i nazivi objavljuju se tek kada je administrator platforme verifikuje (POST /v1/organisations/{1}:verify).",
		"sr-Cyrl": "Организација која спроводи пројекат није верификована: њен регистровани идентификатор и називи објављују се тек када је администратор платформе верификује (POST /v1/organisations/{1}:verify).",
		"bs":      "Organizacija koja provodi projekat nije verifikovana: njen registrovani identifikator i nazivi objavljuju se tek kada je administrator platforme verifikuje (POST /v1/organisations/{1}:verify).",
		"hr":      "Organizacija koja provodi projekt nije verificirana: njezin registrirani identifikator i nazivi objavljuju se tek kada je administrator platforme verificira (POST /v1/organisations/{1}:verify).",
	}},
	{regexp.MustCompile(`^the directory does not say which IATI organisation type`), text{
		"en":      "The directory does not say which IATI organisation type the implementing organisation is; set it on the project, e.g. 10 (government) or 60 (foundation).",
		"sr-Latn": "Imenik ne navodi koji je IATI tip organizacije organizacija koja sprovodi projekat; navedite ga na projektu, npr. 10 (vlada) ili 60 (fondacija).",
		"sr-Cyrl": "Именик не наводи који је IATI тип организације организација која спроводи пројекат; наведите га на пројекту, нпр. 10 (влада) или 60 (фондација).",
		"bs":      "Imenik ne navodi koji je IATI tip organizacije organizacija koja provodi projekat; navedite ga na projektu, npr. 10 (vlada) ili 60 (fondacija).",
		"hr":      "Imenik ne navodi koji je IATI tip organizacije organizacija koja provodi projekt; navedite ga na projektu, npr. 10 (vlada) ili 60 (zaklada).",
	}},
	{regexp.MustCompile(`^the reporting organisation needs a name`), text{
		"en": "The reporting organisation needs a name.", "sr-Latn": "Organizacija koja izveštava mora imati naziv.",
		"sr-Cyrl": "Организација која извештава мора имати назив.",
		"bs":      "Organizacija koja izvještava mora imati naziv.", "hr": "Organizacija koja izvješćuje mora imati naziv.",
	}},
	{regexp.MustCompile(`^IATI requires at least one sector`), text{
		"en":      "IATI requires at least one sector: an OECD DAC 5-digit sector code, e.g. 15160.",
		"sr-Latn": "IATI zahteva bar jedan sektor: petocifreni OECD DAC kod sektora, npr. 15160.",
		"sr-Cyrl": "IATI захтева бар један сектор: петоцифрени OECD DAC код сектора, нпр. 15160.",
		"bs":      "IATI zahtijeva barem jedan sektor: petocifreni OECD DAC kod sektora, npr. 15160.",
		"hr":      "IATI zahtijeva barem jedan sektor: peteroznamenkasti OECD DAC kod sektora, npr. 15160.",
	}},
	// Money amounts (reporting's budgets).
	{regexp.MustCompile(`^must be a decimal number such as (\S+)`), text{
		"en": "Must be a decimal number with a point, e.g. {1}.", "sr-Latn": "Mora biti decimalni broj sa tačkom, npr. {1}.",
		"sr-Cyrl": "Мора бити децимални број са тачком, нпр. {1}.",
		"bs":      "Mora biti decimalni broj sa tačkom, npr. {1}.", "hr": "Mora biti decimalni broj s točkom, npr. {1}.",
	}},
	{regexp.MustCompile(`^must have at most (\d+) decimal places`), text{
		"en": "Must have at most {1} decimal places.", "sr-Latn": "Sme imati najviše {1} decimale.", "sr-Cyrl": "Сме имати највише {1} децимале.",
		"bs": "Smije imati najviše {1} decimale.", "hr": "Smije imati najviše {1} decimale.",
	}},
	{regexp.MustCompile(`^must be less than 10\^(\d+)`), text{
		"en": "Must be less than 10^{1}.", "sr-Latn": "Mora biti manje od 10^{1}.", "sr-Cyrl": "Мора бити мање од 10^{1}.",
		"bs": "Mora biti manje od 10^{1}.", "hr": "Mora biti manje od 10^{1}.",
	}},
	// Reports: who may read counts without small-cell suppression.
	{regexp.MustCompile(`^only the implementing organisation may read the report without small-cell suppression`), text{
		"en":      "Only the implementing organisation may read the report without small-cell suppression; leave it unset.",
		"sr-Latn": "Samo organizacija koja sprovodi projekat može čitati izveštaj bez skrivanja malih brojeva; ne navodite ovo polje.",
		"sr-Cyrl": "Само организација која спроводи пројекат може читати извештај без скривања малих бројева; не наводите ово поље.",
		"bs":      "Samo organizacija koja provodi projekat može čitati izvještaj bez skrivanja malih brojeva; ne navodite ovo polje.",
		"hr":      "Samo organizacija koja provodi projekt može čitati izvješće bez skrivanja malih brojeva; ne navodite ovo polje.",
	}},
	{regexp.MustCompile(`^an IATI activity is made to be published and is always suppressed`), text{
		"en":      "An IATI activity is made to be published and always hides small counts; leave it unset, or export json, csv or xlsx.",
		"sr-Latn": "IATI aktivnost se pravi za objavljivanje i uvek skriva male brojeve; ne navodite ovo polje ili izvezite json, csv ili xlsx.",
		"sr-Cyrl": "IATI активност се прави за објављивање и увек скрива мале бројеве; не наводите ово поље или извезите json, csv или xlsx.",
		"bs":      "IATI aktivnost se pravi za objavljivanje i uvijek skriva male brojeve; ne navodite ovo polje ili izvezite json, csv ili xlsx.",
		"hr":      "IATI aktivnost izrađuje se za objavu i uvijek skriva male brojeve; ne navodite ovo polje ili izvezite json, csv ili xlsx.",
	}},
	// Reports: the one period a partner or funder may read (reporting's
	// Project.ReportPeriod).
	{regexp.MustCompile(`^must be the project's planned start \(([^)]*)\) or unset; only the implementing organisation`), text{
		"en":      "Must be the project's planned start ({1}) or left unset: only the implementing organisation may ask for another period.",
		"sr-Latn": "Mora biti planirani početak projekta ({1}) ili ne navodite ovo polje: samo organizacija koja sprovodi projekat može tražiti drugi period.",
		"sr-Cyrl": "Мора бити планирани почетак пројекта ({1}) или не наводите ово поље: само организација која спроводи пројекат може тражити други период.",
		"bs":      "Mora biti planirani početak projekta ({1}) ili ne navodite ovo polje: samo organizacija koja provodi projekat može tražiti drugi period.",
		"hr":      "Mora biti planirani početak projekta ({1}) ili ne navodite ovo polje: samo organizacija koja provodi projekt može tražiti drugo razdoblje.",
	}},
	{regexp.MustCompile(`^must be the project's planned end \(([^)]*)\) or unset; only the implementing organisation`), text{
		"en":      "Must be the project's planned end ({1}) or left unset: only the implementing organisation may ask for another period.",
		"sr-Latn": "Mora biti planirani završetak projekta ({1}) ili ne navodite ovo polje: samo organizacija koja sprovodi projekat može tražiti drugi period.",
		"sr-Cyrl": "Мора бити планирани завршетак пројекта ({1}) или не наводите ово поље: само организација која спроводи пројекат може тражити други период.",
		"bs":      "Mora biti planirani završetak projekta ({1}) ili ne navodite ovo polje: samo organizacija koja provodi projekat može tražiti drugi period.",
		"hr":      "Mora biti planirani završetak projekta ({1}) ili ne navodite ovo polje: samo organizacija koja provodi projekt može tražiti drugo razdoblje.",
	}},
	// The IATI codelists a project's codes are checked against (reporting).
	{regexp.MustCompile(`^must be an ISO 639-1 language code`), text{
		"en": "Must be an ISO 639-1 language code, e.g. en, hr, bs or sr.", "sr-Latn": "Mora biti ISO 639-1 kod jezika, npr. en, hr, bs ili sr.",
		"sr-Cyrl": "Мора бити ISO 639-1 код језика, нпр. en, hr, bs или sr.",
		"bs":      "Mora biti ISO 639-1 kod jezika, npr. en, hr, bs ili sr.", "hr": "Mora biti ISO 639-1 kod jezika, npr. en, hr, bs ili sr.",
	}},
	{regexp.MustCompile(`^must be a code of the IATI OrganisationType codelist: one of ([0-9, ]+)`), text{
		"en": "Must be a code of the IATI OrganisationType codelist: {1}.", "sr-Latn": "Mora biti kod iz IATI šifarnika OrganisationType: {1}.",
		"sr-Cyrl": "Мора бити код из IATI шифарника OrganisationType: {1}.",
		"bs":      "Mora biti kod iz IATI šifarnika OrganisationType: {1}.", "hr": "Mora biti kod iz IATI popisa OrganisationType: {1}.",
	}},
	{regexp.MustCompile(`^must be an OECD DAC 5-digit purpose code`), text{
		"en":      "Must be a code of the OECD DAC 5-digit sector codelist, e.g. 15160.",
		"sr-Latn": "Mora biti kod iz šifarnika petocifrenih OECD DAC sektora, npr. 15160.",
		"sr-Cyrl": "Мора бити код из шифарника петоцифрених OECD DAC сектора, нпр. 15160.",
		"bs":      "Mora biti kod iz šifarnika petocifrenih OECD DAC sektora, npr. 15160.",
		"hr":      "Mora biti kod iz popisa peteroznamenkastih OECD DAC sektora, npr. 15160.",
	}},
	{regexp.MustCompile(`^([0-9]{5}) is a withdrawn OECD DAC purpose code`), text{
		"en":      "{1} is a withdrawn OECD DAC sector code; use the code that replaced it.",
		"sr-Latn": "{1} je povučen OECD DAC kod sektora; navedite kod koji ga je zamenio.",
		"sr-Cyrl": "{1} је повучен OECD DAC код сектора; наведите код који га је заменио.",
		"bs":      "{1} je povučen OECD DAC kod sektora; navedite kod koji ga je zamijenio.",
		"hr":      "{1} je povučen OECD DAC kod sektora; navedite kod koji ga je zamijenio.",
	}},
	{regexp.MustCompile(`^must be an e-mail address`), text{
		"en": "Must be an e-mail address such as name@example.org.", "sr-Latn": "Mora biti adresa e-pošte, npr. ime@example.org.",
		"sr-Cyrl": "Мора бити адреса е-поште, нпр. ime@example.org.",
		"bs":      "Mora biti adresa e-pošte, npr. ime@example.org.", "hr": "Mora biti adresa e-pošte, npr. ime@example.org.",
	}},
	{regexp.MustCompile(`^the part before @ must be ASCII`), text{
		"en":      "The part before @ must be ASCII (letters a-z, digits and . _ - +); give an address such as djurdja@….",
		"sr-Latn": "Deo pre @ mora biti u ASCII-ju (slova a-z, cifre i . _ - +); navedite adresu kao djurdja@….",
		"sr-Cyrl": "Део пре @ мора бити у ASCII-ју (слова a-z, цифре и . _ - +); наведите адресу као djurdja@….",
		"bs":      "Dio prije @ mora biti u ASCII-ju (slova a-z, cifre i . _ - +); navedite adresu kao djurdja@….",
		"hr":      "Dio prije @ mora biti u ASCII-u (slova a-z, znamenke i . _ - +); navedite adresu poput djurdja@….",
	}},
	{regexp.MustCompile(`^must be valid UTF-8`), text{
		"en": "Must be valid UTF-8.", "sr-Latn": "Mora biti ispravan UTF-8.", "sr-Cyrl": "Мора бити исправан UTF-8.",
		"bs": "Mora biti ispravan UTF-8.", "hr": "Mora biti ispravan UTF-8.",
	}},
	// The edge's query parameters that would be ignored (gateway ignoredQuery).
	{regexp.MustCompile(`^is not a parameter of `), text{
		"en":      "Not a query parameter of this route; check its spelling.",
		"sr-Latn": "Nije parametar upita ove rute; proverite kako je napisan.", "sr-Cyrl": "Није параметар упита ове руте; проверите како је написан.",
		"bs": "Nije parametar upita ove rute; provjerite kako je napisan.", "hr": "Nije parametar upita ove rute; provjerite kako je napisan.",
	}},
	// A query the edge cannot split into parameters (gateway malformedQuery).
	{regexp.MustCompile(`^is not percent-encoded correctly`), text{
		"en":      "Not percent-encoded correctly: a % must be followed by two hexadecimal digits (write a % itself as %25).",
		"sr-Latn": "Nije ispravno procentno kodirano: posle % moraju slediti dve heksadecimalne cifre (sam znak % pišite kao %25).",
		"sr-Cyrl": "Није исправно процентно кодирано: после % морају следити две хексадецималне цифре (сам знак % пишите као %25).",
		"bs":      "Nije ispravno procentno kodirano: nakon % moraju slijediti dvije heksadecimalne cifre (sam znak % pišite kao %25).",
		"hr":      "Nije ispravno postotno kodirano: nakon % moraju slijediti dvije heksadecimalne znamenke (sam znak % pišite kao %25).",
	}},
	{regexp.MustCompile(`^contains a semicolon`), text{
		"en":      "Contains a semicolon: separate query parameters with & (write a ; itself as %3B).",
		"sr-Latn": "Sadrži tačku i zarez: parametre upita razdvajajte znakom & (sam znak ; pišite kao %3B).",
		"sr-Cyrl": "Садржи тачку и зарез: параметре упита раздвајајте знаком & (сам знак ; пишите као %3B).",
		"bs":      "Sadrži tačku i zarez: parametre upita razdvajajte znakom & (sam znak ; pišite kao %3B).",
		"hr":      "Sadrži točku sa zarezom: parametre upita odvajajte znakom & (sam znak ; pišite kao %3B).",
	}},
	{regexp.MustCompile(`^is given by the path of `), text{
		"en": "Given by the path, not in the query.", "sr-Latn": "Zadaje se putanjom, ne u upitu.", "sr-Cyrl": "Задаје се путањом, не у упиту.",
		"bs": "Zadaje se putanjom, ne u upitu.", "hr": "Zadaje se putanjom, ne u upitu.",
	}},
	{regexp.MustCompile(`^is given in the request body of `), text{
		"en": "Given in the request body, not in the query.", "sr-Latn": "Zadaje se u telu zahteva, ne u upitu.",
		"sr-Cyrl": "Задаје се у телу захтева, не у упиту.",
		"bs":      "Zadaje se u tijelu zahtjeva, ne u upitu.", "hr": "Zadaje se u tijelu zahtjeva, ne u upitu.",
	}},
	// The edge's refusal of a value not of its field's type (gateway
	// decodeViolation): an enum value misspelt, a number or flag that is
	// none.
	{regexp.MustCompile(`^is not a valid enum value: (.+)$`), text{
		"en": "Unknown value {1}.", "sr-Latn": "Nepoznata vrednost {1}.", "sr-Cyrl": "Непозната вредност {1}.",
		"bs": "Nepoznata vrijednost {1}.", "hr": "Nepoznata vrijednost {1}.",
	}},
	{regexp.MustCompile(`^is not a valid (\w+) value(?:: |$)`), text{
		"en": "Not a valid value of type {1}.", "sr-Latn": "Nije ispravna vrednost tipa {1}.", "sr-Cyrl": "Није исправна вредност типа {1}.",
		"bs": "Nije ispravna vrijednost tipa {1}.", "hr": "Nije ispravna vrijednost tipa {1}.",
	}},
	// The edge's refusal of a body it cannot decode (gateway bodyDecoder).
	{regexp.MustCompile(`^is given more than once$`), text{
		"en": "Given more than once: give it once.", "sr-Latn": "Navedeno više puta: navedite ga jednom.",
		"sr-Cyrl": "Наведено више пута: наведите га једном.",
		"bs":      "Navedeno više puta: navedite ga jednom.", "hr": "Navedeno više puta: navedite ga jednom.",
	}},
	{regexp.MustCompile(`^is of the wrong JSON type`), text{
		"en":      "Wrong JSON type for this field (e.g. a number where an object or list is expected).",
		"sr-Latn": "Pogrešan JSON tip za ovo polje (npr. broj umesto objekta ili liste).",
		"sr-Cyrl": "Погрешан JSON тип за ово поље (нпр. број уместо објекта или листе).",
		"bs":      "Pogrešan JSON tip za ovo polje (npr. broj umjesto objekta ili liste).",
		"hr":      "Pogrešan JSON tip za ovo polje (npr. broj umjesto objekta ili popisa).",
	}},
	{regexp.MustCompile(`^is not valid JSON`), text{
		"en": "Not valid JSON here: check quotes, commas and brackets.", "sr-Latn": "Ovde nije ispravan JSON: proverite navodnike, zareze i zagrade.",
		"sr-Cyrl": "Овде није исправан JSON: проверите наводнике, зарезе и заграде.",
		"bs":      "Ovdje nije ispravan JSON: provjerite navodnike, zareze i zagrade.", "hr": "Ovdje nije ispravan JSON: provjerite navodnike, zareze i zagrade.",
	}},
	// What a query parameter's value must be (gateway queryValueRule); "must
	// be true or false" is the lower-case alternatives' text below.
	{regexp.MustCompile(`^must be a whole number between (\S+) and (\S+)$`), text{
		"en": "Must be a whole number between {1} and {2}.", "sr-Latn": "Mora biti ceo broj između {1} i {2}.",
		"sr-Cyrl": "Мора бити цео број између {1} и {2}.",
		"bs":      "Mora biti cijeli broj između {1} i {2}.", "hr": "Mora biti cijeli broj između {1} i {2}.",
	}},
	{regexp.MustCompile(`^must be one of ([A-Z][A-Z0-9_]*(?:, [A-Z][A-Z0-9_]*)*)$`), text{
		"en": "Must be one of: {1}.", "sr-Latn": "Mora biti jedno od: {1}.", "sr-Cyrl": "Мора бити једно од: {1}.",
		"bs": "Mora biti jedno od: {1}.", "hr": "Mora biti jedno od: {1}.",
	}},
	{regexp.MustCompile(`^is not a valid value of this query parameter`), text{
		"en": "Not a valid value of this query parameter.", "sr-Latn": "Nije ispravna vrednost ovog parametra upita.",
		"sr-Cyrl": "Није исправна вредност овог параметра упита.",
		"bs":      "Nije ispravna vrijednost ovog parametra upita.", "hr": "Nije ispravna vrijednost ovog parametra upita.",
	}},
	{regexp.MustCompile(`^must be an RFC 3339 time, e\.g\. (\S+)`), text{
		"en": "Must be a time (RFC 3339), e.g. {1}.", "sr-Latn": "Mora biti vreme (RFC 3339), npr. {1}.",
		"sr-Cyrl": "Мора бити време (RFC 3339), нпр. {1}.",
		"bs":      "Mora biti vrijeme (RFC 3339), npr. {1}.", "hr": "Mora biti vrijeme (RFC 3339), npr. {1}.",
	}},
	// Codes and numbers every service checks (pkg/validate and the domains).
	{regexp.MustCompile(`^must be an ISO 3166-1 alpha-2 code`), text{
		"en": "Must be a two-letter country code (ISO 3166-1), e.g. RS, BA or HR.", "sr-Latn": "Mora biti dvoslovni kod države (ISO 3166-1), npr. RS, BA ili HR.",
		"sr-Cyrl": "Мора бити двословни код државе (ISO 3166-1), нпр. RS, BA или HR.",
		"bs":      "Mora biti dvoslovni kod države (ISO 3166-1), npr. RS, BA ili HR.", "hr": "Mora biti dvoslovni kod države (ISO 3166-1), npr. RS, BA ili HR.",
	}},
	{regexp.MustCompile(`^must be RS, BA or HR`), text{
		"en": "Must be RS, BA or HR.", "sr-Latn": "Mora biti RS, BA ili HR.", "sr-Cyrl": "Мора бити RS, BA или HR.",
		"bs": "Mora biti RS, BA ili HR.", "hr": "Mora biti RS, BA ili HR.",
	}},
	{regexp.MustCompile(`^must be a BCP 47 tag`), text{
		"en": "Must be a language tag (BCP 47), e.g. ar, fa or sr-Latn.", "sr-Latn": "Mora biti oznaka jezika (BCP 47), npr. ar, fa ili sr-Latn.",
		"sr-Cyrl": "Мора бити ознака језика (BCP 47), нпр. ar, fa или sr-Latn.",
		"bs":      "Mora biti oznaka jezika (BCP 47), npr. ar, fa ili sr-Latn.", "hr": "Mora biti oznaka jezika (BCP 47), npr. ar, fa ili sr-Latn.",
	}},
	{regexp.MustCompile(`^has neither a leading 0 nor an international prefix`), text{
		"en":      "Has neither a leading 0 nor an international prefix (+ or 00), as a phone number stored as a number loses them; write it as 064 123 4567 or +381 64 123 4567 (in a spreadsheet, format the column as text).",
		"sr-Latn": "Nema ni početnu 0 ni međunarodni prefiks (+ ili 00), koje broj telefona sačuvan kao broj gubi; upišite ga kao 064 123 4567 ili +381 64 123 4567 (u tabeli formatirajte kolonu kao tekst).",
		"sr-Cyrl": "Нема ни почетну 0 ни међународни префикс (+ или 00), које број телефона сачуван као број губи; упишите га као 064 123 4567 или +381 64 123 4567 (у табели форматирајте колону као текст).",
		"bs":      "Nema ni početnu 0 ni međunarodni prefiks (+ ili 00), koje broj telefona sačuvan kao broj gubi; upišite ga kao 064 123 4567 ili +381 64 123 4567 (u tabeli formatirajte kolonu kao tekst).",
		"hr":      "Nema ni početnu 0 ni međunarodni pozivni broj (+ ili 00), koje telefonski broj spremljen kao broj gubi; upišite ga kao 064 123 4567 ili +381 64 123 4567 (u tablici oblikujte stupac kao tekst).",
	}},
	{regexp.MustCompile(`^(must be a phone number|is not a telephone number)`), text{
		"en": "Must be a telephone number, e.g. +381 64 123 4567.", "sr-Latn": "Mora biti broj telefona, npr. +381 64 123 4567.",
		"sr-Cyrl": "Мора бити број телефона, нпр. +381 64 123 4567.",
		"bs":      "Mora biti broj telefona, npr. +381 64 123 4567.", "hr": "Mora biti telefonski broj, npr. +381 64 123 4567.",
	}},
	{regexp.MustCompile(`^is not a valid (JMBG|OIB)\b`), text{
		"en": "Not a valid {1} (its form or check digit is wrong).", "sr-Latn": "Nije ispravan {1} (pogrešan oblik ili kontrolna cifra).",
		"sr-Cyrl": "Није исправан {1} (погрешан облик или контролна цифра).",
		"bs":      "Nije ispravan {1} (pogrešan oblik ili kontrolna cifra).", "hr": "Nije ispravan {1} (pogrešan oblik ili kontrolna znamenka).",
	}},
	{regexp.MustCompile(`^unknown or unsupported ISO 4217 code ("[^"]*")`), text{
		"en": "Unknown or unsupported currency code {1}.", "sr-Latn": "Nepoznata ili nepodržana šifra valute {1}.",
		"sr-Cyrl": "Непозната или неподржана шифра валуте {1}.",
		"bs":      "Nepoznata ili nepodržana šifra valute {1}.", "hr": "Nepoznata ili nepodržana šifra valute {1}.",
	}},
	{regexp.MustCompile(`^unknown (?:format|event type|scope|dimension) ("[^"]*")`), text{
		"en": "Unknown value {1}.", "sr-Latn": "Nepoznata vrednost {1}.", "sr-Cyrl": "Непозната вредност {1}.",
		"bs": "Nepoznata vrijednost {1}.", "hr": "Nepoznata vrijednost {1}.",
	}},
	// Web addresses (a directory entry's, a webhook's).
	{regexp.MustCompile(`^must be an http\(s\) URL`), text{
		"en": "Must be a web address starting with http:// or https://.", "sr-Latn": "Mora biti veb-adresa koja počinje sa http:// ili https://.",
		"sr-Cyrl": "Мора бити веб-адреса која почиње са http:// или https://.",
		"bs":      "Mora biti web-adresa koja počinje sa http:// ili https://.", "hr": "Mora biti web-adresa koja počinje s http:// ili https://.",
	}},
	{regexp.MustCompile(`^must be an absolute URL`), text{
		"en": "Must be a full web address, e.g. https://example.org/hooks/spona.", "sr-Latn": "Mora biti potpuna veb-adresa, npr. https://example.org/hooks/spona.",
		"sr-Cyrl": "Мора бити потпуна веб-адреса, нпр. https://example.org/hooks/spona.",
		"bs":      "Mora biti potpuna web-adresa, npr. https://example.org/hooks/spona.", "hr": "Mora biti potpuna web-adresa, npr. https://example.org/hooks/spona.",
	}},
	{regexp.MustCompile(`^must use https`), text{
		"en": "Must use https.", "sr-Latn": "Mora koristiti https.", "sr-Cyrl": "Мора користити https.",
		"bs": "Mora koristiti https.", "hr": "Mora koristiti https.",
	}},
	{regexp.MustCompile(`^must not carry credentials`), text{
		"en": "Must not contain a user name or password.", "sr-Latn": "Ne sme sadržati korisničko ime ni lozinku.",
		"sr-Cyrl": "Не сме садржати корисничко име ни лозинку.",
		"bs":      "Ne smije sadržavati korisničko ime ni lozinku.", "hr": "Ne smije sadržavati korisničko ime ni lozinku.",
	}},
	{regexp.MustCompile(`^must not have a fragment`), text{
		"en": "Must not have a fragment (#…).", "sr-Latn": "Ne sme imati fragment (#…).", "sr-Cyrl": "Не сме имати фрагмент (#…).",
		"bs": "Ne smije imati fragment (#…).", "hr": "Ne smije imati fragment (#…).",
	}},
	{regexp.MustCompile(`^must name a host`), text{
		"en": "Must name a host.", "sr-Latn": "Mora navesti host.", "sr-Cyrl": "Мора навести хост.",
		"bs": "Mora navesti host.", "hr": "Mora navesti host.",
	}},
	{regexp.MustCompile(`^must have a port between 1 and 65535`), text{
		"en": "Must have a port between 1 and 65535.", "sr-Latn": "Mora imati port između 1 i 65535.", "sr-Cyrl": "Мора имати порт између 1 и 65535.",
		"bs": "Mora imati port između 1 i 65535.", "hr": "Mora imati port između 1 i 65535.",
	}},
	// Times and their order.
	{regexp.MustCompile(`^must be a time (?:HH:MM|of day in HH:MM form)`), text{
		"en": "Must be a time of day as HH:MM, e.g. 08:30.", "sr-Latn": "Mora biti vreme u obliku HH:MM, npr. 08:30.",
		"sr-Cyrl": "Мора бити време у облику HH:MM, нпр. 08:30.",
		"bs":      "Mora biti vrijeme u obliku HH:MM, npr. 08:30.", "hr": "Mora biti vrijeme u obliku HH:MM, npr. 08:30.",
	}},
	{regexp.MustCompile(`^must be a time \(RFC 3339`), text{
		"en":      "Must be a time (RFC 3339, e.g. 2025-01-31T12:00:00Z) or a date (YYYY-MM-DD).",
		"sr-Latn": "Mora biti vreme (RFC 3339, npr. 2025-01-31T12:00:00Z) ili datum (YYYY-MM-DD).",
		"sr-Cyrl": "Мора бити време (RFC 3339, нпр. 2025-01-31T12:00:00Z) или датум (YYYY-MM-DD).",
		"bs":      "Mora biti vrijeme (RFC 3339, npr. 2025-01-31T12:00:00Z) ili datum (YYYY-MM-DD).",
		"hr":      "Mora biti vrijeme (RFC 3339, npr. 2025-01-31T12:00:00Z) ili datum (YYYY-MM-DD).",
	}},
	{regexp.MustCompile(`^must be after ([a-z_0-9]+)$`), text{
		"en": "Must be after {1}.", "sr-Latn": "Mora biti posle {1}.", "sr-Cyrl": "Мора бити после {1}.",
		"bs": "Mora biti poslije {1}.", "hr": "Mora biti nakon {1}.",
	}},
	{regexp.MustCompile(`^must not be below ([a-z_]+)`), text{
		"en": "Must not be less than {1}.", "sr-Latn": "Ne sme biti manje od {1}.", "sr-Cyrl": "Не сме бити мање од {1}.",
		"bs": "Ne smije biti manje od {1}.", "hr": "Ne smije biti manje od {1}.",
	}},
	{regexp.MustCompile(`^must be within the event's dates \(([^)]+)\)`), text{
		"en": "Must be within the event's dates ({1}).", "sr-Latn": "Mora biti u okviru datuma događaja ({1}).",
		"sr-Cyrl": "Мора бити у оквиру датума догађаја ({1}).",
		"bs":      "Mora biti unutar datuma događaja ({1}).", "hr": "Mora biti unutar datuma događaja ({1}).",
	}},
	{regexp.MustCompile(`^(?:must be at most one year after start_date|covers more than a year)`), text{
		"en":      "A budget line covers a year at most: give one budget line per year.",
		"sr-Latn": "Stavka budžeta obuhvata najviše godinu dana: navedite po jednu stavku za svaku godinu.",
		"sr-Cyrl": "Ставка буџета обухвата највише годину дана: наведите по једну ставку за сваку годину.",
		"bs":      "Stavka budžeta obuhvata najviše godinu dana: navedite po jednu stavku za svaku godinu.",
		"hr":      "Stavka proračuna obuhvaća najviše godinu dana: navedite po jednu stavku za svaku godinu.",
	}},
	// Fields that go together or not.
	{regexp.MustCompile(`^(?:contradicts ([a-z_]+)$)`), text{
		"en": "Contradicts {1}.", "sr-Latn": "Nije u skladu s poljem {1}.", "sr-Cyrl": "Није у складу с пољем {1}.",
		"bs": "Nije u skladu s poljem {1}.", "hr": "Nije u skladu s poljem {1}.",
	}},
	{regexp.MustCompile(`^([a-z_]+) or ([a-z_]+) is required`), text{
		"en": "{1} or {2} is required.", "sr-Latn": "Potrebno je {1} ili {2}.", "sr-Cyrl": "Потребно је {1} или {2}.",
		"bs": "Potrebno je {1} ili {2}.", "hr": "Potrebno je {1} ili {2}.",
	}},
	{regexp.MustCompile(`^at least one .*is required`), text{
		"en": "At least one is required.", "sr-Latn": "Potrebna je bar jedna vrednost.", "sr-Cyrl": "Потребна је бар једна вредност.",
		"bs": "Potrebna je barem jedna vrijednost.", "hr": "Potrebna je barem jedna vrijednost.",
	}},
	{regexp.MustCompile(`^must be another organisation`), text{
		"en": "Must be another organisation.", "sr-Latn": "Mora biti druga organizacija.", "sr-Cyrl": "Мора бити друга организација.",
		"bs": "Mora biti druga organizacija.", "hr": "Mora biti druga organizacija.",
	}},
	// The beneficiaries list's municipality filter.
	{regexp.MustCompile(`^must contain a letter or digit: a municipality`), text{
		"en":      "Must contain a letter or digit (a municipality is matched by its letters, in either script).",
		"sr-Latn": "Mora sadržati slovo ili cifru (opština se traži po slovima, u bilo kom pismu).",
		"sr-Cyrl": "Мора садржати слово или цифру (општина се тражи по словима, у било ком писму).",
		"bs":      "Mora sadržavati slovo ili cifru (općina se traži po slovima, u bilo kojem pismu).",
		"hr":      "Mora sadržavati slovo ili znamenku (općina se traži po slovima, u bilo kojem pismu).",
	}},
	{regexp.MustCompile(`^must contain at least (\d+) letters or digits`), text{
		"en": "Must contain at least {1} letters or digits.", "sr-Latn": "Mora sadržati najmanje {1} slova ili cifre.",
		"sr-Cyrl": "Мора садржати најмање {1} слова или цифре.",
		"bs":      "Mora sadržavati najmanje {1} slova ili cifre.", "hr": "Mora sadržavati najmanje {1} slova ili znamenke.",
	}},
	// Field masks (pkg/fieldmask).
	{regexp.MustCompile(`^("[^"]*") cannot be updated`), text{
		"en": "{1} cannot be changed.", "sr-Latn": "{1} se ne može menjati.", "sr-Cyrl": "{1} се не може мењати.",
		"bs": "{1} se ne može mijenjati.", "hr": "{1} se ne može mijenjati.",
	}},
	{regexp.MustCompile(`^names no field to change`), text{
		"en":      "Names no field to change: list the fields in update_mask or send them in the body.",
		"sr-Latn": "Ne navodi nijedno polje za izmenu: navedite polja u update_mask ili ih pošaljite u telu zahteva.",
		"sr-Cyrl": "Не наводи ниједно поље за измену: наведите поља у update_mask или их пошаљите у телу захтева.",
		"bs":      "Ne navodi nijedno polje za izmjenu: navedite polja u update_mask ili ih pošaljite u tijelu zahtjeva.",
		"hr":      "Ne navodi nijedno polje za izmjenu: navedite polja u update_mask ili ih pošaljite u tijelu zahtjeva.",
	}},
	// The HSDS API's filters (referrals ports/hsds.go).
	{regexp.MustCompile(`^only json is served`), text{
		"en": "Only json is served.", "sr-Latn": "Podržan je samo format json.", "sr-Cyrl": "Подржан је само формат json.",
		"bs": "Podržan je samo format json.", "hr": "Podržan je samo format json.",
	}},
	{regexp.MustCompile(`^cannot be combined with ([a-z_]+)`), text{
		"en": "Cannot be combined with {1}.", "sr-Latn": "Ne može se kombinovati sa {1}.", "sr-Cyrl": "Не може се комбиновати са {1}.",
		"bs": "Ne može se kombinovati sa {1}.", "hr": "Ne može se kombinirati s {1}.",
	}},
	{regexp.MustCompile(`^is not served: the directory keeps no postal codes`), text{
		"en":      "Not served: the directory keeps no postal codes or coordinates of locations.",
		"sr-Latn": "Nije podržano: imenik ne čuva poštanske brojeve ni koordinate lokacija.",
		"sr-Cyrl": "Није подржано: именик не чува поштанске бројеве ни координате локација.",
		"bs":      "Nije podržano: imenik ne čuva poštanske brojeve ni koordinate lokacija.",
		"hr":      "Nije podržano: imenik ne čuva poštanske brojeve ni koordinate lokacija.",
	}},
	// Counts, repeats and overlaps.
	{regexp.MustCompile(`^at most (\d+)\b`), text{
		"en": "Too many: at most {1}.", "sr-Latn": "Previše: najviše {1}.", "sr-Cyrl": "Превише: највише {1}.",
		"bs": "Previše: najviše {1}.", "hr": "Previše: najviše {1}.",
	}},
	{regexp.MustCompile(`^given twice`), text{
		"en": "Given twice.", "sr-Latn": "Navedeno dvaput.", "sr-Cyrl": "Наведено двапут.",
		"bs": "Navedeno dvaput.", "hr": "Navedeno dvaput.",
	}},
	{regexp.MustCompile(`^(?:dimension|language) ("[^"]*") given twice`), text{
		"en": "{1} is given twice.", "sr-Latn": "{1} je navedeno dvaput.", "sr-Cyrl": "{1} је наведено двапут.",
		"bs": "{1} je navedeno dvaput.", "hr": "{1} je navedeno dvaput.",
	}},
	{regexp.MustCompile(`^participant (\S+) marked twice`), text{
		"en": "Participant {1} is marked twice.", "sr-Latn": "Učesnik {1} je označen dvaput.", "sr-Cyrl": "Учесник {1} је означен двапут.",
		"bs": "Učesnik {1} je označen dvaput.", "hr": "Sudionik {1} je označen dvaput.",
	}},
	{regexp.MustCompile(`^(?:the same (?:period|location) as|lists the same organisation in the same role as) (\S+)`), text{
		"en": "Repeats {1}.", "sr-Latn": "Ponavlja {1}.", "sr-Cyrl": "Понавља {1}.",
		"bs": "Ponavlja {1}.", "hr": "Ponavlja {1}.",
	}},
	{regexp.MustCompile(`^shares days with `), text{
		"en": "Overlaps another period: periods must not share days.", "sr-Latn": "Preklapa se s drugim periodom: periodi ne smeju imati zajedničke dane.",
		"sr-Cyrl": "Преклапа се с другим периодом: периоди не смеју имати заједничке дане.",
		"bs":      "Preklapa se s drugim periodom: periodi ne smiju imati zajedničke dane.", "hr": "Preklapa se s drugim razdobljem: razdoblja ne smiju imati zajedničke dane.",
	}},
	// Fields that need another, or exclude one.
	{regexp.MustCompile(`^needs ([a-z]+_[a-z_]+)`), text{
		"en": "Needs {1} as well.", "sr-Latn": "Potrebno je i polje {1}.", "sr-Cyrl": "Потребно је и поље {1}.",
		"bs": "Potrebno je i polje {1}.", "hr": "Potrebno je i polje {1}.",
	}},
	{regexp.MustCompile(`^needs a name, e-mail or phone`), text{
		"en": "Needs a name, an e-mail address or a telephone number.", "sr-Latn": "Potrebno je ime, adresa e-pošte ili broj telefona.",
		"sr-Cyrl": "Потребно је име, адреса е-поште или број телефона.",
		"bs":      "Potrebno je ime, adresa e-pošte ili broj telefona.", "hr": "Potrebno je ime, adresa e-pošte ili telefonski broj.",
	}},
	{regexp.MustCompile(`^must not be given with ([a-z_]+)`), text{
		"en": "Must not be given together with {1}.", "sr-Latn": "Ne sme se navesti zajedno sa {1}.", "sr-Cyrl": "Не сме се навести заједно са {1}.",
		"bs": "Ne smije se navesti zajedno sa {1}.", "hr": "Ne smije se navesti zajedno s {1}.",
	}},
	{regexp.MustCompile(`^are required when no ref is given`), text{
		"en": "Required when no ref is given.", "sr-Latn": "Obavezno kada ref nije naveden.", "sr-Cyrl": "Обавезно када ref није наведен.",
		"bs": "Obavezno kada ref nije naveden.", "hr": "Obavezno kada ref nije naveden.",
	}},
	// Numbers and codes of reporting and imports.
	{regexp.MustCompile(`^must be a non-negative decimal number`), text{
		"en":      "Must be a non-negative decimal number with at most 4 decimal places, e.g. 40 or 12.5.",
		"sr-Latn": "Mora biti nenegativan decimalni broj sa najviše 4 decimale, npr. 40 ili 12.5.",
		"sr-Cyrl": "Мора бити ненегативан децимални број са највише 4 децимале, нпр. 40 или 12.5.",
		"bs":      "Mora biti nenegativan decimalni broj sa najviše 4 decimale, npr. 40 ili 12.5.",
		"hr":      "Mora biti nenegativan decimalni broj s najviše 4 decimale, npr. 40 ili 12.5.",
	}},
	{regexp.MustCompile(`^must start with a letter or digit and hold only letters, digits`), text{
		"en":      "Must start with a letter or digit and hold only letters, digits, '.', '_' and '-'.",
		"sr-Latn": "Mora počinjati slovom ili cifrom i sadržati samo slova, cifre, '.', '_' i '-'.",
		"sr-Cyrl": "Мора почињати словом или цифром и садржати само слова, цифре, '.', '_' и '-'.",
		"bs":      "Mora počinjati slovom ili cifrom i sadržavati samo slova, cifre, '.', '_' i '-'.",
		"hr":      "Mora počinjati slovom ili znamenkom i sadržavati samo slova, znamenke, '.', '_' i '-'.",
	}},
	{regexp.MustCompile(`^metric (\w+) cannot be broken down by ("[^"]*")`), text{
		"en": "Metric {1} cannot be broken down by {2}.", "sr-Latn": "Metrika {1} se ne može razvrstati po {2}.",
		"sr-Cyrl": "Метрика {1} се не може разврстати по {2}.",
		"bs":      "Metrika {1} se ne može razvrstati po {2}.", "hr": "Metrika {1} ne može se razvrstati po {2}.",
	}},
	{regexp.MustCompile(`^metric \w+ counts; only a manual indicator`), text{
		"en": "Only a manual indicator can have this measure.", "sr-Latn": "Samo ručni indikator može imati ovu meru.",
		"sr-Cyrl": "Само ручни индикатор може имати ову меру.",
		"bs":      "Samo ručni indikator može imati ovu mjeru.", "hr": "Samo ručni pokazatelj može imati ovu mjeru.",
	}},
	{regexp.MustCompile(`^must be an IATI organisation identifier`), text{
		"en": "Must be an IATI organisation identifier, e.g. HR-MIN-01.", "sr-Latn": "Mora biti IATI identifikator organizacije, npr. HR-MIN-01.",
		"sr-Cyrl": "Мора бити IATI идентификатор организације, нпр. HR-MIN-01.",
		"bs":      "Mora biti IATI identifikator organizacije, npr. HR-MIN-01.", "hr": "Mora biti IATI identifikator organizacije, npr. HR-MIN-01.",
	}},
	{regexp.MustCompile(`^must be a registered organisation identifier`), text{
		"en":      "Must be a registered organisation identifier: a registration agency code, a hyphen and the number it issued, e.g. HR-OIB-12345678901.",
		"sr-Latn": "Mora biti registarski identifikator organizacije: kod registra, crtica i broj koji je izdao, npr. HR-OIB-12345678901.",
		"sr-Cyrl": "Мора бити регистарски идентификатор организације: код регистра, цртица и број који је издао, нпр. HR-OIB-12345678901.",
		"bs":      "Mora biti registarski identifikator organizacije: kod registra, crtica i broj koji je izdao, npr. HR-OIB-12345678901.",
		"hr":      "Mora biti registarski identifikator organizacije: kod registra, crtica i broj koji je izdao, npr. HR-OIB-12345678901.",
	}},
	{regexp.MustCompile(`^must be abort \(`), text{
		"en":      "Must be abort (nothing is written if a row is bad) or skip (the good rows are written).",
		"sr-Latn": "Mora biti abort (ništa se ne upisuje ako je neki red loš) ili skip (upisuju se ispravni redovi).",
		"sr-Cyrl": "Мора бити abort (ништа се не уписује ако је неки ред лош) или skip (уписују се исправни редови).",
		"bs":      "Mora biti abort (ništa se ne upisuje ako je neki red loš) ili skip (upisuju se ispravni redovi).",
		"hr":      "Mora biti abort (ništa se ne upisuje ako je neki redak loš) ili skip (upisuju se ispravni retci).",
	}},
	{regexp.MustCompile(`^must be ([a-z]+(?:, [a-z]+)*) or ([a-z]+)$`), text{
		"en": "Must be {1} or {2}.", "sr-Latn": "Mora biti {1} ili {2}.", "sr-Cyrl": "Мора бити {1} или {2}.",
		"bs": "Mora biti {1} ili {2}.", "hr": "Mora biti {1} ili {2}.",
	}},
	// What the directory has (a referral's or an assistance's service and
	// place, a professional's organisation).
	{regexp.MustCompile(`^is a directory id, not a name: give it as ([a-z_]+)`), text{
		"en": "This is a directory id, not a name: give it as {1}.", "sr-Latn": "Ovo je identifikator iz imenika, a ne naziv: pošaljite ga kao {1}.",
		"sr-Cyrl": "Ово је идентификатор из именика, а не назив: пошаљите га као {1}.",
		"bs":      "Ovo je identifikator iz imenika, a ne naziv: pošaljite ga kao {1}.", "hr": "Ovo je identifikator iz imenika, a ne naziv: pošaljite ga kao {1}.",
	}},
	{regexp.MustCompile(`^(?:the directory has no |is not an organisation in the directory)`), text{
		"en": "The directory has no such entry.", "sr-Latn": "Imenik nema takav unos.", "sr-Cyrl": "Именик нема такав унос.",
		"bs": "Imenik nema takav unos.", "hr": "Imenik nema takav unos.",
	}},
	{regexp.MustCompile(`^is not a service of the receiving organisation`), text{
		"en": "Not a service of the receiving organisation.", "sr-Latn": "Nije usluga organizacije kojoj se upućuje.",
		"sr-Cyrl": "Није услуга организације којој се упућује.",
		"bs":      "Nije usluga organizacije kojoj se upućuje.", "hr": "Nije usluga organizacije kojoj se upućuje.",
	}},
	{regexp.MustCompile(`^(?:is not a location of |must be the id of one of the service's locations)`), text{
		"en": "Not one of the service's locations.", "sr-Latn": "Nije jedna od lokacija usluge.", "sr-Cyrl": "Није једна од локација услуге.",
		"bs": "Nije jedna od lokacija usluge.", "hr": "Nije jedna od lokacija usluge.",
	}},
	{regexp.MustCompile(`^is not a participant of training event`), text{
		"en": "Not a participant of this training event.", "sr-Latn": "Nije učesnik ovog događaja obuke.", "sr-Cyrl": "Није учесник овог догађаја обуке.",
		"bs": "Nije učesnik ovog događaja obuke.", "hr": "Nije sudionik ovog događaja obuke.",
	}},
	{regexp.MustCompile(`^a session is held on (\S+); move or delete it first`), text{
		"en": "A session is held on {1}; move or delete it first.", "sr-Latn": "Sesija se održava {1}; najpre je premestite ili obrišite.",
		"sr-Cyrl": "Сесија се одржава {1}; најпре је преместите или обришите.",
		"bs":      "Sesija se održava {1}; prvo je premjestite ili obrišite.", "hr": "Sesija se održava {1}; najprije je premjestite ili izbrišite.",
	}},
	// Referrals.
	{regexp.MustCompile(`^(?:the beneficiary has no live referral_sharing consent|must be the beneficiary's live referral_sharing consent)`), text{
		"en":      "Must be the beneficiary's valid referral_sharing consent, or empty.",
		"sr-Latn": "Mora biti važeća saglasnost korisnika za deljenje (referral_sharing) ili prazno.",
		"sr-Cyrl": "Мора бити важећа сагласност корисника за дељење (referral_sharing) или празно.",
		"bs":      "Mora biti važeća saglasnost korisnika za dijeljenje (referral_sharing) ili prazno.",
		"hr":      "Mora biti valjana privola korisnika za dijeljenje (referral_sharing) ili prazno.",
	}},
	{regexp.MustCompile(`^is recorded only (?:when a referral is completed|with outcome)`), text{
		"en":      "Recorded only when a referral is completed with outcome SERVICE_PROVIDED or PARTIALLY_PROVIDED.",
		"sr-Latn": "Evidentira se samo kada je upućivanje završeno ishodom SERVICE_PROVIDED ili PARTIALLY_PROVIDED.",
		"sr-Cyrl": "Евидентира се само када је упућивање завршено исходом SERVICE_PROVIDED или PARTIALLY_PROVIDED.",
		"bs":      "Evidentira se samo kada je upućivanje završeno ishodom SERVICE_PROVIDED ili PARTIALLY_PROVIDED.",
		"hr":      "Evidentira se samo kada je upućivanje završeno ishodom SERVICE_PROVIDED ili PARTIALLY_PROVIDED.",
	}},
	// Identity documents.
	{regexp.MustCompile(`^(?:encodes another birth year|contradicts the birth year)`), text{
		"en":      "Does not match the birth year (a JMBG starts with the birth date, DDMMYYY).",
		"sr-Latn": "Ne odgovara godini rođenja (JMBG počinje datumom rođenja, DDMMYYY).",
		"sr-Cyrl": "Не одговара години рођења (ЈМБГ почиње датумом рођења, DDMMYYY).",
		"bs":      "Ne odgovara godini rođenja (JMBG počinje datumom rođenja, DDMMYYY).",
		"hr":      "Ne odgovara godini rođenja (JMBG počinje datumom rođenja, DDMMYYY).",
	}},
	{regexp.MustCompile(`^(?:encodes another birth date|contradicts the birth date)`), text{
		"en":      "Does not match the birth date (a JMBG starts with the birth date, DDMMYYY).",
		"sr-Latn": "Ne odgovara datumu rođenja (JMBG počinje datumom rođenja, DDMMYYY).",
		"sr-Cyrl": "Не одговара датуму рођења (ЈМБГ почиње датумом рођења, DDMMYYY).",
		"bs":      "Ne odgovara datumu rođenja (JMBG počinje datumom rođenja, DDMMYYY).",
		"hr":      "Ne odgovara datumu rođenja (JMBG počinje datumom rođenja, DDMMYYY).",
	}},
	{regexp.MustCompile(`^carries a JMBG \(document (\S+)\) that encodes another birth year`), text{
		"en":      "Its JMBG (document {1}) does not match the birth year of the record it would be merged into: correct the one that is wrong first.",
		"sr-Latn": "Njegov JMBG (dokument {1}) ne odgovara godini rođenja zapisa u koji bi se spojio: prvo ispravite pogrešan podatak.",
		"sr-Cyrl": "Његов ЈМБГ (документ {1}) не одговара години рођења записа у који би се спојио: прво исправите погрешан податак.",
		"bs":      "Njegov JMBG (dokument {1}) ne odgovara godini rođenja zapisa u koji bi se spojio: prvo ispravite pogrešan podatak.",
		"hr":      "Njegov JMBG (dokument {1}) ne odgovara godini rođenja zapisa u koji bi se spojio: najprije ispravite pogrešan podatak.",
	}},
	{regexp.MustCompile(`^carries a JMBG \(document (\S+)\) that encodes another birth date`), text{
		"en":      "Its JMBG (document {1}) does not match the birth date of the record it would be merged into: correct the one that is wrong first.",
		"sr-Latn": "Njegov JMBG (dokument {1}) ne odgovara datumu rođenja zapisa u koji bi se spojio: prvo ispravite pogrešan podatak.",
		"sr-Cyrl": "Његов ЈМБГ (документ {1}) не одговара датуму рођења записа у који би се спојио: прво исправите погрешан податак.",
		"bs":      "Njegov JMBG (dokument {1}) ne odgovara datumu rođenja zapisa u koji bi se spojio: prvo ispravite pogrešan podatak.",
		"hr":      "Njegov JMBG (dokument {1}) ne odgovara datumu rođenja zapisa u koji bi se spojio: najprije ispravite pogrešan podatak.",
	}},
	// A merge's duplicate with a legal status from before the survivor's
	// birth (domain.CheckMergedStatuses; {1} is the status's code).
	{regexp.MustCompile(`^has held a legal status \(([a-z_]+)\) since before the birth year`), text{
		"en":      "It has held a legal status ({1}) since before the birth year of the record it would be merged into: correct the one that is wrong first.",
		"sr-Latn": "Njegov pravni status ({1}) počinje pre godine rođenja zapisa u koji bi se spojio: prvo ispravite pogrešan podatak.",
		"sr-Cyrl": "Његов правни статус ({1}) почиње пре године рођења записа у који би се спојио: прво исправите погрешан податак.",
		"bs":      "Njegov pravni status ({1}) počinje prije godine rođenja zapisa u koji bi se spojio: prvo ispravite pogrešan podatak.",
		"hr":      "Njegov pravni status ({1}) počinje prije godine rođenja zapisa u koji bi se spojio: najprije ispravite pogrešan podatak.",
	}},
	{regexp.MustCompile(`^has held a legal status \(([a-z_]+)\) since before the birth date`), text{
		"en":      "It has held a legal status ({1}) since before the birth date of the record it would be merged into: correct the one that is wrong first.",
		"sr-Latn": "Njegov pravni status ({1}) počinje pre datuma rođenja zapisa u koji bi se spojio: prvo ispravite pogrešan podatak.",
		"sr-Cyrl": "Његов правни статус ({1}) почиње пре датума рођења записа у који би се спојио: прво исправите погрешан податак.",
		"bs":      "Njegov pravni status ({1}) počinje prije datuma rođenja zapisa u koji bi se spojio: prvo ispravite pogrešan podatak.",
		"hr":      "Njegov pravni status ({1}) počinje prije datuma rođenja zapisa u koji bi se spojio: najprije ispravite pogrešan podatak.",
	}},
	// A second JMBG or OIB of one person (domain.NumberHeld, a create's
	// documents), and a merge's duplicate with another one than the
	// survivor's (domain.CheckMergedNumbers).
	{regexp.MustCompile(`^is another personal number than the one the beneficiary has \(document (\S+)\): a person has one (JMBG|OIB)`), text{
		"en":      "The beneficiary has another {2} (document {1}): a person has one; to correct it, delete that document and add this one.",
		"sr-Latn": "Korisnik već ima drugi {2} (dokument {1}): osoba ima jedan; da biste ga ispravili, obrišite taj dokument i dodajte ovaj.",
		"sr-Cyrl": "Корисник већ има други {2} (документ {1}): особа има један; да бисте га исправили, обришите тај документ и додајте овај.",
		"bs":      "Korisnik već ima drugi {2} (dokument {1}): osoba ima jedan; da biste ga ispravili, obrišite taj dokument i dodajte ovaj.",
		"hr":      "Korisnik već ima drugi {2} (dokument {1}): osoba ima jedan; da biste ga ispravili, izbrišite taj dokument i dodajte ovaj.",
	}},
	{regexp.MustCompile(`^is another personal number than the one the beneficiary has: a person has one (JMBG|OIB)`), text{
		"en":      "A second {1}: a person has one.",
		"sr-Latn": "Drugi {1}: osoba ima jedan.", "sr-Cyrl": "Други {1}: особа има један.",
		"bs": "Drugi {1}: osoba ima jedan.", "hr": "Drugi {1}: osoba ima jedan.",
	}},
	{regexp.MustCompile(`^has another (JMBG|OIB) \(document (\S+)\) than beneficiary (\S+) \(document (\S+)\)`), text{
		"en":      "Its {1} (document {2}) is another than that of the record it would be merged into (document {4}): a person has one, so these are two persons, or one number is wrong: correct it first.",
		"sr-Latn": "Njegov {1} (dokument {2}) razlikuje se od onog u zapisu u koji bi se spojio (dokument {4}): osoba ima jedan, pa su ovo dve osobe ili je jedan broj pogrešan: prvo ga ispravite.",
		"sr-Cyrl": "Његов {1} (документ {2}) разликује се од оног у запису у који би се спојио (документ {4}): особа има један, па су ово две особе или је један број погрешан: прво га исправите.",
		"bs":      "Njegov {1} (dokument {2}) razlikuje se od onog u zapisu u koji bi se spojio (dokument {4}): osoba ima jedan, pa su ovo dvije osobe ili je jedan broj pogrešan: prvo ga ispravite.",
		"hr":      "Njegov {1} (dokument {2}) razlikuje se od onog u zapisu u koji bi se spojio (dokument {4}): osoba ima jedan, pa su ovo dvije osobe ili je jedan broj pogrešan: najprije ga ispravite.",
	}},
	{regexp.MustCompile(`^JMBG is issued in the former Yugoslav countries`), text{
		"en":      "A JMBG is issued in the former Yugoslav countries (RS, BA, ME, MK, SI, HR, XK).",
		"sr-Latn": "JMBG se izdaje u državama bivše Jugoslavije (RS, BA, ME, MK, SI, HR, XK).",
		"sr-Cyrl": "ЈМБГ се издаје у државама бивше Југославије (RS, BA, ME, MK, SI, HR, XK).",
		"bs":      "JMBG se izdaje u državama bivše Jugoslavije (RS, BA, ME, MK, SI, HR, XK).",
		"hr":      "JMBG se izdaje u državama bivše Jugoslavije (RS, BA, ME, MK, SI, HR, XK).",
	}},
	{regexp.MustCompile(`^OIB is issued in Croatia`), text{
		"en": "An OIB is issued in Croatia (HR).", "sr-Latn": "OIB se izdaje u Hrvatskoj (HR).", "sr-Cyrl": "ОИБ се издаје у Хрватској (HR).",
		"bs": "OIB se izdaje u Hrvatskoj (HR).", "hr": "OIB se izdaje u Hrvatskoj (HR).",
	}},
	{regexp.MustCompile(`^must differ from id`), text{
		"en": "Must differ from id: a record is not merged into itself.", "sr-Latn": "Mora se razlikovati od id: zapis se ne spaja sam sa sobom.",
		"sr-Cyrl": "Мора се разликовати од id: запис се не спаја сам са собом.",
		"bs":      "Mora se razlikovati od id: zapis se ne spaja sam sa sobom.", "hr": "Mora se razlikovati od id: zapis se ne spaja sam sa sobom.",
	}},
	// Feeds.
	{regexp.MustCompile(`^(?:is not a cursor returned by this feed|is beyond the end of this feed)`), text{
		"en": "Not a cursor of this feed.", "sr-Latn": "Nije kursor ovog toka.", "sr-Cyrl": "Није курсор овог тока.",
		"bs": "Nije kursor ovog toka.", "hr": "Nije kursor ovog toka.",
	}},
	// A change-feed cursor of the readable kind given before r24
	// (CURSOR_RETIRED).
	{regexp.MustCompile(`^is a cursor of a kind no longer accepted`), text{
		"en":      "A cursor of a kind no longer accepted; start again with start_time set to the timestamp of the last event you processed, or without after.",
		"sr-Latn": "Kursor vrste koja se više ne prihvata; počnite ponovo sa start_time jednakim vremenu poslednjeg obrađenog događaja, ili bez after.",
		"sr-Cyrl": "Курсор врсте која се више не прихвата; почните поново са start_time једнаким времену последњег обрађеног догађаја, или без after.",
		"bs":      "Kursor vrste koja se više ne prihvata; počnite ponovo sa start_time jednakim vremenu posljednjeg obrađenog događaja, ili bez after.",
		"hr":      "Kursor vrste koja se više ne prihvaća; počnite ponovno sa start_time jednakim vremenu posljednjeg obrađenog događaja, ili bez after.",
	}},
	// The change feed's cursor or start_time older than the events kept
	// (CURSOR_EXPIRED).
	{regexp.MustCompile(`^is older than the feed's retention; the oldest cursor available is (\S+)`), text{
		"en": "Older than the events kept; the oldest cursor available is {1}.", "sr-Latn": "Stariji od sačuvanih događaja; najstariji dostupni kursor je {1}.",
		"sr-Cyrl": "Старији од сачуваних догађаја; најстарији доступни курсор је {1}.",
		"bs":      "Stariji od sačuvanih događaja; najstariji dostupni kursor je {1}.", "hr": "Stariji od sačuvanih događaja; najstariji dostupni kursor je {1}.",
	}},
	{regexp.MustCompile(`^is before the feed's retention; the oldest start_time available is (\S+), the oldest cursor (\S+)`), text{
		"en":      "Before the events kept; the oldest start_time available is {1}, the oldest cursor {2}.",
		"sr-Latn": "Pre sačuvanih događaja; najstarije dostupno start_time je {1}, najstariji kursor {2}.",
		"sr-Cyrl": "Пре сачуваних догађаја; најстарије доступно start_time је {1}, најстарији курсор {2}.",
		"bs":      "Prije sačuvanih događaja; najstarije dostupno start_time je {1}, najstariji kursor {2}.",
		"hr":      "Prije sačuvanih događaja; najstarije dostupno start_time je {1}, najstariji kursor {2}.",
	}},
	{regexp.MustCompile(`^is not supported: send the body with Content-Length`), text{
		"en":      "Not supported: send the body with Content-Length, or with Transfer-Encoding: chunked.",
		"sr-Latn": "Nije podržano: pošaljite telo zahteva uz Content-Length ili uz Transfer-Encoding: chunked.",
		"sr-Cyrl": "Није подржано: пошаљите тело захтева уз Content-Length или уз Transfer-Encoding: chunked.",
		"bs":      "Nije podržano: pošaljite tijelo zahtjeva uz Content-Length ili uz Transfer-Encoding: chunked.",
		"hr":      "Nije podržano: pošaljite tijelo zahtjeva uz Content-Length ili uz Transfer-Encoding: chunked.",
	}},
	{regexp.MustCompile(`^is not supported: send the body uncompressed`), text{
		"en": "Not supported: send the body uncompressed.", "sr-Latn": "Nije podržano: pošaljite telo zahteva nekomprimovano.",
		"sr-Cyrl": "Није подржано: пошаљите тело захтева некомпримовано.",
		"bs":      "Nije podržano: pošaljite tijelo zahtjeva nekomprimovano.", "hr": "Nije podržano: pošaljite tijelo zahtjeva nekomprimirano.",
	}},
	// The beneficiaries service's refusal of a document the person has
	// with no issuing country, or without it one the person has with a
	// country (domain.DocumentTaken; before the key's text below).
	{regexp.MustCompile(`^is already taken: the beneficiary has a document of this type and number \(document ([0-9a-f-]+)\)`), text{
		"en":      "The beneficiary has this document already (document {1}: the same type and number, one of the two without an issuing country); to give it its issuing country, delete it and add it again.",
		"sr-Latn": "Korisnik već ima ovaj dokument (dokument {1}: iste vrste i broja, jedan od njih bez države izdavanja); da biste mu upisali državu izdavanja, obrišite ga i dodajte ponovo.",
		"sr-Cyrl": "Корисник већ има овај документ (документ {1}: исте врсте и броја, један од њих без државе издавања); да бисте му уписали државу издавања, обришите га и додајте поново.",
		"bs":      "Korisnik već ima ovaj dokument (dokument {1}: iste vrste i broja, jedan od njih bez države izdavanja); da biste mu upisali državu izdavanja, obrišite ga i dodajte ponovo.",
		"hr":      "Korisnik već ima ovaj dokument (dokument {1}: iste vrste i broja, jedan od njih bez države izdavanja); da biste mu upisali državu izdavanja, izbrišite ga i dodajte ponovno.",
	}},
	// pkg/db's refusal of a document the person has already (the
	// beneficiaries service's key; before the general text below).
	{regexp.MustCompile(`^is already taken: the beneficiary has a document of this type`), text{
		"en":      "The beneficiary has this document already (the same type, number and issuing country).",
		"sr-Latn": "Korisnik već ima ovaj dokument (iste vrste, broja i države izdavanja).",
		"sr-Cyrl": "Корисник већ има овај документ (исте врсте, броја и државе издавања).",
		"bs":      "Korisnik već ima ovaj dokument (iste vrste, broja i države izdavanja).",
		"hr":      "Korisnik već ima ovaj dokument (iste vrste, broja i države izdavanja).",
	}},
	// pkg/db's refusal of a write that takes a unique key another record
	// holds (a project or indicator code).
	{regexp.MustCompile(`^is already taken`), text{
		"en": "Already taken: another record has this value.", "sr-Latn": "Već je zauzeto: drugi zapis ima ovu vrednost.",
		"sr-Cyrl": "Већ је заузето: други запис има ову вредност.",
		"bs":      "Već je zauzeto: drugi zapis ima ovu vrijednost.", "hr": "Već je zauzeto: drugi zapis ima ovu vrijednost.",
	}},
	// The beneficiaries service's: a case number another record has.
	{regexp.MustCompile(`^is the external_id of beneficiary (\S+) already`), text{
		"en":      "Already the external_id of beneficiary {1}: each record has its own.",
		"sr-Latn": "Već je external_id korisnika {1}: svaki zapis ima svoj.",
		"sr-Cyrl": "Већ је external_id корисника {1}: сваки запис има свој.",
		"bs":      "Već je external_id korisnika {1}: svaki zapis ima svoj.",
		"hr":      "Već je external_id korisnika {1}: svaki zapis ima svoj.",
	}},
	{regexp.MustCompile(`^must differ from id`), text{
		"en":      "Must differ from id: a record is not merged into itself.",
		"sr-Latn": "Mora se razlikovati od id: zapis se ne spaja sam sa sobom.",
		"sr-Cyrl": "Мора се разликовати од id: запис се не спаја сам са собом.",
		"bs":      "Mora se razlikovati od id: zapis se ne spaja sam sa sobom.",
		"hr":      "Mora se razlikovati od id: zapis se ne spaja sam sa sobom.",
	}},
	{regexp.MustCompile(`^is in a household already`), text{
		"en":      "Already in a household (a person is in at most one): remove them from it first.",
		"sr-Latn": "Već je u domaćinstvu (osoba je u najviše jednom): prvo je uklonite iz njega.",
		"sr-Cyrl": "Већ је у домаћинству (особа је у највише једном): прво је уклоните из њега.",
		"bs":      "Već je u domaćinstvu (osoba je u najviše jednom): prvo je uklonite iz njega.",
		"hr":      "Već je u kućanstvu (osoba je u najviše jednom): najprije je uklonite iz njega.",
	}},
	// The beneficiaries service's refusal of a second head of a household
	// (domain.HeadTaken, and two heads in one create).
	{regexp.MustCompile(`^is a second head: a household has one`), text{
		"en":      "A second head: a household has one head (to make this member the head, remove the current head from the household first).",
		"sr-Latn": "Drugi nosilac: domaćinstvo ima jednog nosioca (da bi ovaj član bio nosilac, prvo uklonite sadašnjeg nosioca iz domaćinstva).",
		"sr-Cyrl": "Други носилац: домаћинство има једног носиоца (да би овај члан био носилац, прво уклоните садашњег носиоца из домаћинства).",
		"bs":      "Drugi nosilac: domaćinstvo ima jednog nosioca (da bi ovaj član bio nosilac, prvo uklonite sadašnjeg nosioca iz domaćinstva).",
		"hr":      "Drugi nositelj: kućanstvo ima jednog nositelja (da bi ovaj član bio nositelj, najprije uklonite sadašnjeg nositelja iz kućanstva).",
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

// invalidNoFields is the message of an INVALID_ARGUMENT status that names
// no field and whose reason has no message of its own (a body over the
// limit, a malformed path, a bad Idempotency-Key): the English message is
// all there is to point to.
var invalidNoFields = text{
	"en":      "The request is not valid; the message (in English) says why.",
	"sr-Latn": "Zahtev nije ispravan; razlog navodi poruka (na engleskom).",
	"sr-Cyrl": "Захтев није исправан; разлог наводи порука (на енглеском).",
	"bs":      "Zahtjev nije ispravan; razlog navodi poruka (na engleskom).",
	"hr":      "Zahtjev nije ispravan; razlog navodi poruka (na engleskom).",
}

// rowsInvalidHeader is ROWS_INVALID's text when the header row has problems
// and no data row has any (a date header read two ways with no mark under
// it): "some rows" would send the reader looking for bad rows there are
// none of.
var rowsInvalidHeader = text{
	"en":      "The header row (row 1) has problems, so nothing was imported: fix it, or import with on_error=skip.",
	"sr-Latn": "Red zaglavlja (prvi red) ima greške, pa ništa nije uvezeno: ispravite ga ili uvezite sa on_error=skip.",
	"sr-Cyrl": "Ред заглавља (први ред) има грешке, па ништа није увезено: исправите га или увезите са on_error=skip.",
	"bs":      "Red zaglavlja (prvi red) ima greške, pa ništa nije uvezeno: ispravite ga ili uvezite sa on_error=skip.",
	"hr":      "Redak zaglavlja (prvi redak) ima pogreške pa ništa nije uvezeno: ispravite ga ili uvezite s on_error=skip.",
}

// rowsInvalidBoth is ROWS_INVALID's text when both the header row and
// some data rows have problems.
var rowsInvalidBoth = text{
	"en":      "The header row (row 1) and some rows have problems, so nothing was imported: fix them, or import with on_error=skip.",
	"sr-Latn": "Red zaglavlja (prvi red) i neki redovi imaju greške, pa ništa nije uvezeno: ispravite ih ili uvezite sa on_error=skip.",
	"sr-Cyrl": "Ред заглавља (први ред) и неки редови имају грешке, па ништа није увезено: исправите их или увезите са on_error=skip.",
	"bs":      "Red zaglavlja (prvi red) i neki redovi imaju greške, pa ništa nije uvezeno: ispravite ih ili uvezite sa on_error=skip.",
	"hr":      "Redak zaglavlja (prvi redak) i neki retci imaju pogreške pa ništa nije uvezeno: ispravite ih ili uvezite s on_error=skip.",
}
