package importsjob

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spona/spona/pkg/imports"
	"github.com/spona/spona/pkg/intconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/db"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/pagination"
)

// The import tables live in each importing service's schema; its
// migrations create them:
//
//	imports (one row per import) and import_rows (its staged rows: cells
//	until the import ends, problems, duplicates and outcomes after).
//
// Store's functions taking a db.Querier run inside the caller's
// transaction (a service writes rows and finishes the import in one).

// Store keeps imports in PostgreSQL.
type Store struct{ pool *pgxpool.Pool }

// NewStore returns the store on pool.
func NewStore(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

const importCols = `id, kind, parent, organisation_id, client_id, purpose, validate_only, on_error, on_duplicate,
	COALESCE(request_id, ''), format, encoding, file_sha256, columns, state, phase, counts, progress,
	error_code, error_reason, error_message, attempts, create_time, update_time, complete_time, COALESCE(header_problems, '[]')`

func scanImport(row pgx.Row) (*imports.Import, error) {
	var i imports.Import
	var cols, counts, header []byte
	var code int
	var reason, msg string
	var complete *time.Time
	err := row.Scan(&i.ID, &i.Kind, &i.Parent, &i.OrganisationID, &i.ClientID, &i.Purpose, &i.ValidateOnly, &i.OnError,
		&i.OnDuplicate, &i.RequestID, &i.Format, &i.Encoding, &i.FileSHA256, &cols, &i.State, &i.Phase, &counts, &i.Progress,
		&code, &reason, &msg, &i.Attempts, &i.CreateTime, &i.UpdateTime, &complete, &header)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(cols, &i.Columns); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(counts, &i.Counts); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(header, &i.HeaderProblems); err != nil {
		return nil, err
	}
	if msg != "" {
		i.Error = &errs.Error{Kind: errs.Kind(code), Reason: reason, Message: msg}
		if reason == imports.ReasonRowsInvalid {
			// Its metadata is not stored: it is read again from the
			// import's counts and header problems, as Check made it.
			i.Error.Metadata = imports.RowsInvalid(i.Counts, len(i.HeaderProblems)).Metadata
		}
	}
	if complete != nil {
		i.CompleteTime = *complete
	}
	return &i, nil
}

// FindExisting returns the import an upload repeats: the one with its
// request id, or else one of the same file, target and options started
// within the last 24 hours that did not fail (a dry run: one still
// running; a finished dry run's answer is of the records as they were, so
// a dry run of the file sent again checks it afresh). nil when there is
// none. A request id already used for another file, target or options is
// InvalidArgument errs.ReasonRequestIDReused. Create looks again, under a lock.
func (s *Store) FindExisting(ctx context.Context, u *imports.Upload, sha string) (*imports.Import, error) {
	return findExisting(ctx, s.pool, u.OrganisationID, u.Kind, u.Parent, sha, u.Options)
}

func findExisting(ctx context.Context, q db.Querier, org, kind, parent, sha string, o imports.Options) (*imports.Import, error) {
	if o.RequestID != "" {
		i, err := scanImport(q.QueryRow(ctx, `SELECT `+importCols+` FROM imports WHERE organisation_id = $1 AND request_id = $2`,
			org, o.RequestID))
		switch {
		case errors.Is(err, pgx.ErrNoRows):
		case err != nil:
			return nil, db.Error(err)
		default:
			if diff := differences(i, kind, parent, sha, o); len(diff) > 0 {
				return nil, &errs.Error{Kind: errs.KindInvalidArgument, Reason: errs.ReasonRequestIDReused,
					Message: fmt.Sprintf("request id (Idempotency-Key) %q was used for another import (%s) with %s; use a new request id for another file or other options",
						o.RequestID, i.ID, strings.Join(diff, ", "))}
			}
			return i, nil
		}
	}
	i, err := scanImport(q.QueryRow(ctx, `SELECT `+importCols+` FROM imports
		WHERE organisation_id = $1 AND kind = $2 AND parent = $3 AND file_sha256 = $4 AND validate_only = $5
			AND on_error = $6 AND on_duplicate = $7 AND state <> 'failed' AND (NOT validate_only OR state = 'running')
			AND create_time > now() - interval '24 hours'
		ORDER BY create_time DESC LIMIT 1`,
		org, kind, parent, sha, o.ValidateOnly, o.OnError, o.OnDuplicate))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return i, db.Error(err)
}

// differences names what an import i does otherwise than an upload of the
// file sha to kind and parent with options o would: each of them changes
// what the import does.
func differences(i *imports.Import, kind, parent, sha string, o imports.Options) []string {
	var d []string
	if i.Kind != kind || i.Parent != parent {
		d = append(d, "another target")
	}
	if i.FileSHA256 != sha {
		d = append(d, "another file")
	}
	if i.ValidateOnly != o.ValidateOnly {
		d = append(d, fmt.Sprintf("validate_only=%t", i.ValidateOnly))
	}
	if i.OnError != o.OnError {
		d = append(d, "on_error="+i.OnError)
	}
	if i.OnDuplicate != o.OnDuplicate {
		d = append(d, "on_duplicate="+i.OnDuplicate)
	}
	return d
}

// Create stores a new running import, leased to owner, with the rows rows
// yields (streamed into the table as they are read), in one transaction:
// if rows fails, nothing is stored.
//
// Unless the upload repeats an import: Create takes, for its transaction,
// a lock on the upload's request id (if any) and one on its file, target
// and options, and looks for the import it repeats (FindExisting) again.
// It returns that import (existing) and stores nothing when there is one,
// and refuses the upload (Aborted UPLOAD_IN_PROGRESS, 409) while another
// transaction holds either lock: an identical upload, or one with the same
// request id, whose rows are still being staged (the retry gets its
// import). The locks are not waited for, so a repeated upload holds no
// connection while the first stages, and uploads of other files, targets
// or options take other locks.
func (s *Store) Create(ctx context.Context, imp *imports.Import, owner string, lease time.Duration, rows func(yield func(*imports.StagedRow) error) error) (existing *imports.Import, err error) {
	err = db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var free bool
		if err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock(hashtextextended(current_schema() || $1, 0))
				AND ($2 = '' OR pg_try_advisory_xact_lock(hashtextextended(current_schema() || $2, 0)))`,
			fileLockKey(imp), requestLockKey(imp)).Scan(&free); err != nil {
			return db.Error(err)
		}
		if !free {
			msg := "the same file was sent with the same options a moment ago, and its rows are still being read; retry in a few seconds to get its import"
			if imp.RequestID != "" {
				msg = fmt.Sprintf("an upload with request id %q (or of the same file with the same options) is in progress, its rows still being read; retry in a few seconds to get its import", imp.RequestID)
			}
			return &errs.Error{Kind: errs.KindAborted, Reason: errs.ReasonUploadInProgress, Message: msg}
		}
		found, err := findExisting(ctx, tx, imp.OrganisationID, imp.Kind, imp.Parent, imp.FileSHA256, imp.Options)
		if err != nil || found != nil {
			existing = found
			return err
		}
		return stage(ctx, tx, imp, owner, lease, rows)
	})
	if err != nil {
		return nil, err
	}
	return existing, nil
}

// fileLockKey and requestLockKey name the imports an upload may repeat
// (see findExisting) for Create's locks; "" is no lock.
func fileLockKey(imp *imports.Import) string {
	return fmt.Sprintf("/imports/file/%s/%s/%s/%s/%t/%s/%s", imp.OrganisationID, imp.Kind, imp.Parent, imp.FileSHA256,
		imp.ValidateOnly, imp.OnError, imp.OnDuplicate)
}

func requestLockKey(imp *imports.Import) string {
	if imp.RequestID == "" {
		return ""
	}
	return fmt.Sprintf("/imports/request/%s/%s", imp.OrganisationID, imp.RequestID)
}

// stage inserts a new import and its rows in tx.
func stage(ctx context.Context, tx pgx.Tx, imp *imports.Import, owner string, lease time.Duration, rows func(yield func(*imports.StagedRow) error) error) error {
	cols, _ := json.Marshal(imp.Columns)
	var header []byte
	if len(imp.HeaderProblems) > 0 {
		header, _ = json.Marshal(imp.HeaderProblems)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO imports (id, kind, parent, organisation_id, client_id, purpose, validate_only,
			on_error, on_duplicate, request_id, format, encoding, file_sha256, columns, state, phase, lease_owner, lease_until,
			header_problems)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'running', 'check', $15, now() + $16::interval, $17)`,
		imp.ID, imp.Kind, imp.Parent, imp.OrganisationID, imp.ClientID, imp.Purpose, imp.ValidateOnly, imp.OnError,
		imp.OnDuplicate, db.Null(imp.RequestID), imp.Format, imp.Encoding, imp.FileSHA256, cols, owner, lease.String(), header); err != nil {
		return db.Error(err)
	}
	var c imports.Counts
	src := &rowSource{id: imp.ID, counts: &c}
	src.start(rows)
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"import_rows"},
		[]string{"import_id", "row_no", "cells", "problems", "valid", "name_key", "birth_date", "birth_year", "nationality", "match_key"},
		src); err != nil {
		src.stop()
		if src.err != nil {
			return src.err
		}
		return db.Error(err)
	}
	if src.err != nil {
		return src.err
	}
	imp.Counts = c
	counts, _ := json.Marshal(c)
	_, err := tx.Exec(ctx, `UPDATE imports SET counts = $2 WHERE id = $1`, imp.ID, counts)
	return db.Error(err)
}

