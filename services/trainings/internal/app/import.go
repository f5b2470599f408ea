package app

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/events"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/imports"
	"github.com/spona/spona/pkg/pagination"
	"github.com/spona/spona/pkg/sheet"
	"github.com/spona/spona/services/trainings/internal/domain"
)

// ImportRepository keeps the staged rows of participant imports.
type ImportRepository interface {
	// ImportRows, SetImportDuplicates, FinishImport (of a dry run).
	imports.Staged
	// ProfessionalsSharing returns organiser's professional records that
	// share an e-mail or names and organisation with one of who, each with
	// its registration at the event ("" when it has none).
	ProfessionalsSharing(ctx context.Context, organiser, eventID string, who []domain.Identity) ([]RegisteredRecord, error)
	// EarlierRowsSharing returns, for the staged rows in (after, upTo],
	// the earlier rows of the import that share the row's e-mail or names
	// and organisation (the staged keys: see stagedIdentity).
	EarlierRowsSharing(ctx context.Context, importID string, after, upTo int) ([]StagedPair, error)
	// InImportTx runs fn with a writer whose statements share one
	// transaction, committed when fn returns nil.
	InImportTx(ctx context.Context, fn func(ImportWriter) error) error
}

// RegisteredRecord is a professional record and its registration at an
// event ("" when it has none).
type RegisteredRecord struct {
	domain.Record
	ParticipantID string
}

// StagedPair is a staged row and an earlier row of its import that shares
// a key with it, with that row's staged keys.
type StagedPair struct {
	Row, Earlier               int
	EarlierEmail, EarlierNames string
}

// stagedIdentity is the identity of a staged row's professional, from its
// keys: the e-mail (MatchKey) and the encoded names and organisation
// (NameKey).
func stagedIdentity(email, names string) domain.Identity {
	k, _ := domain.ParseMatchKey(names)
	return domain.Identity{Email: email, Name: k}
}

// ImportWriter writes an import's rows inside one transaction.
type ImportWriter interface {
	ImportRows(ctx context.Context, importID string, after, limit int) ([]*imports.StagedRow, error)
	// CreateParticipant registers p as Repository.CreateParticipant does.
	CreateParticipant(ctx context.Context, organiser string, p *domain.Participant) (*domain.Participant, error)
	// KeepParticipants returns those of the event's participants ids
	// names that no longer exist, and keeps the others from being deleted
	// until the transaction ends, in one statement.
	KeepParticipants(ctx context.Context, eventID string, ids []string) (gone []string, err error)
	// Sessions returns the event's sessions as they are, in programme
	// order, and keeps them from being deleted until the transaction
	// ends, in one statement.
	Sessions(ctx context.Context, eventID string) ([]*domain.Session, error)
	// RecordMarks sets a participant's attendance marks (by session id)
	// and returns the sessions whose mark it recorded anew or changed, and
	// how the marks moved the sessions it attended (Mark.Moved summed).
	RecordMarks(ctx context.Context, participantID string, marks map[string]bool) (changed []string, moved int, err error)
	// Completions is CompletionStore's, in the import's transaction.
	CompletionStore
	// LockProject is EventStore's, in the import's transaction.
	LockProject(ctx context.Context, id string) (string, error)
	SetImportOutcomes(ctx context.Context, importID string, outs []imports.Outcome) error
	// Emit writes events to the outbox in the import's transaction.
	Emit(ctx context.Context, evs ...events.Event) error
	FinishImport(ctx context.Context, importID string, c imports.Counts) error
}

// kindCache looks organisations up in the directory once per import: their
// kinds by id, and (read once, when a row first names an organisation by
// name) the directory's names.
type kindCache struct {
	dir   Directory
	kinds map[string]string
	index *DirectoryIndex
}

func newKindCache(dir Directory) *kindCache {
	return &kindCache{dir: dir, kinds: map[string]string{}}
}

// kind returns the directory kind of id; errs.KindNotFound when it is not
// in the directory.
func (k *kindCache) kind(ctx context.Context, id string) (string, error) {
	if k.index != nil && k.index.Kinds[id] != "" {
		return k.index.Kinds[id], nil
	}
	if v, ok := k.kinds[id]; ok {
		if v == "" {
			return "", errs.NotFound("organisation", id)
		}
		return v, nil
	}
	v, err := k.dir.OrganisationKind(ctx, id)
	if err != nil && !errors.Is(err, errs.ErrNotFound) {
		return "", err
	}
	k.kinds[id] = v
	return k.kind(ctx, id)
}

