package imports

import (
	"context"
	"slices"
)

// CheckChunk is how many staged rows the check phase reads at a time.
const CheckChunk = 1000

// Staged keeps the staged rows of a service's imports.
type Staged interface {
	// ImportRows returns up to limit staged rows after row after, in
	// sheet order.
	ImportRows(ctx context.Context, importID string, after, limit int) ([]*StagedRow, error)
	// SetImportDuplicates records the rows' duplicates (none clears what
	// an earlier attempt found).
	SetImportDuplicates(ctx context.Context, importID string, rows []*StagedRow) error
	// FinishImport ends the import as succeeded.
	FinishImport(ctx context.Context, importID string, c Counts) error
}

// FindFunc fills the Matches and SameAs of a chunk of rows (the rows after
// row after), scored against the existing records and the file's earlier
// rows; they come empty (a resumed import scores again). It may also find
// problems only the records and the earlier rows show (a unique key
// already taken): it adds them to the row's Problems, and they are stored
// with the duplicates (Refused). They stay when a resumed import reads the
// row again, so it adds none a second time.
type FindFunc func(ctx context.Context, after int, rows []*StagedRow) error

// Check runs the check phase of a running import, chunk by chunk, and
// reports its progress: each row's probable duplicates are found and
// recorded, and counted. A dry run then ends (FinishImport); an all-or-nothing
// import with bad rows, or with problems of its header row, fails
// (RowsInvalid). Otherwise the counts are
// returned for the write phase, which reports with WriteProgress.
func Check(ctx context.Context, imp *Import, store Staged, find FindFunc, report func(phase string, c Counts, percent int)) (Counts, error) {
	c := imp.Counts
	c.Processed, c.Duplicates, c.Created, c.Skipped, c.Linked = 0, 0, 0, 0, 0
	// Valid and invalid rows are counted again as the rows are read: the
	// finder may refuse rows (a resumed import reads them refused).
	valid, invalid := 0, 0
	share := checkShare(imp)
	for after := 0; ; {
		rows, err := store.ImportRows(ctx, imp.ID, after, CheckChunk)
		if err != nil {
			return c, err
		}
		if len(rows) == 0 {
			break
		}
		had := make([]int, len(rows))
		for i, r := range rows {
			r.Matches, r.SameAs = nil, nil
			had[i] = len(r.Problems)
		}
		if err := find(ctx, after, rows); err != nil {
			return c, err
		}
		for i, r := range rows {
			if r.Duplicate() {
				c.Duplicates++
			}
			r.Refused = len(r.Problems) > had[i]
			if r.Refused && had[i] == 0 {
				// Refused by the finder: the counts reported as the
				// check goes on follow (the final ones are counted).
				c.Valid, c.Invalid = c.Valid-1, c.Invalid+1
			}
			if r.Valid() {
				valid++
			} else {
				invalid++
			}
		}
		if err := store.SetImportDuplicates(ctx, imp.ID, rows); err != nil {
			return c, err
		}
		c.Processed += len(rows)
		report(PhaseCheck, c, c.Processed*share/max(c.Rows, 1))
		after = rows[len(rows)-1].Row
	}
	c.Valid, c.Invalid = valid, invalid
	if imp.ValidateOnly {
		return c, store.FinishImport(ctx, imp.ID, c)
	}
	if imp.OnError == OnErrorAbort && (c.Invalid > 0 || len(imp.HeaderProblems) > 0) {
		return c, RowsInvalid(c, len(imp.HeaderProblems))
	}
	return c, nil
}

// checkShare is the part of an import's progress the check phase makes.
func checkShare(imp *Import) int {
	if imp.ValidateOnly {
		return 100
	}
	return 40
}

// WriteProgress is the progress percent of a real import once done of its
// valid rows are written.
func WriteProgress(imp *Import, c Counts, done int) int {
	share := checkShare(imp)
	return share + done*(100-share)/max(c.Valid, 1)
}

// Duplicate reports whether the row probably repeats an existing record or
// an earlier row of the file. A match in conflict with the row is listed
// for review, not acted on: it makes no duplicate.
func (r *StagedRow) Duplicate() bool { return r.match() >= 0 || len(r.SameAs) > 0 }

// match is the index of the row's best match not in conflict with it, -1
// when there is none.
func (r *StagedRow) match() int {
	return slices.IndexFunc(r.Matches, func(m Match) bool { return !m.Conflict })
}

// Link is the record a duplicate row stands for: its best existing match
// not in conflict with it, else the record given to the earlier row it
// repeats (given: row → the record created for it or linked to it); ""
// when there is none.
func (r *StagedRow) Link(given map[int]string) string {
	if i := r.match(); i >= 0 {
		return r.Matches[i].ID
	}
	if len(r.SameAs) > 0 {
		return given[r.SameAs[0]]
	}
	return ""
}

// KeepWritten keeps in r.SameAs only the earlier rows the write phase took
// (those in given: row → its record, "" when skipped). A row with problems
// is never written, so a later row of the same person does not repeat it:
// the later row is written (or skipped, or linked) for what else it
// repeats, else as a new record.
func (r *StagedRow) KeepWritten(given map[int]string) {
	r.SameAs = slices.DeleteFunc(r.SameAs, func(s int) bool {
		_, ok := given[s]
		return !ok
	})
}