// rowSource adapts a push iterator to pgx's CopyFromSource with a goroutine
// hand-off of one row at a time, so the file is read as it is copied.
type rowSource struct {
	id     string
	counts *imports.Counts
	ch     chan *imports.StagedRow
	ack    chan bool
	done   chan struct{}
	cur    *imports.StagedRow
	err    error
}

func (s *rowSource) start(rows func(yield func(*imports.StagedRow) error) error) {
	s.ch, s.ack, s.done = make(chan *imports.StagedRow), make(chan bool), make(chan struct{})
	go func() {
		defer close(s.ch)
		err := rows(func(r *imports.StagedRow) error {
			select {
			case s.ch <- r:
			case <-s.done:
				return errStopped
			}
			if !<-s.ack {
				return errStopped
			}
			return nil
		})
		if err != nil && !errors.Is(err, errStopped) {
			s.err = err
		}
	}()
}

var errStopped = errors.New("stopped")

func (s *rowSource) stop() {
	select {
	case <-s.done:
	default:
		close(s.done)
	}
	if s.cur != nil {
		s.cur = nil
		select {
		case s.ack <- false:
		default:
		}
	}
	for range s.ch {
		s.ack <- false
	}
}

func (s *rowSource) Next() bool {
	if s.cur != nil {
		s.ack <- true
	}
	r, ok := <-s.ch
	s.cur = r
	if ok {
		s.counts.Rows++
		if r.Valid() {
			s.counts.Valid++
		} else {
			s.counts.Invalid++
		}
	}
	return ok
}

