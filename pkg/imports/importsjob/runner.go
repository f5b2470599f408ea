package importsjob

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/spona/spona/pkg/imports"
	"io"
	"log/slog"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/i18n"
	"github.com/spona/spona/pkg/ids"
	"github.com/spona/spona/pkg/logging"
	"github.com/spona/spona/pkg/sheet"
)

// Config tunes a Runner.
type Config struct {
	// Limits of the files read.
	Limits sheet.Limits
	// Lease is how long a process holds a running import without renewing
	// it; after that another process (or the same one restarted) resumes it.
	Lease time.Duration
	// FirstWait is how long an upload waits for its import to finish
	// before answering with a running operation.
	FirstWait time.Duration
	// MaxAttempts is how often an import is started before it fails:
	// after as many failures, or as many deaths of the process running it
	// (a handover at a graceful stop does not count).
	MaxAttempts int
	// Poll is how often expired leases are looked for.
	Poll time.Duration
	// Retention is how long finished imports are kept.
	Retention time.Duration
}

// Runner accepts uploads and runs imports in the background, independent
// of the request that started them.
type Runner struct {
	store *Store
	cfg   Config
	log   *slog.Logger
	owner string
	procs map[string]imports.Processor
	specs map[string]imports.Spec

	mu     sync.Mutex
	active map[string]chan struct{} // closed when the import stops running here
	base   context.Context
	wg     sync.WaitGroup
	purged time.Time // when finished imports were last purged
}

// NewRunner returns a runner over store.
func NewRunner(store *Store, cfg Config, log *slog.Logger) *Runner {
	if cfg.Lease <= 0 {
		cfg.Lease = 30 * time.Second
	}
	if cfg.FirstWait <= 0 {
		cfg.FirstWait = 2 * time.Second
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 3
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 2 * time.Second
	}
	if cfg.Retention <= 0 {
		cfg.Retention = 30 * 24 * time.Hour
	}
	host, _ := os.Hostname()
	var b [6]byte
	_, _ = rand.Read(b[:])
	return &Runner{store: store, cfg: cfg, log: log, owner: fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:])),
		procs: map[string]imports.Processor{}, specs: map[string]imports.Spec{}, active: map[string]chan struct{}{}, base: context.Background()}
}

// Register sets the spec and processor of a kind of import.
func (r *Runner) Register(kind string, spec imports.Spec, p imports.Processor) {
	r.specs[kind], r.procs[kind] = spec, p
}

// RegisterProcessor sets the processor of a kind of import whose uploads
// bring their own spec.
func (r *Runner) RegisterProcessor(kind string, p imports.Processor) { r.procs[kind] = p }

// Store returns the runner's store.
func (r *Runner) Store() *Store { return r.store }

// Resume takes over imports whose process died (their lease expired) and
// runs them here, and once an hour purges finished imports older than
// Retention. Serve runs it every Poll.
func (r *Runner) Resume(ctx context.Context) error {
	for {
		imp, err := r.store.Claim(ctx, r.owner, r.cfg.Lease)
		if err != nil {
			return fmt.Errorf("claim: %w", err)
		}
		if imp == nil {
			break
		}
		// Started MaxAttempts times already, and each time the process
		// running it died (a crash it may cause itself, as running out of
		// memory): it is not started again on another replica, and another.
		if imp.Attempts >= r.cfg.MaxAttempts {
			r.log.Error("imports: its process died in it too often; failing it", slog.String("import", imp.ID), slog.Int("attempts", imp.Attempts))
			if err := r.store.Fail(ctx, imp.ID, imp.Counts, interrupted(r.cfg.MaxAttempts)); err != nil {
				return fmt.Errorf("fail: %w", err)
			}
			continue
		}
		r.log.Info("imports: resuming", slog.String("import", imp.ID), slog.Int("attempt", imp.Attempts))
		r.start(imp)
	}
	r.mu.Lock()
	due := time.Since(r.purged) > time.Hour
	r.mu.Unlock()
	if !due {
		return nil
	}
	n, err := r.store.Purge(ctx, time.Now().Add(-r.cfg.Retention))
	if err != nil {
		return fmt.Errorf("purge: %w", err)
	}
	r.mu.Lock()
	r.purged = time.Now()
	r.mu.Unlock()
	if n > 0 {
		r.log.Info("imports: purged", slog.Int64("imports", n))
	}
	return nil
}