// resolve gives pr the directory id of the organisation it names, when
// exactly one has that name (domain.Professional.NamedInDirectory).
func (k *kindCache) resolve(ctx context.Context, pr *domain.Professional) error {
	if pr.OrganisationID != "" || pr.OrganisationName == "" {
		return nil
	}
	if k.index == nil {
		idx, err := k.dir.Index(ctx)
		if err != nil {
			return err
		}
		k.index = idx
	}
	pr.NamedInDirectory(k.index.Names)
	return nil
}

// ParticipantImportSpec is what an import of the sign-in sheet of an event
// the caller organises reads: the professional's columns and one
// attendance column per session. It returns the event's parent name.
func (a *App) ParticipantImportSpec(ctx context.Context, p auth.Principal, eventID string) (*imports.Spec, string, error) {
	e, err := a.counting(ctx, p, "event_id", eventID)
	if err != nil {
		return nil, "", err
	}
	sessions, err := a.allSessions(ctx, e.ID)
	if err != nil {
		return nil, "", err
	}
	kinds, today := newKindCache(a.dir), a.today()
	return &imports.Spec{
		Columns: domain.ParticipantColumns,
		Dynamic: func(h string) (string, bool) { return domain.SessionColumn(h, sessions) },
		Row: func(m imports.Mapping, row int, cells []string) *imports.StagedRow {
			sr, probs := domain.ParticipantFromRow(m, row, cells)
			for _, s := range sessions {
				if sr.Marks[s.ID] && !s.Held(today) {
					probs.Add(cells, domain.SessionField(s.ID), "%s", s.NotHeldMessage())
				}
			}
			pr := sr.Participant.Professional
			if err := kinds.resolve(ctx, pr); err != nil {
				probs.Add(cells, "organisation", "could not be looked up in the directory (%v); send the file again", errs.KindOf(err))
			} else if pr.OrganisationID != "" && len(probs.List) == 0 {
				if _, err := kinds.kind(ctx, pr.OrganisationID); errors.Is(err, errs.ErrNotFound) {
					probs.Add(cells, "organisation", "%s is not an organisation in the directory; give its id as the directory has it, or its name", pr.OrganisationID)
				} else if err != nil {
					probs.Add(cells, "organisation", "could not be checked in the directory (%v); send the file again", errs.KindOf(err))
				}
			}
			who := pr.Identity()
			return &imports.StagedRow{Cells: cells, Problems: probs.List, MatchKey: who.Email, NameKey: who.Name.String()}
		},
	}, "trainingEvents/" + e.ID, nil
}

// ParticipantImportHeaders are the attendance headers of an event's
// template (domain.SessionHeader): the sessions' dates, with their start
// times when a day has several.
func (a *App) ParticipantImportHeaders(ctx context.Context, p auth.Principal, eventID string) ([]string, error) {
	e, err := a.event(ctx, p, "event_id", eventID)
	if err != nil {
		return nil, err
	}
	sessions, err := a.allSessions(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(sessions))
	for i := range sessions {
		out[i] = domain.SessionHeader(i, sessions)
	}
	return out, nil
}

func (a *App) allSessions(ctx context.Context, eventID string) ([]*domain.Session, error) {
	var all []*domain.Session
	token := ""
	for {
		// Tokens of this loop never leave the process: no organisation.
		page, err := pagination.Parse(pagination.MaxSize, token, sessionKey, "", pagination.Fingerprint(eventID))
		if err != nil {
			return nil, err
		}
		rows, err := a.repo.ListSessions(ctx, eventID, page)
		if err != nil {
			return nil, err
		}
		rows, token = pagination.Next(page, rows, func(s *domain.Session) string { return s.SortKey() })
		all = append(all, rows...)
		if token == "" {
			return all, nil
		}
	}
}

