package app

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/spona/spona/pkg/imports"
	"github.com/spona/spona/pkg/trigram"
	"github.com/spona/spona/services/beneficiaries/internal/domain"
)

// An import finds each row's probable duplicates with FindDuplicates'
// scoring: among the organisation's current beneficiaries, the
// domain.MaxDuplicateCandidates (200) whose names are most similar (pg_trgm
// similarity of the folded names, at least the % threshold), as
// FindDuplicates reads them (fewer would miss a person with more than ten
// namesakes registered after them), and among the file's earlier rows,
// of the as many nearest by name, the 10 that score best, those whose birth
// conflicts with the row's last (a file may hold more than ten namesakes
// before the row that repeats one of them); each scored by name, birth and
// nationality.
//
// It scores in memory: the organisation's persons are read once (their
// names' trigrams as PostgreSQL computes them), indexed, and every chunk
// of rows is scored against that index and an index of the rows before it.
// An organisation with more than maxIndexedPersons persons is scored in
// the database instead (one statement per chunk), with the same result.
const (
	maxIndexedPersons = 250_000
	// similarityThreshold is pg_trgm's default similarity_threshold (the %
	// operator).
	similarityThreshold = 0.3
	// nearest is how many of the file's earlier rows with similar names
	// are kept per row (bestRows).
	nearest = 10
)

// DuplicateKeys reads persons' duplicate keys.
type DuplicateKeys interface {
	// CurrentPersonKeys calls fn with the keys of the organisation's
	// current beneficiaries, at most limit of them; false when it has more.
	CurrentPersonKeys(ctx context.Context, org string, limit int, fn func(domain.PersonKey)) (bool, error)
	// NameTrigrams returns the trigrams of each folded name key.
	NameTrigrams(ctx context.Context, keys []string) ([][]string, error)
}

// duplicateFinder scores an import's rows, chunk by chunk in sheet order.
type duplicateFinder struct {
	repo     ImportRepository
	org, imp string
	// nil when the organisation is scored in the database.
	persons *trigram.Index
	keys    []domain.PersonKey
	// The file's rows scored so far.
	rows    *trigram.Index
	rowKeys []domain.PersonKey
	rowNos  []int
}

// SetDuplicateIndexLimit sets how many current beneficiaries an
// organisation may have for an import to score its rows in memory (default
// 250,000); above it, rows are scored in the database.
func (a *App) SetDuplicateIndexLimit(n int) { a.maxIndexed = n }

func (a *App) newDuplicateFinder(ctx context.Context, org, importID string) (*duplicateFinder, error) {
	f := &duplicateFinder{repo: a.repo, org: org, imp: importID, persons: trigram.New(), rows: trigram.New()}
	all, err := a.repo.CurrentPersonKeys(ctx, org, a.maxIndexed, func(k domain.PersonKey) {
		f.persons.Add(k.Trigrams)
		k.Trigrams = nil
		f.keys = append(f.keys, k)
	})
	if err != nil {
		return nil, err
	}
	if !all {
		f.persons, f.keys, f.rows = nil, nil, nil
	}
	return f, nil
}

// find scores a chunk of rows against the organisation's persons and the
// file's earlier rows.
func (f *duplicateFinder) find(ctx context.Context, chunk []*imports.StagedRow) (map[int][]domain.Candidate, map[int][]RowCandidate, error) {
	if f.persons == nil {
		return f.repo.ImportDuplicates(ctx, f.org, f.imp, chunk)
	}
	var names []string
	var keyed []*imports.StagedRow
	for _, r := range chunk {
		if r.NameKey != "" {
			names, keyed = append(names, r.NameKey), append(keyed, r)
		}
	}
	existing := map[int][]domain.Candidate{}
	within := map[int][]RowCandidate{}
	if len(keyed) == 0 {
		return existing, within, nil
	}
	trgms, err := f.repo.NameTrigrams(ctx, names)
	if err != nil {
		return nil, nil, err
	}
	for i, r := range keyed {
		k := domain.PersonKey{Trigrams: trgms[i], BirthDate: r.BirthDate, BirthYear: r.BirthYear, Nationality: r.Nationality}
		// Ties as the SQL breaks them: higher id first.
		hits := f.persons.Nearest(k.Trigrams, similarityThreshold, domain.MaxDuplicateCandidates,
			func(a, b int32) int { return strings.Compare(f.keys[b].ID, f.keys[a].ID) })
		for _, h := range hits {
			c := k.Score(f.keys[h.Entry], h.Similarity)
			c.Beneficiary = &domain.Beneficiary{ID: f.keys[h.Entry].ID}
			existing[r.Row] = append(existing[r.Row], c)
		}
		// Earlier rows: of the nearest by name (ties: the earlier row
		// first), the best scored, listed in sheet order.
		near := f.rows.Nearest(k.Trigrams, similarityThreshold, domain.MaxDuplicateCandidates, cmp.Compare[int32])
		scored := make([]RowCandidate, len(near))
		for i, h := range near {
			scored[i] = RowCandidate{Row: f.rowNos[h.Entry], Candidate: k.Score(f.rowKeys[h.Entry], h.Similarity)}
		}
		scored = bestRows(scored)
		slices.SortFunc(scored, func(a, b RowCandidate) int { return cmp.Compare(a.Row, b.Row) })
		for _, c := range scored {
			// Only what Process keeps (most near names score less).
			if c.Score >= domain.MinDuplicateScore {
				within[r.Row] = append(within[r.Row], c)
			}
		}
		f.rows.Add(k.Trigrams)
		k.Trigrams = nil
		f.rowKeys, f.rowNos = append(f.rowKeys, k), append(f.rowNos, r.Row)
	}
	return existing, within, nil
}

// bestRows keeps the nearest earlier rows that score best as duplicates of
// a row, as the database ranks them (ImportDuplicates): those whose birth
// conflicts with the row's last, then by score, then the earlier row first.
func bestRows(rows []RowCandidate) []RowCandidate {
	slices.SortFunc(rows, func(a, b RowCandidate) int {
		if a.BirthConflict != b.BirthConflict {
			if a.BirthConflict {
				return 1
			}
			return -1
		}
		return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(a.Row, b.Row))
	})
	return rows[:min(len(rows), nearest)]
}
