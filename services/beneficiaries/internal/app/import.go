package app

import (
	"cmp"
	"context"
	"slices"

	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/events"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/imports"
	"github.com/spona/spona/services/beneficiaries/internal/domain"
)

// ImportRepository keeps the staged rows of beneficiaries imports.
type ImportRepository interface {
	DuplicateKeys
	// ImportRows, SetImportDuplicates, FinishImport (FinishImport inside
	// InTx for a real import, with its writes).
	imports.Staged
	// ImportDuplicates scores a chunk of staged rows against the
	// organisation's current beneficiaries and against earlier rows of the
	// import, with the parts of Duplicates' score.
	ImportDuplicates(ctx context.Context, org, importID string, chunk []*imports.StagedRow) (existing map[int][]domain.Candidate, within map[int][]RowCandidate, err error)
	SetImportOutcomes(ctx context.Context, importID string, outs []imports.Outcome) error
	// Sexes returns the sex codes of the organisation's records among ids
	// (record id → code; "unknown" when not given).
	Sexes(ctx context.Context, org string, ids []string) (map[string]string, error)
	// ExternalIDsTaken returns the organisation's records that have one of
	// the external ids: record id by external id.
	ExternalIDsTaken(ctx context.Context, org string, externalIDs []string) (map[string]string, error)
	// CreateImported inserts imported records (ids and organisation set)
	// with their first legal status (statuses[i] is bs[i]'s; none when its
	// LegalStatus is empty).
	CreateImported(ctx context.Context, bs []*domain.Beneficiary, statuses []domain.LegalStatusChange) error
	// EmitForCreated records tmpl for every record the import created (its
	// id as the aggregate id and as tmpl's beneficiary_id), in sheet order,
	// written to the outbox with the transaction's changes (inside InTx
	// only) without holding the events in memory.
	EmitForCreated(ctx context.Context, importID string, tmpl events.Event) error
}

// RowCandidate is an earlier row of the same file scored as a duplicate.
type RowCandidate struct {
	Row int
	domain.Candidate
}

// ImportSpec is what a beneficiaries import reads from a sheet.
func (a *App) ImportSpec() imports.Spec {
	return imports.Spec{Columns: domain.SheetColumns, Row: func(m imports.Mapping, row int, cells []string) *imports.StagedRow {
		b, p := domain.FromRow(m, row, cells, a.today())
		return &imports.StagedRow{Cells: cells, Problems: p.List, NameKey: b.NameKey(), BirthDate: b.BirthDate,
			BirthYear: b.BirthYear, Nationality: b.Nationality}
	}}
}

// maxMatches is how many existing records are kept per row.
const maxMatches = 5

// importMatchFields are the fields of a person an import's match is scored
// on (its names and birth), recorded in the person's log when a row
// matches her.
var importMatchFields = []string{"given_name", "family_name", "original_script_name", "birth_date", "birth_year"}