// findImportDuplicates marks the rows (after row after) whose professional
// is registered at the event already, by the record a registration of the
// row would update (domain.Identity.RecordFor), and the earlier rows of the
// file that are the same professional (domain.Identity.Same).
func (a *App) findImportDuplicates(ctx context.Context, imp *imports.Import, eventID string, after int, rows []*imports.StagedRow) error {
	who := make([]domain.Identity, len(rows))
	byRow := make(map[int]domain.Identity, len(rows))
	for i, r := range rows {
		who[i] = stagedIdentity(r.MatchKey, r.NameKey)
		byRow[r.Row] = who[i]
	}
	records, err := a.repo.ProfessionalsSharing(ctx, imp.OrganisationID, eventID, who)
	if err != nil {
		return err
	}
	byEmail, byName := map[string][]domain.Record{}, map[domain.MatchKey][]domain.Record{}
	registered := map[string]string{}
	for _, r := range records {
		if r.Email != "" {
			byEmail[r.Email] = append(byEmail[r.Email], r.Record)
		}
		byName[r.Name] = append(byName[r.Name], r.Record)
		registered[r.ID] = r.ParticipantID
	}
	for i, r := range rows {
		candidates := byName[who[i].Name]
		if who[i].Email != "" {
			candidates = append(slices.Clone(candidates), byEmail[who[i].Email]...)
		}
		if rec, ok := who[i].RecordFor(candidates); ok && registered[rec.ID] != "" {
			r.Matches = []imports.Match{{ID: registered[rec.ID], Score: 1, NameScore: 1}}
		}
	}
	pairs, err := a.repo.EarlierRowsSharing(ctx, imp.ID, after, rows[len(rows)-1].Row)
	if err != nil {
		return err
	}
	same := map[int][]int{}
	for _, p := range pairs {
		if byRow[p.Row].Same(stagedIdentity(p.EarlierEmail, p.EarlierNames)) {
			same[p.Row] = append(same[p.Row], p.Earlier)
		}
	}
	for _, r := range rows {
		if s := same[r.Row]; len(s) > 0 {
			slices.Sort(s)
			r.SameAs = slices.Compact(s)
		}
	}
	return nil
}

// Process carries a participant import to its end (imports.Processor): it
// finds rows whose professional is already registered at the event (or
// appears earlier in the sheet), then (unless it is a dry run) registers
// the rows and records their attendance in one transaction. A professional
// is registered once per event: a row of an already registered one is
// skipped (on_duplicate=skip) or linked to the registration (create, link),
// and its attendance marks are recorded for it. Each registration made has
// its participant.registered event, as one made over the API, in the same
// transaction.
func (a *App) Process(ctx context.Context, imp *imports.Import, report func(phase string, c imports.Counts, percent int)) error {
	eventID := strings.TrimPrefix(imp.Parent, "trainingEvents/")
	c, err := imports.Check(ctx, imp, a.repo, func(ctx context.Context, after int, rows []*imports.StagedRow) error {
		return a.findImportDuplicates(ctx, imp, eventID, after, rows)
	}, report)
	if err != nil || imp.ValidateOnly {
		return err
	}
	m := imports.MappingOf(imp.Columns)
	// The directory is read for the importing organisation: the import
	// runs on its own, without the request that started it.
	ctx = auth.Delegate(ctx, imp.OrganisationID, imp.ClientID)
	// Asked again at the write: the importing organisation may have been
	// taken off the event's project since the upload.
	e, err := a.counting(ctx, auth.Caller(ctx), "event_id", eventID)
	if err != nil {
		return err
	}
	kinds := newKindCache(a.dir)
	return a.repo.InImportTx(ctx, func(w ImportWriter) error {
		// The project the registrations count under as they commit.
		if err := a.inProject(ctx, w.LockProject, e, true); err != nil {
			return err
		}
		// Its marks may change who completed the event.
		return followCompletion(ctx, w, e, func() ([]events.Event, domain.Undo, error) {
			var undo domain.Undo
			changed, err := a.writeRows(ctx, w, imp, e, m, c, kinds, &undo, report)
			if err != nil {
				return nil, undo, err
			}
			return attendanceRecorded(e, changed), undo, nil
		})
	})
}