func (s *rowSource) Values() ([]any, error) {
	r := s.cur
	var problems []byte
	if len(r.Problems) > 0 {
		problems, _ = json.Marshal(r.Problems)
	}
	var birthYear *int
	if r.BirthYear != 0 {
		birthYear = &r.BirthYear
	}
	return []any{s.id, r.Row, r.Cells, problems, r.Valid(), r.NameKey, r.BirthDate.Ptr(), birthYear, r.Nationality, r.MatchKey}, nil
}

func (s *rowSource) Err() error { return s.err }

// Get returns an import of org with its problems and duplicates (capped).
func (s *Store) Get(ctx context.Context, org, id string) (*imports.Import, error) {
	i, err := scanImport(s.pool.QueryRow(ctx, `SELECT `+importCols+` FROM imports WHERE id = $1 AND organisation_id = $2`, id, org))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errs.NotFound("import", id)
	}
	if err != nil {
		return nil, db.Error(err)
	}
	return i, s.details(ctx, i)
}

// MaxListed caps the problems and duplicate rows returned with an import.
const MaxListed = 5000

// details reads an import's problems (its header row's first, then its
// rows', in sheet order) and duplicates.
func (s *Store) details(ctx context.Context, i *imports.Import) error {
	if err := s.pool.QueryRow(ctx, `SELECT COALESCE(sum(jsonb_array_length(problems)), 0) FROM import_rows
		WHERE import_id = $1 AND problems IS NOT NULL`, i.ID).Scan(&i.ProblemCount); err != nil {
		return db.Error(err)
	}
	i.ProblemCount += len(i.HeaderProblems)
	rows, err := s.pool.Query(ctx, `SELECT p FROM import_rows r, jsonb_array_elements(r.problems) p
		WHERE r.import_id = $1 AND r.problems IS NOT NULL ORDER BY r.row_no LIMIT $2`, i.ID, max(MaxListed-len(i.HeaderProblems), 0))
	if err != nil {
		return db.Error(err)
	}
	listed, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (imports.Problem, error) {
		var p imports.Problem
		var raw []byte
		if err := r.Scan(&raw); err != nil {
			return p, err
		}
		return p, json.Unmarshal(raw, &p)
	})
	if err != nil {
		return db.Error(err)
	}
	i.Problems = append(slices.Clip(i.HeaderProblems), listed...)
	rows, err = s.pool.Query(ctx, `SELECT row_no, COALESCE(matches, '[]'), COALESCE(same_as, '{}'), outcome, COALESCE(resource_id::text, '')
		FROM import_rows WHERE import_id = $1 AND (matches IS NOT NULL OR same_as IS NOT NULL) ORDER BY row_no LIMIT $2`, i.ID, MaxListed)
	if err != nil {
		return db.Error(err)
	}
	i.Duplicates, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (imports.RowDuplicates, error) {
		var d imports.RowDuplicates
		var raw []byte
		var same []int32
		if err := r.Scan(&d.Row, &raw, &same, &d.Outcome, &d.ResourceID); err != nil {
			return d, err
		}
		for _, x := range same {
			d.SameAs = append(d.SameAs, int(x))
		}
		return d, json.Unmarshal(raw, &d.Matches)
	})
	return db.Error(err)
}