// Upload reads an uploaded file, stages its rows and starts its import; it
// returns the import once it finished or FirstWait passed. A file that
// cannot be read, or whose header does not match, is refused
// (InvalidArgument) and nothing is stored; a header naming a date read
// two ways is a problem of row 1 instead (Import.HeaderProblems), and
// the cells under it problems of their own (imports.UnreadCells). A repeated upload (same request
// id, or the same file with the same options within 24 hours, a dry run
// while the first still runs) returns the first import, marked Replayed, or is refused (Aborted) while the first one's rows are
// still being staged (Store.Create).
//
// Upload lets go of u.Data once the rows are staged, before it waits.
func (r *Runner) Upload(ctx context.Context, u *imports.Upload) (*imports.Import, error) {
	imp, started, err := r.stage(ctx, u)
	u.Data = nil
	if err != nil || !started {
		return imp, err
	}
	done := r.start(imp)
	select {
	case <-done:
	case <-time.After(r.cfg.FirstWait):
	case <-ctx.Done():
	}
	return r.store.Get(context.WithoutCancel(ctx), imp.OrganisationID, imp.ID)
}

// stage reads an upload and stores its import and staged rows; started is
// false when it returns the import the upload repeats.
func (r *Runner) stage(ctx context.Context, u *imports.Upload) (imp *imports.Import, started bool, err error) {
	spec := r.specs[u.Kind]
	if u.Spec != nil {
		spec = *u.Spec
	}
	if _, known := r.procs[u.Kind]; !known {
		return nil, false, fmt.Errorf("imports: kind %q is not registered", u.Kind)
	}
	if err := u.Options.Normalize(); err != nil {
		return nil, false, err
	}
	h := sha256.New()
	for _, b := range u.Data {
		h.Write(b)
	}
	sha := hex.EncodeToString(h.Sum(nil))
	if imp, err := r.store.FindExisting(ctx, u, sha); err != nil || imp != nil {
		if imp != nil {
			if err := r.store.details(ctx, imp); err != nil {
				return nil, false, err
			}
			imp.Replayed = true
		}
		return imp, false, err
	}
	rd, err := sheet.OpenPieces(u.Data, u.ContentType, r.cfg.Limits)
	if err != nil {
		return nil, false, fileError(err)
	}
	defer rd.Close()
	headerRow, header, err := rd.Next()
	if errors.Is(err, io.EOF) {
		return nil, false, &errs.Error{Kind: errs.KindInvalidArgument, Reason: sheet.ReasonEmpty, Message: "the sheet is empty: row 1 must name the columns" + sheetRead(rd)}
	}
	if err != nil {
		return nil, false, fileError(err)
	}
	if headerRow != 1 {
		// The violation says it in the caller's language (pkg/i18n).
		var v errs.Violations
		v.Add("header", "row 1 must name the columns, but it is blank (the first row with text is row %d)", headerRow)
		return nil, false, &errs.Error{Kind: errs.KindInvalidArgument, Reason: "BAD_HEADER",
			Message:    fmt.Sprintf("row 1 must name the columns, but it is blank (the first row with text is row %d)", headerRow) + sheetRead(rd),
			Violations: v}
	}
	header = append([]string(nil), header...)
	m, err := imports.MatchHeader(header, spec.Columns, spec.Dynamic)
	if e := (*errs.Error)(nil); errors.As(err, &e) {
		e.Message += sheetRead(rd)
		hiddenHeaders(e, rd)
	}
	if err != nil {
		return nil, false, err
	}
	dates := imports.DateFields(spec.Columns)
	mf, monthFirst, err := findMonthFirst(u, r.cfg.Limits, m, dates)
	if err != nil {
		return nil, false, err
	}
	info := rd.Info()
	imp = &imports.Import{ID: ids.New(), Kind: u.Kind, Parent: u.Parent, OrganisationID: u.OrganisationID, ClientID: u.ClientID,
		Purpose: u.Purpose, Options: u.Options, Format: info.Format, Encoding: info.Encoding, FileSHA256: sha, State: imports.StateRunning, Phase: imports.PhaseCheck}
	for i, f := range m.Fields {
		if f != "" {
			imp.Columns = append(imp.Columns, imports.ColumnInfo{Letter: sheet.ColumnLetter(i), Header: m.Headers[i], Field: f})
		}
		if p, ok := m.Unread[i]; ok {
			if rd.HiddenColumn(i) {
				p.Message += i18n.HiddenHeader
			}
			imp.HeaderProblems = append(imp.HeaderProblems, p)
		}
	}
	existing, err := r.store.Create(ctx, imp, r.owner, r.cfg.Lease, func(yield func(*imports.StagedRow) error) error {
		n := 0
		for {
			row, cells, err := rd.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return fileError(err)
			}
			cells = imports.ShownDates(m, dates, append([]string(nil), cells...), rd.Serial)
			s := spec.Row(m, row, cells)
			s.Row = row
			if rd.Hidden() {
				// Its cells are not what the sender sees: the row is
				// reported as hidden, and for nothing else.
				s.Problems = []imports.Problem{imports.HiddenRow(row)}
			} else {
				s.Problems = append(s.Problems, imports.Unheaded(m, row, cells)...)
				s.Problems = imports.UnreadCells(m, row, cells, s.Problems)
				if monthFirst {
					s.Problems = imports.SwappableDates(m, dates, mf, row, cells, s.Problems)
				}
				s.Problems = imports.FormulaErrors(m, row, cells, s.Problems)
				s.Problems = imports.HiddenCells(m, row, cells, s.Problems, rd.HiddenColumn)
			}
			sort.SliceStable(s.Problems, func(i, j int) bool {
				return sheet.ColumnIndex(s.Problems[i].Column) < sheet.ColumnIndex(s.Problems[j].Column)
			})
			if err := yield(s); err != nil {
				return err
			}
			n++
		}
		if n == 0 {
			return &errs.Error{Kind: errs.KindInvalidArgument, Reason: "NO_DATA", Message: "the sheet has a header row but no data rows under it"}
		}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	if existing != nil {
		// An identical upload committed its import after the lookup above.
		existing.Replayed = true
		return existing, false, r.store.details(ctx, existing)
	}
	return imp, true, nil
}

// findMonthFirst reads the upload's rows (another reader of its file,
// before the rows are staged) for a cell of a date column that shows the
// file writes its dates with slashes month first (imports.FindMonthFirst):
// only then are its dates with slashes that read as two days problems
// (imports.SwappableDates), whichever row they are in. Hidden rows are
// not read (they are not imported). A file without a date column mapped
// is not read.
func findMonthFirst(u *imports.Upload, limits sheet.Limits, m imports.Mapping, dates map[string]bool) (imports.MonthFirst, bool, error) {
	if !slices.ContainsFunc(m.Fields, func(f string) bool { return dates[f] }) {
		return imports.MonthFirst{}, false, nil
	}
	rd, err := sheet.OpenPieces(u.Data, u.ContentType, limits)
	if err != nil {
		return imports.MonthFirst{}, false, fileError(err)
	}
	defer rd.Close()
	if _, _, err := rd.Next(); err != nil { // the header, read already
		return imports.MonthFirst{}, false, fileError(err)
	}
	for {
		row, cells, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return imports.MonthFirst{}, false, nil
		}
		if err != nil {
			return imports.MonthFirst{}, false, fileError(err)
		}
		if rd.Hidden() {
			continue
		}
		if mf, ok := imports.FindMonthFirst(m, dates, row, cells); ok {
			return mf, true, nil
		}
	}
}