// writeRows registers the rows of import imp at event e and records their
// marks, in the import's transaction w, counting them on from the check's
// counts c, and finishes the import; it returns the participants whose
// mark it recorded anew or changed, by session id, and adds to undo how
// the marks moved the sessions each attended.
func (a *App) writeRows(ctx context.Context, w ImportWriter, imp *imports.Import, e *domain.TrainingEvent, m imports.Mapping,
	c imports.Counts, kinds *kindCache, undo *domain.Undo, report func(phase string, c imports.Counts, percent int)) (map[string][]string, error) {
	changed := map[string][]string{} // participants whose mark changed, by session
	columns, err := sessionsNow(ctx, w, e.ID, m, a.today())
	if err != nil {
		return nil, err
	}
	given := map[int]string{}
	done := 0
	for after := 0; ; {
		rows, err := w.ImportRows(ctx, imp.ID, after, 500)
		if err != nil {
			return nil, err
		}
		if len(rows) == 0 {
			break
		}
		gone, err := keptLinks(ctx, w, imp, e.ID, rows)
		if err != nil {
			return nil, err
		}
		outs := make([]imports.Outcome, 0, len(rows))
		var evs []events.Event
		for _, row := range rows {
			after = row.Row
			if !row.Valid() {
				continue
			}
			sr, _ := domain.ParticipantFromRow(m, row.Row, row.Cells)
			o := imports.Outcome{Row: row.Row}
			row.KeepWritten(given)
			link := row.Link(given)
			switch {
			case row.Duplicate() && imp.OnDuplicate == imports.OnDuplicateSkip:
				o.Outcome = imports.OutcomeSkipped
				c.Skipped++
			case link != "":
				if gone[link] {
					return nil, errs.FailedPrecondition(ReasonDeletedSinceUpload, "row %d is the professional registered at the event as participant %s, "+
						"whose registration was deleted after the file was uploaded: nothing was imported; send the file again "+
						"(the row then registers them anew)", row.Row, link)
				}
				o.Outcome, o.ResourceID = imports.OutcomeLinked, link
				c.Linked++
			default:
				part := sr.Participant
				part.ID, part.EventID = ids.New(), e.ID
				if err := kinds.resolve(ctx, part.Professional); err != nil {
					return nil, err
				}
				if id := part.Professional.OrganisationID; id != "" {
					if part.OrganisationKind, err = kinds.kind(ctx, id); err != nil {
						return nil, err
					}
				}
				out, err := w.CreateParticipant(ctx, imp.OrganisationID, part)
				if err != nil {
					return nil, err
				}
				o.Outcome, o.ResourceID = imports.OutcomeCreated, out.ID
				c.Created++
				evs = append(evs, participantEvent(events.ParticipantRegistered, e, out))
			}
			if o.ResourceID != "" {
				if err := columns.marked(row.Row, sr.Marks); err != nil {
					return nil, err
				}
			}
			if o.ResourceID != "" && len(sr.Marks) > 0 {
				sessions, moved, err := w.RecordMarks(ctx, o.ResourceID, sr.Marks)
				if err != nil {
					return nil, err
				}
				undo.Move(o.ResourceID, moved)
				for _, s := range sessions {
					changed[s] = append(changed[s], o.ResourceID)
				}
			}
			given[row.Row] = o.ResourceID
			outs = append(outs, o)
		}
		if err := w.SetImportOutcomes(ctx, imp.ID, outs); err != nil {
			return nil, err
		}
		if err := w.Emit(ctx, evs...); err != nil {
			return nil, err
		}
		done += len(outs)
		report(imports.PhaseWrite, c, imports.WriteProgress(imp, c, done))
	}
	return changed, w.FinishImport(ctx, imp.ID, c)
}

// attendanceRecorded is the attendance.recorded events of an import that
// changed the marks of participants at sessions (changed: their ids by
// session id), one per session.
func attendanceRecorded(e *domain.TrainingEvent, changed map[string][]string) []events.Event {
	evs := make([]events.Event, 0, len(changed))
	for _, s := range slices.Sorted(maps.Keys(changed)) {
		named := changed[s]
		slices.Sort(named)
		evs = append(evs, eventChange(events.AttendanceRecorded, events.AggregateSession, s, e,
			map[string]any{"session_id": s, "participant_ids": slices.Compact(named)}))
	}
	return evs
}

// keptLinks keeps the registrations that the valid rows of a page of an
// import are linked to (their matches: a row linked to an earlier row's is
// linked to one kept or written already) from being deleted until the
// import commits, and returns those deleted since the upload, in one
// statement for the page.
func keptLinks(ctx context.Context, w ImportWriter, imp *imports.Import, eventID string, rows []*imports.StagedRow) (map[string]bool, error) {
	var links []string
	for _, row := range rows {
		if !row.Valid() || row.Duplicate() && imp.OnDuplicate == imports.OnDuplicateSkip {
			continue
		}
		if id := row.Link(nil); id != "" {
			links = append(links, id)
		}
	}
	if len(links) == 0 {
		return nil, nil
	}
	slices.Sort(links)
	gone, err := w.KeepParticipants(ctx, eventID, slices.Compact(links))
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(gone))
	for _, id := range gone {
		out[id] = true
	}
	return out, nil
}