// Process carries a beneficiaries import to its end (imports.Processor):
// it finds each row's probable duplicates, then (unless it is a dry run)
// writes the rows in one transaction, each created as CreateBeneficiary
// creates (legal status history, audit event), and finishes the import in
// the same transaction.
func (a *App) Process(ctx context.Context, imp *imports.Import, report func(phase string, c imports.Counts, percent int)) error {
	dups, err := a.newDuplicateFinder(ctx, imp.OrganisationID, imp.ID)
	if err != nil {
		return err
	}
	m := imports.MappingOf(imp.Columns)
	// One call: its records store the purpose once, under the import's id.
	act := Actor{Principal: auth.Principal{OrganisationID: imp.OrganisationID, ClientID: imp.ClientID}, Purpose: imp.Purpose, Call: imp.ID}
	// The rows (in sheet order) by external id: the first that has it.
	firstWith := map[string]int{}
	// The rows naming their person by names alone: their sex code.
	namesOnly := map[int]string{}
	c, err := imports.Check(ctx, imp, a.repo, func(ctx context.Context, _ int, rows []*imports.StagedRow) error {
		existing, within, err := dups.find(ctx, rows)
		if err != nil {
			return err
		}
		var matched []*domain.Beneficiary
		seen := map[string]bool{}
		for _, r := range rows {
			// Matches whose birth conflicts with the row's are listed
			// after the others (for review; never linked to or skipped
			// for), so they never crowd out a match that is acted on.
			all := domain.RankCandidates(existing[r.Row], len(existing[r.Row]))
			kept := append(slices.DeleteFunc(slices.Clone(all), func(x domain.Candidate) bool { return x.BirthConflict }),
				slices.DeleteFunc(all, func(x domain.Candidate) bool { return !x.BirthConflict })...)
			for _, x := range kept[:min(len(kept), maxMatches)] {
				r.Matches = append(r.Matches, imports.Match{ID: x.Beneficiary.ID, Score: x.Score, NameScore: x.NameScore,
					BirthScore: x.BirthScore, Conflict: x.BirthConflict})
				if !seen[x.Beneficiary.ID] {
					seen[x.Beneficiary.ID] = true
					matched = append(matched, &domain.Beneficiary{ID: x.Beneficiary.ID, OrganisationID: imp.OrganisationID})
				}
			}
			// Best first, as matches (a link goes to the first); ties in
			// sheet order. An earlier row whose birth conflicts with this
			// one's is another person of the file: not a same_as row.
			slices.SortStableFunc(within[r.Row], func(a, b RowCandidate) int { return cmp.Compare(b.Score, a.Score) })
			for _, x := range within[r.Row] {
				if x.Score >= domain.MinDuplicateScore && !x.BirthConflict {
					r.SameAs = append(r.SameAs, x.Row)
				}
			}
		}
		checkNamesakes(imp, m, rows, namesOnly)
		sexed, err := a.checkRegistered(ctx, imp, m, rows)
		if err != nil {
			return err
		}
		// The import's answer tells the caller which of its persons each
		// row probably is, a read of theirs as :findDuplicates is: each
		// matched person's log has it (a dry run's too), before the
		// answer is stored; so does the sex read of those a names-only
		// row was compared with (checkRegistered).
		matched = slices.DeleteFunc(matched, func(b *domain.Beneficiary) bool { return sexed[b.ID] })
		if err := audit(ctx, a.repo, act, domain.ActionFindDuplicates, importMatchFields, matched...); err != nil {
			return err
		}
		var compared []*domain.Beneficiary
		for id := range sexed {
			compared = append(compared, &domain.Beneficiary{ID: id, OrganisationID: imp.OrganisationID})
		}
		slices.SortFunc(compared, func(a, b *domain.Beneficiary) int { return cmp.Compare(a.ID, b.ID) })
		if err := audit(ctx, a.repo, act, domain.ActionFindDuplicates, append(slices.Clone(importMatchFields), "sex"), compared...); err != nil {
			return err
		}
		return a.checkExternalIDs(ctx, imp, m, rows, firstWith)
	}, report)
	if err != nil || imp.ValidateOnly {
		return err
	}
	today := a.today()
	return a.repo.InTx(ctx, func(r Repository) error {
		// The rows are written a page at a time, each page by COPY.
		// Ids given to rows, for rows linked to an earlier row.
		given := map[int]string{}
		done := 0
		for after := 0; ; {
			rows, err := r.ImportRows(ctx, imp.ID, after, 500)
			if err != nil {
				return err
			}
			if len(rows) == 0 {
				break
			}
			outs := make([]imports.Outcome, 0, len(rows))
			var created []*domain.Beneficiary
			for _, row := range rows {
				after = row.Row
				if !row.Valid() {
					continue
				}
				o := imports.Outcome{Row: row.Row}
				row.KeepWritten(given)
				dup, link := row.Duplicate(), row.Link(given)
				switch {
				case dup && imp.OnDuplicate == imports.OnDuplicateSkip:
					o.Outcome = imports.OutcomeSkipped
					c.Skipped++
				case dup && imp.OnDuplicate == imports.OnDuplicateLink && link != "":
					o.Outcome, o.ResourceID = imports.OutcomeLinked, link
					c.Linked++
				default:
					b, _ := domain.FromRow(m, row.Row, row.Cells, today)
					b.ID, b.OrganisationID = ids.New(), imp.OrganisationID
					created = append(created, b)
					o.Outcome, o.ResourceID = imports.OutcomeCreated, b.ID
					c.Created++
				}
				given[row.Row] = o.ResourceID
				outs = append(outs, o)
			}
			if err := createAll(ctx, r, act, created, today); err != nil {
				return err
			}
			if err := r.SetImportOutcomes(ctx, imp.ID, outs); err != nil {
				return err
			}
			done += len(outs)
			report(imports.PhaseWrite, c, imports.WriteProgress(imp, c, done))
		}
		if c.Created > 0 {
			if err := r.EmitForCreated(ctx, imp.ID, beneficiaryEvent(events.BeneficiaryCreated, "", []string{imp.OrganisationID}, nil)); err != nil {
				return err
			}
		}
		return r.FinishImport(ctx, imp.ID, c)
	})
}

