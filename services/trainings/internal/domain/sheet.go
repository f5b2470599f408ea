package domain

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/imports"
	"github.com/spona/spona/pkg/translit"
)

// The columns of a sign-in sheet (headers in English or in Serbian,
// Bosnian or Croatian, either script).
var (
	// The words of Serbia, Bosnia and Herzegovina and Croatia (udruga,
	// socijalna skrb, policijska postaja are Croatian), and the kinds of
	// institution a sign-in sheet names for its sector.
	sectorWords = imports.NewWords("SECTOR_", map[string][]string{
		"justice": {"pravosuđe", "pravosudje", "sudstvo", "sud", "tužilaštvo", "tužiteljstvo", "državno odvjetništvo",
			"pravda", "ministarstvo pravde", "ministarstvo pravosuđa"},
		"police": {"policija", "mup", "granična policija", "policijska uprava", "policijska stanica", "policijska postaja",
			"ministarstvo unutrašnjih poslova", "ministarstvo unutarnjih poslova"},
		"social_welfare": {"socijalna zaštita", "centar za socijalni rad", "csr", "socijalni rad", "socijalna skrb",
			"centar za socijalnu skrb", "zavod za socijalni rad", "socijalna služba"},
		"education": {"obrazovanje", "prosveta", "prosvjeta", "škola", "školstvo", "osnovna škola", "srednja škola",
			"vrtić", "predškolska ustanova", "fakultet", "univerzitet", "sveučilište"},
		"health": {"zdravstvo", "zdravlje", "dom zdravlja", "bolnica", "zdravstvena zaštita", "klinika", "klinički centar",
			"zavod za javno zdravlje", "zavod za javno zdravstvo"},
		"labour": {"zapošljavanje", "rad", "nsz", "tržište rada", "služba za zapošljavanje", "zavod za zapošljavanje",
			"hzz", "biro rada"},
		"ngo": {"nvo", "nevladina organizacija", "ocd", "organizacija civilnog društva", "udruženje", "civilno društvo",
			"udruga", "udruge", "nevladina udruga", "zaklada", "fondacija"},
		"local_government": {"lokalna samouprava", "jls", "jedinica lokalne samouprave", "opština", "općina", "grad",
			"lokalna uprava", "gradska uprava", "opštinska uprava", "općinska uprava"},
		"other": {"ostalo", "drugo"},
	})
	profSexWords = imports.NewWords("SEX_", map[string][]string{
		"female":  {"f", "ž", "ženski", "žensko", "žena"},
		"male":    {"m", "muški", "muško", "muškarac"},
		"other":   {"drugo", "ostalo"},
		"unknown": {"nepoznato"},
	})
)

// ParticipantColumns are the columns of a sign-in sheet besides attendance.
var ParticipantColumns = []imports.Column{
	{Field: "given_name", Names: []string{"ime", "first name", "given name"}, Required: true},
	{Field: "family_name", Names: []string{"prezime", "last name", "surname", "family name"}, Required: true},
	{Field: "organisation", Names: []string{"organizacija", "ustanova", "institucija", "organisation", "organization", "organisation_name", "organisation_id"}},
	{Field: "sector", Names: []string{"sektor", "oblast"}, Required: true, Values: sectorWords.Codes()},
	{Field: "sex", Names: []string{"pol", "spol", "gender", "rod"}, Values: profSexWords.Codes()},
	{Field: "email", Names: []string{"e-mail", "imejl", "e-pošta", "mejl", "mail"}},
	{Field: "position", Names: []string{"pozicija", "radno mesto", "radno mjesto", "funkcija", "zvanje", "role", "job title"}},
}

// ParticipantWords are the local words of the coded columns.
var ParticipantWords = map[string]imports.Words{"sector": sectorWords, "sex": profSexWords}

// SessionField is the field of a session's attendance column.
func SessionField(id string) string { return "session:" + id }