// ReasonDeletedSinceUpload is the ErrorInfo reason of a sign-in sheet
// import whose rows mark a session, or link to a registration, deleted
// after the file was uploaded.
const ReasonDeletedSinceUpload = "DELETED_SINCE_UPLOAD"

// ReasonChangedSinceUpload is the ErrorInfo reason of a sign-in sheet
// import whose rows mark a session that its column no longer names: the
// session's day or start time was corrected after the file was uploaded
// (or another session added that day), so the column's header (a day, a
// day and time, a place in the programme) names another session now, or
// none.
const ReasonChangedSinceUpload = "CHANGED_SINCE_UPLOAD"

// staleColumns are the attendance columns of an import (by the session
// they named at the upload) that cannot take marks as they are written:
// the session was deleted since, or corrected so that the column's header
// names another session or none, or (for present marks) moved to a day
// not held yet.
type staleColumns map[string]staleColumn

type staleColumn struct {
	column  string // its letter and header
	gone    bool
	renamed string // what the header names now: "session <id> of <day>", "no session"
	notHeld *domain.Session
}

// sessionsNow reads the event's sessions as they are when the import
// writes (after the event's completion lock, which a session's create,
// correction and deletion take, so none changes until it commits, and
// keeping them from deletion), matches the header row of m to them again,
// as the upload did, and returns the attendance columns whose session is
// gone, or that now name another session or none, or whose session is
// not held by today. A column kept as it was is not among them.
func sessionsNow(ctx context.Context, w ImportWriter, eventID string, m imports.Mapping, today date.Date) (staleColumns, error) {
	if !slices.ContainsFunc(m.Fields, func(f string) bool { return strings.HasPrefix(f, "session:") }) {
		return nil, nil
	}
	sessions, err := w.Sessions(ctx, eventID)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*domain.Session, len(sessions))
	for _, s := range sessions {
		byID[s.ID] = s
	}
	// The header row as the upload stored it (its attendance and
	// professional columns), matched to the sessions of now; its problems
	// (none of them new but those of the sessions' changes) are found
	// below, column by column.
	now, _ := imports.MatchHeader(m.Headers, domain.ParticipantColumns, func(h string) (string, bool) { return domain.SessionColumn(h, sessions) })
	out := staleColumns{}
	for i, f := range m.Fields {
		id, ok := strings.CutPrefix(f, "session:")
		if !ok {
			continue
		}
		c := staleColumn{column: fmt.Sprintf("column %s %q", sheet.ColumnLetter(i), m.Headers[i])}
		s := byID[id]
		switch named := ""; {
		case s == nil:
			c.gone = true
		case i >= len(now.Fields) || now.Fields[i] != f:
			if i < len(now.Fields) {
				named = strings.TrimPrefix(now.Fields[i], "session:")
			}
			c.renamed = "no session of the event"
			if o := byID[named]; o != nil {
				c.renamed = fmt.Sprintf("the session %s of %s", o.ID, o.Date)
			}
			c.notHeld = s // for its day now
		case !s.Held(today):
			c.notHeld = s
		default:
			continue
		}
		out[id] = c
	}
	return out, nil
}

// marked refuses the import when row marks attendance in a stale column:
// at a session deleted since the upload (its marks would be lost), or one
// the column no longer names (they would go to a session of another day
// than the header's), or present at a session not held yet. A stale
// column left empty loses nothing.
func (g staleColumns) marked(row int, marks map[string]bool) error {
	for _, id := range slices.Sorted(maps.Keys(marks)) {
		c, ok := g[id]
		switch {
		case !ok:
		case c.gone:
			return errs.FailedPrecondition(ReasonDeletedSinceUpload, "row %d marks attendance in %s, the event's session %s, deleted after "+
				"the file was uploaded: nothing was imported; send the file again without that column, or add the session "+
				"again and send the file again", row, c.column, id)
		case c.renamed != "":
			return errs.FailedPrecondition(ReasonChangedSinceUpload, "row %d marks attendance in %s, which named the event's session %s "+
				"when the file was uploaded; that session was corrected since (it is now of %s), and the column names %s: "+
				"nothing was imported, rather than marks under a day the session is not of; send the file again, and its "+
				"columns are matched to the sessions as they are now", row, c.column, id, c.notHeld.Date, c.renamed)
		case marks[id]:
			return errs.FailedPrecondition(domain.ReasonSessionNotHeld, "row %d marks a participant present in %s: %s; "+
				"nothing was imported", row, c.column, c.notHeld.NotHeldMessage())
		}
	}
	return nil
}