// checkExternalIDs refuses the rows (scored, in sheet order) whose
// external id, unique in the organisation, a record would not get: one an
// existing record has, or an earlier row of the file (firstWith: the first
// row with each external id, kept across chunks). A row that is not
// created for it is let be: with on_duplicate skip or link, a row found to
// be the record with its external id (among its matches), or the earlier
// row with it (among its same_as rows). A row refused already for its
// external id (a resumed import reads its problems) is not refused again.
func (a *App) checkExternalIDs(ctx context.Context, imp *imports.Import, m imports.Mapping, rows []*imports.StagedRow, firstWith map[string]int) error {
	if m.Index("external_id") < 0 {
		return nil
	}
	var wanted []string
	for _, r := range rows {
		if x := m.Cell(r.Cells, "external_id"); x != "" {
			wanted = append(wanted, x)
		}
	}
	if len(wanted) == 0 {
		return nil
	}
	taken, err := a.repo.ExternalIDsTaken(ctx, imp.OrganisationID, wanted)
	if err != nil {
		return err
	}
	notCreated := imp.OnDuplicate != imports.OnDuplicateCreate
	for _, r := range rows {
		x := m.Cell(r.Cells, "external_id")
		if x == "" {
			continue
		}
		first, repeated := firstWith[x]
		if !repeated {
			firstWith[x] = r.Row
		}
		if slices.ContainsFunc(r.Problems, func(p imports.Problem) bool { return p.Field == "external_id" }) {
			continue
		}
		p := &imports.RowProblems{Row: r.Row, Mapping: m}
		if id, ok := taken[x]; ok {
			// The message does not name the record: the row's problems
			// outlive its erasure when the row is not scored as it.
			if !notCreated || !slices.ContainsFunc(r.Matches, func(x imports.Match) bool { return x.ID == id && !x.Conflict }) {
				p.Add(r.Cells, "external_id", "%q is the external_id of another of your organisation's beneficiaries already: each record's is its own "+
					"(with on_duplicate=skip or link, a row found to be that record is skipped or linked)", x)
			}
		} else if repeated && (!notCreated || !slices.Contains(r.SameAs, first)) {
			p.Add(r.Cells, "external_id", "%q is the external_id of row %d too: each record's is its own", x, first)
		}
		r.Problems = append(r.Problems, p.List...)
	}
	return nil
}