// sheetRead names, for a refusal of a workbook's header, the worksheet
// that was read: only the first one not hidden is, and the user may be
// looking at another ("" for a CSV file; XLSX and ODS workbooks alike).
func sheetRead(rd sheet.Reader) string {
	if info := rd.Info(); info.Format == sheet.FormatXLSX || info.Format == sheet.FormatODS {
		return fmt.Sprintf(" (in worksheet %q: only the first worksheet a workbook shows is read; move the worksheet with the rows first, or send it as a workbook of its own)", info.Sheet)
	}
	return ""
}

// hiddenHeaders adds to each refusal of a header in a hidden column that
// it is hidden: the sender looking for column F "Šifra" in the row they
// see would not find it.
func hiddenHeaders(e *errs.Error, rd sheet.Reader) {
	for i, v := range e.Violations {
		if l, ok := strings.CutPrefix(v.Field, "header."); ok && rd.HiddenColumn(sheet.ColumnIndex(l)) {
			e.Violations[i].Description += i18n.HiddenHeader
		}
	}
}

func fileError(err error) error {
	if e, ok := sheet.AsError(err); ok {
		return &errs.Error{Kind: errs.KindInvalidArgument, Reason: e.Reason, Message: e.Message}
	}
	return err
}

// start processes a leased import in the background; the channel closes
// when it stops running here.
func (r *Runner) start(imp *imports.Import) <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	if ch, ok := r.active[imp.ID]; ok {
		return ch
	}
	done := make(chan struct{})
	r.active[imp.ID] = done
	base := r.base
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer func() {
			r.mu.Lock()
			delete(r.active, imp.ID)
			r.mu.Unlock()
			close(done)
		}()
		r.process(base, imp)
	}()
	return done
}