// sessionNumber is a header naming a session by its place in the
// programme, folded (translit.Fold: "Sesija 2", "DAN-2", "Сесија 2" are
// "sesija 2"). The number is one group of digits: "Sesija 1 (12.4.)"
// folds to "sesija 1 12 4", which is no place (its hint in brackets is
// taken off by imports.MatchHeader, and "Sesija 1" then is).
var sessionNumber = regexp.MustCompile(`^(?:session|sesija|sesion|sastanak|dan|day|termin) ?(\d+)$`)

// SessionColumn returns the session a header names: a session's date in
// any accepted form, or its day and month alone ("6.5.": sessionDay)
// (when only one session is that day), its date and
// start time ("2024-05-06 13:00", when no other session that day starts
// then), "session 2" / "sesija 2" / "dan 2" (the second session in
// programme order), or a session id. sessions are in programme order.
func SessionColumn(header string, sessions []*Session) (string, bool) {
	h := strings.TrimSpace(header)
	if ids.Valid(ids.Normalize(h)) {
		for _, s := range sessions {
			if s.ID == ids.Normalize(h) {
				return SessionField(s.ID), true
			}
		}
	}
	if m := sessionNumber.FindStringSubmatch(translit.Fold(h)); m != nil {
		n, _ := strconv.Atoi(m[1])
		if n >= 1 && n <= len(sessions) {
			return SessionField(sessions[n-1].ID), true
		}
		return "", false
	}
	if at, ok := spreadsheetDateTime(h); ok {
		// A "2024-05-06 13:00" header a spreadsheet program made a
		// date-time cell; midnight is how it keeps a date alone.
		if at.Hour() != 0 || at.Minute() != 0 {
			return sessionAt(date.Of(at), at.Format("15:04"), sessions)
		}
		h = at.Format(time.DateOnly)
	}
	if i := strings.LastIndex(h, " "); i > 0 {
		if start, err := time.Parse("15:04", h[i+1:]); err == nil {
			d, ok := sessionDay(h[:i], sessions)
			if !ok {
				return "", false
			}
			return sessionAt(d, start.Format("15:04"), sessions)
		}
	}
	if d, ok := sessionDay(h, sessions); ok {
		var found *Session
		for _, s := range sessions {
			if s.Date == d {
				if found != nil {
					return "", false
				}
				found = s
			}
		}
		if found != nil {
			return SessionField(found.ID), true
		}
	}
	return "", false
}

// dayMonth is a day and month without the year ("6.5.", "6. 5.", "06.05"),
// as sign-in sheets head their day columns.
var dayMonth = regexp.MustCompile(`^(\d{1,2})\.\s*(\d{1,2})\.?$`)

// sessionDay reads the day a header names: a date in any accepted form
// (imports.ParseDate), or a day and month (dayMonth) that the sessions of
// one year have (false when no session, or sessions of two years, fall
// on it).
func sessionDay(h string, sessions []*Session) (date.Date, bool) {
	if d, err := imports.ParseDate(h); err == nil {
		return d, true
	}
	m := dayMonth.FindStringSubmatch(strings.TrimSpace(h))
	if m == nil {
		return date.Date{}, false
	}
	day, _ := strconv.Atoi(m[1])
	month, _ := strconv.Atoi(m[2])
	var found date.Date
	for _, s := range sessions {
		if s.Date.Day != day || int(s.Date.Month) != month {
			continue
		}
		if !found.IsZero() && found != s.Date {
			return date.Date{}, false
		}
		found = s.Date
	}
	return found, !found.IsZero()
}

// sessionAt returns the one session on day d starting at start (15:04).
func sessionAt(d date.Date, start string, sessions []*Session) (string, bool) {
	var found *Session
	for _, s := range sessions {
		if s.Date == d && s.StartTime == start {
			if found != nil {
				return "", false
			}
			found = s
		}
	}
	if found == nil {
		return "", false
	}
	return SessionField(found.ID), true
}