// checkNamesakes refuses, when rows are created for duplicates
// (on_duplicate=create), a row (scored, in sheet order) that names its
// person by names alone and repeats an earlier row that does too
// (namesOnly: such rows' sex codes, kept across chunks), but of another
// known sex: names alone cannot tell one person entered twice from two
// namesakes, and creating both would register one person twice without a
// word, so the person importing decides (NamesakeProblem says how). With
// skip or link the row is skipped or linked as asked; the earlier row is
// created as any other.
func checkNamesakes(imp *imports.Import, m imports.Mapping, rows []*imports.StagedRow, namesOnly map[int]string) {
	for _, r := range rows {
		sex, ok := domain.NamesOnly(m, r.Cells)
		if !ok {
			continue
		}
		namesOnly[r.Row] = sex
		if imp.OnDuplicate != imports.OnDuplicateCreate || domain.HasNamesakeProblem(r.Problems) {
			continue
		}
		for _, e := range r.SameAs {
			other, ok := namesOnly[e]
			if !ok || (sex != "" && other != "" && sex != other) {
				continue
			}
			p := &imports.RowProblems{Row: r.Row, Mapping: m}
			domain.NamesakeProblem(p, r.Cells, e)
			r.Problems = append(r.Problems, p.List...)
			break
		}
	}
}

// checkRegistered refuses, when rows are created for duplicates
// (on_duplicate=create), a row (scored) that names its person by names
// alone and probably is a person the organisation has registered already
// (a match not in conflict with it, of the same sex when both are known),
// as checkNamesakes refuses one repeating an earlier row: nothing tells
// one person registered again from a namesake, and creating the row
// would register her twice without a word. A row refused for repeating an
// earlier row, or refused so already (a resumed import), is let be; with
// skip or link the row is skipped or linked as asked. sexed are the
// records whose sex was read to tell (for the audit).
func (a *App) checkRegistered(ctx context.Context, imp *imports.Import, m imports.Mapping, rows []*imports.StagedRow) (sexed map[string]bool, err error) {
	if imp.OnDuplicate != imports.OnDuplicateCreate {
		return nil, nil
	}
	type asked struct {
		row *imports.StagedRow
		sex string
	}
	var list []asked
	var ids []string
	for _, r := range rows {
		sex, ok := domain.NamesOnly(m, r.Cells)
		if !ok || !r.Duplicate() || domain.HasNamesakeProblem(r.Problems) {
			continue
		}
		list = append(list, asked{r, sex})
		for _, x := range r.Matches {
			if !x.Conflict {
				ids = append(ids, x.ID)
			}
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	sexes, err := a.repo.Sexes(ctx, imp.OrganisationID, ids)
	if err != nil {
		return nil, err
	}
	sexed = map[string]bool{}
	for _, x := range list {
		for _, match := range x.row.Matches {
			other, ok := sexes[match.ID]
			if match.Conflict || !ok {
				continue
			}
			sexed[match.ID] = true
			if other == "unknown" {
				other = ""
			}
			if x.sex != "" && other != "" && x.sex != other {
				continue
			}
			p := &imports.RowProblems{Row: x.row.Row, Mapping: m}
			domain.RegisteredProblem(p, x.row.Cells)
			x.row.Problems = append(x.row.Problems, p.List...)
			break
		}
	}
	return sexed, nil
}

// importWriter is what writing an import's rows changes.
type importWriter interface {
	ImportRepository
	AuditStore
	Outbox
}

// createAll stores validated imported records (ids and organisation set)
// with their legal status and audits their creation in r's transaction, as
// createIn does for one, in a few statements for all. Their creation
// events are emitted once for the whole import (EmitForCreated).
func createAll(ctx context.Context, r importWriter, act Actor, bs []*domain.Beneficiary, today date.Date) error {
	if len(bs) == 0 {
		return nil
	}
	statuses := make([]domain.LegalStatusChange, len(bs))
	for i, b := range bs {
		if b.LegalStatus != "" {
			since := b.LegalStatusSince
			if since.IsZero() {
				since = today
			}
			statuses[i] = domain.LegalStatusChange{LegalStatus: b.LegalStatus, Since: since, OrganisationID: act.OrganisationID}
		}
	}
	if err := r.CreateImported(ctx, bs, statuses); err != nil {
		return err
	}
	return audit(ctx, r, act, domain.ActionCreate, domain.ViewFields(domain.AccessOwner), bs...)
}
