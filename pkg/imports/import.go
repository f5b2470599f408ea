package imports

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spona/spona/pkg/date"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/sheet"
	"github.com/spona/spona/pkg/validate"
)

// Kinds of import.
const (
	KindBeneficiaries = "beneficiaries"
	KindParticipants  = "participants"
)

// States of an import.
const (
	StateRunning   = "running"
	StateSucceeded = "succeeded"
	StateFailed    = "failed"
)

// Phases of a running import.
const (
	PhaseCheck = "check"
	PhaseWrite = "write"
)

// Policies.
const (
	OnErrorAbort      = "abort"
	OnErrorSkip       = "skip"
	OnDuplicateCreate = "create"
	OnDuplicateSkip   = "skip"
	OnDuplicateLink   = "link"
)

// Outcomes of a row in a real import.
const (
	OutcomeCreated = "created"
	OutcomeSkipped = "skipped"
	OutcomeLinked  = "linked"
)

// Options are what the uploader asked for.
type Options struct {
	ValidateOnly bool
	OnError      string
	OnDuplicate  string
	RequestID    string
}

// Normalize fills defaults and checks the options.
func (o *Options) Normalize() error {
	var v errs.Violations
	o.OnError = strings.ToLower(strings.TrimSpace(o.OnError))
	o.OnDuplicate = strings.ToLower(strings.TrimSpace(o.OnDuplicate))
	switch o.OnError {
	case "":
		o.OnError = OnErrorAbort
	case OnErrorAbort, OnErrorSkip:
	default:
		v.Add("on_error", "must be abort (nothing is written if any row is bad) or skip (good rows are written)")
	}
	switch o.OnDuplicate {
	case "":
		o.OnDuplicate = OnDuplicateCreate
	case OnDuplicateCreate, OnDuplicateSkip, OnDuplicateLink:
	default:
		v.Add("on_duplicate", "must be create, skip or link")
	}
	// The client's own request_id was checked as such (grpcx); the one the
	// edge makes of an Idempotency-Key is prefixed with the client's id.
	validate.Text(&v, "request_id", o.RequestID, 300, false)
	return v.Err()
}

// Counts are an import's row counts.
type Counts struct {
	Rows       int `json:"rows"`
	Processed  int `json:"processed"`
	Valid      int `json:"valid"`
	Invalid    int `json:"invalid"`
	Duplicates int `json:"duplicates"`
	Created    int `json:"created"`
	Skipped    int `json:"skipped"`
	Linked     int `json:"linked"`
}

// ColumnInfo is a column as the import read it.
type ColumnInfo struct {
	Letter string `json:"letter"`
	Header string `json:"header"`
	Field  string `json:"field"`
}

// Import is a spreadsheet import and its result.
type Import struct {
	ID             string
	Kind           string
	Parent         string
	OrganisationID string
	ClientID       string
	// Purpose the uploader declared (recorded with each row's audit event).
	Purpose string
	Options
	Format     string
	Encoding   string
	FileSHA256 string
	Columns    []ColumnInfo
	State      string
	Phase      string
	Counts     Counts
	Progress   int
	// HeaderProblems are the problems of the header row (row 1) that do
	// not refuse the sheet: a date read two ways (Mapping.Unread).
	HeaderProblems []Problem
	// Error of a failed import.
	Error    *errs.Error
	Attempts int
	// Read with the import (capped): problems in sheet order, rows with
	// probable duplicates.
	Problems     []Problem
	ProblemCount int
	Duplicates   []RowDuplicates
	CreateTime   time.Time
	UpdateTime   time.Time
	CompleteTime time.Time
	// Replayed is set (never stored) on the import an upload repeats, as
	// the answer to that upload: nothing of the upload was imported.
	Replayed bool
}

// Done reports whether the import has finished.
func (i *Import) Done() bool { return i.State != StateRunning }

// Match is an existing record a row probably duplicates.
type Match struct {
	ID         string  `json:"id"`
	Score      float64 `json:"score"`
	NameScore  float64 `json:"name_score"`
	BirthScore float64 `json:"birth_score"`
	// Conflict: the record's known data contradicts the row's (a
	// beneficiary born on another day or in another year), so they are
	// probably two persons with one name. Listed for a person to review;
	// the row is not a duplicate of it (Duplicate, Link).
	Conflict bool `json:"conflict,omitempty"`
}