// clientKinds are the error kinds that end an import as failed.
var clientKinds = map[errs.Kind]bool{
	errs.KindInvalidArgument: true, errs.KindFailedPrecondition: true, errs.KindNotFound: true,
	errs.KindPermissionDenied: true, errs.KindAlreadyExists: true,
}

func (r *Runner) process(base context.Context, imp *imports.Import) {
	ctx, cancel := context.WithCancel(base)
	defer cancel()
	proc := r.procs[imp.Kind]
	// Keep the lease while working; losing it stops the work.
	go func() {
		t := time.NewTicker(r.cfg.Lease / 3)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				ok, err := r.store.Extend(ctx, imp.ID, r.owner, r.cfg.Lease)
				if err == nil && !ok {
					r.log.Warn("imports: lease lost", slog.String("import", imp.ID))
					cancel()
					return
				}
			}
		}
	}()
	counts := imp.Counts
	report := func(phase string, c imports.Counts, percent int) {
		counts = c
		if err := r.store.Progress(ctx, imp.ID, phase, c, min(max(percent, 0), 99)); err != nil && ctx.Err() == nil {
			r.log.Warn("imports: progress", slog.String("import", imp.ID), logging.Err(err))
		}
	}
	var err error
	func() {
		defer func() {
			if p := recover(); p != nil {
				// Its type and where, not its value: a value formatted
				// from a row may carry a person's data.
				r.log.Error("imports: panic in processing", slog.String("import", imp.ID), logging.Panic(p))
				err = errProcessingPanicked
			}
		}()
		err = proc.Process(ctx, imp, report)
	}()
	var e *errs.Error
	final := errors.As(err, &e) && clientKinds[e.Kind]
	stop := context.WithoutCancel(ctx)
	switch {
	case err == nil:
	case final:
		if ferr := r.store.Fail(stop, imp.ID, counts, e); ferr != nil {
			r.log.Error("imports: fail", slog.String("import", imp.ID), logging.Err(ferr))
		}
	case base.Err() != nil:
		// Shutting down: let the next process take it up at once; a
		// handover is not a failed attempt.
		_ = r.store.HandOver(stop, imp.ID, r.owner)
	case imp.Attempts+1 >= r.cfg.MaxAttempts:
		r.log.Error("imports: giving up", slog.String("import", imp.ID), logging.Err(err))
		_ = r.store.Fail(stop, imp.ID, counts, interrupted(r.cfg.MaxAttempts))
	default:
		r.log.Warn("imports: will retry", slog.String("import", imp.ID), logging.Err(err))
		_ = r.store.Release(stop, imp.ID, r.owner, 5*time.Second)
	}
}