// List returns org's imports after the page token, newest first, without
// problems and duplicates.
func (s *Store) List(ctx context.Context, org string, p pagination.Page) ([]*imports.Import, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+importCols+` FROM imports WHERE organisation_id = $1
		AND ($2 = '' OR id < $2::uuid) ORDER BY id DESC LIMIT $3`, org, p.After, p.Limit())
	if err != nil {
		return nil, db.Error(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*imports.Import, error) { return scanImport(r) })
	return out, db.Error(err)
}

// Claim leases to owner one running import whose lease has expired (its
// process died or gave it up), counting the attempt. nil when none.
func (s *Store) Claim(ctx context.Context, owner string, lease time.Duration) (*imports.Import, error) {
	i, err := scanImport(s.pool.QueryRow(ctx, `UPDATE imports SET lease_owner = $1, lease_until = now() + $2::interval,
			attempts = attempts + 1, update_time = now()
		WHERE id = (SELECT id FROM imports WHERE state = 'running' AND lease_until < now()
			ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 1)
		RETURNING `+importCols, owner, lease.String()))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return i, db.Error(err)
}

// Extend renews owner's lease; false when it was lost.
func (s *Store) Extend(ctx context.Context, id, owner string, lease time.Duration) (bool, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE imports SET lease_until = now() + $3::interval
		WHERE id = $1 AND lease_owner = $2 AND state = 'running'`, id, owner, lease.String())
	return tag.RowsAffected() == 1, db.Error(err)
}

// Release gives up owner's lease so the import is taken up again after
// delay.
func (s *Store) Release(ctx context.Context, id, owner string, delay time.Duration) error {
	_, err := s.pool.Exec(ctx, `UPDATE imports SET lease_until = now() + $3::interval
		WHERE id = $1 AND lease_owner = $2 AND state = 'running'`, id, owner, delay.String())
	return db.Error(err)
}

// HandOver gives up owner's lease at a graceful stop so another process
// takes the import up at once, without counting that start as an attempt
// (Claim counts every start).
func (s *Store) HandOver(ctx context.Context, id, owner string) error {
	_, err := s.pool.Exec(ctx, `UPDATE imports SET lease_until = now(), attempts = GREATEST(attempts - 1, 0)
		WHERE id = $1 AND lease_owner = $2 AND state = 'running'`, id, owner)
	return db.Error(err)
}

// Progress records how far a running import is.
func (s *Store) Progress(ctx context.Context, id, phase string, c imports.Counts, percent int) error {
	counts, _ := json.Marshal(c)
	_, err := s.pool.Exec(ctx, `UPDATE imports SET phase = $2, counts = $3, progress = $4, update_time = now()
		WHERE id = $1 AND state = 'running'`, id, phase, counts, percent)
	return db.Error(err)
}

// Fail ends a running import as failed with e, dropping the staged cells.
func (s *Store) Fail(ctx context.Context, id string, c imports.Counts, e *errs.Error) error {
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		counts, _ := json.Marshal(c)
		if _, err := tx.Exec(ctx, `UPDATE imports SET state = 'failed', counts = $2, error_code = $3, error_reason = $4,
				error_message = $5, update_time = now(), complete_time = now(), lease_owner = ''
			WHERE id = $1 AND state = 'running'`, id, counts, int(e.Kind), e.Reason, e.Message); err != nil {
			return db.Error(err)
		}
		_, err := tx.Exec(ctx, dropStaged, id)
		return db.Error(err)
	})
}

// Finish ends a running import as succeeded, in the caller's transaction
// (with the rows it wrote), recording the outcomes SetOutcomes staged in
// it and dropping the staged cells, in one pass over the import's rows.
func Finish(ctx context.Context, q db.Querier, id string, c imports.Counts) error {
	counts, _ := json.Marshal(c)
	var staged bool
	if err := q.QueryRow(ctx, `SELECT to_regclass('pg_temp.import_outcomes') IS NOT NULL`).Scan(&staged); err != nil {
		return db.Error(err)
	}
	tag, err := q.Exec(ctx, `UPDATE imports SET state = 'succeeded', counts = $2, progress = 100, update_time = now(),
			complete_time = now(), lease_owner = '' WHERE id = $1 AND state = 'running'`, id, counts)
	if err != nil {
		return db.Error(err)
	}
	if tag.RowsAffected() != 1 {
		return errs.New(errs.KindAborted, "import %s is no longer running", id)
	}
	if !staged {
		_, err = q.Exec(ctx, dropStaged, id)
		return db.Error(err)
	}
	// Each row looks its outcome up by the temporary table's key, a plan
	// that does not depend on statistics of the fresh rows (a join of the
	// tables was once planned as nested scans: minutes for 50,000 rows);
	// the temporary table gets its statistics all the same.
	if _, err := q.Exec(ctx, `ANALYZE pg_temp.import_outcomes`); err != nil {
		return db.Error(err)
	}
	_, err = q.Exec(ctx, `UPDATE import_rows r SET `+dropStagedSet+`, (outcome, resource_id) = (
				SELECT COALESCE(o.outcome, r.outcome), COALESCE(o.resource_id, r.resource_id)
				FROM (VALUES (1)) AS one(x) LEFT JOIN pg_temp.import_outcomes o ON o.import_id = r.import_id AND o.row_no = r.row_no)
		FROM imports i WHERE r.import_id = $1 AND i.id = r.import_id`, id)
	return db.Error(err)
}

// dropStaged drops what an ended import no longer needs of its rows: the
// uploaded cells and the keys duplicates were found by (folded names,
// birth, nationality, e-mail), all personal data (dropStagedSet). The
// problems (with the bad cell's text), duplicates and outcomes stay for
// the report until the import is purged. A refused row of an import of
// persons (keptRefused) keeps its name key and birth year: it never
// became a record, so no id links it to the person it names, and an
// erasure finds it by them (ForgetSQL's persons).
const dropStaged = `UPDATE import_rows r SET ` + dropStagedSet + ` FROM imports i WHERE r.import_id = $1 AND i.id = r.import_id`

// dropStagedSet is dropStaged's SET list, for row r of import i.
const dropStagedSet = `cells = NULL, name_key = CASE WHEN ` + keptRefused + ` THEN r.name_key ELSE '' END,
	birth_year = CASE WHEN ` + keptRefused + ` THEN COALESCE(r.birth_year, EXTRACT(year FROM r.birth_date)::int) END,
	birth_date = NULL, nationality = '', match_key = ''`

// keptRefused holds for a row r of import i that keeps its name key and
// birth year when the import ends: a refused row (its problems quote its
// cells; a processor writes valid rows only, so it is no record) of an
// import of beneficiaries (persons an erasure looks for; a training's
// professionals are erased by nobody, and their rows keep nothing), which
// has a name key and whose problems an erasure did not clear already (it
// ran while the import did: nothing left to find the row for).
const keptRefused = `(NOT r.valid AND r.name_key <> '' AND i.kind = '` + imports.KindBeneficiaries + `'
	AND r.problems @? '$[*] ? (@.message != "` + erasedProblem + `")')`

// forgottenRows are the staged rows that were one of the records $1
// (uuid[]), each with the earlier rows of its file it was scored a
// duplicate of (same_as): the row created or linked the record (ended
// imports only: outcomes are written when an import ends), or was scored
// as its duplicate (running ones too), or, given persons (see ForgetSQL),
// is a refused row that may name one of them.
func forgottenRows(persons, may string) string {
	rows := `SELECT import_id, row_no, same_as FROM import_rows WHERE resource_id = ANY ($1::uuid[])
	UNION SELECT o.import_id, o.row_no, o.same_as FROM unnest($1::uuid[]) x
		JOIN import_rows o ON o.matches @> jsonb_build_array(jsonb_build_object('id', x::text))`
	if persons == "" {
		return rows
	}
	return rows + `
	UNION SELECT r.import_id, r.row_no, r.same_as FROM (` + persons + `) p
		JOIN import_rows r ON NOT r.valid AND r.name_key <> '' AND (` + may + `)
		JOIN imports i ON i.id = r.import_id AND i.organisation_id = p.organisation_id`
}

// ForgetSQL returns the statements an erasure of the records $1 (uuid[])
// runs on the import tables, in its transaction (as statements of their
// own or parts of one, a data-modifying WITH each): resources, then
// purposes.
//
// resources clears the staged rows that are, or probably are, one of the
// records: the rows forgottenRows finds and the rows of the same file
// linked to them as in-file duplicates, either way (the earlier rows one
// of them was scored a duplicate of, and the bad rows scored a duplicate
// of one of them: a row repeating the person with a bad cell, whose
// problem quotes it, was scored against the row that created the record
// before the record existed; a valid row keeps nothing an erasure clears,
// and the service's index of bad duplicate rows finds them without
// reading the whole import). One link only: a chain of duplicates drifts
// to other people. The rows are gathered per import and looked up by key
// (a join of the rows found, whose number the planner overestimates, was
// planned as a scan of every staged row).
//
// A refused row staged before the person had a record (a file refused,
// then corrected; a bad row skipped, the person registered later) has no
// link to the record. persons, when not "", is a query of the
// organisation_id, name_key and birth_year of the persons $1 as they were
// before the erasure; may is an SQL condition on such a person p and a
// refused row r (its kept name_key and birth_year: see dropStaged) that
// holds when the row may name the person (it may use r's trigram index on
// name_key). The refused rows of the person's organisation's imports for
// which it holds are cleared too: better a near-namesake's cell texts
// than hers kept.
//
// The rows' problems keep their row, column and field, so the report
// still counts them and the row stays invalid, but lose the cell's text
// (value) and the message quoting it. In an ended import the rest of
// their staged data goes too (it keeps none once it ends anyway, but a
// refused row's keys). A running import still needs its staged data to
// end as it would have: the keys its later rows are scored against, and
// the cells of the valid rows it writes (it drops both when it ends), so
// only the cells of its invalid rows, which no processor reads (a
// processor writes valid rows only), are dropped. Ids, outcomes and
// scores stay.
//
// purposes blanks the purpose declared for the imports with a row
// resources clears: free text that may name the person. It returns their
// ids: the import's id is the call id its audit records store its purpose
// under (a service with an audit log blanks that too). A running import
// keeps the purpose it read when it started for the audit records of the
// rows it writes (blanked there too when the service blanks the call's
// purpose before it is stored); it records none once resumed elsewhere.
func ForgetSQL(persons, may string) (resources, purposes string) {
	f := forgottenRows(persons, may)
	resources = `UPDATE import_rows r SET
		problems = (SELECT jsonb_agg(p - 'value' || jsonb_build_object('message', '` + erasedProblem + `') ORDER BY n)
			FROM jsonb_array_elements(r.problems) WITH ORDINALITY AS e(p, n)),
		cells = CASE WHEN i.state = 'running' AND r.valid THEN r.cells END,
		name_key = CASE WHEN i.state = 'running' THEN r.name_key ELSE '' END,
		birth_date = CASE WHEN i.state = 'running' THEN r.birth_date END,
		birth_year = CASE WHEN i.state = 'running' THEN r.birth_year END,
		nationality = CASE WHEN i.state = 'running' THEN r.nationality ELSE '' END,
		match_key = CASE WHEN i.state = 'running' THEN r.match_key ELSE '' END
	FROM (WITH f AS (` + f + `),
			g AS (SELECT import_id, array_agg(row_no) AS own, array_agg(s) FILTER (WHERE s IS NOT NULL) AS earlier
				FROM f LEFT JOIN unnest(f.same_as) s ON true GROUP BY import_id)
		SELECT g.import_id, g.own || g.earlier || ARRAY(SELECT d.row_no FROM import_rows d
			WHERE d.import_id = g.import_id AND NOT d.valid AND d.same_as IS NOT NULL AND d.same_as && g.own) AS nos
		FROM g) t,
		imports i
	WHERE r.import_id = t.import_id AND r.row_no = ANY (t.nos) AND i.id = r.import_id`
	purposes = `UPDATE imports SET purpose = ''
	WHERE purpose <> '' AND id IN (SELECT import_id FROM (` + f + `) f) RETURNING id`
	return resources, purposes
}

// erasedProblem is the message of a problem whose cell text erasure
// removed.
const erasedProblem = "the text of this cell was removed when the person the row may name was erased"

// Forget runs ForgetSQL's statements for the records ids (no persons: they
// were erased already), as one statement, outside an erasure: for a
// running import that scored its rows against records erased since it
// read them. then is the statement's last part: "SELECT" alone, or a
// SELECT given the ids of the imports whose purpose was blanked as the
// WITH query p (id).
func Forget(ctx context.Context, q db.Querier, ids []string, then string) error {
	resources, purposes := ForgetSQL("", "")
	_, err := q.Exec(ctx, `WITH r AS (`+resources+`), p AS (`+purposes+`) `+then, ids)
	return db.Error(err)
}

// Rows returns up to limit staged rows of an import after row after, in
// sheet order.
func Rows(ctx context.Context, q db.Querier, id string, after, limit int) ([]*imports.StagedRow, error) {
	rows, err := q.Query(ctx, `SELECT row_no, COALESCE(cells, '{}'), COALESCE(problems, '[]'), name_key, birth_date,
			COALESCE(birth_year, 0), nationality, match_key, COALESCE(matches, '[]'), COALESCE(same_as, '{}')
		FROM import_rows WHERE import_id = $1 AND row_no > $2 ORDER BY row_no LIMIT $3`, id, after, limit)
	if err != nil {
		return nil, db.Error(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*imports.StagedRow, error) {
		var s imports.StagedRow
		var problems, matches []byte
		var birth *time.Time
		var same []int32
		if err := r.Scan(&s.Row, &s.Cells, &problems, &s.NameKey, &birth, &s.BirthYear, &s.Nationality, &s.MatchKey, &matches, &same); err != nil {
			return nil, err
		}
		s.BirthDate = date.FromPtr(birth)
		for _, x := range same {
			s.SameAs = append(s.SameAs, int(x))
		}
		if err := json.Unmarshal(problems, &s.Problems); err != nil {
			return nil, err
		}
		return &s, json.Unmarshal(matches, &s.Matches)
	})
	return out, db.Error(err)
}

// SetDuplicates records the probable duplicates found for rows (none
// clears what an earlier attempt found), and the problems of the rows the
// check phase refused (Refused: the row is invalid from now on).
func SetDuplicates(ctx context.Context, q db.Querier, id string, rows []*imports.StagedRow) error {
	var rowNos []int32
	var matches, same, problems []*string
	for _, r := range rows {
		// Rows without duplicates too: a resumed import scores again.
		rowNos = append(rowNos, intconv.Int32(r.Row))
		var m, sa, p *string
		if len(r.Matches) > 0 {
			b, _ := json.Marshal(r.Matches)
			m = ptr(string(b))
		}
		if len(r.SameAs) > 0 {
			b, _ := json.Marshal(r.SameAs)
			sa = ptr(string(b))
		}
		if r.Refused {
			b, _ := json.Marshal(r.Problems)
			p = ptr(string(b))
		}
		matches, same, problems = append(matches, m), append(same, sa), append(problems, p)
	}
	if len(rowNos) == 0 {
		return nil
	}
	_, err := q.Exec(ctx, `UPDATE import_rows r SET matches = u.m::jsonb,
			same_as = CASE WHEN u.s IS NOT NULL THEN ARRAY(SELECT jsonb_array_elements_text(u.s::jsonb)::int) END,
			problems = COALESCE(u.p::jsonb, r.problems), valid = r.valid AND u.p IS NULL
		FROM unnest($2::int[], $3::text[], $4::text[], $5::text[]) AS u(row_no, m, s, p)
		WHERE r.import_id = $1 AND r.row_no = u.row_no
			AND (u.m IS NOT NULL OR u.s IS NOT NULL OR u.p IS NOT NULL OR r.matches IS NOT NULL OR r.same_as IS NOT NULL)`,
		id, rowNos, matches, same, problems)
	return db.Error(err)
}

func ptr(s string) *string { return &s }

// SetOutcomes records what a real import did with rows, for Finish in the
// same transaction to write into the import's rows: staged in a temporary
// table (dropped at the commit), so each row is rewritten once, when the
// import ends, and not once for its outcome and again for its dropped
// cells. In a transaction only; the insert is queued on a pipelined one
// (sent with its next statement).
func SetOutcomes(ctx context.Context, q db.Querier, id string, outs []imports.Outcome) error {
	if len(outs) == 0 {
		return nil
	}
	rowNos := make([]int32, len(outs))
	outcomes := make([]string, len(outs))
	resources := make([]*string, len(outs))
	for i, o := range outs {
		rowNos[i], outcomes[i] = intconv.Int32(o.Row), o.Outcome
		if o.ResourceID != "" {
			resources[i] = &outs[i].ResourceID
		}
	}
	// Created before the insert is sent: statements sent together are
	// prepared together.
	if _, err := q.Exec(ctx, `CREATE TEMP TABLE IF NOT EXISTS import_outcomes (import_id uuid NOT NULL, row_no int NOT NULL,
		outcome text NOT NULL, resource_id uuid, PRIMARY KEY (import_id, row_no)) ON COMMIT DROP`); err != nil {
		return db.Error(err)
	}
	return db.Defer(ctx, q, `INSERT INTO pg_temp.import_outcomes (import_id, row_no, outcome, resource_id)
		SELECT $1, u.row_no, u.outcome, u.resource_id::uuid FROM unnest($2::int[], $3::text[], $4::text[]) AS u(row_no, outcome, resource_id)`,
		id, rowNos, outcomes, resources)
}

// Purge deletes imports that ended before cutoff (their problems keep cell
// values from the uploaded file).
func (s *Store) Purge(ctx context.Context, cutoff time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM imports WHERE state <> 'running' AND complete_time < $1`, cutoff)
	return tag.RowsAffected(), db.Error(err)
}