// RowDuplicates are a row's probable duplicates and what became of it.
type RowDuplicates struct {
	Row        int
	Matches    []Match
	SameAs     []int
	Outcome    string
	ResourceID string
}

// StagedRow is a row as staged for the import: its cells, its problems,
// and the keys its duplicates are found by.
type StagedRow struct {
	Row      int
	Cells    []string
	Problems []Problem
	// Person keys: folded names, birth, nationality (beneficiaries); the
	// encoded names and organisation (NameKey, participants).
	NameKey     string
	BirthDate   date.Date
	BirthYear   int
	Nationality string
	// MatchKey is an exact key (participants: the e-mail, "" when none).
	MatchKey string
	// Filled by the check phase.
	Matches []Match
	SameAs  []int
	// Refused: the check phase's finder added problems to the row
	// (FindFunc); they are stored with its duplicates.
	Refused bool
}

// Valid reports whether the row has no problem.
func (r *StagedRow) Valid() bool { return len(r.Problems) == 0 }

// Outcome is what a real import did with a row.
type Outcome struct {
	Row        int
	Outcome    string
	ResourceID string
}

// Upload is a file sent for import.
type Upload struct {
	Kind           string
	Parent         string
	OrganisationID string
	ClientID       string
	Purpose        string
	Options        Options
	ContentType    string
	// Data is the file, in the pieces it came in.
	Data sheet.Pieces
	// Spec, when set, replaces the kind's registered spec (its columns
	// depend on the target, e.g. an event's sessions).
	Spec *Spec
}

// ReasonRowsInvalid is the ErrorInfo reason of an all-or-nothing import
// that wrote nothing for its problems (RowsInvalid).
const ReasonRowsInvalid = "ROWS_INVALID"

// RowsInvalid is the error of an all-or-nothing import with bad rows, or
// with problems of its header row (header: how many). Its message, and
// its ErrorInfo metadata (how many of each: invalid_rows, header_problems,
// which pkg/i18n chooses its localized text by), name the header row when
// it has problems, and it alone when no data row has any.
func RowsInvalid(c Counts, header int) *errs.Error {
	const fix = "; nothing was imported (fix them, or import with on_error=skip)"
	msg := fmt.Sprintf("%d of %d rows have problems", c.Invalid, c.Rows) + fix
	switch {
	case header > 0 && c.Invalid == 0:
		msg = fmt.Sprintf("the header row (row 1) has problems (%d of its cells) and none of the %d rows under it has any; "+
			"nothing was imported (fix it, or import with on_error=skip)", header, c.Rows)
	case header > 0:
		msg = fmt.Sprintf("the header row (row 1) and %d of %d rows have problems", c.Invalid, c.Rows) + fix
	}
	return &errs.Error{Kind: errs.KindInvalidArgument, Reason: ReasonRowsInvalid, Message: msg,
		Metadata: map[string]string{"invalid_rows": strconv.Itoa(c.Invalid), "header_problems": strconv.Itoa(header)}}
}

// Processor carries a running import of one kind to its end. It finds the
// staged rows' duplicates (SetDuplicates) and, unless the import is a dry
// run, writes the rows; it then calls Finish in the transaction of its last
// writes (or on its own, for a dry run). It reports progress as it goes.
// An *errs.Error of a kind the client caused (invalid argument, failed
// precondition, not found, ...) fails the import with that error; any
// other error leaves it to be tried again.
type Processor interface {
	Process(ctx context.Context, imp *Import, report func(phase string, c Counts, percent int)) error
}

// Spec is what a kind of import reads from a sheet.
type Spec struct {
	Columns []Column
	// Dynamic may claim headers no column names (attendance columns).
	Dynamic func(header string) (field string, ok bool)
	// Row reads one data row: its problems and duplicate keys.
	Row func(m Mapping, row int, cells []string) *StagedRow
}