// errProcessingPanicked is the error of an attempt whose processing
// panicked (logged where it was recovered).
var errProcessingPanicked = errors.New("the import's processing panicked")

// interrupted is the failure of an import started n times without
// finishing.
func interrupted(n int) *errs.Error {
	return &errs.Error{Kind: errs.KindFailedPrecondition, Reason: "IMPORT_INTERRUPTED",
		Message: fmt.Sprintf("the import was interrupted %d times and wrote nothing; send the file again", n)}
}

// Env is the configuration of imports a service reads from its
// environment.
type Env struct {
	// MaxBytes is the largest file accepted.
	MaxBytes int64 `env:"IMPORT_MAX_BYTES" default:"20971520" min:"1" help:"largest spreadsheet accepted for an import"`
	// MaxRows is how many rows may follow the header.
	MaxRows   int           `env:"IMPORT_MAX_ROWS" default:"50000" min:"1" help:"most rows an import may have after its header"`
	Lease     time.Duration `env:"IMPORT_LEASE" default:"30s" min:"1s" help:"how long a replica holds an import it runs before another may take it over"`
	Retention time.Duration `env:"IMPORT_RETENTION" default:"720h" min:"1m" help:"how long finished imports and their reports are kept"`
}

// WithDefaults fills unset values with the defaults.
func (e Env) WithDefaults() Env {
	if e.MaxBytes <= 0 {
		e.MaxBytes = 20 << 20
	}
	if e.MaxRows <= 0 {
		e.MaxRows = 50000
	}
	return e
}

// Config returns the runner configuration of e.
func (e Env) Config() Config {
	e = e.WithDefaults()
	return Config{Limits: sheet.DefaultLimits(e.MaxRows), Lease: e.Lease, Retention: e.Retention}
}

// MaxRecvMsgBytes is the gRPC request limit a service importing files of
// up to MaxBytes needs.
func (e Env) MaxRecvMsgBytes() int { return int(e.WithDefaults().MaxBytes) + 1<<20 }

// CheckSize refuses a whole file of n bytes larger than MaxBytes.
func (e Env) CheckSize(n int) error {
	e = e.WithDefaults()
	if int64(n) > e.MaxBytes {
		return tooLarge(fmt.Sprintf("the file has %d bytes, more than the %d accepted (IMPORT_MAX_BYTES); split it", n, e.MaxBytes))
	}
	return nil
}

// CheckReceived refuses a file arriving in pieces once the n bytes
// received so far pass MaxBytes: the rest is not waited for, so the
// refusal cannot say the file's size.
func (e Env) CheckReceived(n int) error {
	e = e.WithDefaults()
	if int64(n) > e.MaxBytes {
		return tooLarge(fmt.Sprintf("the file has more than the %d bytes accepted (IMPORT_MAX_BYTES); split it", e.MaxBytes))
	}
	return nil
}

func tooLarge(message string) error {
	return &errs.Error{Kind: errs.KindInvalidArgument, Reason: "FILE_TOO_LARGE", Message: message}
}

// Host runs a Runner's periodic work and its stop: platform.Base.
type Host interface {
	Every(ctx context.Context, interval time.Duration, what string, fn func(context.Context) error)
	OnClose(fn func(context.Context) error)
}

// Serve runs imports here until ctx ends: those uploaded here, and through
// h, every Poll, those Resume takes over. When ctx ends, the imports
// running here stop and are released so another process takes them up at
// once; h's stop waits for them (before the pool closes).
func (r *Runner) Serve(ctx context.Context, h Host) {
	r.mu.Lock()
	r.base = ctx
	r.mu.Unlock()
	h.OnClose(func(c context.Context) error {
		stopped := make(chan struct{})
		go func() { defer close(stopped); r.wg.Wait() }()
		select {
		case <-stopped:
		case <-c.Done():
		}
		return nil
	})
	h.Every(ctx, r.cfg.Poll, "imports: resuming", r.Resume)
}
