package export

import (
	"bytes"
	"slices"

	"github.com/spona/spona/pkg/sheet"
	"github.com/spona/spona/services/reporting/internal/domain"
)

// CSV renders the report as CSV with a header row, written by pkg/sheet
// (the writer of every CSV Spona gives out: UTF-8 with a byte order mark,
// cells a spreadsheet would take for a formula prefixed with an
// apostrophe, the baseline, target and value columns as numbers).
func CSV(r *domain.Report) ([]byte, error) {
	var buf bytes.Buffer
	err := sheet.WriteCSV(&buf, sheet.Table{Rows: Rows(r), Numbers: valueColumns})
	return buf.Bytes(), err
}

// valueColumns are the report table's columns written as numbers: the
// figures a donor sums or divides (value against target), which a
// spreadsheet's SUM skips when they are text. Each is a decimal as
// recorded (domain decimals: digits, at most 4 decimals) or empty.
var valueColumns = []int{slices.Index(Header, "baseline"), slices.Index(Header, "target"), slices.Index(Header, "value")}