// spreadsheetDate matches a date and time as an XLSX date-time cell reads
// ("2024-05-06T13:00:00": pkg/sheet gives a serial with a time of day as
// the date and time it shows, in no zone; a cell holding an ISO date-time,
// t="d", may be written so too). With a zone ("…T11:00:00Z", as
// JavaScript writes 13:00 in Belgrade) the day and time depend on the
// zone, so it is no start time: as any date, the header is then read by
// imports.ParseDate, which takes midnight alone (imports.MatchHeader
// refuses it, saying what it is, when it names no session).
var spreadsheetDate = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?$`)

// spreadsheetDateTime reads h as an XLSX date-time cell, to the nearest
// minute: the cell holds a fraction of a day, which a start time such as
// 13:00 is not exactly (pkg/sheet reads it to the nearest second, and a
// cell may hold seconds: 12:59:59 is the 13:00 session).
func spreadsheetDateTime(h string) (time.Time, bool) {
	if !spreadsheetDate.MatchString(h) {
		return time.Time{}, false
	}
	at, err := time.Parse("2006-01-02T15:04:05.999999999", h)
	if err != nil {
		return time.Time{}, false
	}
	if at.Second() >= 30 { // to the nearest minute, whatever the fraction
		at = at.Add(time.Minute)
	}
	return at.Truncate(time.Minute), true
}

// SessionHeader is the header of the attendance column of the i-th of
// sessions (in programme order) in an event's template: one that still
// names that session when the programme changes before the sheet comes
// back (SessionColumn). It is the session's date when it is the only
// session that day, else its date and start time; only a session of a
// day with several that shares its start time, or has none, is named by
// its place in the programme ("session 3"), which a later change moves.
func SessionHeader(i int, sessions []*Session) string {
	s := sessions[i]
	if h := s.Date.String(); isColumn(h, s, sessions) {
		return h
	}
	if h := s.Date.String() + " " + s.StartTime; s.StartTime != "" && isColumn(h, s, sessions) {
		return h
	}
	return "session " + strconv.Itoa(i+1)
}

// isColumn reports whether header names s among sessions.
func isColumn(header string, s *Session, sessions []*Session) bool {
	f, ok := SessionColumn(header, sessions)
	return ok && f == SessionField(s.ID)
}

// SheetRow is one row of a sign-in sheet.
type SheetRow struct {
	Participant *Participant
	// Marks by session id.
	Marks map[string]bool
}

// ParticipantFromRow reads one row of a sign-in sheet: the professional,
// checked as CreateParticipant checks it, and the attendance marks.
func ParticipantFromRow(m imports.Mapping, row int, cells []string) (*SheetRow, *imports.RowProblems) {
	p := &imports.RowProblems{Row: row, Mapping: m}
	cell := func(f string) string { return m.Cell(cells, f) }
	pr := &Professional{GivenName: cell("given_name"), FamilyName: cell("family_name"), Email: cell("email"), Position: cell("position")}
	if org := cell("organisation"); ids.Valid(ids.Normalize(org)) {
		pr.OrganisationID = org
	} else {
		pr.OrganisationName = org
	}
	code := func(f string, w imports.Words, dst *string) {
		c, ok := w.Code(cell(f))
		if !ok {
			p.Add(cells, f, "%q is not a known %s; use one of %s", cell(f), f, strings.Join(w.Codes(), ", "))
		}
		*dst = c
	}
	code("sector", sectorWords, &pr.Sector)
	code("sex", profSexWords, &pr.Sex)
	out := &SheetRow{Participant: &Participant{Professional: pr}, Marks: map[string]bool{}}
	for i, f := range m.Fields {
		id, ok := strings.CutPrefix(f, "session:")
		if !ok || i >= len(cells) {
			continue
		}
		yes, set, err := imports.ParseYesNo(cells[i])
		if err != nil {
			p.Add(cells, f, "%v", err)
			continue
		}
		if set {
			out.Marks[id] = yes
		}
	}
	out.Participant.Normalize()
	var e *errs.Error
	if errors.As(out.Participant.Validate(), &e) {
		seen := map[string]bool{}
		for _, x := range p.List {
			seen[x.Field] = true
		}
		for _, v := range e.Violations {
			f := strings.TrimPrefix(strings.TrimPrefix(v.Field, "participant.professional."), "participant.")
			if f == "organisation_id" || f == "organisation_name" {
				f = "organisation"
			}
			if !seen[f] {
				p.Add(cells, f, "%s", v.Description)
			}
		}
	}
	return out, p
}
